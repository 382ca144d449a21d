// Firefox's check of extendedKeyUsage: serverAuth when the extension is present, never OCSP signing.
#include <catch2/catch.hpp>

#include "issued.hpp"
#include "pkix/checks.hpp"
#include "process.hpp"

using namespace certdoctor::pkix;

TEST_CASE("Checks: extended key usage must name serverAuth when present", "[pkix][checks]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  std::string client = testing::ext_of(pki, "client", {"extendedKeyUsage=clientAuth"});
  Cert c(as_input(client), Role::end_entity);
  REQUIRE(c.init() == Result::Success);
  CHECK(check_ext_key_usage(Role::end_entity, c.ext_key_usage, KeyPurpose::server_auth) == Result::InadequateCertType);
  std::string any = testing::ext_of(pki, "any", {"extendedKeyUsage=anyExtendedKeyUsage"});
  Cert a(as_input(any), Role::end_entity);
  REQUIRE(a.init() == Result::Success);
  CHECK(check_ext_key_usage(Role::end_entity, a.ext_key_usage, KeyPurpose::server_auth) == Result::InadequateCertType);
  std::string ocsp = testing::ext_of(pki, "ocsp", {"extendedKeyUsage=serverAuth,OCSPSigning"});
  Cert o(as_input(ocsp), Role::end_entity);
  REQUIRE(o.init() == Result::Success);
  CHECK(check_ext_key_usage(Role::end_entity, o.ext_key_usage, KeyPurpose::server_auth) == Result::InadequateCertType);
  CHECK(check_ext_key_usage(Role::ca, o.ext_key_usage, KeyPurpose::server_auth) == Result::Success);
}
