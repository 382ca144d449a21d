// Firefox's revocation policy lives behind the trust domain (FirefoxTrustDomain::check_revocation), not in path
// building: nothing is fetched, but Firefox reads the end entity's authorityInfoAccess for its OCSP address, and a
// malformed one fails every path through that certificate (truth case limbo:webpki::malformed-aia), while an
// intermediate's, or an expired end entity's, is never read. Real certificates from the openssl command line, a real
// cert9.db made with certutil for the verdict.
#include <catch2/catch.hpp>

#include <ctime>
#include <string>

#include "firefox/firefox_trust.hpp"
#include "firefox/verdict.hpp"
#include "pkix/cert.hpp"
#include "profile.hpp"

using namespace certdoctor;
using pkix::Result;
using pkix::Role;

namespace {

// An authorityInfoAccess extension of one access description, as DER in openssl's "DER:" extension syntax:
// SEQUENCE { SEQUENCE { OID method, [6] IA5String uri } }.
std::string aia_der_ext(const std::string& method_oid_hex, const std::string& uri) {
  auto tlv = [](const std::string& tag_hex, const std::string& body_hex) {
    const std::size_t n = body_hex.size() / 2;
    char len[16];
    if (n < 0x80) std::snprintf(len, sizeof len, "%02x", static_cast<unsigned>(n));
    else std::snprintf(len, sizeof len, "82%04x", static_cast<unsigned>(n & 0xffff));
    return tag_hex + len + body_hex;
  };
  std::string uri_hex;
  for (unsigned char c : uri) {
    char b[3];
    std::snprintf(b, sizeof b, "%02x", c);
    uri_hex += b;
  }
  return "authorityInfoAccess=DER:" + tlv("30", tlv("30", tlv("06", method_oid_hex) + tlv("86", uri_hex)));
}

const std::string kOcspOid = "2b06010505073001";       // id-ad-ocsp
const std::string kCaIssuersOid = "2b06010505073002";  // id-ad-caIssuers

struct Leaf {
  std::string der;
  pkix::Cert cert;
  explicit Leaf(std::string d) : der(std::move(d)), cert(pkix::as_input(der), Role::end_entity) {
    REQUIRE(cert.init() == Result::Success);
  }
  const pkix::Input* aia() const { return cert.authority_info_access ? &*cert.authority_info_access : nullptr; }
};

struct Fixture : testing::Workspace {
  testing::Issued root = pki.root("root", {.subject = "/CN=Revocation Test Root", .days = 3650});
  std::string leaf_with(const std::string& name, std::vector<std::string> aia) {
    std::vector<std::string> ext = {"basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment",
                                    "extendedKeyUsage=serverAuth", "subjectAltName=DNS:site.test"};
    ext.insert(ext.end(), aia.begin(), aia.end());
    return pki.issue(name, root, {.subject = "/CN=site.test", .extensions = ext}).der();
  }
};

}  // namespace

TEST_CASE_METHOD(Fixture, "Firefox trust: the end entity's OCSP address is read, never fetched", "[firefox_trust][revocation]") {
  FirefoxTrustDomain td(nullptr, nullptr, {}, 2048);

  const Leaf good(leaf_with("good", {"authorityInfoAccess=OCSP;URI:http://ocsp.test/,caIssuers;URI:http://pki.test/r.cer"}));
  REQUIRE(good.aia());
  CHECK(td.check_revocation(Role::end_entity, good.aia(), false) == Result::Success);

  // An OCSP address holding a NUL, or longer than 1024 bytes, is refused; the same in a caIssuers address is not.
  const Leaf nul(leaf_with("nul", {aia_der_ext(kOcspOid, std::string("http://ocsp.test/\0x", 19))}));
  const Leaf nul_ca(leaf_with("nul-ca", {aia_der_ext(kCaIssuersOid, std::string("http://pki.test/\0x", 18))}));
  const Leaf longest(leaf_with("longest", {aia_der_ext(kOcspOid, "http://ocsp.test/" + std::string(1024 - 17, 'a'))}));
  const Leaf too_long(leaf_with("too-long", {aia_der_ext(kOcspOid, "http://ocsp.test/" + std::string(1025 - 17, 'a'))}));
  CHECK(td.check_revocation(Role::end_entity, nul.aia(), false) == Result::CertBadAccessLocation);
  CHECK(td.check_revocation(Role::end_entity, nul_ca.aia(), false) == Result::Success);
  CHECK(td.check_revocation(Role::end_entity, longest.aia(), false) == Result::Success);
  CHECK(td.check_revocation(Role::end_entity, too_long.aia(), false) == Result::CertBadAccessLocation);

  // Not a list of access descriptions: an empty SEQUENCE, a description without its location.
  const Leaf empty(leaf_with("empty", {"authorityInfoAccess=DER:3000"}));
  const Leaf no_location(leaf_with("no-location", {"authorityInfoAccess=DER:300c300a0608" + kOcspOid}));
  CHECK(td.check_revocation(Role::end_entity, empty.aia(), false) == Result::CertBadAccessLocation);
  CHECK(td.check_revocation(Role::end_entity, no_location.aia(), false) == Result::CertBadAccessLocation);

  // Firefox reads only the end entity's, and not an expired one's; no extension, nothing to read.
  for (const Leaf* bad : {&nul, &too_long, &empty, &no_location}) {
    CHECK(td.check_revocation(Role::ca, bad->aia(), false) == Result::Success);
    CHECK(td.check_revocation(Role::end_entity, bad->aia(), true) == Result::Success);
  }
  const Leaf none(leaf_with("none", {}));
  CHECK(none.aia() == nullptr);
  CHECK(td.check_revocation(Role::end_entity, nullptr, false) == Result::Success);
}

TEST_CASE_METHOD(Fixture, "Firefox trust: a malformed OCSP address fails the verdict through path building, an expired leaf's does not",
                 "[firefox_trust][revocation]") {
  profile.add(root, "Revocation Test Root", "C,,");
  auto store = NssStore::open(profile.dir(), NssStore::Access::read);
  auto verdict = [&](const std::string& leaf, std::int64_t at) {
    return firefox_verdict({{leaf}, "site.test", store.get(), nullptr, at, {}}).result;
  };
  const std::string good = leaf_with("good", {"authorityInfoAccess=OCSP;URI:http://ocsp.test/"});
  const std::string bad = leaf_with("bad", {aia_der_ext(kOcspOid, std::string("http://ocsp.test/\0x", 19))});
  const std::int64_t now = std::time(nullptr) + 60;  // after the certificates' notBefore
  CHECK(verdict(good, now) == Result::Success);
  CHECK(verdict(bad, now) == Result::CertBadAccessLocation);
  // Sixty days on, both leaves have expired (30 days of validity), the root has not: the address is no longer read,
  // the expiry is the error.
  CHECK(verdict(good, now + 60 * 86400) == Result::ExpiredCertificate);
  CHECK(verdict(bad, now + 60 * 86400) == Result::ExpiredCertificate);
}
