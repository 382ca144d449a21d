// The native host as Firefox runs it: a child process started with argv = [manifest path, extension id],
// spoken to over its stdin/stdout pipes with length-prefixed frames.
#include <catch2/catch.hpp>

#include <boost/process.hpp>
#include <nlohmann/json.hpp>
#include <cstring>

#include <algorithm>

#include "base/build_info.hpp"
#include "base/hex.hpp"
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
  CHECK(r.at("ok") == true);
  CHECK(r.at("id") == 1);
  CHECK(r.at("result").at("name") == "certdoctor");
  CHECK(r.at("result").at("caller") == std::string(certdoctor::build::extension_id));
  CHECK(host.close_and_wait() == 0);
}

TEST_CASE("Host: every kind of bad frame gets an error reply and the host keeps serving", "[host]") {
  Host host;
  host.send_raw(Host::frame("{not json"));
  CHECK(host.receive().at("error").at("code") == "invalid_json");

  host.send_raw(Host::frame("\"\xc3\x28\""));  // invalid UTF-8
  CHECK(host.receive().at("error").at("code") == "invalid_json");

  host.send_raw(Host::frame("42"));
  CHECK(host.receive().at("error").at("code") == "invalid_request");

  json unknown = host.ask({{"id", "u"}, {"type", "reboot"}});
  CHECK(unknown.at("error").at("code") == "unknown_type");
  CHECK(unknown.at("id") == "u");

  json wrong = host.ask({{"id", 9}, {"type", "diagnose"}, {"url", {1, 2}}});
  CHECK(wrong.at("error").at("code") == "invalid_field");
  CHECK(wrong.at("id") == 9);

  // Larger than any request may be: read and dropped, not buffered.
  std::string big(certdoctor::kMaxRequestBytes + 10, ' ');
  host.send_raw(Host::frame(big));
  CHECK(host.receive().at("error").at("code") == "frame_too_large");

  json still = host.ask({{"id", 2}, {"type", "hello"}});
  CHECK(still.at("ok") == true);
  CHECK(still.at("id") == 2);

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
  CHECK(replies[0].at("ok") == true);
  CHECK(replies[1].at("error").at("code") == "frame_truncated");
}

