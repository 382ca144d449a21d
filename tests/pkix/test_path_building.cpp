// Path building on its own, with small trust domains written here: certificates forged in-process, anchors and
// candidates named by the test, nothing from NSS or Firefox. Each case is one rule of mozilla::pkix's search.
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "forge.hpp"
#include "pkix/build.hpp"
#include "pkix/signature.hpp"

using namespace certdoctor::pkix;
namespace forge = testing::forge;

namespace {

const std::int64_t kNow = forge::utc(2030, 1, 1);
const std::vector<std::string> kCa = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign,cRLSign"};
const std::vector<std::string> kLeaf = {"basicConstraints=critical,CA:FALSE",
                                        "keyUsage=critical,digitalSignature,keyEncipherment",
                                        "extendedKeyUsage=serverAuth", "subjectAltName=DNS:site.test"};

// A trust domain of the test's own: the anchors and the distrusted certificates it names, every candidate offered in
// the order given, Firefox's key and digest rules left out.
struct SmallDomain final : TrustDomain {
  std::vector<std::string> anchors, distrusted, candidates;
  std::optional<Result> trust_failure;  // what get_trust answers instead (a database that broke)
  Result revocation = Result::Success;  // the end entity's revocation status
  std::vector<Role> revocation_checked;
  std::vector<std::string> chain;       // the last chain handed to is_chain_valid, end entity first
  int issuers_offered = 0;

  static bool holds(const std::vector<std::string>& set, Input der) {
    return std::find(set.begin(), set.end(), as_string(der)) != set.end();
  }
  Result get_trust(Role, Input der, TrustLevel& level) override {
    level = TrustLevel::inherits_trust;
    if (trust_failure) return *trust_failure;
    if (holds(anchors, der)) level = TrustLevel::trust_anchor;
    if (holds(distrusted, der)) level = TrustLevel::actively_distrusted;
    return Result::Success;
  }
  Result find_issuers(Input, const IssuerCheck& check) override {
    bool keep_going = true;
    for (const auto& c : candidates) {
      ++issuers_offered;
      CERTDOCTOR_TRY(check(as_input(c), keep_going));
      if (!keep_going) break;
    }
    return Result::Success;
  }
  Result is_chain_valid(const std::vector<Input>& path) override {
    chain.clear();
    for (Input der : path) chain.emplace_back(as_string(der));
    return Result::Success;
  }
  Result check_revocation(Role role, const Input*, bool) override {
    revocation_checked.push_back(role);
    return role == Role::end_entity ? revocation : Result::Success;
  }
  Result check_digest(DigestAlgorithm, Role) override { return Result::Success; }
  Result check_rsa_bits(Role, unsigned) override { return Result::Success; }
  Result check_curve(Role, NamedCurve) override { return Result::Success; }
  Result verify_signed_data(const SignedData& sd, Input spki) override { return verify_signature(sd, spki); }
};

BuildOutcome build(SmallDomain& td, const forge::Cert& leaf) {
  const std::string der = leaf.der();
  return build_chain(td, as_input(der), kNow, KeyUsage::digital_signature, KeyPurpose::server_auth);
}

struct Pki {
  forge::Cert root = forge::make({.cn = "Root", .ext = kCa, .key = "ec:P-256", .serial = "01"}, nullptr);
  forge::Cert inter = forge::make({.cn = "Intermediate", .ext = kCa, .key = "ec:P-256", .serial = "02"}, &root);
  forge::Cert leaf = forge::make({.cn = "site.test", .ext = kLeaf, .key = "ec:P-256", .serial = "03"}, &inter);
};

}  // namespace

TEST_CASE("Path building: leaf, intermediate, anchor, the chain is handed over end entity first", "[pkix][build]") {
  Pki p;
  SmallDomain td;
  td.anchors = {p.root.der()};
  td.candidates = {p.inter.der(), p.root.der()};
  BuildOutcome out = build(td, p.leaf);
  CHECK(out.result == Result::Success);
  REQUIRE(td.chain.size() == 3);
  CHECK(td.chain[0] == p.leaf.der());
  CHECK(td.chain[1] == p.inter.der());
  CHECK(td.chain[2] == p.root.der());
  // Revocation is asked once per certificate under its issuer, the trust domain deciding what it means.
  CHECK(std::count(td.revocation_checked.begin(), td.revocation_checked.end(), Role::end_entity) == 1);
}

TEST_CASE("Path building: without an anchor the issuer is unknown", "[pkix][build]") {
  Pki p;
  SmallDomain td;
  td.candidates = {p.inter.der(), p.root.der()};
  CHECK(build(td, p.leaf).result == Result::UnknownIssuer);
  SmallDomain none;
  CHECK(build(none, p.leaf).result == Result::UnknownIssuer);
}

