// Hostile servers, each a real openssl s_server on loopback presenting what no sane server sends: thousands of
// certificates, a certificate of a megabyte or with ten thousand names, chains deeper than Firefox follows, chains
// that loop. Each diagnosis ends in bounded time with a verdict or a finding, and the reply the host would send
// to Firefox stays under 1 MiB (cut, and said so).
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <chrono>

#include "diagnosis/diagnose.hpp"
#include "diagnosis/diagnosis_json.hpp"
#include "forge.hpp"
#include "process.hpp"
#include "protocol/protocol.hpp"
#include "servers.hpp"

using json = nlohmann::json;
using namespace testing::forge;

namespace {

const std::vector<std::string> kCaExt = {"basicConstraints=critical,CA:TRUE", "keyUsage=critical,keyCertSign"};

struct Served {
  testing::TempDir dir;
  std::unique_ptr<testing::TlsServer> server;
  Served(const Cert& leaf, const std::vector<const Cert*>& rest) {
    testing::write_file(dir / "leaf.pem", leaf.pem());
    testing::write_file(dir / "leaf.key", leaf.key_pem());
    std::string chain;
    for (const Cert* c : rest) chain += c->pem();
    testing::write_file(dir / "chain.pem", chain);
    testing::TlsServerOptions o{.cert = dir / "leaf.pem", .key = dir / "leaf.key"};
    if (!rest.empty()) o.chain = dir / "chain.pem";
    server = std::make_unique<testing::TlsServer>(o);
  }
};

struct Timed {
  json diagnosis;
  double seconds;
  std::string reply;  // as the host would frame it for Firefox
};

// root -> CA 1 -> ... -> CA n (n + 1 certificates, one key: only names and signatures matter here), and
// the order a server sends them in: the last CA first.
std::vector<Cert> ca_line(const std::string& name, int n, const Key& key) {
  std::vector<Cert> cas;
  cas.reserve(n + 1);
  cas.push_back(make({.cn = name + " 0", .ext = kCaExt, .reuse_key = &key}, nullptr));
  for (int i = 1; i <= n; ++i) cas.push_back(make({.cn = name + " " + std::to_string(i), .ext = kCaExt, .reuse_key = &key}, &cas.back()));
  return cas;
}
std::vector<const Cert*> as_sent(const std::vector<Cert>& cas) {
  std::vector<const Cert*> rest;
  for (auto it = cas.rbegin(); it != cas.rend(); ++it) rest.push_back(&*it);
  return rest;
}

Timed diagnose_via_engine(const Served& s, const std::string& host, const std::string& profile = "") {
  certdoctor::DiagnoseRequest r;
  const std::string port = std::to_string(s.server->port());
  r.url = "https://" + host + ":" + port + "/";
  r.resolve = {host + ":" + port + ":127.0.0.1"};
  r.profile.home = "/nonexistent";
  if (!profile.empty()) r.profile.explicit_dir = profile;
  const auto t0 = std::chrono::steady_clock::now();
  Timed t;
  t.diagnosis = certdoctor::to_json(certdoctor::diagnose(r));
  t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  t.reply = certdoctor::encode_reply(certdoctor::ok_reply(1, t.diagnosis));
  return t;
}

}  // namespace

