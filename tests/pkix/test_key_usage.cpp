// Firefox's check of keyUsage: the usage TLS needs, keyCertSign only on a CA, DER padding.
#include <catch2/catch.hpp>

#include "issued.hpp"
#include "pkix/checks.hpp"
#include "process.hpp"

using namespace certdoctor::pkix;

TEST_CASE("Checks: key usage", "[pkix][checks]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  std::string der = testing::ext_of(pki, "ku", {"keyUsage=critical,digitalSignature"});
  Cert c(as_input(der), Role::end_entity);
  REQUIRE(c.init() == Result::Success);
  CHECK(check_key_usage(Role::end_entity, c.key_usage, KeyUsage::digital_signature) == Result::Success);
  CHECK(check_key_usage(Role::end_entity, c.key_usage, KeyUsage::key_encipherment) == Result::InadequateKeyUsage);
  CHECK(check_key_usage(Role::end_entity, std::nullopt, KeyUsage::key_encipherment) == Result::Success);
  // keyCertSign on a certificate that is not acting as a CA is refused.
  std::string signer = testing::ext_of(pki, "ku2", {"keyUsage=critical,keyCertSign"});
  Cert s(as_input(signer), Role::end_entity);
  REQUIRE(s.init() == Result::Success);
  CHECK(check_key_usage(Role::end_entity, s.key_usage, KeyUsage::key_cert_sign) == Result::InadequateKeyUsage);
  CHECK(check_key_usage(Role::ca, s.key_usage, KeyUsage::key_cert_sign) == Result::Success);
}
