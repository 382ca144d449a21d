// The native host as Firefox runs it: a child process started with argv = [manifest path, extension id],
// spoken to over its stdin/stdout pipes with length-prefixed frames.
#include <catch2/catch.hpp>

#include <boost/process.hpp>
#include <nlohmann/json.hpp>
#include <cstring>

#include "base/build_info.hpp"
#include "certificate/cert_info.hpp"
#include "protocol/framing.hpp"
#include "pki.hpp"
#include "profile.hpp"
#include "servers.hpp"

namespace bp = boost::process;
using json = nlohmann::json;

namespace {

class Host {
 public:
  explicit Host(const std::string& caller = std::string(certdoctor::build::extension_id),
                std::map<std::string, std::string> env = {}) {
    bp::environment e = boost::this_process::environment();
    e["HOME"] = home_.path().string();
    for (const auto& [k, v] : env) e[k] = v;
    const auto manifest = std::filesystem::path(CERTDOCTOR_BIN_DIR).parent_path() / "manifests/certdoctor.json";
    child_ = bp::child(testing::bin("certdoctor-host").string(), manifest.string(), caller, e,
                       bp::start_dir = CERTDOCTOR_BIN_DIR, bp::std_in < in_, bp::std_out > out_,
                       bp::std_err > (log_ / "stderr").string());
  }
  ~Host() {
    if (child_.running()) child_.terminate();
    child_.wait();
  }

  void send_raw(const std::string& bytes) {
    in_.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    in_.flush();
  }
  void send(const json& j) { send_raw(frame(j.dump())); }

  json receive() {
    std::uint32_t n = 0;
    out_.read(reinterpret_cast<char*>(&n), 4);
    REQUIRE(out_.gcount() == 4);
    std::string payload(n, '\0');
    out_.read(payload.data(), n);
    REQUIRE(static_cast<std::uint32_t>(out_.gcount()) == n);
    return json::parse(payload);
  }
  json ask(const json& j) {
    send(j);
    return receive();
  }

  int close_and_wait() {
    in_.pipe().close();
    child_.wait();
    return child_.exit_code();
  }
  std::string stderr_text() { return testing::read_file(log_ / "stderr"); }

  static std::string frame(const std::string& payload) {
    std::uint32_t n = static_cast<std::uint32_t>(payload.size());
    std::string h(4, '\0');
    std::memcpy(h.data(), &n, 4);
    return h + payload;
  }

 private:
  testing::TempDir home_, log_;
  bp::opstream in_;
  bp::ipstream out_;
  bp::child child_;
};

}  // namespace

TEST_CASE("Host: hello over real pipes, then EOF ends it with status 0", "[host]") {
  Host host;
  json r = host.ask({{"id", 1}, {"type", "hello"}});
  CHECK(r["ok"] == true);
  CHECK(r["id"] == 1);
  CHECK(r["result"]["name"] == "certdoctor");
  CHECK(r["result"]["caller"] == std::string(certdoctor::build::extension_id));
  CHECK(host.close_and_wait() == 0);
}

TEST_CASE("Host: every kind of bad frame gets an error reply and the host keeps serving", "[host]") {
  Host host;
  host.send_raw(Host::frame("{not json"));
  CHECK(host.receive()["error"]["code"] == "invalid_json");

  host.send_raw(Host::frame("\"\xc3\x28\""));  // invalid UTF-8
  CHECK(host.receive()["error"]["code"] == "invalid_json");

  host.send_raw(Host::frame("42"));
  CHECK(host.receive()["error"]["code"] == "invalid_request");

  json unknown = host.ask({{"id", "u"}, {"type", "reboot"}});
  CHECK(unknown["error"]["code"] == "unknown_type");
  CHECK(unknown["id"] == "u");

  json wrong = host.ask({{"id", 9}, {"type", "diagnose"}, {"url", {1, 2}}});
  CHECK(wrong["error"]["code"] == "invalid_field");
  CHECK(wrong["id"] == 9);

  // Larger than any request may be: read and dropped, not buffered.
  std::string big(certdoctor::kMaxRequestBytes + 10, ' ');
  host.send_raw(Host::frame(big));
  CHECK(host.receive()["error"]["code"] == "frame_too_large");

  json still = host.ask({{"id", 2}, {"type", "hello"}});
  CHECK(still["ok"] == true);
  CHECK(still["id"] == 2);

  CHECK(host.close_and_wait() == 0);
}

