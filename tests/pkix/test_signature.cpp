// The one signature check: verify_signature on signed data and a key, and verify_signed_by on two certificates
// (which the conflicts use to tell a stale issuer from the real one). Certificates forged in-process.
#include <catch2/catch.hpp>

#include "forge.hpp"
#include "pkix/cert.hpp"
#include "pkix/signature.hpp"

using namespace certdoctor::pkix;
namespace forge = testing::forge;

TEST_CASE("Signature: the issuer's key verifies, the same name with another key does not", "[pkix][signature]") {
  const std::vector<std::string> ca = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"};
  // RSA and the three curves go through the key's parts (signature.cpp's public_key); the rest the general way.
  for (const char* kind : {"rsa2048", "rsa1024", "ec:P-256", "ec:P-384", "ec:P-521"}) {
    INFO(kind);
    forge::Cert issuer = forge::make({.cn = "Signer", .ext = ca, .key = kind}, nullptr);
    forge::Cert rekeyed = forge::make({.cn = "Signer", .ext = ca, .key = kind}, nullptr);
    forge::Cert leaf = forge::make({.cn = "site.test", .ext = {"subjectAltName=DNS:site.test"}}, &issuer);
    const std::string leaf_der = leaf.der(), issuer_der = issuer.der(), rekeyed_der = rekeyed.der();
    CHECK(verify_signed_by(as_input(leaf_der), as_input(issuer_der)) == Result::Success);
    CHECK(verify_signed_by(as_input(leaf_der), as_input(rekeyed_der)) == Result::BadSignature);
    // The same check on the parts path building hands over.
    Cert c(as_input(leaf_der), Role::end_entity), i(as_input(issuer_der), Role::ca);
    REQUIRE(c.init() == Result::Success);
    REQUIRE(i.init() == Result::Success);
    CHECK(verify_signature({c.tbs, c.signature_algorithm, c.signature}, i.spki) == Result::Success);
    // One flipped bit of the signed data.
    std::string tampered = leaf_der;
    tampered[tampered.size() / 3] ^= 0x01;
    CHECK(verify_signed_by(as_input(tampered), as_input(issuer_der)) != Result::Success);
  }
}

TEST_CASE("Signature: what cannot be read is not called a bad signature", "[pkix][signature]") {
  forge::Cert issuer = forge::make({.cn = "Signer", .ext = {"basicConstraints=critical,CA:TRUE"}}, nullptr);
  const std::string issuer_der = issuer.der();
  const std::string garbage = "\x30\x03\x02\x01\x01";
  CHECK(verify_signed_by(as_input(garbage), as_input(issuer_der)) == Result::BadDer);
  // DSA is not among Firefox's signature algorithms.
  forge::Cert dsa = forge::make({.cn = "DSA Signer", .ext = {"basicConstraints=critical,CA:TRUE"}, .key = "dsa"}, nullptr);
  forge::Cert signed_by_dsa = forge::make({.cn = "site.test"}, &dsa);
  const std::string a = signed_by_dsa.der(), b = dsa.der();
  CHECK(verify_signed_by(as_input(a), as_input(b)) == Result::SignatureAlgorithmDisabled);
}

TEST_CASE("Signature: a key whose parts are wrong verifies nothing", "[pkix][signature]") {
  const std::vector<std::string> ca = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"};
  for (const char* kind : {"ec:P-256", "rsa2048"}) {
    INFO(kind);
    forge::Cert issuer = forge::make({.cn = "Signer", .ext = ca, .key = kind}, nullptr);
    forge::Cert leaf = forge::make({.cn = "site.test"}, &issuer);
    const std::string leaf_der = leaf.der(), issuer_der = issuer.der();
    Cert c(as_input(leaf_der), Role::end_entity), i(as_input(issuer_der), Role::ca);
    REQUIRE(c.init() == Result::Success);
    REQUIRE(i.init() == Result::Success);
    const std::string spki(as_string(i.spki));
    REQUIRE(verify_signature({c.tbs, c.signature_algorithm, c.signature}, as_input(spki)) == Result::Success);
    // The key's last octet changed: an EC point off the curve, an RSA modulus of other value.
    std::string changed = spki;
    changed.back() ^= 0x01;
    CHECK(verify_signature({c.tbs, c.signature_algorithm, c.signature}, as_input(changed)) == Result::BadSignature);
    // Cut short: nothing that can be read as a key.
    const std::string cut = spki.substr(0, spki.size() / 2);
    CHECK(verify_signature({c.tbs, c.signature_algorithm, c.signature}, as_input(cut)) == Result::BadSignature);
  }
}
