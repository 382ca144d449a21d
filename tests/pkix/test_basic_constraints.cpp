// Firefox's check of basicConstraints: who may act as a CA, version 1 certificates, path length.
#include <catch2/catch.hpp>

#include "issued.hpp"
#include "pkix/checks.hpp"
#include "process.hpp"

using namespace certdoctor::pkix;

TEST_CASE("Checks: basic constraints decide who may be a CA and how deep", "[pkix][checks]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  std::string ca = testing::ext_of(pki, "ca", {"basicConstraints=critical,CA:TRUE,pathlen:1"});
  Cert c(as_input(ca), Role::ca);
  REQUIRE(c.init() == Result::Success);
  CHECK(check_basic_constraints(Role::ca, c.basic_constraints, c.version, TrustLevel::inherits_trust, 1) == Result::Success);
  CHECK(check_basic_constraints(Role::ca, c.basic_constraints, c.version, TrustLevel::inherits_trust, 2) ==
        Result::PathLenConstraintInvalid);
  CHECK(check_basic_constraints(Role::end_entity, c.basic_constraints, c.version, TrustLevel::inherits_trust, 0) ==
        Result::CaCertUsedAsEndEntity);
  std::string ee = testing::ext_of(pki, "ee", {"basicConstraints=CA:FALSE"});
  Cert e(as_input(ee), Role::ca);
  REQUIRE(e.init() == Result::Success);
  CHECK(check_basic_constraints(Role::ca, e.basic_constraints, e.version, TrustLevel::inherits_trust, 0) == Result::CaCertInvalid);
  // version 1: only a trust anchor may act as a CA
  CHECK(check_basic_constraints(Role::ca, std::nullopt, 0, TrustLevel::inherits_trust, 0) == Result::V1CertUsedAsCa);
  CHECK(check_basic_constraints(Role::ca, std::nullopt, 0, TrustLevel::trust_anchor, 0) == Result::Success);
  CHECK(check_basic_constraints(Role::ca, std::nullopt, 2, TrustLevel::trust_anchor, 0) == Result::CaCertInvalid);
}
