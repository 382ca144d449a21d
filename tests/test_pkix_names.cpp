// Host names as Firefox matches them (subjectAltName only, wildcards as one whole label, IPs as IP entries) and
// name constraints, on real certificates made with openssl.
#include <catch2/catch.hpp>

#include "pki.hpp"
#include "pkix/cert.hpp"
#include "pkix/names.hpp"
#include "process.hpp"

using namespace certdoctor::pkix;

namespace {
struct Parsed {
  std::string der;
  Cert cert;
  explicit Parsed(std::string d, Role role = Role::end_entity) : der(std::move(d)), cert(as_input(der), role) {
    REQUIRE(cert.init() == Result::Success);
  }
};
}  // namespace

TEST_CASE("Names: the host must be in subjectAltName; the common name does not count", "[pkix][names]") {
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

TEST_CASE("Names: name constraints of a CA apply to the certificates below it", "[pkix][names]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto root = pki.root("root", {.subject = "/CN=Root"});
  auto leaf_for = [&](const std::string& name, const std::string& san) {
    return Parsed(pki.issue(name, root, {.subject = "/CN=" + name, .extensions = {"subjectAltName=" + san}}).der());
  };
  auto constraints = [&](const std::string& nc) {
    Parsed ca(pki.root("nc" + std::to_string(std::hash<std::string>{}(nc)), {.subject = "/CN=NC CA",
                                                   .extensions = {"basicConstraints=critical,CA:TRUE",
                                                                  "nameConstraints=critical," + nc}})
                  .der(),
              Role::ca);
    REQUIRE(ca.cert.name_constraints);
    return std::string(as_string(*ca.cert.name_constraints));
  };
  const std::string permitted = constraints("permitted;DNS:corp.test");
  CHECK(check_name_constraints(as_input(permitted), leaf_for("in", "DNS:www.corp.test").cert, KeyPurpose::server_auth) == Result::Success);
  CHECK(check_name_constraints(as_input(permitted), leaf_for("apex", "DNS:corp.test").cert, KeyPurpose::server_auth) == Result::Success);
  CHECK(check_name_constraints(as_input(permitted), leaf_for("out", "DNS:evilcorp.test").cert, KeyPurpose::server_auth) ==
        Result::CertNotInNameSpace);
  const std::string excluded = constraints("excluded;DNS:secret.corp.test");
  CHECK(check_name_constraints(as_input(excluded), leaf_for("wild", "DNS:*.corp.test").cert, KeyPurpose::server_auth) ==
        Result::CertNotInNameSpace);  // the wildcard could stand for the excluded name
  CHECK(check_name_constraints(as_input(excluded), leaf_for("fine", "DNS:www.corp.test").cert, KeyPurpose::server_auth) ==
        Result::Success);
  const std::string ips = constraints("permitted;IP:10.0.0.0/255.0.0.0");
  CHECK(check_name_constraints(as_input(ips), leaf_for("ip-in", "IP:10.1.2.3").cert, KeyPurpose::server_auth) == Result::Success);
  CHECK(check_name_constraints(as_input(ips), leaf_for("ip-out", "IP:192.168.0.1").cert, KeyPurpose::server_auth) ==
        Result::CertNotInNameSpace);
}
