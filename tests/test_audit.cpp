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
  for (const auto& e : report.at("endpoints")) {
    if (e.at("endpoint") == name) return &e;
  }
  return nullptr;
}

bool has_finding(const json& e, const std::string& code) {
  for (const auto& f : e.at("findings")) {
    if (f.at("code") == code) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("audit: loopback endpoints fetched and judged: the iDRAC twins are one group with the device and the fix, exit 1",
          "[audit]") {
  Fleet f;
  auto r = audit({f.targets({0, 1, 2, 3, 4}).string(), "--json", "--expiring", "10"});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  json j = json::parse(r.out);
  CHECK(j.at("summary").at("endpoints") == 5);
  CHECK(j.at("summary").at("reachable") == 5);
  REQUIRE(j.at("collisions").size() == 1);
  const json& g = j.at("collisions").at(0);
  CHECK(g.at("kind") == "twins");
  // Self-signed and trusted by nothing here: Firefox rarely refuses one for the other (tests/truth/sequences.json).
  CHECK(g.at("when") == "once_trusted_or_stored");
  CHECK(g.at("serial") == "01");
  CHECK(g.at("device").at("vendor") == "Dell");
  CHECK(g.at("endpoints").size() == 2);
  std::set<std::string> members{g.at("endpoints").at(0).at("endpoint"), g.at("endpoints").at(1).at("endpoint")};
  CHECK(members == std::set<std::string>{f.endpoint(0), f.endpoint(1)});
  REQUIRE(g.at("fix").size() == 2);
  std::set<std::string> fixes{g.at("fix").at(0), g.at("fix").at(1)};
  CHECK(fixes == std::set<std::string>{"certdoctor reissue 'https://" + f.endpoint(0) + "/'",
                                       "certdoctor reissue 'https://" + f.endpoint(1) + "/'"});

  const json* idrac = endpoint_in(j, f.endpoint(0));
  REQUIRE(idrac);
  CHECK((*idrac).at("firefox_error") == "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");
  CHECK((*idrac).at("collision_group") == 1);
  CHECK((*idrac).at("device").at("product").get<std::string>().find("iDRAC") != std::string::npos);
  CHECK((*idrac).at("source") == "fetch");
  CHECK((*idrac).at("tls_version") == "TLSv1.3");
  const json* site = endpoint_in(j, f.endpoint(2));
  REQUIRE(site);
  CHECK((*site).at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");  // the built-in roots do not know our CA
  CHECK((*site).at("collision_group").is_null());
  const json* soon = endpoint_in(j, f.endpoint(3));
  REQUIRE(soon);
  CHECK(has_finding(*soon, "expiring"));
  CHECK((*soon).at("certificate").at("days_left") == 5);
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
  CHECK(j.at("collisions").at(0).at("when") == "today");
  // Without it, neither does: the group collides once one of them is trusted or stored.
  auto untrusted = audit({targets.string(), "--json"});
  json u = json::parse(untrusted.out);
  REQUIRE(u.at("collisions").size() == 1);
  CHECK(u.at("collisions").at(0).at("when") == "once_trusted_or_stored");
  // The table says which, in words.
  CHECK(audit({targets.string(), "--trust", f.root_pem.string()}).out.find("collides today") != std::string::npos);
  CHECK(audit({targets.string()}).out.find("will collide once one is trusted or stored") != std::string::npos);
}

TEST_CASE("audit: --trust CA.pem judges as a Firefox that trusts the internal CA, and a clean run exits 0", "[audit]") {
  Fleet f;
  auto with = audit({f.targets({2}).string(), "--json", "--trust", f.root_pem.string()});
  INFO(with.err);
  CHECK(with.exit_code == 0);
  json j = json::parse(with.out);
  CHECK(j.at("endpoints").at(0).at("firefox_error").is_null());
  CHECK(j.at("trust").get<std::string>().find("--trust") != std::string::npos);
  auto without = audit({f.targets({2}).string(), "--json"});
  CHECK(without.exit_code == 1);  // refused: unknown issuer
  CHECK(json::parse(without.out).at("endpoints").at(0).at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");
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

TEST_CASE("audit: an IPv6 endpoint is named [ADDRESS]:PORT, an unreachable one is listed, and alone exits 0", "[audit]") {
  TempDir dir;
  Pki pki(dir.path());
  auto dev = pki.device("v6", {.subject = "/CN=v6.test"});
  TlsServer server({.cert = dev.cert, .key = dev.key, .ipv6 = true});
  const std::uint16_t closed = free_port();
  write_file(dir / "t.txt", "[::1]:" + std::to_string(server.port()) + "\n127.0.0.1:" + std::to_string(closed) + "\n");
  auto r = audit({(dir / "t.txt").string(), "--json", "--connect-timeout", "2", "--timeout", "3"});
  INFO(r.err);
  json j = json::parse(r.out);
  REQUIRE(j.at("endpoints").size() == 2);
  CHECK(j.at("endpoints").at(0).at("endpoint") == "[::1]:" + std::to_string(server.port()));
  CHECK(j.at("endpoints").at(0).at("certificate").at("sha256") == dev.sha256());
  CHECK(j.at("endpoints").at(1).at("reachable") == false);
  CHECK(has_finding(j.at("endpoints").at(1), "unreachable"));

  write_file(dir / "u.txt", "127.0.0.1:" + std::to_string(closed) + "\n");
  auto alone = audit({(dir / "u.txt").string(), "--connect-timeout", "2"});
  CHECK(alone.exit_code == 0);
  CHECK(alone.out.find("(not reached)") != std::string::npos);
}

TEST_CASE("audit: the table, CSV and a self-contained HTML report, with progress on stderr", "[audit]") {
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

TEST_CASE("audit: several scanners' files merged, and a target list read from stdin", "[audit]") {
  const std::filesystem::path data = std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "tests/data/audit";
  auto r = audit({(data / "nmap-ssl-cert.xml").string(), (data / "zgrab2-fleet.jsonl").string(), "--json"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  json j = json::parse(r.out);
  CHECK(j.at("summary").at("endpoints") == 3 + 8);
  // Every certificate of these fixtures is self-signed (tests/data/audit/README.md): each endpoint a scanner reached
  // is judged as Firefox judges a self-signed certificate, and the one zgrab2 could not reach is not judged at all.
  int judged = 0;
  for (const auto& e : j.at("endpoints")) {
    INFO(e.at("endpoint"));
    if (e.at("reachable") == true) {
      ++judged;
      CHECK(e.at("firefox_error") == "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");
    }
  }
  CHECK(judged == 10);
  CHECK(j.at("summary").at("refused") == 10);
  // nmap's twins on loopback and zgrab2's twins in 192.0.2.0/24 serve the same two certificates: one group of four.
  bool four = false;
  for (const auto& g : j.at("collisions")) four |= g.at("endpoints").size() == 4 && g.at("kind") == "twins";
  CHECK(four);

  Fleet f;
  auto piped = run({bin("certdoctor").string(), "audit", "-", "--json"}, f.endpoint(2) + "\n");
  CHECK(piped.exit_code == 1);
  CHECK(json::parse(piped.out).at("endpoints").at(0).at("endpoint") == f.endpoint(2));
}

namespace {

// The families of an OpenMetrics document as the Prometheus project's own strict parser reads them
// (tests/support/openmetrics.py); fails the test when it refuses the document.
json openmetrics(const std::string& text) {
  auto parsed = run({(std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "tests/support/openmetrics.py").string()}, text);
  INFO(parsed.err);
  REQUIRE(parsed.exit_code == 0);
  return json::parse(parsed.out);
}

// promtool's lint of Prometheus' text format (Debian's prometheus package): exit 0 and nothing to say.
void promtool_accepts(const std::string& text) {
  auto checked = run({"promtool", "check", "metrics"}, text);
  INFO(checked.out << checked.err);
  CHECK(checked.exit_code == 0);
  CHECK(checked.out.empty());
}

double value_of(const json& families, const std::string& family, const json& labels = json::object()) {
  for (const auto& s : families.at(family).at("samples")) {
    if (s.at("labels") == labels) return s.at("value").get<double>();
  }
  FAIL("no sample of " << family << " with labels " << labels.dump());
  return -1;
}

}  // namespace

TEST_CASE("audit: --prometheus writes OpenMetrics that promtool and the OpenMetrics parser accept, with the JSON's counts",
          "[audit][prometheus]") {
  Fleet f;
  auto prom = f.dir / "audit.prom";
  write_file(prom, "an older run's file\n");  // replaced whole
  auto r = audit({f.targets({0, 1, 2, 3, 4}).string(), "--json", "--expiring", "10", "--prometheus", prom.string()});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  CHECK(r.err.find("metrics written to " + prom.string()) != std::string::npos);
  const json j = json::parse(r.out);
  const std::string text = read_file(prom);
  promtool_accepts(text);
  const json families = openmetrics(text);
  for (const auto& [name, family] : families.items()) {
    CHECK(name.rfind("certdoctor_audit_", 0) == 0);
    CHECK(family.at("type") == "gauge");
  }
  // The counts are the JSON report's.
  for (const auto& [verdict, count] : j.at("summary").at("verdicts").items()) {
    CHECK(value_of(families, "certdoctor_audit_endpoints", {{"verdict", verdict}}) == count.get<double>());
  }
  CHECK(families.at("certdoctor_audit_endpoints").at("samples").size() == j.at("summary").at("verdicts").size());
  CHECK(value_of(families, "certdoctor_audit_collision_groups", {{"when", "once_trusted_or_stored"}}) == 1);
  CHECK(value_of(families, "certdoctor_audit_collision_groups", {{"when", "today"}}) == 0);
  CHECK(value_of(families, "certdoctor_audit_endpoints_in_collisions") == 2);
  CHECK(value_of(families, "certdoctor_audit_endpoints_expiring") == j.at("summary").at("expiring").get<double>());
  CHECK(j.at("summary").at("expiring") == 1);
  CHECK(value_of(families, "certdoctor_audit_expiring_window_seconds") == 10 * 86400);
  CHECK(families.at("certdoctor_audit_expiring_window_seconds").at("unit") == "seconds");
  CHECK(value_of(families, "certdoctor_audit_exit_code") == 1);
  std::tm tm{};
  REQUIRE(strptime(j.at("generated_at").get<std::string>().c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm));
  CHECK(value_of(families, "certdoctor_audit_last_run_timestamp_seconds") == static_cast<double>(timegm(&tm)));
  // No series per endpoint or per group unless asked.
  CHECK(text.find(f.endpoint(0)) == std::string::npos);
  CHECK_FALSE(families.contains("certdoctor_audit_collision_group_info"));
  // Nothing left beside it: the temporary file was renamed over the target.
  std::size_t beside = 0;
  for (const auto& entry : std::filesystem::directory_iterator(f.dir.path())) {
    beside += entry.path().filename().string().find("audit.prom") != std::string::npos;
  }
  CHECK(beside == 1);
}

TEST_CASE("audit: --prometheus-detail adds one series per collision group and per endpoint, keyed by stable ids",
          "[audit][prometheus]") {
  Fleet f;
  auto prom = f.dir / "detail.prom";
  auto r = audit({f.targets({0, 1, 2, 4}).string(), "--json", "--prometheus", prom.string(), "--prometheus-detail",
                  "endpoints"});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  const json j = json::parse(r.out);
  const std::string text = read_file(prom);
  promtool_accepts(text);
  const json families = openmetrics(text);
  const json& group = j.at("collisions").at(0);
  const std::string id = group.at("id");
  CHECK(id.size() == 16);
  const json& info = families.at("certdoctor_audit_collision_group_info").at("samples");
  REQUIRE(info.size() == 1);
  CHECK(info.at(0).at("labels").at("group_id") == id);
  CHECK(info.at(0).at("labels").at("kind") == "twins");
  CHECK(info.at(0).at("labels").at("serial") == "01");
  CHECK(info.at(0).at("labels").at("device").get<std::string>().find("Dell") != std::string::npos);
  CHECK(value_of(families, "certdoctor_audit_collision_group_endpoints", {{"group_id", id}}) == 2);
  const json& endpoints = families.at("certdoctor_audit_endpoint_info").at("samples");
  CHECK(endpoints.size() == 4);
  for (const auto& e : endpoints) {
    const json* reported = endpoint_in(j, e.at("labels").at("endpoint"));
    REQUIRE(reported);
    CHECK(e.at("labels").at("sha256") == reported->at("certificate").at("sha256"));
    CHECK(e.at("labels").at("verdict") == reported->at("firefox_error"));
    CHECK(e.at("labels").at("group_id") == (reported->at("collision_group").is_null() ? "" : id));
  }
  CHECK(families.at("certdoctor_audit_endpoint_expiry_timestamp_seconds").at("samples").size() == 4);
  // The same group has the same id in another run with the endpoints read in another order.
  auto again = audit({f.targets({1, 0}).string(), "--json"});
  CHECK(json::parse(again.out).at("collisions").at(0).at("id") == id);
}

TEST_CASE("audit: --prometheus refuses a link in its place and a missing folder, exit 2, and --prometheus-detail alone",
          "[audit][prometheus]") {
  Fleet f;
  auto targets = f.targets({2});
  std::filesystem::create_symlink(f.dir / "elsewhere.prom", f.dir / "link.prom");
  for (const auto& target : {f.dir / "link.prom", f.dir / "missing" / "audit.prom"}) {
    auto r = audit({targets.string(), "--prometheus", target.string()});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(target.parent_path().string()) != std::string::npos);  // the folder or the file, named
    CHECK(r.err.find("metrics written") == std::string::npos);
    CHECK(r.out.empty());
  }
  CHECK_FALSE(std::filesystem::exists(f.dir / "elsewhere.prom"));
  auto alone = audit({targets.string(), "--prometheus-detail", "groups"});
  CHECK(alone.exit_code == 2);
  CHECK(alone.err.find("--prometheus") != std::string::npos);
}

TEST_CASE("audit: the alert rules docs/AUDIT.md shows pass promtool check rules, and a new group fires (promtool test rules)",
          "[audit][prometheus]") {
  const std::string doc = read_file(std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "docs/AUDIT.md");
  const auto section = doc.find("## Monitoring");
  REQUIRE(section != std::string::npos);
  const auto start = doc.find("```yaml\n", section);
  REQUIRE(start != std::string::npos);
  const auto end = doc.find("```\n", start + 8);
  REQUIRE(end != std::string::npos);
  TempDir dir;
  write_file(dir / "rules.yml", doc.substr(start + 8, end - start - 8));
  auto checked = run({"promtool", "check", "rules", (dir / "rules.yml").string()});
  INFO(checked.out << checked.err);
  REQUIRE(checked.exit_code == 0);
  CHECK(checked.out.find("SUCCESS: 3 rules found") != std::string::npos);

  // Hourly runs: group a from the start; a second group b appears at hour 30 ('_x30': thirty missing samples). Each
  // alert fires once for it, then no more (the count compares with a day before, the id with the week before).
  const std::string a = "group_id=\"aaaaaaaaaaaaaaaa\",kind=\"twins\",when=\"today\",issuer=\"CN=iDRAC\",serial=\"01\"";
  const std::string b = "group_id=\"bbbbbbbbbbbbbbbb\",kind=\"remade\",when=\"today\",issuer=\"CN=CA\",serial=\"02\"";
  write_file(dir / "test.yml", R"(rule_files: [rules.yml]
evaluation_interval: 1h
tests:
  - interval: 1h
    input_series:
      - series: 'certdoctor_audit_collision_group_info{)" + a + R"(}'
        values: '1x60'
      - series: 'certdoctor_audit_collision_group_info{)" + b + R"(}'
        values: '_x30 1x29'
      - series: 'certdoctor_audit_collision_groups{when="today"}'
        values: '1x29 2x30'
      - series: 'certdoctor_audit_last_run_timestamp_seconds'
        values: '0+3600x60'
    alert_rule_test:
      - eval_time: 29h
        alertname: CertdoctorNewCollisionGroup
      - eval_time: 30h
        alertname: CertdoctorNewCollisionGroup
        exp_alerts:
          - exp_labels: {severity: warning, group_id: bbbbbbbbbbbbbbbb, kind: remade, when: today, issuer: "CN=CA", serial: "02"}
            exp_annotations:
              summary: "new collision group bbbbbbbbbbbbbbbb (remade, today): issuer CN=CA, serial 02"
      - eval_time: 32h
        alertname: CertdoctorNewCollisionGroup
      - eval_time: 29h
        alertname: CertdoctorCollisionGroupsGrew
      - eval_time: 31h
        alertname: CertdoctorCollisionGroupsGrew
        exp_alerts:
          - exp_labels: {severity: warning}
            exp_annotations:
              summary: "2 collision groups, more than a day ago: run certdoctor audit --json for the fix"
      - eval_time: 55h
        alertname: CertdoctorCollisionGroupsGrew
      - eval_time: 40h
        alertname: CertdoctorAuditStale
)");
  auto tested = run({"promtool", "test", "rules", (dir / "test.yml").string()});
  INFO(tested.out << tested.err);
  CHECK(tested.exit_code == 0);
}

namespace {

// The SHA-256 of a certificate's SubjectPublicKeyInfo, as the openssl command line computes it.
std::string spki_sha256(const std::filesystem::path& cert) {
  const std::string pub = run_ok({"openssl", "x509", "-in", cert.string(), "-pubkey", "-noout"});
  const std::string der = run_ok({"openssl", "pkey", "-pubin", "-outform", "DER"}, pub);
  const std::string line = run_ok({"openssl", "dgst", "-sha256", "-r"}, der);
  return line.substr(0, 64);
}

// A self-signed certificate for `key` (made with openssl genpkey), as a factory image makes it.
std::filesystem::path self_signed(const TempDir& dir, const std::string& name, const std::filesystem::path& key,
                                  const std::string& cn) {
  const auto cert = dir / (name + ".pem");
  run_ok({"openssl", "req", "-x509", "-key", key.string(), "-subj", "/O=Example Appliance/CN=" + cn, "-days", "400",
          "-out", cert.string()});
  return cert;
}

std::filesystem::path new_key(const TempDir& dir, const std::string& name) {
  const auto key = dir / (name + ".key");
  run_ok({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key.string()});
  return key;
}

}  // namespace

TEST_CASE("audit: hosts presenting one public key are a shared-key group in every output, apart from the collisions",
          "[audit][shared_keys]") {
  TempDir dir;
  // A factory image: one key in every device. Devices 2 and 3 serve its certificate unchanged, device 4 a certificate
  // of its own name for the same key. Devices 6 and 7 share another key and certificate. Device 5 serves one key on
  // two ports: one host, no finding.
  const auto factory_key = new_key(dir, "factory"), other_key = new_key(dir, "other"), own_key = new_key(dir, "own");
  const auto factory = self_signed(dir, "factory", factory_key, "appliance.local");
  const auto renamed = self_signed(dir, "renamed", factory_key, "appliance-4.local");
  const auto other = self_signed(dir, "other", other_key, "camera.local");
  const auto own = self_signed(dir, "own", own_key, "five.local");
  std::vector<std::unique_ptr<TlsServer>> servers;
  auto serve = [&](const std::string& address, const std::filesystem::path& cert, const std::filesystem::path& key) {
    servers.push_back(std::make_unique<TlsServer>(TlsServerOptions{.cert = cert, .key = key, .address = address}));
    return address + ":" + std::to_string(servers.back()->port());
  };
  const std::vector<std::string> key_group = {serve("127.0.0.2", factory, factory_key),
                                              serve("127.0.0.3", factory, factory_key),
                                              serve("127.0.0.4", renamed, factory_key)};
  const std::vector<std::string> certificate_group = {serve("127.0.0.6", other, other_key),
                                                      serve("127.0.0.7", other, other_key)};
  const std::vector<std::string> one_host = {serve("127.0.0.5", own, own_key), serve("127.0.0.5", own, own_key)};
  std::string list;
  for (const auto* group : {&key_group, &certificate_group, &one_host}) {
    for (const auto& e : *group) list += e + "\n";
  }
  write_file(dir / "targets.txt", list);
  const auto html = dir / "report.html", prom = dir / "audit.prom";

  auto r = audit({(dir / "targets.txt").string(), "--json", "--html", html.string(), "--prometheus", prom.string(),
                  "--prometheus-detail", "endpoints"});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);  // a security finding, even where Firefox would only show its usual warning
  const json j = json::parse(r.out);
  CHECK(j.at("collisions").empty());  // random serials: nothing collides
  CHECK(j.at("summary").at("shared_key_groups") == 2);
  CHECK(j.at("summary").at("endpoints_sharing_keys") == 5);
  REQUIRE(j.at("shared_keys").size() == 2);
  const json* by_key = nullptr;
  const json* by_certificate = nullptr;
  for (const auto& g : j.at("shared_keys")) (g.at("shared") == "key" ? by_key : by_certificate) = &g;
  REQUIRE(by_key);
  REQUIRE(by_certificate);
  CHECK(by_key->at("spki_sha256") == spki_sha256(factory));
  CHECK(by_key->at("id") == spki_sha256(factory).substr(0, 16));
  CHECK(by_key->at("hosts") == 3);
  CHECK(by_key->at("distinct_certificates") == 2);
  CHECK(by_key->at("key") == endpoint_in(j, key_group[0])->at("certificate").at("key"));
  CHECK(by_key->at("key").get<std::string>().rfind("EC ", 0) == 0);
  std::set<std::string> members, fixes;
  for (const auto& m : by_key->at("endpoints")) members.insert(m.at("endpoint").get<std::string>());
  for (const auto& c : by_key->at("fix")) fixes.insert(c.get<std::string>());
  CHECK(members == std::set<std::string>(key_group.begin(), key_group.end()));
  for (const auto& e : key_group) CHECK(fixes.count("certdoctor reissue 'https://" + e + "/'") == 1);
  CHECK(by_certificate->at("spki_sha256") == spki_sha256(other));
  CHECK(by_certificate->at("hosts") == 2);
  CHECK(by_certificate->at("distinct_certificates") == 1);
  for (const auto& e : j.at("endpoints")) {
    const std::string name = e.at("endpoint");
    INFO(name);
    const bool sharing = name.rfind("127.0.0.5:", 0) != 0;
    CHECK(has_finding(e, "shared_key") == sharing);
    CHECK(e.at("shared_key_group").is_null() == !sharing);
    CHECK(e.at("certificate").at("spki_sha256").get<std::string>().size() == 64);
  }

  // HTML: a section of its own, each group with its fix.
  const std::string page = read_file(html);
  CHECK(page.find("<h2>Shared keys</h2>") != std::string::npos);
  CHECK(page.find("id=\"shared-key-2\"") != std::string::npos);
  CHECK(page.find("certdoctor reissue &#39;https://" + key_group[2] + "/&#39;") != std::string::npos);
  CHECK(page.find(spki_sha256(factory)) != std::string::npos);

  // Prometheus: the counts, and with detail each group and each endpoint's group.
  const std::string text = read_file(prom);
  promtool_accepts(text);
  const json families = openmetrics(text);
  CHECK(value_of(families, "certdoctor_audit_shared_key_groups", {{"shared", "key"}}) == 1);
  CHECK(value_of(families, "certdoctor_audit_shared_key_groups", {{"shared", "certificate"}}) == 1);
  CHECK(value_of(families, "certdoctor_audit_endpoints_sharing_keys") == 5);
  CHECK(value_of(families, "certdoctor_audit_shared_key_group_endpoints", {{"group_id", by_key->at("id")}}) == 3);
  std::size_t endpoint_series_in_groups = 0;
  for (const auto& s : families.at("certdoctor_audit_endpoint_info").at("samples")) {
    endpoint_series_in_groups += !s.at("labels").at("shared_key_group_id").get<std::string>().empty();
  }
  CHECK(endpoint_series_in_groups == 5);

  // The table and CSV.
  auto table = audit({(dir / "targets.txt").string()});
  CHECK(table.exit_code == 1);
  CHECK(table.out.find("Shared keys:") != std::string::npos);
  CHECK(table.out.find("one identical certificate and key on 2 hosts") != std::string::npos);
  CHECK(table.out.find("one public key in 2 certificates on 3 hosts") != std::string::npos);
  CHECK(table.out.find("5 sharing 2 key(s) across hosts") != std::string::npos);
  auto csv = audit({(dir / "targets.txt").string(), "--csv"});
  CHECK(csv.out.rfind("endpoint,", 0) == 0);
  CHECK(csv.out.find(",spki_sha256,shared_key_group\r\n") != std::string::npos);
  CHECK(csv.out.find("," + spki_sha256(factory) + ",") != std::string::npos);

  // Without the shared hosts, the one host's two ports are clean.
  write_file(dir / "one-host.txt", one_host[0] + "\n" + one_host[1] + "\n");
  auto clean = audit({(dir / "one-host.txt").string(), "--json"});
  CHECK(json::parse(clean.out).at("shared_keys").empty());
}

TEST_CASE("audit: nmap's scan of three devices with one key (a recorded fixture) is one shared-key group",
          "[audit][shared_keys]") {
  const std::filesystem::path data = std::filesystem::path(CERTDOCTOR_SOURCE_DIR) / "tests/data/audit";
  auto r = audit({(data / "nmap-shared-key.xml").string(), (data / "nmap-ssl-cert.xml").string(), "--json"});
  INFO(r.err);
  CHECK(r.exit_code == 1);
  const json j = json::parse(r.out);
  CHECK(j.at("summary").at("endpoints") == 6);
  REQUIRE(j.at("shared_keys").size() == 1);  // the iDRAC twins of the other scan have keys of their own
  const json& g = j.at("shared_keys").at(0);
  CHECK(g.at("shared") == "key");
  CHECK(g.at("hosts") == 3);
  CHECK(g.at("distinct_certificates") == 2);
  CHECK(g.at("spki_sha256") == spki_sha256(data / "shared-factory.pem"));
  CHECK(g.at("spki_sha256") == spki_sha256(data / "shared-renamed.pem"));
  std::set<std::string> hosts;
  for (const auto& m : g.at("endpoints")) hosts.insert(m.at("endpoint").get<std::string>().substr(0, 9));
  CHECK(hosts == std::set<std::string>{"127.0.0.2", "127.0.0.3", "127.0.0.4"});
  CHECK(j.at("collisions").size() == 1);  // the twins still collide, apart from this
}
