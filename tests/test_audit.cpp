// `certdoctor audit` as an admin runs it: the real CLI over real pipes, endpoints served on loopback by one
// process (TlsFarm) and by openssl s_server over IPv6, verdicts against the built-in roots, --trust CAs and a real
// cert9.db made with certutil; every output format, and the exit codes monitoring relies on.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <ctime>
#include <fstream>
#include <set>

#include <openssl/pem.h>

#include "forge.hpp"
#include "pki.hpp"
#include "process.hpp"
#include "profile.hpp"
#include "servers.hpp"
#include "tls_farm.hpp"

using json = nlohmann::json;
using namespace testing;

namespace {

const std::vector<std::string> kCaExt = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"};

forge::Cert load(const Issued& issued) {
  // A certificate and key made by the openssl command line (full distinguished names), for the farm.
  auto read = [](const std::filesystem::path& p) { return read_file(p); };
  std::string cert_pem = read(issued.cert), key_pem = read(issued.key);
  BIO* b = BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size()));
  X509* x = PEM_read_bio_X509(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  b = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* k = PEM_read_bio_PrivateKey(b, nullptr, nullptr, nullptr);
  BIO_free(b);
  REQUIRE(x);
  REQUIRE(k);
  return forge::Cert{std::shared_ptr<X509>(x, X509_free), forge::Key{std::shared_ptr<EVP_PKEY>(k, EVP_PKEY_free)}};
}

// The fleet: two iDRACs with the factory certificate's names and serial 01 (different keys), a site issued by
// an internal CA, a device whose certificate expires in 5 days, and a device with a 1024-bit RSA key.
struct Fleet {
  TempDir dir;
  Pki pki{dir.path()};
  forge::Cert root = forge::make({.cn = "Audit Test Root", .ext = kCaExt, .key = "ec:P-256"}, nullptr);
  forge::Cert site = forge::make({.cn = "site.test", .ext = {"subjectAltName=IP:127.0.0.1", "extendedKeyUsage=serverAuth"},
                                  .key = "ec:P-256"}, &root);
  forge::Cert soon = forge::make({.cn = "soon.test", .key = "ec:P-256", .from = std::time(nullptr) - 86400,
                                  .to = std::time(nullptr) + 5 * 86400 + 3600}, nullptr);
  forge::Cert weak = forge::make({.cn = "=HYPERLINK(\"x\")", .key = "rsa1024"}, nullptr);
  std::vector<FarmEndpoint> endpoints;
  std::unique_ptr<TlsFarm> farm;
  std::filesystem::path root_pem = dir / "root.pem";

  Fleet() {
    const std::string dell = "/C=US/L=Round Rock/O=Dell Inc./OU=Remote Access Group/CN=iDRAC default certificate";
    endpoints.push_back({load(pki.device("idrac1", {.subject = dell, .serial = "01", .days = 400}))});
    endpoints.push_back({load(pki.device("idrac2", {.subject = dell, .serial = "01", .days = 400}))});
    endpoints.push_back({site});
    endpoints.push_back({soon});
    endpoints.push_back({weak});
    farm = std::make_unique<TlsFarm>(endpoints);
    write_file(root_pem, root.pem());
  }
  std::string endpoint(std::size_t i) const { return "127.0.0.1:" + std::to_string(farm->ports().at(i)); }
  std::filesystem::path targets(const std::vector<std::size_t>& which, const std::string& extra = "") {
    std::string text = "# loopback fleet\n";
    for (auto i : which) text += endpoint(i) + "\n";
    auto p = dir / ("targets-" + std::to_string(which.size()) + std::to_string(extra.size()) + ".txt");
    write_file(p, text + extra);
    return p;
  }
};

