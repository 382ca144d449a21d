// Firefox's checks of the validity period and of the issuer name.
#include <catch2/catch.hpp>

#include "pkix/checks.hpp"
#include "process.hpp"

using namespace certdoctor::pkix;

TEST_CASE("Checks: validity and issuer name", "[pkix][checks]") {
  CHECK(check_validity(100, 50, 200) == Result::Success);
  CHECK(check_validity(49, 50, 200) == Result::NotYetValidCertificate);
  CHECK(check_validity(201, 50, 200) == Result::ExpiredCertificate);
  CHECK(check_validity(200, 50, 200) == Result::Success);  // the last second still counts
  const std::uint8_t empty[] = {0x30, 0x00};
  CHECK(check_issuer_name(Input(empty)) == Result::EmptyIssuerName);
}