TEST_CASE("Host: a caller that is not our extension is refused", "[host]") {
  Host host("someone-else@example.test");
  json r = host.ask({{"id", 1}, {"type", "diagnose"}, {"url", "https://127.0.0.1:1/"}});
  CHECK(r.at("ok") == false);
  CHECK(r.at("error").at("code") == "caller_not_allowed");
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
  REQUIRE(r.at("ok") == true);
  CHECK(r.at("id") == 5);
  const json& d = r.at("result");
  REQUIRE(d.at("chain").size() == 1);
  CHECK(d.at("chain").at(0).at("sha256") == dev.sha256());
  CHECK(d.at("chain").at(0).at("serial") == "01");
  CHECK(d.at("reported_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  // The profile stores nothing and no other site was compared: the reported reused serial comes from an identity
  // Firefox holds in memory, which no exception gets past (firefox/held_identity.hpp).
  CHECK(d.at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  CHECK(d.at("overridable") == false);
  CHECK(d.at("profile").at("source") == "argument");
  CHECK(d.at("connection").at("sni") == "ilo.test");
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
    REQUIRE(r.at("ok") == true);
    CHECK(r.at("result").at("chain").empty());
    CHECK(r.at("result").at("findings").at(0).at("code") == "dns_failed");
  }
  Host host(std::string(certdoctor::build::extension_id),
            {{"CERTDOCTOR_RESOLVE", "other.invalid:1:127.0.0.9,idrac.invalid:" + port + ":127.0.0.1,"}});
  json r = host.ask({{"id", 2}, {"type", "diagnose"}, {"url", url}});
  REQUIRE(r.at("ok") == true);
  REQUIRE(r.at("result").at("chain").size() == 1);
  CHECK(r.at("result").at("chain").at(0).at("sha256") == dev.sha256());
  CHECK(r.at("result").at("connection").at("sni") == "idrac.invalid");
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
  REQUIRE(r.at("ok") == true);
  CHECK(r.at("result").at("profile").at("source") == "parent process");
  CHECK(std::filesystem::equivalent(r.at("result").at("profile").at("path").get<std::string>(), dir / "profile"));
  CHECK(r.at("result").at("findings").at(0).at("code") == "connection_refused");
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
  REQUIRE(d.at("ok") == true);
  // Firefox's answer for a stale copy of a self-signed device (the truth case own:*-device-twin).
  CHECK(d.at("result").at("firefox_error") == "SEC_ERROR_REUSED_ISSUER_AND_SERIAL");
  REQUIRE(d.at("result").at("conflicts").size() == 1);
  const std::string sha = d.at("result").at("conflicts").at(0).at("sha256");
  CHECK(sha == old_cert.sha256());

  json wrong = host.ask({{"id", 2}, {"type", "remove"}, {"sha256", sha}, {"profile", "/somewhere/else"}});
  CHECK(wrong.at("error").at("code") == "profile_mismatch");
  CHECK(profile.holds(old_cert));
  // Every field is checked before the profile is touched: a URL that cannot be judged afterwards is refused
  // first, not after the certificate is gone.
  for (const json& bad : {json{{"url", "http://x"}}, json{{"url", "https://bmc.test/"}, {"resolve", {"nonsense"}}},
                          json{{"url", "https://bmc.test/"}, {"proxy", "ftp://p"}}}) {
    json req = {{"id", 2}, {"type", "remove"}, {"sha256", sha}};
    req.update(bad);
    json refused = host.ask(req);
    INFO(bad.dump());
    CHECK(refused.at("ok") == false);
    CHECK(profile.holds(old_cert));
    CHECK_FALSE(std::filesystem::exists(profile.dir() / "certdoctor-backups"));
  }

  json removed = host.ask({{"id", 3}, {"type", "remove"}, {"sha256", sha}, {"profile", d.at("result").at("profile").at("path")},
                           {"url", "https://bmc.test:" + port + "/"},
                           {"resolve", {"bmc.test:" + port + ":127.0.0.1"}}});
  REQUIRE(removed.at("ok") == true);
  CHECK(removed.at("result").at("removed").at("nickname") == "bmc.test");
  // Judged again without the stale copy: the device's own certificate is an ordinary self-signed one.
  CHECK(removed.at("result").at("after").at("firefox_error") == "MOZILLA_PKIX_ERROR_SELF_SIGNED_CERT");
  CHECK_FALSE(profile.holds(old_cert));

  json listed = host.ask({{"id", 4}, {"type", "undo"}, {"list", true}});
  REQUIRE(listed.at("result").at("backups").size() == 1);
  CHECK(listed.at("result").at("backups").at(0).at("restored") == false);
  CHECK(listed.at("result").at("backups").at(0).at("state") == "removed");

  json undone = host.ask({{"id", 5}, {"type", "undo"}});
  REQUIRE(undone.at("ok") == true);
  CHECK(undone.at("result").at("backup_id") == removed.at("result").at("backup_id"));
  CHECK(profile.holds(old_cert));
  CHECK(profile.trust_of("bmc.test") == ",,");
  CHECK(host.close_and_wait() == 0);
}

namespace {

// The DER element at `at` of `der`: {content start, end}.
std::pair<std::size_t, std::size_t> der_element(const std::string& der, std::size_t at) {
  std::size_t length = static_cast<unsigned char>(der.at(at + 1)), start = at + 2;
  if (length & 0x80) {
    const std::size_t octets = length & 0x7f;
    length = 0;
    for (std::size_t i = 0; i < octets; ++i) length = length << 8 | static_cast<unsigned char>(der.at(at + 2 + i));
    start += octets;
  }
  return {start, start + length};
}

// A certificate's issuer Name and serial INTEGER as DER, read here from its bytes (TBSCertificate: [0] version,
// serial, signature, issuer), not by certdoctor's own parser.
std::pair<std::string, std::string> issuer_and_serial(const std::string& der) {
  const auto tbs = der_element(der, der_element(der, 0).first);
  std::size_t next = tbs.first;
  if (static_cast<unsigned char>(der.at(next)) == 0xa0) next = der_element(der, next).second;
  const auto serial = der_element(der, next);
  const auto signature = der_element(der, serial.second);
  const auto issuer = der_element(der, signature.second);
  return {der.substr(signature.second, issuer.second - signature.second), der.substr(next, serial.second - next)};
}

}  // namespace

TEST_CASE("Host: policy_remove over the pipes: each row removed as a user's removal, refused or not stored, recorded",
          "[host][policy]") {
  testing::TempDir dir;
  testing::Pki pki(dir.path());
  auto ca = pki.root("ca", {.subject = "/CN=Policy CA"});
  auto stale = pki.device("stale", {.subject = "/CN=bmc.test", .serial = "07"});
  testing::Profile profile(dir / "profile");
  profile.add_as_firefox(ca, "Policy CA", "C,,");
  profile.add_as_firefox(stale, "bmc.test", ",,");
  const auto [issuer, serial] = issuer_and_serial(stale.der());

  Host host(std::string(certdoctor::build::extension_id), {{"CERTDOCTOR_PROFILE", profile.dir().string()}});
  const json rows = {
      {{"issuer", certdoctor::to_hex(issuer)}, {"serial", certdoctor::to_hex(serial)}, {"reason", "re-made with its old serial"}},
      {{"sha256", ca.sha256()}, {"reason", "the old CA"}},
      {{"sha256", std::string(64, 'c')}, {"reason", "never here"}},
      {{"serial", "020107"}, {"reason", "no issuer"}},
  };
  json reply = host.ask({{"id", 1}, {"type", "policy_remove"}, {"certificates", rows}});
  INFO(reply.dump());
  REQUIRE(reply.at("ok") == true);
  const json& outcomes = reply.at("result").at("outcomes");
  REQUIRE(outcomes.size() == 4);
  CHECK(outcomes.at(0).at("outcome") == "removed");
  CHECK(outcomes.at(0).at("sha256") == stale.sha256());
  CHECK(outcomes.at(0).at("row") == rows.at(0));
  CHECK(outcomes.at(1).at("outcome") == "refused");
  CHECK(outcomes.at(1).at("error").at("code") == "needs_allow_trusted");
  CHECK(outcomes.at(2).at("outcome") == "not_stored");
  CHECK(outcomes.at(3).at("outcome") == "failed");
  CHECK(outcomes.at(3).at("error").at("code") == "invalid_field");
  CHECK_FALSE(profile.holds(stale));
  CHECK(profile.holds(ca));

  // Recorded in the profile, one line per outcome, beside the backup; the user's undo puts it back.
  const std::string log = testing::read_file(profile.dir() / "certdoctor-backups" / "policy.jsonl");
  CHECK(std::count(log.begin(), log.end(), '\n') == 4);
  CHECK(json::parse(log.substr(0, log.find('\n'))).at("backup_id") == outcomes.at(0).at("backup_id"));

  // The same list at the next start changes nothing; with allow_trusted the CA goes too.
  json again = host.ask({{"id", 2}, {"type", "policy_remove"}, {"certificates", {rows.at(0)}}});
  CHECK(again.at("result").at("outcomes").at(0).at("outcome") == "not_stored");
  json trusted = host.ask({{"id", 3}, {"type", "policy_remove"},
                           {"certificates", {{{"sha256", ca.sha256()}, {"reason", "the old CA"}, {"allow_trusted", true}}}}});
  CHECK(trusted.at("result").at("outcomes").at(0).at("outcome") == "removed");
  CHECK_FALSE(profile.holds(ca));
  json undone = host.ask({{"id", 4}, {"type", "undo"}, {"backup_id", outcomes.at(0).at("backup_id")}});
  REQUIRE(undone.at("ok") == true);
  CHECK(profile.holds(stale));
  CHECK(host.close_and_wait() == 0);
}
