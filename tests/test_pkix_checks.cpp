// Firefox's checks of one certificate on its own: key usage, basic constraints, extended key usage, validity,
// the issuer name, and the extensions it understands.
#include <catch2/catch.hpp>

#include "pki.hpp"
#include "pkix/checks.hpp"
#include "process.hpp"

using namespace certdoctor::pkix;

namespace {
std::string ext_of(testing::Pki& pki, const std::string& name, std::vector<std::string> ext, bool ca = false) {
  static int n = 0;
  auto root = pki.root(name + "-root" + std::to_string(n++), {.subject = "/CN=R"});
  return pki.issue(name, root, {.subject = "/CN=" + name, .extensions = std::move(ext)}, ca).der();
}
}  // namespace

TEST_CASE("Checks: key usage", "[pkix][checks]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  std::string der = ext_of(pki, "ku", {"keyUsage=critical,digitalSignature"});
  Cert c(as_input(der), Role::end_entity);
  REQUIRE(c.init() == Result::Success);
  CHECK(check_key_usage(Role::end_entity, c.key_usage, KeyUsage::digital_signature) == Result::Success);
  CHECK(check_key_usage(Role::end_entity, c.key_usage, KeyUsage::key_encipherment) == Result::InadequateKeyUsage);
  CHECK(check_key_usage(Role::end_entity, std::nullopt, KeyUsage::key_encipherment) == Result::Success);
  // keyCertSign on a certificate that is not acting as a CA is refused.
  std::string signer = ext_of(pki, "ku2", {"keyUsage=critical,keyCertSign"});
  Cert s(as_input(signer), Role::end_entity);
  REQUIRE(s.init() == Result::Success);
  CHECK(check_key_usage(Role::end_entity, s.key_usage, KeyUsage::key_cert_sign) == Result::InadequateKeyUsage);
  CHECK(check_key_usage(Role::ca, s.key_usage, KeyUsage::key_cert_sign) == Result::Success);
}

TEST_CASE("Checks: basic constraints decide who may be a CA and how deep", "[pkix][checks]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  std::string ca = ext_of(pki, "ca", {"basicConstraints=critical,CA:TRUE,pathlen:1"});
  Cert c(as_input(ca), Role::ca);
  REQUIRE(c.init() == Result::Success);
  CHECK(check_basic_constraints(Role::ca, c.basic_constraints, c.version, TrustLevel::inherits_trust, 1) == Result::Success);
  CHECK(check_basic_constraints(Role::ca, c.basic_constraints, c.version, TrustLevel::inherits_trust, 2) ==
        Result::PathLenConstraintInvalid);
  CHECK(check_basic_constraints(Role::end_entity, c.basic_constraints, c.version, TrustLevel::inherits_trust, 0) ==
        Result::CaCertUsedAsEndEntity);
  std::string ee = ext_of(pki, "ee", {"basicConstraints=CA:FALSE"});
  Cert e(as_input(ee), Role::ca);
  REQUIRE(e.init() == Result::Success);
  CHECK(check_basic_constraints(Role::ca, e.basic_constraints, e.version, TrustLevel::inherits_trust, 0) == Result::CaCertInvalid);
  // version 1: only a trust anchor may act as a CA
  CHECK(check_basic_constraints(Role::ca, std::nullopt, 0, TrustLevel::inherits_trust, 0) == Result::V1CertUsedAsCa);
  CHECK(check_basic_constraints(Role::ca, std::nullopt, 0, TrustLevel::trust_anchor, 0) == Result::Success);
  CHECK(check_basic_constraints(Role::ca, std::nullopt, 2, TrustLevel::trust_anchor, 0) == Result::CaCertInvalid);
}

TEST_CASE("Checks: extended key usage must name serverAuth when present", "[pkix][checks]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  std::string client = ext_of(pki, "client", {"extendedKeyUsage=clientAuth"});
  Cert c(as_input(client), Role::end_entity);
  REQUIRE(c.init() == Result::Success);
  CHECK(check_ext_key_usage(Role::end_entity, c.ext_key_usage, KeyPurpose::server_auth) == Result::InadequateCertType);
  std::string any = ext_of(pki, "any", {"extendedKeyUsage=anyExtendedKeyUsage"});
  Cert a(as_input(any), Role::end_entity);
  REQUIRE(a.init() == Result::Success);
  CHECK(check_ext_key_usage(Role::end_entity, a.ext_key_usage, KeyPurpose::server_auth) == Result::InadequateCertType);
  std::string ocsp = ext_of(pki, "ocsp", {"extendedKeyUsage=serverAuth,OCSPSigning"});
  Cert o(as_input(ocsp), Role::end_entity);
  REQUIRE(o.init() == Result::Success);
  CHECK(check_ext_key_usage(Role::end_entity, o.ext_key_usage, KeyPurpose::server_auth) == Result::InadequateCertType);
  CHECK(check_ext_key_usage(Role::ca, o.ext_key_usage, KeyPurpose::server_auth) == Result::Success);
}

TEST_CASE("Checks: validity and issuer name", "[pkix][checks]") {
  CHECK(check_validity(100, 50, 200) == Result::Success);
  CHECK(check_validity(49, 50, 200) == Result::NotYetValidCertificate);
  CHECK(check_validity(201, 50, 200) == Result::ExpiredCertificate);
  CHECK(check_validity(200, 50, 200) == Result::Success);  // the last second still counts
  const std::uint8_t empty[] = {0x30, 0x00};
  CHECK(check_issuer_name(Input(empty)) == Result::EmptyIssuerName);
}

TEST_CASE("Checks: unknown critical extensions and duplicates make the certificate unusable", "[pkix][checks]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  std::string crit = ext_of(pki, "crit", {"1.3.6.1.4.1.55555.7=critical,DER:05:00"});
  Cert c(as_input(crit), Role::end_entity);
  CHECK(c.init() == Result::UnknownCriticalExtension);
  std::string noncrit = ext_of(pki, "noncrit", {"1.3.6.1.4.1.55555.7=DER:05:00"});
  Cert n(as_input(noncrit), Role::end_entity);
  CHECK(n.init() == Result::Success);
  // A truncated certificate is a DER error, not a crash.
  std::string cut = crit.substr(0, crit.size() - 5);
  Cert t(as_input(cut), Role::end_entity);
  CHECK(t.init() == Result::BadDer);
}