TEST_CASE("Path building: a candidate with the right name and the wrong key is passed over", "[pkix][build]") {
  Pki p;
  // Re-made under the same name with a new key: it did not sign the leaf.
  forge::Cert impostor = forge::make({.cn = "Intermediate", .ext = kCa, .key = "ec:P-256", .serial = "09"}, &p.root);
  SmallDomain td;
  td.anchors = {p.root.der()};
  td.candidates = {impostor.der(), p.inter.der(), p.root.der()};
  BuildOutcome out = build(td, p.leaf);
  CHECK(out.result == Result::Success);
  // The leaf's own candidates (depth 0) in the order tried: the impostor failed on its signature, then the real one.
  std::vector<Attempt> tried;
  for (const auto& a : out.attempts) {
    if (a.depth == 0) tried.push_back(a);
  }
  REQUIRE(tried.size() == 2);
  CHECK(tried[0].issuer_der == impostor.der());
  CHECK(tried[0].result == Result::BadSignature);
  CHECK(tried[1].issuer_der == p.inter.der());
  CHECK(tried[1].result == Result::Success);
  CHECK(td.chain.at(1) == p.inter.der());
  // Alone, the impostor's failure is the one reported.
  SmallDomain only;
  only.anchors = {p.root.der()};
  only.candidates = {impostor.der(), p.root.der()};
  CHECK(build(only, p.leaf).result == Result::BadSignature);
}

TEST_CASE("Path building: an issuer's own failure is named as the issuer's", "[pkix][build]") {
  Pki p;
  forge::Cert expired = forge::make({.cn = "Intermediate", .ext = kCa, .key = "ec:P-256", .from = forge::utc(2020, 1, 1),
                                     .to = forge::utc(2021, 1, 1), .serial = "0a", .reuse_key = &p.inter.key},
                                    &p.root);
  SmallDomain td;
  td.anchors = {p.root.der()};
  td.candidates = {expired.der(), p.root.der()};
  CHECK(build(td, p.leaf).result == Result::ExpiredIssuerCertificate);

  SmallDomain distrust;
  distrust.anchors = {p.root.der()};
  distrust.distrusted = {p.inter.der()};
  distrust.candidates = {p.inter.der(), p.root.der()};
  CHECK(build(distrust, p.leaf).result == Result::UntrustedIssuer);

  // Two candidates failing for different reasons: no single reason, the issuer is unknown.
  SmallDomain both;
  both.anchors = {p.root.der()};
  both.distrusted = {p.inter.der()};
  both.candidates = {expired.der(), p.inter.der(), p.root.der()};
  CHECK(build(both, p.leaf).result == Result::UnknownIssuer);
}

TEST_CASE("Path building: loops end, and paths longer than six intermediates are refused", "[pkix][build]") {
  // Two CAs with one name and one key, each signing the other: the same certificate never appears twice.
  forge::Key key = forge::make_key("ec:P-256");
  forge::Cert a = forge::make({.cn = "Loop", .ext = kCa, .serial = "0b", .reuse_key = &key}, nullptr);
  forge::Cert b = forge::make({.cn = "Loop", .ext = kCa, .serial = "0c", .reuse_key = &key}, &a);
  forge::Cert leaf = forge::make({.cn = "site.test", .ext = kLeaf, .serial = "0d", .reuse_key = &key}, &b);
  SmallDomain loop;
  loop.candidates = {a.der(), b.der()};
  CHECK(build(loop, leaf).result == Result::UnknownIssuer);

  // A line of CAs, each named after its depth: 7 intermediates under the anchor is one too many.
  std::vector<forge::Cert> line = {forge::make({.cn = "CA 0", .ext = kCa, .reuse_key = &key}, nullptr)};
  for (int i = 1; i <= 7; ++i) line.push_back(forge::make({.cn = "CA " + std::to_string(i), .ext = kCa, .reuse_key = &key}, &line.back()));
  auto leaf_under = [&](std::size_t depth) {
    return forge::make({.cn = "site.test", .ext = kLeaf, .reuse_key = &key}, &line[depth]);
  };
  auto path_of = [&](std::size_t depth) {
    SmallDomain td;
    td.anchors = {line[0].der()};
    for (std::size_t i = 0; i <= depth; ++i) td.candidates.push_back(line[i].der());
    return build(td, leaf_under(depth)).result;
  };
  CHECK(path_of(6) == Result::Success);        // 6 intermediates
  CHECK(path_of(7) == Result::UnknownIssuer);  // 7
}

TEST_CASE("Path building: a failed revocation check ends the search, a fatal error ends it at once", "[pkix][build]") {
  Pki p;
  SmallDomain revoked;
  revoked.anchors = {p.root.der()};
  revoked.candidates = {p.inter.der(), p.inter.der(), p.root.der()};
  revoked.revocation = Result::CertBadAccessLocation;
  CHECK(build(revoked, p.leaf).result == Result::CertBadAccessLocation);
  // The second copy of the intermediate was not tried: the end entity's revocation failed for good.
  CHECK(std::count(revoked.revocation_checked.begin(), revoked.revocation_checked.end(), Role::end_entity) == 1);

  // A trust domain whose database broke: the library failure comes back as it is, not as an unknown issuer.
  SmallDomain broken;
  broken.candidates = {p.inter.der(), p.root.der()};
  broken.trust_failure = Result::FatalLibraryFailure;
  CHECK(build(broken, p.leaf).result == Result::FatalLibraryFailure);
  CHECK(broken.issuers_offered == 0);
}
