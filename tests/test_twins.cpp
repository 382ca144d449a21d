// Two devices with one certificate identity (an internal CA that issued both serial 01), served by real
// openssl s_server processes on loopback: the CLI's --compare names the other one; the comparison is bounded in
// count and time; the host's open_separately starts a real separate Firefox on a throw-away profile that is gone
// once that Firefox exits.
#include <catch2/catch.hpp>

#include <signal.h>

#include <boost/process.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "base/build_info.hpp"
#include "certificate/cert_info.hpp"
#include "diagnosis/compare.hpp"
#include "firefox/held_identity.hpp"
#include "pki.hpp"
#include "profile.hpp"
#include "protocol/framing.hpp"
#include "servers.hpp"

namespace bp = boost::process;
using json = nlohmann::json;

namespace {

testing::RunResult run_cli(std::vector<std::string> args, const std::filesystem::path& home) {
  args.insert(args.begin(), testing::bin("certdoctor").string());
  return testing::run(args, "", {{"HOME", home.string()}, {"XDG_CONFIG_HOME", (home / ".config").string()}});
}

// The CA (trusted in the profile, serial 7f01) and its two devices with serial 01, each served on a port of its own.
struct Twins {
  testing::Workspace w;
  testing::Issued ca = w.pki.root("ca", {.subject = "/CN=Twins CA", .serial = "7f01"});
  testing::Issued a = w.pki.issue("a", ca, {.subject = "/CN=device-a", .serial = "01",
                                            .extensions = {"subjectAltName=IP:127.0.0.1", "extendedKeyUsage=serverAuth"}});
  testing::Issued b = w.pki.issue("b", ca, {.subject = "/CN=device-b", .serial = "01",
                                            .extensions = {"subjectAltName=IP:127.0.0.1", "extendedKeyUsage=serverAuth"}});
  testing::TlsServer server_a{{.cert = a.cert, .key = a.key}};
  testing::TlsServer server_b{{.cert = b.cert, .key = b.key}};
  Twins() { w.profile.add(ca, "Twins CA", "C,,"); }
};

const json* finding(const json& d, const std::string& code) {
  for (const auto& f : d["findings"]) {
    if (f["code"] == code) return &f;
  }
  return nullptr;
}

bool alive(int pid) { return kill(pid, 0) == 0; }

}  // namespace

