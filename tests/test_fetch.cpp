// Chain fetching against real servers on loopback: openssl s_server, tinyproxy, and raw sockets that
// misbehave on purpose.
#include <catch2/catch.hpp>

#include <algorithm>

#include "certificate/cert_info.hpp"
#include "diagnosis/diagnose.hpp"
#include "diagnosis/error_table.hpp"
#include "pki.hpp"
#include "servers.hpp"
#include "fetch/tls_fetch.hpp"

using namespace certdoctor;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  testing::TempDir dir;
  testing::Pki pki{dir.path()};
};

FetchOptions options(const std::string& url) {
  FetchOptions o;
  o.target = parse_target(url);
  o.connect_timeout = 3s;
  o.handshake_timeout = 3s;
  return o;
}

// The finding a failed fetch becomes, with the values diagnose adds, fills every placeholder of its row.
void check_renders(const FetchResult& r) {
  REQUIRE(r.failure);
  Finding f = *r.failure;
  add_site_values(f, "https://example.test:8443/", parse_target("https://example.test:8443/"));
  const ErrorRow* row = find_error_row(f.code);
  REQUIRE(row);
  INFO(f.code);
  CHECK(unfilled_placeholders(*row, f.values).empty());
  CHECK_NOTHROW(render_finding(f));
}

}  // namespace

TEST_CASE("Fetch: a device's self-signed certificate, by IP, without SNI", "[fetch]") {
  Fixture f;
  auto dev = f.pki.device("dev", {.subject = "/CN=idrac.test", .serial = "01"});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key});
  FetchResult r = fetch_chain(options(server.url()));
  CHECK_FALSE(r.failure);
  REQUIRE(r.chain_der.size() == 1);
  CHECK(sha256_hex(r.chain_der[0]) == dev.sha256());
  REQUIRE(r.session);
  CHECK(r.session->handshake_complete);
  CHECK(r.session->sni.empty());  // Firefox sends no SNI for IP literals
  CHECK(r.session->address == "127.0.0.1");
  CHECK(r.session->version == "TLSv1.3");
}

TEST_CASE("Fetch: leaf and intermediate come back leaf first, as presented", "[fetch]") {
  Fixture f;
  auto root = f.pki.root("root", {.subject = "/CN=Test Root"});
  auto ica = f.pki.issue("ica", root, {.subject = "/CN=Test Issuing CA"}, true);
  auto leaf = f.pki.issue("leaf", ica, {.subject = "/CN=www.site.test"});
  testing::TlsServer server({.cert = leaf.cert, .key = leaf.key, .chain = f.pki.bundle("chain.pem", {ica})});
  FetchResult r = fetch_chain(options(server.url()));
  CHECK_FALSE(r.failure);
  REQUIRE(r.chain_der.size() == 2);
  CHECK(sha256_hex(r.chain_der[0]) == leaf.sha256());
  CHECK(sha256_hex(r.chain_der[1]) == ica.sha256());
}

TEST_CASE("Fetch: IPv6 loopback", "[fetch]") {
  Fixture f;
  auto dev = f.pki.device("dev", {.subject = "/CN=v6.test", .key = "ec:prime256v1"});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key, .ipv6 = true});
  FetchResult r = fetch_chain(options("https://[::1]:" + std::to_string(server.port()) + "/"));
  CHECK_FALSE(r.failure);
  REQUIRE(r.session);
  CHECK(r.session->address == "::1");
  REQUIRE(r.chain_der.size() == 1);
  CHECK(sha256_hex(r.chain_der[0]) == dev.sha256());
}

TEST_CASE("Fetch: names get SNI, and --resolve sends them to a chosen address", "[fetch]") {
  Fixture f;
  auto fallback = f.pki.device("default", {.subject = "/CN=default.test"});
  auto named = f.pki.device("named", {.subject = "/CN=switch.test"});
  testing::TlsServer server({.cert = fallback.cert, .key = fallback.key,
                             .extra_args = {"-servername", "switch.test", "-cert2", named.cert.string(), "-key2",
                                            named.key.string()}});
  const std::string port = std::to_string(server.port());

  auto by_name = options("https://switch.test:" + port + "/");
  by_name.resolve = {parse_resolve("switch.test:" + port + ":127.0.0.1")};
  FetchResult r = fetch_chain(by_name);
  REQUIRE(r.chain_der.size() == 1);
  CHECK(sha256_hex(r.chain_der[0]) == named.sha256());
  CHECK(r.session->sni == "switch.test");

  auto any_port = options("https://switch.test:" + port + "/");
  any_port.resolve = {parse_resolve("switch.test:*:[::ffff:127.0.0.1]")};
  CHECK(fetch_chain(any_port).chain_der.size() == 1);

  FetchResult by_ip = fetch_chain(options(server.url()));
  REQUIRE(by_ip.chain_der.size() == 1);
  CHECK(sha256_hex(by_ip.chain_der[0]) == fallback.sha256());
}

