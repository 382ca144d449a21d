// The signatures a verdict has checked (firefox_trust.hpp's SignatureMemo): each question is answered as
// verify_signature answers it, and a question that differs in any of its parts is asked anew.
#include <catch2/catch.hpp>

#include "firefox/firefox_trust.hpp"
#include "forge.hpp"
#include "pkix/cert.hpp"

using namespace certdoctor;
using namespace certdoctor::pkix;
namespace forge = testing::forge;

TEST_CASE("Signature memo: a remembered answer is never given to another question", "[firefox][signature]") {
  forge::Cert issuer = forge::make({.cn = "Signer", .ext = {"basicConstraints=critical,CA:TRUE"}, .key = "ec:P-256"}, nullptr);
  forge::Cert other = forge::make({.cn = "Signer", .ext = {"basicConstraints=critical,CA:TRUE"}, .key = "ec:P-256"}, nullptr);
  forge::Cert leaf = forge::make({.cn = "site.test"}, &issuer);
  const std::string leaf_der = leaf.der(), issuer_der = issuer.der(), other_der = other.der();
  Cert c(as_input(leaf_der), Role::end_entity), i(as_input(issuer_der), Role::ca), o(as_input(other_der), Role::ca);
  REQUIRE(c.init() == Result::Success);
  REQUIRE(i.init() == Result::Success);
  REQUIRE(o.init() == Result::Success);
  const SignedData signed_data{c.tbs, c.signature_algorithm, c.signature};

  SignatureMemo memo;
  CHECK(memo.verify(signed_data, i.spki) == Result::Success);
  CHECK(memo.verify(signed_data, i.spki) == Result::Success);  // asked again: remembered
  CHECK(memo.verify(signed_data, o.spki) == Result::BadSignature);  // another key
  // The same signature over other data (one byte of the TBSCertificate changed).
  std::string tbs(as_string(c.tbs));
  tbs[tbs.size() / 2] ^= 0x01;
  CHECK(memo.verify({as_input(tbs), c.signature_algorithm, c.signature}, i.spki) == Result::BadSignature);
  // Other signature bytes over the same data.
  std::string signature(as_string(c.signature));
  signature.back() ^= 0x01;
  CHECK(memo.verify({c.tbs, c.signature_algorithm, as_input(signature)}, i.spki) == Result::BadSignature);
  CHECK(memo.verify(signed_data, i.spki) == Result::Success);
}