TEST_CASE("Hostile: a chain of 5,000 certificates is fetched, judged, and cut to fit the reply", "[hostile]") {
  Key key = make_key("ec:P-256");
  std::vector<Cert> cas = ca_line("Long CA", 4999, key);
  Cert leaf = make({.cn = "many.test", .ext = {"subjectAltName=DNS:many.test"}, .reuse_key = &key}, &cas.back());
  Served s(leaf, as_sent(cas));
  Timed t = diagnose_via_engine(s, "many.test");
  CHECK(t.seconds < 60);
  CHECK(t.diagnosis.at("chain").size() == 5001);
  // Nothing is trusted, and Firefox follows at most six intermediates anyway.
  CHECK(t.diagnosis.at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");
  CHECK(t.reply.size() <= certdoctor::kMaxReplyBytes);
  json reply = json::parse(t.reply);
  CHECK(reply.at("truncated") == true);
  CHECK(reply.at("result").at("chain").size() < 5001);

  // Memory stays bounded too: the CLI's peak resident size on the same server, as GNU time reads it.
  testing::TempDir out;
  const std::string port = std::to_string(s.server->port());
  auto r = testing::run({"/usr/bin/time", "-f", "%M", "-o", (out / "rss").string(), testing::bin("certdoctor").string(),
                         "diagnose", "https://many.test:" + port + "/", "--resolve", "many.test:" + port + ":127.0.0.1",
                         "--json"});
  CHECK(r.exit_code == 0);
  const long peak_kib = std::stol(testing::read_file(out / "rss"));
  CHECK(peak_kib < 256 * 1024);
}

TEST_CASE("Hostile: a 1 MiB certificate and one with 10,000 names end in a verdict, within the reply limit", "[hostile]") {
  Key key = make_key("ec:P-256");
  Cert root = make({.cn = "Big Root", .ext = kCaExt, .reuse_key = &key}, nullptr);
  SECTION("1 MiB") {
    std::string hex = "DER:04:83:10:00:00";  // an OCTET STRING of 1 MiB inside a private extension
    hex.reserve(hex.size() + 3 * (1 << 20));
    for (int i = 0; i < (1 << 20); ++i) hex += ":5a";
    Cert leaf = make({.cn = "huge.test", .ext = {"subjectAltName=DNS:huge.test", "1.3.6.1.4.1.55555.9=" + hex},
                      .reuse_key = &key}, &root);
    REQUIRE(leaf.der().size() > (1 << 20));
    Served s(leaf, {});
    Timed t = diagnose_via_engine(s, "huge.test");
    CHECK(t.seconds < 30);
    REQUIRE(t.diagnosis.at("chain").size() == 1);
    CHECK(t.diagnosis.at("chain").at(0).at("der_length") > (1 << 20));
    // Firefox reads certificates of at most 64 KiB; beyond that the encoding itself is refused.
    CHECK(t.diagnosis.at("firefox_error") == "SEC_ERROR_BAD_DER");
    CHECK(t.reply.size() <= certdoctor::kMaxReplyBytes);
  }
  SECTION("10,000 subjectAltNames") {
    std::string san = "subjectAltName=";
    for (int i = 0; i < 10000; ++i) san += (i ? ",DNS:n" : "DNS:n") + std::to_string(i) + ".names.test";
    Cert leaf = make({.cn = "names.test", .ext = {san}, .reuse_key = &key}, &root);
    Served s(leaf, {});
    Timed t = diagnose_via_engine(s, "n9999.names.test");
    CHECK(t.seconds < 30);
    REQUIRE(t.diagnosis.at("chain").size() == 1);
    CHECK(t.diagnosis.contains("firefox_error"));
    CHECK(t.reply.size() <= certdoctor::kMaxReplyBytes);
  }
}

TEST_CASE("Hostile: a chain deeper than Firefox follows, and a chain that loops, both end", "[hostile]") {
  Key key = make_key("ec:P-256");
  SECTION("20 intermediates") {
    // The root is trusted: only the depth stands in the way (Firefox follows at most six intermediates).
    std::vector<Cert> cas = ca_line("Deep CA", 20, key);
    testing::TempDir p;
    testing::write_file(p / "root.pem", cas[0].pem());
    testing::run_ok({"certutil", "-N", "-d", "sql:" + p.path().string(), "--empty-password"});
    testing::run_ok({"certutil", "-A", "-d", "sql:" + p.path().string(), "-n", "Deep root", "-t", "C,,", "-i", (p / "root.pem").string()});
    for (int depth : {6, 20}) {
      INFO("intermediates: " << depth);
      std::vector<Cert> line(cas.begin(), cas.begin() + depth + 1);
      Cert leaf = make({.cn = "deep.test", .ext = {"subjectAltName=DNS:deep.test"}, .reuse_key = &key}, &line.back());
      auto sent = as_sent(line);
      sent.pop_back();  // the root stays at home, as servers do
      Served s(leaf, sent);
      Timed t = diagnose_via_engine(s, "deep.test", p.path().string());
      CHECK(t.seconds < 30);
      if (depth == 6) CHECK(t.diagnosis.at("firefox_error").is_null());
      else CHECK(t.diagnosis.at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");
    }
  }
  SECTION("two CAs that issued each other") {
    Key ka = make_key("ec:P-256"), kb = make_key("ec:P-256");
    // A and B, each self-signed first, then each re-issued by the other: A' (issuer B), B' (issuer A).
    Cert a = make({.cn = "Cycle A", .ext = kCaExt, .reuse_key = &ka}, nullptr);
    Cert b = make({.cn = "Cycle B", .ext = kCaExt, .reuse_key = &kb}, nullptr);
    Cert a_by_b = make({.cn = "Cycle A", .ext = kCaExt, .reuse_key = &ka}, &b);
    Cert b_by_a = make({.cn = "Cycle B", .ext = kCaExt, .reuse_key = &kb}, &a);
    Cert leaf = make({.cn = "cycle.test", .ext = {"subjectAltName=DNS:cycle.test"}, .reuse_key = &key}, &a);
    Served s(leaf, {&a_by_b, &b_by_a});
    Timed t = diagnose_via_engine(s, "cycle.test");
    CHECK(t.seconds < 30);
    CHECK(t.diagnosis.at("firefox_error") == "SEC_ERROR_UNKNOWN_ISSUER");
  }
}