TEST_CASE("Fetch: a TLS 1.0-only device refuses Firefox's hello, and the permissive fetch still gets its chain", "[fetch]") {
  Fixture f;
  auto dev = f.pki.device("old", {.subject = "/CN=old-ilo.test", .serial = "00"});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key,
                             .extra_args = {"-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"}});
  FetchResult r = fetch_chain(options(server.url()));
  REQUIRE(r.session);
  CHECK(r.session->version == "TLSv1");  // what the permissive fetch negotiated
  REQUIRE(r.chain_der.size() == 1);      // the chain is still there to diagnose
  CHECK(sha256_hex(r.chain_der[0]) == dev.sha256());
  REQUIRE(r.failure);
  // As Firefox ESR 153.8 shows it (truth case hs:tls1.0-only): the device answers with a protocol_version alert.
  CHECK(r.failure->code == "SSL_ERROR_PROTOCOL_VERSION_ALERT");
  CHECK(r.session->firefox_outcome == "SSL_ERROR_PROTOCOL_VERSION_ALERT");
  check_renders(r);
  // Facts, not words: what the server accepts when offered everything (the texts word it).
  CHECK(r.failure->values.at("accepted_version") == "TLSv1");
  CHECK(!r.failure->values.at("accepted_cipher").get<std::string>().empty());
  CHECK(r.failure->values.at("offered").get<std::string>().rfind("TLS 1.2 to TLS 1.3; TLS_AES_128_GCM_SHA256", 0) == 0);

  // The profile re-enabled TLS 1.0 and 1.1 (the pref the old error page's button set): Firefox's handshake works.
  auto o = options(server.url());
  o.firefox_prefs = {{"security.tls.version.enable-deprecated", true}};
  FetchResult enabled = fetch_chain(o);
  CHECK_FALSE(enabled.failure);
  REQUIRE(enabled.session);
  CHECK(enabled.session->version == "TLSv1");
  CHECK(enabled.session->firefox_outcome == "loads");
  CHECK(enabled.session->firefox_prefs == std::vector<std::string>{"security.tls.version.enable-deprecated=true"});
}

TEST_CASE("Fetch: DHE only, and suites Firefox lacks: no cipher in common, and what the server accepts", "[fetch]") {
  Fixture f;
  auto dev = f.pki.device("dhe", {.subject = "/CN=dhe.test"});
  for (const std::string ciphers : {"kDHE:@SECLEVEL=0", "ECDHE-RSA-AES128-SHA256:AES256-SHA256"}) {
    INFO(ciphers);
    testing::TlsServer server({.cert = dev.cert, .key = dev.key, .extra_args = {"-tls1_2", "-cipher", ciphers}});
    FetchResult r = fetch_chain(options(server.url()));
    REQUIRE(r.failure);
    CHECK(r.failure->code == "SSL_ERROR_NO_CYPHER_OVERLAP");
    check_renders(r);
    REQUIRE(r.chain_der.size() == 1);
    CHECK(r.session->version == "TLSv1.2");
    CHECK(r.failure->values.at("accepted_cipher").get<std::string>().find(ciphers.substr(0, 4) == "kDHE" ? "DHE-RSA" : "SHA256") !=
          std::string::npos);
  }
  // A DHE suite switched on in the profile: Firefox's handshake then works.
  testing::TlsServer server({.cert = dev.cert, .key = dev.key, .extra_args = {"-tls1_2", "-cipher", "kDHE:@SECLEVEL=0"}});
  auto o = options(server.url());
  o.firefox_prefs = {{"security.ssl3.dhe_rsa_aes_128_sha", true}};
  FetchResult on = fetch_chain(o);
  CHECK_FALSE(on.failure);
  CHECK(on.session->cipher == "DHE-RSA-AES128-SHA");
}

