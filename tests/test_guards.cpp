// Tests written for the mutation check (tools/mutate.mjs, tools/mutants.json): each kills a mutant the other tests
// let through, or killed only by accident, at a place a promise of certdoctor rests on.
#include <catch2/catch.hpp>

#include <set>
#include <sstream>

#include "audit/analysis.hpp"
#include "audit/collisions.hpp"
#include "audit/scan_input.hpp"
#include "audit/trust_set.hpp"
#include "process.hpp"

using namespace certdoctor;
using namespace certdoctor::audit;

namespace {

std::vector<Observation> read_fixture(const std::string& name) {
  const std::string text = testing::read_file(std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "tests/data/audit" / name);
  std::istringstream in(text);
  std::vector<Observation> out;
  read_scan(detect_input(text.substr(0, 4096)), in, {name, 443, [&](Observation&& o) { out.push_back(std::move(o)); }});
  return out;
}

}  // namespace

// mutant audit-groups-printed-serials: the endpoints exactly as the audit reports them (printed issuer and serial
// filled in by analyse), so that a grouping by the printed text, not the DER bytes NSS compares, shows.
TEST_CASE("Guards: audit groups endpoints whose issuer and serial are equal as DER, not as printed text", "[audit][guards]") {
  const TrustSet trust = TrustSet::open(std::nullopt, {});
  std::vector<EndpointReport> all;
  for (const auto& o : read_fixture("zgrab2-fleet.jsonl")) all.push_back(analyse(o, trust, {.now = 1'800'000'000}));
  // The two "Printable Twin" endpoints: one issuer name in PrintableString, one in UTF8String; they print alike.
  std::vector<const EndpointReport*> printable;
  for (const auto& e : all) {
    if (e.reachable && e.subject.find("Printable Twin") != std::string::npos) printable.push_back(&e);
  }
  REQUIRE(printable.size() == 2);
  REQUIRE(printable[0]->issuer == printable[1]->issuer);
  REQUIRE(printable[0]->serial == printable[1]->serial);
  REQUIRE(printable[0]->sha256 != printable[1]->sha256);
  REQUIRE(printable[0]->issuer_der != printable[1]->issuer_der);  // the fixture's point: different bytes

  CollisionIndex index;
  for (const auto& e : all) index.note(e);
  for (const auto& e : all) index.collect(e);
  std::set<std::string> grouped;
  for (const auto& g : index.groups()) {
    for (const auto& m : g.members) grouped.insert(m.endpoint);
  }
  CHECK_FALSE(grouped.contains(printable[0]->endpoint));
  CHECK_FALSE(grouped.contains(printable[1]->endpoint));
  // The real twins of the fixture are still found (the check above is not passed by finding nothing).
  CHECK(grouped.contains("192.0.2.10:443"));
  CHECK(grouped.contains("192.0.2.11:443"));
}
