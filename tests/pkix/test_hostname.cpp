// Host names as Firefox matches them: subjectAltName only, wildcards as one whole label, IPs as IP entries; on
// real certificates made with openssl.
#include <catch2/catch.hpp>

#include "issued.hpp"
#include "pki.hpp"
#include "pkix/cert.hpp"
#include "pkix/names.hpp"
#include "process.hpp"

using namespace certdoctor::pkix;

using testing::Parsed;

TEST_CASE("Names: the host must be in subjectAltName, the common name does not count", "[pkix][names]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto root = pki.root("root", {.subject = "/CN=Root"});
  Parsed san(pki.issue("san", root, {.subject = "/CN=ignored.test",
                                     .extensions = {"subjectAltName=DNS:www.site.test,DNS:*.dev.site.test,IP:10.0.0.7"}})
                 .der());
  CHECK(check_hostname(san.cert, "www.site.test", true) == Result::Success);
  CHECK(check_hostname(san.cert, "WWW.Site.Test", true) == Result::Success);
  CHECK(check_hostname(san.cert, "www.site.test.", true) == Result::Success);  // absolute name
  CHECK(check_hostname(san.cert, "a.dev.site.test", true) == Result::Success);
  CHECK(check_hostname(san.cert, "a.b.dev.site.test", true) == Result::BadCertDomain);  // one label only
  CHECK(check_hostname(san.cert, "dev.site.test", true) == Result::BadCertDomain);
  CHECK(check_hostname(san.cert, "ignored.test", true) == Result::BadCertDomain);      // no CN fallback
  CHECK(check_hostname(san.cert, "10.0.0.7", true) == Result::Success);
  CHECK(check_hostname(san.cert, "10.0.0.8", true) == Result::BadCertDomain);

  Parsed cn_only(pki.issue("cn", root, {.subject = "/CN=device.test", .extensions = {"basicConstraints=CA:FALSE"}}).der());
  CHECK(check_hostname(cn_only.cert, "device.test", true) == Result::BadCertDomain);

  Parsed ip_as_dns(pki.issue("ipdns", root, {.subject = "/CN=x", .extensions = {"subjectAltName=DNS:192.168.1.1"}}).der());
  CHECK(check_hostname(ip_as_dns.cert, "192.168.1.1", true) == Result::BadCertDomain);  // an IP needs an IP entry
}

TEST_CASE("Names: DNS-ID syntax in its three roles", "[pkix][names]") {
  CHECK(is_valid_dns_id("a-b.example.test", DnsIdRole::presented));
  CHECK(is_valid_dns_id("_dmarc.example.test", DnsIdRole::presented));
  CHECK(is_valid_dns_id("*.example.test", DnsIdRole::presented));
  CHECK_FALSE(is_valid_dns_id("*.test", DnsIdRole::presented));        // wildcard over a whole TLD
  CHECK_FALSE(is_valid_dns_id("f*o.example.test", DnsIdRole::presented));
  CHECK_FALSE(is_valid_dns_id("*.example.test", DnsIdRole::reference));
  CHECK_FALSE(is_valid_dns_id("-a.example.test", DnsIdRole::presented));
  CHECK_FALSE(is_valid_dns_id("a..test", DnsIdRole::presented));
  CHECK_FALSE(is_valid_dns_id("example.test.", DnsIdRole::presented));
  CHECK(is_valid_dns_id("example.test.", DnsIdRole::reference));
  CHECK_FALSE(is_valid_dns_id("1.2.3.4", DnsIdRole::reference));     // digits-only last label
  CHECK(is_valid_dns_id("", DnsIdRole::constraint));
  CHECK(is_valid_dns_id(".corp.test", DnsIdRole::constraint));
}