TEST_CASE("Fetch: a server that requires a client certificate, on TLS 1.2 and on TLS 1.3", "[fetch]") {
  Fixture f;
  auto dev = f.pki.device("cc", {.subject = "/CN=cc.test"});
  testing::TlsServer tls12({.cert = dev.cert, .key = dev.key, .extra_args = {"-tls1_2", "-Verify", "1"}});
  FetchResult r12 = fetch_chain(options(tls12.url()));
  REQUIRE(r12.failure);
  CHECK(r12.failure->code == "SSL_ERROR_HANDSHAKE_FAILURE_ALERT");
  check_renders(r12);
  CHECK(r12.chain_der.size() == 1);
  testing::TlsServer tls13({.cert = dev.cert, .key = dev.key, .extra_args = {"-tls1_3", "-Verify", "1"}});
  FetchResult r13 = fetch_chain(options(tls13.url()));
  REQUIRE(r13.failure);
  CHECK(r13.failure->code == "SSL_ERROR_RX_CERTIFICATE_REQUIRED_ALERT");
  check_renders(r13);
  CHECK(r13.chain_der.size() == 1);
  // Asked for, not required: the page loads.
  testing::TlsServer optional({.cert = dev.cert, .key = dev.key, .extra_args = {"-verify", "1"}});
  CHECK_FALSE(fetch_chain(options(optional.url())).failure);
}

TEST_CASE("Fetch: the profile requires TLS 1.3 and the server speaks TLS 1.2 only", "[fetch]") {
  Fixture f;
  auto dev = f.pki.device("t12", {.subject = "/CN=t12.test"});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key, .extra_args = {"-tls1_2"}});
  auto o = options(server.url());
  o.firefox_prefs = {{"security.tls.version.min", 4}};
  FetchResult r = fetch_chain(o);
  REQUIRE(r.failure);
  CHECK(r.failure->code == "SSL_ERROR_PROTOCOL_VERSION_ALERT");
  check_renders(r);
  CHECK(r.failure->values.at("prefs") == nlohmann::json::array({"security.tls.version.min=4"}));
  CHECK_FALSE(fetch_chain(options(server.url())).failure);  // with Firefox's defaults it loads
}

TEST_CASE("Fetch: through a real HTTP CONNECT proxy", "[fetch]") {
  Fixture f;
  auto dev = f.pki.device("dev", {.subject = "/CN=localhost"});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key});
  testing::HttpProxy proxy;
  auto o = options(server.url("localhost"));
  o.proxy = parse_proxy(proxy.url());
  FetchResult r = fetch_chain(o);
  CHECK_FALSE(r.failure);
  REQUIRE(r.chain_der.size() == 1);
  CHECK(sha256_hex(r.chain_der[0]) == dev.sha256());
  CHECK(r.session->proxy == proxy.url());
  CHECK(r.session->sni == "localhost");

  auto closed = options("https://localhost:" + std::to_string(testing::free_port()) + "/");
  closed.proxy = parse_proxy(proxy.url());
  FetchResult refused = fetch_chain(closed);
  REQUIRE(refused.failure);
  CHECK(refused.failure->code == "proxy_failed");
  check_renders(refused);
}

TEST_CASE("Fetch: a closed port is refused", "[fetch]") {
  FetchResult r = fetch_chain(options("https://127.0.0.1:" + std::to_string(testing::free_port()) + "/"));
  REQUIRE(r.failure);
  CHECK(r.failure->code == "connection_refused");
  check_renders(r);
  CHECK(r.failure->values.at("address") == "127.0.0.1");
  CHECK_FALSE(r.session);
}

TEST_CASE("Fetch: a name that does not resolve", "[fetch]") {
  FetchResult r = fetch_chain(options("https://certdoctor-test.invalid/"));
  REQUIRE(r.failure);
  CHECK(r.failure->code == "dns_failed");
  check_renders(r);
}

TEST_CASE("Fetch: a plain-text service is not TLS", "[fetch]") {
  testing::RawServer server(testing::RawServer::Mode::garbage);
  FetchResult r = fetch_chain(options("https://127.0.0.1:" + std::to_string(server.port()) + "/"));
  REQUIRE(r.failure);
  CHECK(r.failure->code == "not_tls");
  check_renders(r);
  CHECK(r.chain_der.empty());
}