TEST_CASE("Twins: --compare names the open site that serves another certificate with our issuer and serial", "[twins]") {
  Twins t;
  // A third site of the same CA with its own serial, the same certificate as B served again, and a dead port.
  auto other = t.w.pki.issue("c", t.ca, {.subject = "/CN=device-c", .serial = "02"});
  testing::TlsServer server_c({.cert = other.cert, .key = other.key});
  testing::TlsServer b_again({.cert = t.b.cert, .key = t.b.key});
  const std::string dead = "https://127.0.0.1:" + std::to_string(testing::free_port()) + "/";
  auto r = run_cli({"diagnose", t.server_b.url(), "--profile", t.w.profile.dir().string(), "--reported-error",
                       "SEC_ERROR_REUSED_ISSUER_AND_SERIAL", "--json", "--compare", t.server_a.url() + "some/page?x=1",
                       "--compare", server_c.url(), b_again.url(), dead, t.server_b.url()},
                      t.w.dir.path());
  REQUIRE(r.exit_code == 0);
  json d = json::parse(r.out);
  CHECK(d["conflicts"].empty());  // nothing stored: the other certificate is in Firefox's memory
  REQUIRE(d["findings"].size() >= 1);
  const json& named = d["findings"][0];
  CHECK(named["code"] == "open_site_conflict");
  CHECK(named["severity"] == "error");
  CHECK(named["cert"] == 0);
  CHECK(named["values"]["other_url"] == t.server_a.url() + "some/page?x=1");
  CHECK(named["values"]["other_host"] == "127.0.0.1:" + std::to_string(t.server_a.port()));
  CHECK(named["values"]["other_sha256"] == t.a.sha256());
  CHECK(named["values"]["other_subject"] == "CN=device-a");
  CHECK(named["values"]["serial"] == "01");
  // Its fix opens this site in a separate Firefox, the URL shell-quoted.
  CHECK(named["fix"].get<std::string>().find("firefox --no-remote --profile \"$(mktemp -d)\" '" + t.server_b.url() + "'") !=
        std::string::npos);
  CHECK(finding(d, "live_connection_conflict") == nullptr);  // named, so no longer the unnamed warning
  // The verdict counts the identity held in memory: A loads through the trusted CA, so Firefox refuses B, with no
  // bypass (measured every time: tests/truth/sequences.json), although B's chain alone would load.
  CHECK(d.at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  CHECK(d.at("overridable") == false);
  REQUIRE(d["compared"].size() == 5);
  CHECK(d["compared"][0]["status"] == "conflict");
  CHECK(d["compared"][0].at("prediction") == "refused");
  CHECK_FALSE(d["compared"][0].contains("measured"));
  CHECK(d["compared"][0]["matches"][0]["other_sha256"] == t.a.sha256());
  CHECK(d["compared"][1]["status"] == "no_conflict");  // another serial
  CHECK(d["compared"][2]["status"] == "no_conflict");  // the very same certificate is no conflict
  CHECK(d["compared"][3]["status"] == "unreachable");
  CHECK(d["compared"][3]["reason"] == "connection_refused");
  CHECK(d["compared"][4]["status"] == "same_site");
  const json* incomplete = finding(d, "compare_incomplete");
  REQUIRE(incomplete);
  CHECK((*incomplete)["values"]["unchecked"] == 1);
  CHECK((*incomplete)["values"]["urls"] == dead);

  // The readable form leads with it too.
  auto text = run_cli({"diagnose", t.server_b.url(), "--profile", t.w.profile.dir().string(), "--compare",
                          t.server_a.url()},
                         t.w.dir.path());
  CHECK(text.exit_code == 0);
  CHECK(text.out.find("127.0.0.1:" + std::to_string(t.server_a.port()) +
                      " holds a certificate with this site's issuer and serial") != std::string::npos);
}

TEST_CASE("Twins: without --compare the in-memory case is named as such, with the remedies that work", "[twins]") {
  Twins t;
  auto r = run_cli({"diagnose", t.server_b.url(), "--profile", t.w.profile.dir().string(), "--reported-error",
                       "SEC_ERROR_REUSED_ISSUER_AND_SERIAL", "--json"},
                      t.w.dir.path());
  REQUIRE(r.exit_code == 0);
  json d = json::parse(r.out);
  const json* unnamed = finding(d, "live_connection_conflict");
  REQUIRE(unnamed);
  const std::string fix = (*unnamed)["fix"];
  CHECK(fix.find("firefox --no-remote --profile \"$(mktemp -d)\" '" + t.server_b.url() + "'") != std::string::npos);
  CHECK(fix.find("Minimize memory usage") != std::string::npos);
  CHECK(fix.find("wait a minute") == std::string::npos);  // measured not to work
  CHECK_FALSE(d.contains("compared"));
  // Nothing stored explains the reported reused serial: the verdict is the identity held in memory.
  CHECK(d.at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  CHECK(d.at("overridable") == false);
  // Not reported: B's own chain loads.
  auto quiet = run_cli({"diagnose", t.server_b.url(), "--profile", t.w.profile.dir().string(), "--json"}, t.w.dir.path());
  REQUIRE(quiet.exit_code == 0);
  CHECK(json::parse(quiet.out).at("firefox_error").is_null());
}

namespace {

// Self-signed factory twins: one subject and issuer name, serial 01, a key each; trusted by nothing.
struct SelfSignedTwins {
  testing::Workspace w;
  testing::Issued a = w.pki.device("a", {.subject = "/O=Example Devices/CN=Factory Certificate", .serial = "01",
                                          .extensions = {"subjectAltName=IP:127.0.0.1"}});
  testing::Issued b = w.pki.device("b", {.subject = "/O=Example Devices/CN=Factory Certificate", .serial = "01",
                                          .extensions = {"subjectAltName=IP:127.0.0.1"}});
  testing::TlsServer server_a{{.cert = a.cert, .key = a.key}};
  testing::TlsServer server_b{{.cert = b.cert, .key = b.key}};
};

}  // namespace

TEST_CASE("Twins: a twin that does not load through a trust anchor is a note, not the cause", "[twins]") {
  SelfSignedTwins t;
  // B diagnosed as the extension asks: what Firefox reported, and A's open tab to compare.
  const auto diagnose_b = [&](const std::string& reported) {
    auto r = run_cli({"diagnose", t.server_b.url(), "--profile", t.w.profile.dir().string(), "--reported-error", reported,
                      "--json", "--compare", t.server_a.url()},
                     t.w.dir.path());
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  };
  // What Firefox showed for B with A open (measured: its own self-signed warning, with the bypass).
  json d = diagnose_b("MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");
  CHECK(d.at("firefox_error") == "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");
  CHECK(d.at("overridable") == true);
  REQUIRE_FALSE(d.at("findings").empty());
  CHECK(d["findings"][0].at("code") == "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");  // the page's own error leads
  CHECK(finding(d, "open_site_conflict") == nullptr);
  const json* note = finding(d, "shared_identity");
  REQUIRE(note);
  CHECK(note->at("severity") == "info");
  CHECK(note->at("values").at("other_url") == t.server_a.url());
  CHECK(note->at("values").at("refused") == certdoctor::kUntrustedTwinRefusals.refused);
  CHECK(note->at("values").at("visits") == certdoctor::kUntrustedTwinRefusals.visits);
  // No twin remedies: neither a separate Firefox nor about:memory, only certificates of their own.
  const std::string fix = note->at("fix");
  CHECK(fix.find("--no-remote") == std::string::npos);
  CHECK(fix.find("about:memory") == std::string::npos);
  CHECK(fix.find("certdoctor reissue '" + t.server_b.url() + "'") != std::string::npos);
  REQUIRE(d.at("compared").size() == 1);
  CHECK(d["compared"][0].at("prediction") == "may_be_refused");
  CHECK(d["compared"][0].at("measured").at("visits") == certdoctor::kUntrustedTwinRefusals.visits);

  // In the rare session where Firefox did refuse B with the reused serial, the verdict follows what it reported.
  json x = diagnose_b("SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  CHECK(x.at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  CHECK(x.at("overridable") == false);
  CHECK(finding(x, "shared_identity") != nullptr);
  CHECK(finding(x, "open_site_conflict") == nullptr);
}

TEST_CASE("Twins: the held-identity rule: refused through a trust anchor, the reported reused serial kept", "[twins]") {
  using certdoctor::pkix::Result;
  certdoctor::Verdict anchored;
  anchored.result = Result::Success;
  anchored.path = {"leaf", "root"};
  CHECK(certdoctor::predict_twin(anchored).refused);
  certdoctor::Verdict self_signed;
  self_signed.result = Result::SelfSignedCert;
  const auto may = certdoctor::predict_twin(self_signed);
  CHECK_FALSE(may.refused);
  CHECK(may.measured.visits == certdoctor::kUntrustedTwinRefusals.visits);

  certdoctor::ShownError loads;  // B's chain alone loads
  const std::string reused = "SEC_ERROR_REUSED_ISSUER_AND_SERIAL";
  auto shown = certdoctor::with_held_identity(loads, reused, true);
  REQUIRE(shown.error);
  CHECK(*shown.error == Result::ReusedIssuerAndSerial);
  CHECK_FALSE(shown.overridable);
  CHECK_FALSE(certdoctor::with_held_identity(loads, reused, false).error);          // nothing explains it
  CHECK_FALSE(certdoctor::with_held_identity(loads, std::string("SEC_ERROR_UNKNOWN_ISSUER"), true).error);
  certdoctor::ShownError excepted;  // an exception lets a self-signed chain through: not past the reused serial
  excepted.exception_applies = true;
  shown = certdoctor::with_held_identity(excepted, reused, true);
  CHECK(shown.error);
  CHECK_FALSE(shown.exception_applies);
}

TEST_CASE("Twins: --compare takes only https URLs; a bad one is refused before anything is fetched", "[twins]") {
  testing::TempDir home;
  for (const std::string bad : {"http://127.0.0.1/", "ftp://x/", "https://"}) {
    auto r = run_cli({"diagnose", "https://127.0.0.1:1/", "--compare", bad}, home.path());
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("compare") != std::string::npos);
  }
}

TEST_CASE("Twins: the comparison is bounded in count and in time", "[twins]") {
  using namespace std::chrono;
  Twins t;
  const std::vector<std::string> served = {t.b.der()};
  const std::vector<certdoctor::CertificateDescription> chain = {certdoctor::describe_certificate(t.b.der())};
  SECTION("at most 20 sites are fetched; the rest are listed as not checked") {
    std::vector<std::string> urls;
    // 25 distinct loopback addresses on a port nothing listens on: each refuses at once.
    const std::string port = std::to_string(testing::free_port());
    for (int i = 2; i < 27; ++i) urls.push_back("https://127.0.0." + std::to_string(i) + ":" + port + "/");
    urls.push_back(t.server_a.url());  // the 26th: past the limit
    auto report = certdoctor::compare_with_sites(served, chain, t.server_b.url(), urls, {});
    REQUIRE(report.compared.size() == 26);
    int unreachable = 0, limited = 0;
    for (const auto& c : report.compared) {
      unreachable += c.status == "unreachable";
      limited += c.status == "not_checked" && c.reason == "limit";
    }
    CHECK(unreachable == 20);
    CHECK(limited == 6);
    CHECK_FALSE(report.any_conflict);  // A was past the limit
  }
  SECTION("a site that never answers is given up at the deadline, the others still count") {
    testing::RawServer silent(testing::RawServer::Mode::silent);
    const std::vector<std::string> urls = {"https://127.0.0.1:" + std::to_string(silent.port()) + "/", t.server_a.url()};
    certdoctor::CompareOptions o;
    o.handshake_timeout = seconds(30);
    o.deadline = milliseconds(1500);
    auto start = steady_clock::now();
    auto report = certdoctor::compare_with_sites(served, chain, t.server_b.url(), urls, o);
    CHECK(steady_clock::now() - start < seconds(4));
    REQUIRE(report.compared.size() == 2);
    CHECK(report.compared[0].status == "unreachable");  // its handshake cut to what was left of the deadline
    CHECK(report.compared[0].reason == "handshake_timeout");
    CHECK(report.compared[1].status == "conflict");
    CHECK(report.any_conflict);
    // One at a time: the silent site takes the whole deadline, and A's turn comes too late to be contacted.
    o.parallel = 1;
    start = steady_clock::now();
    report = certdoctor::compare_with_sites(served, chain, t.server_b.url(), urls, o);
    CHECK(steady_clock::now() - start < seconds(4));
    CHECK(report.compared[1].status == "not_checked");
    CHECK(report.compared[1].reason == "deadline");
    CHECK_FALSE(report.any_conflict);
  }
}

TEST_CASE("Twins: open_separately starts a separate Firefox on a throw-away profile, removed when it exits",
          "[twins][firefox]") {
  if (bp::search_path("firefox-esr").empty()) {
    WARN("firefox-esr is not installed: skipped");
    return;
  }
  Twins t;
  testing::TempDir home;
  const auto manifest = std::filesystem::path(CERTDOCTOR_BIN_DIR).parent_path() / "manifests/certdoctor.json";
  bp::environment e = boost::this_process::environment();
  e["HOME"] = home.path().string();
  e["MOZ_HEADLESS"] = "1";
  e["CERTDOCTOR_PROFILE"] = t.w.profile.dir().string();
  bp::opstream in;
  bp::ipstream out;
  bp::child host(testing::bin("certdoctor-host").string(), manifest.string(), std::string(certdoctor::build::extension_id), e,
                 bp::std_in < in, bp::std_out > out, bp::std_err > bp::null);
  auto ask = [&](const json& j) {
    const std::string f = certdoctor::encode_frame(j.dump());
    in.write(f.data(), static_cast<std::streamsize>(f.size()));
    in.flush();
    std::uint32_t n = 0;
    out.read(reinterpret_cast<char*>(&n), 4);
    std::string payload(n, '\0');
    out.read(payload.data(), n);
    return json::parse(payload);
  };
  // Only an https page, and nothing else from the request.
  CHECK(ask({{"type", "open_separately"}, {"url", "http://127.0.0.1/"}})["error"]["code"] == "invalid_url");
  CHECK(ask({{"type", "open_separately"}, {"url", "file:///etc/passwd"}})["error"]["code"] == "invalid_url");
  CHECK(ask({{"type", "open_separately"}, {"url", t.server_b.url()}, {"args", {"-P"}}})["error"]["code"] == "invalid_field");
  CHECK(ask({{"type", "open_separately"}})["error"]["code"] == "invalid_field");

  json r = ask({{"type", "open_separately"}, {"url", t.server_b.url()}});
  REQUIRE(r["ok"] == true);
  const int pid = r["result"]["pid"];
  const std::filesystem::path profile = r["result"]["profile"].get<std::string>();
  CHECK(r["result"]["trust_copied"] == true);
  CHECK(alive(pid));
  CHECK(std::filesystem::exists(profile / "cert9.db"));
  const std::string cmdline = testing::read_file("/proc/" + std::to_string(pid) + "/cmdline");
  std::string expected;
  for (const std::string& arg : {std::string("--no-remote"), std::string("--new-instance"), std::string("--profile"),
                                 profile.string(), t.server_b.url()}) {
    expected += arg + '\0';
  }
  CHECK(cmdline.substr(cmdline.find('\0') + 1) == expected);  // after the program: exactly these
  // The host may end (Firefox ends it after the reply): the separate Firefox and its watcher live on.
  in.pipe().close();
  host.wait();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  CHECK(alive(pid));
  kill(pid, SIGTERM);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while ((alive(pid) || std::filesystem::exists(profile)) && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (alive(pid)) kill(pid, SIGKILL);
  CHECK_FALSE(std::filesystem::exists(profile));
}