TEST_CASE("Host: a truncated frame at end of input gets frame_truncated before the host exits", "[host]") {
  testing::TempDir dir;
  std::string input = Host::frame(R"({"id":1,"type":"hello"})") + Host::frame(R"({"id":2,"type":"hello"})").substr(0, 7);
  auto r = testing::run({testing::bin("certdoctor-host").string(), "manifest.json",
                         std::string(certdoctor::build::extension_id)},
                        input, {{"HOME", dir.path().string()}});
  CHECK(r.exit_code == 0);
  // Two frames back: hello's answer, then the truncation error.
  std::vector<json> replies;
  std::size_t at = 0;
  while (at + 4 <= r.out.size()) {
    std::uint32_t n;
    std::memcpy(&n, r.out.data() + at, 4);
    replies.push_back(json::parse(r.out.substr(at + 4, n)));
    at += 4 + n;
  }
  CHECK(at == r.out.size());
  REQUIRE(replies.size() == 2);
  CHECK(replies[0]["ok"] == true);
  CHECK(replies[1]["error"]["code"] == "frame_truncated");
}

TEST_CASE("Host: a caller that is not our extension is refused", "[host]") {
  Host host("someone-else@example.test");
  json r = host.ask({{"id", 1}, {"type", "diagnose"}, {"url", "https://127.0.0.1:1/"}});
  CHECK(r["ok"] == false);
  CHECK(r["error"]["code"] == "caller_not_allowed");
  CHECK(host.close_and_wait() == 0);
  CHECK_THAT(host.stderr_text(), Catch::Contains("someone-else@example.test"));
}