TEST_CASE("Fetch: a server that hangs up on the ClientHello", "[fetch]") {
  testing::RawServer server(testing::RawServer::Mode::hang_up);
  FetchResult r = fetch_chain(options("https://127.0.0.1:" + std::to_string(server.port()) + "/"));
  REQUIRE(r.failure);
  CHECK(r.failure->code == "NS_ERROR_NET_RESET");  // Firefox: "The connection was reset" (truth: hs:close-after-hello)
  check_renders(r);
}

TEST_CASE("Fetch: a server that accepts and never answers hits the handshake deadline", "[fetch]") {
  testing::RawServer server(testing::RawServer::Mode::silent);
  auto o = options("https://127.0.0.1:" + std::to_string(server.port()) + "/");
  o.handshake_timeout = 300ms;
  auto started = std::chrono::steady_clock::now();
  FetchResult r = fetch_chain(o);
  REQUIRE(r.failure);
  CHECK(r.failure->code == "handshake_timeout");
  check_renders(r);
  // Not a speed claim: a hang would never return. The bound is ten times the deadline.
  CHECK(std::chrono::steady_clock::now() - started < 3s);
}

TEST_CASE("Fetch: a key Firefox cannot use ends in no cipher in common, with a fix that names this host", "[fetch]") {
  Fixture f;
  auto dev = f.pki.device("dev", {.subject = "/CN=k1.test", .key = "ec:secp256k1"});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key});
  FetchResult r = fetch_chain(options(server.url()));
  REQUIRE(r.failure);
  CHECK(r.failure->code == "SSL_ERROR_NO_CYPHER_OVERLAP");
  check_renders(r);
}

TEST_CASE("Fetch: a device's TLS stack that fails with internal_error, and a server that picks TLS 1.0", "[fetch]") {
  testing::RawServer broken(testing::RawServer::Mode::internal_error_alert);
  FetchResult r = fetch_chain(options("https://127.0.0.1:" + std::to_string(broken.port()) + "/"));
  REQUIRE(r.failure);
  CHECK(r.failure->code == "SSL_ERROR_INTERNAL_ERROR_ALERT");
  CHECK(r.failure->values.at("alert_name") == "internal error");
  check_renders(r);

  testing::RawServer old(testing::RawServer::Mode::tls10_server_hello);
  FetchResult o = fetch_chain(options("https://127.0.0.1:" + std::to_string(old.port()) + "/"));
  REQUIRE(o.failure);
  CHECK(o.failure->code == "SSL_ERROR_UNSUPPORTED_VERSION");
  check_renders(o);
}

TEST_CASE("Fetch: every result of Firefox's handshake is met from a real server, and its finding is filled",
          "[fetch][findings]") {
  Fixture f;
  auto dev = f.pki.device("hs", {.subject = "/CN=hs.test"});
  auto s_server = [&](std::vector<std::string> args) {
    return std::make_unique<testing::TlsServer>(testing::TlsServerOptions{.cert = dev.cert, .key = dev.key, .extra_args = std::move(args)});
  };
  std::vector<std::string> met;
  auto meet = [&](std::uint16_t port) {
    FetchResult r = fetch_chain(options("https://127.0.0.1:" + std::to_string(port) + "/"));
    REQUIRE(r.failure);
    check_renders(r);
    met.push_back(r.failure->code);
  };
  {
    auto s = s_server({"-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"});
    meet(s->port());
  }
  for (const std::vector<std::string>& args : {std::vector<std::string>{"-tls1_2", "-cipher", "kDHE:@SECLEVEL=0"},
                                               {"-tls1_2", "-Verify", "1"}, {"-tls1_3", "-Verify", "1"}}) {
    auto s = s_server(args);
    meet(s->port());
  }
  for (auto mode : {testing::RawServer::Mode::hang_up, testing::RawServer::Mode::internal_error_alert,
                    testing::RawServer::Mode::tls10_server_hello}) {
    testing::RawServer s(mode);
    meet(s.port());
  }
  // Every Result row that Firefox's handshake can end in was met, from the code that makes it.
  for (pkix::Result r : pkix::kResults) {
    const std::string code(pkix::firefox_code(r));
    if (!code.starts_with("SSL_ERROR_") && r != pkix::Result::NetReset) continue;
    if (r == pkix::Result::BadCertDomain) continue;  // a verdict on the certificate, not the handshake's
    INFO(code);
    CHECK(std::find(met.begin(), met.end(), code) != met.end());
  }
}
