// The extensions Firefox understands: an unknown critical one, a duplicate, a truncated certificate.
#include <catch2/catch.hpp>

#include "issued.hpp"
#include "pkix/checks.hpp"
#include "process.hpp"

using namespace certdoctor::pkix;

TEST_CASE("Checks: unknown critical extensions and duplicates make the certificate unusable", "[pkix][checks]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  std::string crit = testing::ext_of(pki, "crit", {"1.3.6.1.4.1.55555.7=critical,DER:05:00"});
  Cert c(as_input(crit), Role::end_entity);
  CHECK(c.init() == Result::UnknownCriticalExtension);
  std::string noncrit = testing::ext_of(pki, "noncrit", {"1.3.6.1.4.1.55555.7=DER:05:00"});
  Cert n(as_input(noncrit), Role::end_entity);
  CHECK(n.init() == Result::Success);
  // A truncated certificate is a DER error, not a crash.
  std::string cut = crit.substr(0, crit.size() - 5);
  Cert t(as_input(cut), Role::end_entity);
  CHECK(t.init() == Result::BadDer);
}