RunResult audit(const std::vector<std::string>& args) {
  std::vector<std::string> argv{bin("certdoctor").string(), "audit"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

const json* endpoint_in(const json& report, const std::string& name) {
  for (const auto& e : report["endpoints"]) {
    if (e["endpoint"] == name) return &e;
  }
  return nullptr;
}

bool has_finding(const json& e, const std::string& code) {
  for (const auto& f : e["findings"]) {
    if (f["code"] == code) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("audit: loopback endpoints fetched and judged; the iDRAC twins are one group with the device and the fix; exit 1",
          "[audit]") {
  Fleet f;
  auto r = audit({f.targets({0, 1, 2, 3, 4}).string(), "--json", "--expiring", "10"});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  json j = json::parse(r.out);
  CHECK(j["summary"]["endpoints"] == 5);
  CHECK(j["summary"]["reachable"] == 5);
  REQUIRE(j["collisions"].size() == 1);
  const json& g = j["collisions"][0];
  CHECK(g["kind"] == "twins");
  // Self-signed and trusted by nothing here: Firefox rarely refuses one for the other (tests/truth/sequences.json).
  CHECK(g["when"] == "once_trusted_or_stored");
  CHECK(g["serial"] == "01");
  CHECK(g["device"]["vendor"] == "Dell");
  CHECK(g["endpoints"].size() == 2);
  std::set<std::string> members{g["endpoints"][0]["endpoint"], g["endpoints"][1]["endpoint"]};
  CHECK(members == std::set<std::string>{f.endpoint(0), f.endpoint(1)});
  REQUIRE(g["fix"].size() == 2);
  std::set<std::string> fixes{g["fix"][0], g["fix"][1]};
  CHECK(fixes == std::set<std::string>{"certdoctor reissue 'https://" + f.endpoint(0) + "/'",
                                       "certdoctor reissue 'https://" + f.endpoint(1) + "/'"});

  const json* idrac = endpoint_in(j, f.endpoint(0));
  REQUIRE(idrac);
  CHECK((*idrac)["firefox_error"] == "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");
  CHECK((*idrac)["collision_group"] == 1);
  CHECK((*idrac)["device"]["product"].get<std::string>().find("iDRAC") != std::string::npos);
  CHECK((*idrac)["source"] == "fetch");
  CHECK((*idrac)["tls_version"] == "TLSv1.3");
  const json* site = endpoint_in(j, f.endpoint(2));
  REQUIRE(site);
  CHECK((*site)["firefox_error"] == "SEC_ERROR_UNKNOWN_ISSUER");  // the built-in roots do not know our CA
  CHECK((*site)["collision_group"].is_null());
  const json* soon = endpoint_in(j, f.endpoint(3));
  REQUIRE(soon);
  CHECK(has_finding(*soon, "expiring"));
  CHECK((*soon)["certificate"]["days_left"] == 5);
  const json* weak = endpoint_in(j, f.endpoint(4));
  REQUIRE(weak);
  CHECK(has_finding(*weak, "weak_key"));
  CHECK_FALSE(has_finding(*site, "weak_key"));
  CHECK_FALSE(has_finding(*site, "expiring"));
}

TEST_CASE("audit: a group collides today once one of its members loads through a trust anchor (--trust)", "[audit]") {
  Fleet f;
  // Two sites the internal CA issued with one serial (a CA run with bare openssl commands).
  std::vector<FarmEndpoint> twins;
  for (const char* cn : {"twin-a.test", "twin-b.test"}) {
    twins.push_back({forge::make({.cn = cn, .ext = {"subjectAltName=IP:127.0.0.1", "extendedKeyUsage=serverAuth"},
                                  .key = "ec:P-256", .serial = "01"}, &f.root)});
  }
  TlsFarm farm(twins);
  std::string text;
  for (auto port : farm.ports()) text += "127.0.0.1:" + std::to_string(port) + "\n";
  const auto targets = f.dir / "twins.txt";
  write_file(targets, text);
  // Trusting the CA: both load through it, so Firefox refuses the other in a session that opened one.
  auto trusted = audit({targets.string(), "--json", "--trust", f.root_pem.string()});
  INFO(trusted.err);
  REQUIRE(trusted.exit_code == 1);
  json j = json::parse(trusted.out);
  REQUIRE(j.at("collisions").size() == 1);
  CHECK(j.at("collisions")[0].at("when") == "today");
  // Without it, neither does: the group collides once one of them is trusted or stored.
  auto untrusted = audit({targets.string(), "--json"});
  json u = json::parse(untrusted.out);
  REQUIRE(u.at("collisions").size() == 1);
  CHECK(u.at("collisions")[0].at("when") == "once_trusted_or_stored");
  // The table says which, in words.
  CHECK(audit({targets.string(), "--trust", f.root_pem.string()}).out.find("collides today") != std::string::npos);
  CHECK(audit({targets.string()}).out.find("will collide once one is trusted or stored") != std::string::npos);
}

TEST_CASE("audit: --trust CA.pem judges as a Firefox that trusts the internal CA; a clean run exits 0", "[audit]") {
  Fleet f;
  auto with = audit({f.targets({2}).string(), "--json", "--trust", f.root_pem.string()});
  INFO(with.err);
  CHECK(with.exit_code == 0);
  json j = json::parse(with.out);
  CHECK(j["endpoints"][0]["firefox_error"].is_null());
  CHECK(j["trust"].get<std::string>().find("--trust") != std::string::npos);
  auto without = audit({f.targets({2}).string(), "--json"});
  CHECK(without.exit_code == 1);  // refused: unknown issuer
  CHECK(json::parse(without.out)["endpoints"][0]["firefox_error"] == "SEC_ERROR_UNKNOWN_ISSUER");
}

TEST_CASE("audit: --profile judges against a real cert9.db (made with certutil) that trusts the CA", "[audit]") {
  Fleet f;
  Profile profile(f.dir / "profile");
  write_file(f.dir / "root.key", f.root.key_pem());
  profile.add(Issued{f.root_pem, f.dir / "root.key"}, "Audit Test Root", "C,,");
  auto r = audit({f.targets({2, 3}).string(), "--json", "--profile", profile.dir().string()});
  INFO(r.err);
  json j = json::parse(r.out);
  CHECK(endpoint_in(j, f.endpoint(2))->at("firefox_error").is_null());
  CHECK(endpoint_in(j, f.endpoint(3))->at("firefox_error") == "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");
  CHECK(r.exit_code == 1);  // the self-signed one is refused
}

TEST_CASE("audit: an IPv6 endpoint is named [ADDRESS]:PORT; an unreachable one is listed, and alone exits 0", "[audit]") {
  TempDir dir;
  Pki pki(dir.path());
  auto dev = pki.device("v6", {.subject = "/CN=v6.test"});
  TlsServer server({.cert = dev.cert, .key = dev.key, .ipv6 = true});
  const std::uint16_t closed = free_port();
  write_file(dir / "t.txt", "[::1]:" + std::to_string(server.port()) + "\n127.0.0.1:" + std::to_string(closed) + "\n");
  auto r = audit({(dir / "t.txt").string(), "--json", "--connect-timeout", "2", "--timeout", "3"});
  INFO(r.err);
  json j = json::parse(r.out);
  REQUIRE(j["endpoints"].size() == 2);
  CHECK(j["endpoints"][0]["endpoint"] == "[::1]:" + std::to_string(server.port()));
  CHECK(j["endpoints"][0]["certificate"]["sha256"] == dev.sha256());
  CHECK(j["endpoints"][1]["reachable"] == false);
  CHECK(has_finding(j["endpoints"][1], "unreachable"));

  write_file(dir / "u.txt", "127.0.0.1:" + std::to_string(closed) + "\n");
  auto alone = audit({(dir / "u.txt").string(), "--connect-timeout", "2"});
  CHECK(alone.exit_code == 0);
  CHECK(alone.out.find("(not reached)") != std::string::npos);
}

TEST_CASE("audit: the table, CSV and a self-contained HTML report; progress goes to stderr", "[audit]") {
  Fleet f;
  auto html = f.dir / "report.html";
  auto r = audit({f.targets({0, 1, 4}, "not a host!\n").string(), "--csv", "--html", html.string()});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  // CSV: a header and one row per endpoint; names with quotes and commas stay in their cells.
  std::size_t rows = 0;
  for (char c : r.out) rows += c == '\n';
  CHECK(rows == 4);
  CHECK(r.out.find(",\"CN==HYPERLINK(\\\"\"x\\\"\")\",") != std::string::npos);
  CHECK(r.err.find("endpoints fetched: 3") != std::string::npos);
  CHECK(r.err.find("HTML report written to") != std::string::npos);

  const std::string page = read_file(html);
  CHECK(page.find("<svg") != std::string::npos);
  CHECK(page.find("Expiry timeline") != std::string::npos);
  CHECK(page.find("id=\"group-1\"") != std::string::npos);
  CHECK(page.find(f.endpoint(0)) != std::string::npos);
  CHECK(page.find("CN==HYPERLINK(\\&quot;x\\&quot;)") != std::string::npos);  // escaped, never raw markup
  CHECK(page.find("<script") == std::string::npos);
  CHECK(page.find("src=") == std::string::npos);       // nothing loaded from anywhere
  CHECK(page.find("href=\"http") == std::string::npos);
  CHECK(page.find("not a host!") != std::string::npos);  // the unusable line is named

  auto table = audit({f.targets({0, 1}).string()});
  CHECK(table.exit_code == 1);
  CHECK(table.out.find("Collision groups") != std::string::npos);
  CHECK(table.out.find("certdoctor reissue 'https://" + f.endpoint(1) + "/'") != std::string::npos);
  CHECK(table.out.find("2 in 1 collision group(s)") != std::string::npos);
}

TEST_CASE("audit: usage errors exit 2 with a one-line reason, before anything is contacted", "[audit]") {
  Fleet f;
  auto targets = f.targets({0});
  const std::size_t before = f.farm->handshakes();
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<Case> cases{
      {{targets.string(), "--json", "--csv"}, "excludes"},
      {{(f.dir / "missing.txt").string()}, "cannot read"},
      {{targets.string(), "--trust", targets.string()}, "holds no PEM certificate"},
      {{targets.string(), "--trust", f.root_pem.string(), "--profile", f.dir.path().string()}, "excludes"},
      {{targets.string(), "--profile", (f.dir / "nowhere").string()}, "cert9.db"},
      {{targets.string(), "--port", "0"}, "port"},
      {{targets.string(), "--expiring", "soon"}, "expiring"},
  };
  for (const auto& c : cases) {
    auto r = audit(c.args);
    INFO(c.args.back() << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.says) != std::string::npos);
    CHECK(r.out.empty());
  }
  write_file(f.dir / "broken.json", "{\"ip\": \"127.0.0.1\", \"data\": {\"tls\": \n");
  auto broken = audit({(f.dir / "broken.json").string()});
  CHECK(broken.exit_code == 2);
  CHECK(broken.err.find("broken.json") != std::string::npos);
  CHECK(f.farm->handshakes() == before);  // nothing was fetched
}

TEST_CASE("audit: several scanners' files merged; a target list read from stdin", "[audit]") {
  const std::filesystem::path data = std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "tests/data/audit";
  auto r = audit({(data / "nmap-ssl-cert.xml").string(), (data / "zgrab2-fleet.jsonl").string(), "--json"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  json j = json::parse(r.out);
  CHECK(j["summary"]["endpoints"] == 3 + 8);
  // nmap's twins on loopback and zgrab2's twins in 192.0.2.0/24 serve the same two certificates: one group of four.
  bool four = false;
  for (const auto& g : j["collisions"]) four |= g["endpoints"].size() == 4 && g["kind"] == "twins";
  CHECK(four);

  Fleet f;
  auto piped = run({bin("certdoctor").string(), "audit", "-", "--json"}, f.endpoint(2) + "\n");
  CHECK(piped.exit_code == 1);
  CHECK(json::parse(piped.out)["endpoints"][0]["endpoint"] == f.endpoint(2));
}