TEST_CASE("Host: diagnose fetches the chain and answers with the diagnosis object", "[host]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto dev = pki.device("dev", {.subject = "/CN=ilo.test", .serial = "01"});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key});
  std::filesystem::create_directories(dir / "profile");
  testing::run_ok({"certutil", "-N", "-d", "sql:" + (dir / "profile").string(), "--empty-password"});

  Host host(std::string(certdoctor::build::extension_id), {{"CERTDOCTOR_PROFILE", (dir / "profile").string()}});
  json r = host.ask({{"id", 5},
                     {"type", "diagnose"},
                     {"url", "https://ilo.test:" + std::to_string(server.port()) + "/"},
                     {"resolve", {"ilo.test:" + std::to_string(server.port()) + ":127.0.0.1"}},
                     {"reported_error", "SEC_ERROR_REUSED_ISSUER_AND_SERIAL"}});
  REQUIRE(r["ok"] == true);
  CHECK(r["id"] == 5);
  const json& d = r["result"];
  REQUIRE(d["chain"].size() == 1);
  CHECK(d["chain"][0]["sha256"] == dev.sha256());
  CHECK(d["chain"][0]["serial"] == "01");
  CHECK(d["reported_error"] == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  // The profile stores nothing and no other site was compared: the reported reused serial comes from an identity
  // Firefox holds in memory, which no exception gets past (firefox/held_identity.hpp).
  CHECK(d.at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  CHECK(d.at("overridable") == false);
  CHECK(d["profile"]["source"] == "argument");
  CHECK(d["connection"]["sni"] == "ilo.test");
  CHECK(host.close_and_wait() == 0);
}

TEST_CASE("Host: CERTDOCTOR_RESOLVE reaches names its resolver does not know, for every request", "[host]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto dev = pki.device("dev", {.subject = "/CN=idrac.invalid"});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key});
  const std::string port = std::to_string(server.port());
  const std::string url = "https://idrac.invalid:" + port + "/";
  {
    Host plain;  // ".invalid" never resolves
    json r = plain.ask({{"id", 1}, {"type", "diagnose"}, {"url", url}});
    REQUIRE(r["ok"] == true);
    CHECK(r.at("result").at("chain").empty());
    CHECK(r["result"]["findings"][0]["code"] == "dns_failed");
  }
  Host host(std::string(certdoctor::build::extension_id),
            {{"CERTDOCTOR_RESOLVE", "other.invalid:1:127.0.0.9,idrac.invalid:" + port + ":127.0.0.1,"}});
  json r = host.ask({{"id", 2}, {"type", "diagnose"}, {"url", url}});
  REQUIRE(r["ok"] == true);
  REQUIRE(r["result"]["chain"].size() == 1);
  CHECK(r["result"]["chain"][0]["sha256"] == dev.sha256());
  CHECK(r["result"]["connection"]["sni"] == "idrac.invalid");
}

TEST_CASE("Host: without a named profile it uses the one its parent process has open", "[host]") {
  testing::TempDir dir;
  std::filesystem::create_directories(dir / "profile");
  testing::run_ok({"certutil", "-N", "-d", "sql:" + (dir / "profile").string(), "--empty-password"});
  FILE* held = std::fopen((dir / "profile/cert9.db").c_str(), "rb");  // as Firefox holds it
  REQUIRE(held);
  Host host;
  json r = host.ask({{"id", 1}, {"type", "diagnose"}, {"url", "https://127.0.0.1:" + std::to_string(testing::free_port()) + "/"}});
  std::fclose(held);
  REQUIRE(r["ok"] == true);
  CHECK(r["result"]["profile"]["source"] == "parent process");
  CHECK(std::filesystem::equivalent(r["result"]["profile"]["path"].get<std::string>(), dir / "profile"));
  CHECK(r["result"]["findings"][0]["code"] == "connection_refused");
}

TEST_CASE("Host: diagnose, remove the conflict, undo - over the pipes, on the profile it was given", "[host]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto old_cert = pki.device("old", {.subject = "/CN=bmc.test", .serial = "07"});
  auto new_cert = pki.device("new", {.subject = "/CN=bmc.test", .serial = "07"});
  testing::Profile profile(dir / "profile");
  profile.add(old_cert, "bmc.test", ",,");
  testing::TlsServer server({.cert = new_cert.cert, .key = new_cert.key});
  const std::string port = std::to_string(server.port());

  Host host(std::string(certdoctor::build::extension_id), {{"CERTDOCTOR_PROFILE", profile.dir().string()}});
  json d = host.ask({{"id", 1}, {"type", "diagnose"}, {"url", "https://bmc.test:" + port + "/"},
                     {"resolve", {"bmc.test:" + port + ":127.0.0.1"}}});
  REQUIRE(d["ok"] == true);
  REQUIRE(d["result"]["conflicts"].size() == 1);
  const std::string sha = d["result"]["conflicts"][0]["sha256"];
  CHECK(sha == old_cert.sha256());

  json wrong = host.ask({{"id", 2}, {"type", "remove"}, {"sha256", sha}, {"profile", "/somewhere/else"}});
  CHECK(wrong["error"]["code"] == "profile_mismatch");
  CHECK(profile.holds(old_cert));
  // Every field is checked before the profile is touched: a URL that cannot be judged afterwards is refused
  // first, not after the certificate is gone.
  for (const json& bad : {json{{"url", "http://x"}}, json{{"url", "https://bmc.test/"}, {"resolve", {"nonsense"}}},
                          json{{"url", "https://bmc.test/"}, {"proxy", "ftp://p"}}}) {
    json req = {{"id", 2}, {"type", "remove"}, {"sha256", sha}};
    req.update(bad);
    json refused = host.ask(req);
    INFO(bad.dump());
    CHECK(refused["ok"] == false);
    CHECK(profile.holds(old_cert));
    CHECK_FALSE(std::filesystem::exists(profile.dir() / "certdoctor-backups"));
  }

  json removed = host.ask({{"id", 3}, {"type", "remove"}, {"sha256", sha}, {"profile", d["result"]["profile"]["path"]},
                           {"url", "https://bmc.test:" + port + "/"}});
  REQUIRE(removed["ok"] == true);
  CHECK(removed["result"]["removed"]["nickname"] == "bmc.test");
  CHECK_FALSE(profile.holds(old_cert));

  json listed = host.ask({{"id", 4}, {"type", "undo"}, {"list", true}});
  REQUIRE(listed["result"]["backups"].size() == 1);
  CHECK(listed["result"]["backups"][0]["restored"] == false);
  CHECK(listed["result"]["backups"][0]["state"] == "removed");

  json undone = host.ask({{"id", 5}, {"type", "undo"}});
  REQUIRE(undone["ok"] == true);
  CHECK(undone["result"]["backup_id"] == removed["result"]["backup_id"]);
  CHECK(profile.holds(old_cert));
  CHECK(profile.trust_of("bmc.test") == ",,");
  CHECK(host.close_and_wait() == 0);
}
