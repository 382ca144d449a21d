// A removal can always be undone: the real CLI is killed (SIGKILL, from a fault-injection point compiled into
// test builds, base/fault.hpp) at every step of a removal and of an undo, and the next run must finish what was
// begun; the profile then compares equal to where it started, by certutil's listing and by the stored DER. Also:
// a request that fails validation changes nothing, and a removal whose check afterwards fails still says it is
// done, with its backup id.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <csignal>
#include <sstream>

#include <fstream>
#include <functional>

#include <pkcs11t.h>

#include "base/hex.hpp"
#include "profile/nss_store.hpp"
#include "pki.hpp"
#include "profile.hpp"
#include "servers.hpp"

using json = nlohmann::json;
using certdoctor::NssStore;

namespace {

std::string certdoctor_hex(const std::string& bytes) { return certdoctor::to_hex(bytes); }

testing::RunResult cli(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), testing::bin("certdoctor").string());
  return testing::run(args, "", env);
}

// A profile holding a trusted internal root (the one removed: its trust object must come back exactly) and an
// unrelated stored certificate that must never change.
struct Fixture : testing::Workspace {
  testing::Issued root = pki.root("root", {.subject = "/O=Example Corp/CN=Example Device CA"});
  testing::Issued other = pki.device("other", {.subject = "/CN=printer.test", .serial = "07"});
  std::string before;
  NssStore::Snapshot snapshot;  // the root's two objects as they were

  // as_firefox: the root's trust stored as today's Firefox stores it (a CKO_TRUST object), not as certutil does.
  bool as_firefox;
  explicit Fixture(bool firefox_format = false) : as_firefox(firefox_format) {
    if (as_firefox) profile.add_as_firefox(root, "Example Device CA", "CT,C,");
    else profile.add(root, "Example Device CA", "CT,C,");
    profile.add(other, "printer.test", ",,");
    before = profile.list();
    auto store = NssStore::open(profile.dir(), NssStore::Access::read);
    auto stored = store->by_sha256(root.sha256());
    REQUIRE(stored);
    snapshot = store->snapshot(*stored);
    REQUIRE(snapshot.trust.size() == 1);
  }
  std::string dir() const { return profile.dir().string(); }
  testing::RunResult remove(const std::map<std::string, std::string>& env = {}) const {
    return cli({"remove", "--profile", dir(), "--sha256", root.sha256(), "--allow-trusted", "--json"}, env);
  }
  NssStore::Presence presence() const {
    return NssStore::open(profile.dir(), NssStore::Access::read)->present(snapshot);
  }
  json backups() const {
    auto r = cli({"undo", "--profile", dir(), "--list", "--json"});
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
  void check_as_before() const {
    CHECK(testing::sorted_lines(profile.list()) == testing::sorted_lines(before));
    CHECK(profile.holds(root));  // the exact DER
    CHECK(profile.holds(other));
    CHECK((as_firefox ? profile.firefox_trust_of("Example Device CA") : profile.trust_of("Example Device CA")) == "CT,C,");
    const NssStore::Presence now = presence();
    CHECK(now.certificate);
    CHECK(now.trust);
  }
  void check_removed() const {
    CHECK_FALSE(profile.holds(root));
    const NssStore::Presence now = presence();
    CHECK_FALSE(now.certificate);
    CHECK_FALSE(now.some_trust);  // no orphaned trust object of either format left behind
    CHECK(profile.holds(other));
    CHECK(profile.trust_of("printer.test") == ",,");
  }
};

}  // namespace

TEST_CASE("Removal: killed at any step, the next run finishes it, and undo brings back exactly what was there",
          "[removal][recovery]") {
  // Each step; what the profile holds right after the kill; where the journal then says the removal stands.
  struct Step {
    const char* point;
    bool certificate_left, trust_left;
    const char* state;
  };
  const Step steps[] = {
      {"remove.after_backup", true, true, "unrecorded"},  // backup written, nothing journaled or deleted yet
      {"remove.after_intent", true, true, "removal_interrupted"},
      {"remove.after_certificate", false, true, "removal_interrupted"},  // the trust object still stored
      {"remove.after_trust", false, false, "removal_interrupted"},
      {"remove.after_done", false, false, "removed"},
  };
  const bool as_firefox = GENERATE(false, true);
  for (const Step& step : steps) {
    DYNAMIC_SECTION(step.point << (as_firefox ? " (CKO_TRUST)" : " (CKO_NSS_TRUST)")) {
      Fixture f(as_firefox);
      auto killed = f.remove({{"CERTDOCTOR_FAULT", step.point}});
      REQUIRE(killed.exit_code == SIGKILL);
      const NssStore::Presence left = f.presence();
      CHECK(left.certificate == step.certificate_left);
      CHECK(left.trust == step.trust_left);

      json listed = f.backups();
      REQUIRE(listed.size() == 1);
      CHECK(listed[0].at("state") == step.state);
      CHECK(listed[0].at("sha256") == f.root.sha256());

      // The next run: undo finishes the interrupted removal first, then puts the certificate back.
      auto undo = cli({"undo", "--profile", f.dir(), "--json"});
      if (std::string(step.point) == "remove.after_backup") {
        // Nothing was removed, so there is nothing to undo, and nothing changed.
        CHECK(undo.exit_code == 1);
        CHECK_THAT(undo.err, Catch::Contains("no removal to undo"));
      } else {
        REQUIRE(undo.exit_code == 0);
        CHECK(json::parse(undo.out).at("restored").at("sha256") == f.root.sha256());
      }
      f.check_as_before();
    }
  }
}

TEST_CASE("Removal: a removal cut short is finished by the next remove, and stays undoable", "[removal][recovery]") {
  Fixture f;
  REQUIRE(f.remove({{"CERTDOCTOR_FAULT", "remove.after_certificate"}}).exit_code == SIGKILL);
  // The next run removes something else; before that, it finishes the removal it finds half done.
  auto next = cli({"remove", "--profile", f.dir(), "--sha256", f.other.sha256(), "--json"});
  REQUIRE(next.exit_code == 0);
  CHECK_FALSE(f.presence().trust);
  json listed = f.backups();
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].at("state") == "removed");
  CHECK(listed[1].at("state") == "removed");
  // Both undo, newest first, back to exactly the start.
  REQUIRE(cli({"undo", "--profile", f.dir()}).exit_code == 0);
  REQUIRE(cli({"undo", "--profile", f.dir()}).exit_code == 0);
  f.check_as_before();
}

TEST_CASE("Removal: an undo killed at any step is finished by the next undo", "[removal][recovery]") {
  for (const char* point : {"undo.after_intent", "undo.after_trust", "undo.after_certificate"}) {
    DYNAMIC_SECTION(point) {
      Fixture f;
      REQUIRE(f.remove().exit_code == 0);
      f.check_removed();
      auto killed = cli({"undo", "--profile", f.dir()}, {{"CERTDOCTOR_FAULT", point}});
      REQUIRE(killed.exit_code == SIGKILL);
      // Never the certificate without its trust: the trust object is created first.
      const NssStore::Presence mid = f.presence();
      CHECK((!mid.certificate || mid.trust));
      CHECK(f.backups()[0].at("state") == "undo_interrupted");

      auto again = cli({"undo", "--profile", f.dir(), "--json"});
      REQUIRE(again.exit_code == 0);
      json r = json::parse(again.out);
      CHECK(r.at("restored").at("sha256") == f.root.sha256());
      CHECK(r.at("finished_after_interruption") == true);
      f.check_as_before();
      CHECK(f.backups()[0].at("state") == "restored");
    }
  }
}

TEST_CASE("Removal: undo finds a backup the journal lost", "[removal][recovery]") {
  Fixture f;
  auto r = f.remove();
  REQUIRE(r.exit_code == 0);
  const std::string id = json::parse(r.out).at("backup_id");
  std::filesystem::remove(f.profile.dir() / "certdoctor-backups" / "journal.jsonl");
  json listed = f.backups();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].at("id") == id);
  CHECK(listed[0].at("state") == "unrecorded");
  REQUIRE(cli({"undo", "--profile", f.dir()}).exit_code == 0);
  f.check_as_before();
}

TEST_CASE("Removal: a request that fails validation touches nothing", "[removal]") {
  Fixture f;
  for (const char* url : {"http://x", "https://", "https://host:99999/"}) {
    DYNAMIC_SECTION(url) {
      auto r = cli({"remove", "--profile", f.dir(), "--sha256", f.root.sha256(), "--allow-trusted", "--url", url});
      CHECK(r.exit_code == 2);
      CHECK_FALSE(r.err.empty());
      CHECK_FALSE(std::filesystem::exists(f.profile.dir() / "certdoctor-backups"));
      f.check_as_before();
    }
  }
  auto bad_resolve = cli({"remove", "--profile", f.dir(), "--sha256", f.root.sha256(), "--allow-trusted", "--url",
                          "https://a.test/", "--resolve", "not-a-resolve-spec"});
  CHECK(bad_resolve.exit_code == 2);
  f.check_as_before();
}

TEST_CASE("Removal: once removed, the output says so with the backup id, whatever the check afterwards does",
          "[removal]") {
  Fixture f;
  const std::string url = "https://ca.test:" + std::to_string(testing::free_port()) + "/";
  const std::vector<std::string> args = {"remove", "--profile", f.dir(), "--sha256", f.root.sha256(),
                                         "--allow-trusted", "--url", url, "--resolve",
                                         url.substr(8, url.size() - 9) + ":127.0.0.1"};
  SECTION("the site cannot be reached") {
    std::vector<std::string> a = args;
    a.push_back("--json");
    auto r = cli(a);
    REQUIRE(r.exit_code == 0);
    json j = json::parse(r.out);
    CHECK_FALSE(j.at("backup_id").get<std::string>().empty());
    CHECK(j.at("after").at("findings").at(0).at("code") == "connection_refused");
  }
  SECTION("the check itself fails") {
    std::vector<std::string> a = args;
    a.push_back("--json");
    auto r = cli(a, {{"CERTDOCTOR_FAULT", "after_check"}});
    REQUIRE(r.exit_code == 0);
    json j = json::parse(r.out);
    const std::string id = j.at("backup_id");
    CHECK_FALSE(id.empty());
    REQUIRE(j.at("after").at("findings").size() == 1);
    CHECK(j.at("after").at("findings").at(0).at("code") == "after_check_failed");
    CHECK_THAT(j.at("after").at("findings").at(0).at("fix").get<std::string>(), Catch::Contains("certdoctor diagnose"));
    CHECK(f.backups()[0].at("id") == id);
  }
  SECTION("as text: the undo command with the backup id") {
    auto r = cli(args, {{"CERTDOCTOR_FAULT", "after_check"}});
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("certdoctor undo --profile"));
    CHECK_THAT(r.out, Catch::Contains(f.backups()[0].at("id").get<std::string>()));
  }
  f.check_removed();
}

TEST_CASE("Diagnosis: a database that fails at any point still gives the rest of the diagnosis", "[diagnose][store]") {
  Fixture f;
  auto dev = f.pki.issue("dev", f.root, {.subject = "/CN=idrac.test", .extensions = {"subjectAltName=DNS:idrac.test"}});
  testing::TlsServer server({.cert = dev.cert, .key = dev.key});
  const std::string port = std::to_string(server.port());
  const std::vector<std::string> args = {"diagnose", "https://idrac.test:" + port + "/", "--resolve",
                                         "idrac.test:" + port + ":127.0.0.1", "--profile", f.dir(), "--json"};
  auto healthy = cli(args);
  REQUIRE(healthy.exit_code == 0);
  const json well = json::parse(healthy.out);
  CHECK(well.at("firefox_error").is_null());
  // What a failed search would change: the verdict, the path, the findings, the conflicts.
  auto same_as_healthy = [&](const json& d) {
    for (const char* key : {"firefox_error", "path", "findings", "conflicts"}) {
      if (d.contains(key) != well.contains(key) || (d.contains(key) && d.at(key) != well.at(key))) return false;
    }
    return true;
  };
  // The Nth search of the profile's database fails, and every one after it, as when a writer locks it mid-way:
  // for every N from 0 up to the first one past the diagnosis's last search (nothing failed, the diagnosis is the
  // healthy one), so "every N" holds however many searches a diagnosis makes. kMaxSearches only stops a diagnosis
  // that would never stop searching.
  constexpr int kMaxSearches = 200;
  int without_verdict = 0;
  int n = 0;
  for (;; ++n) {
    REQUIRE(n <= kMaxSearches);
    auto r = cli(args, {{"CERTDOCTOR_FAULT", "store.find@" + std::to_string(n)}});
    INFO("the database fails from search " << n << " on");
    REQUIRE(r.exit_code == 0);
    json d = json::parse(r.out);
    CHECK(d.at("chain").size() == 1);
    CHECK(d.at("connection").at("handshake_complete") == true);
    bool store_finding = false;
    for (const auto& finding : d.at("findings")) store_finding |= finding.at("code") == "store_failed";
    if (!d.contains("firefox_error")) {
      ++without_verdict;
      CHECK(store_finding);
    }
    if (!store_finding && same_as_healthy(d)) break;  // past the last search
    CHECK(store_finding);  // a search failed and changed the diagnosis: it says so
  }
  INFO("searches per diagnosis: " << n);
  CHECK(n > 0);
  CHECK(without_verdict > 0);  // the failure did reach path building in some runs
}

// The trust today's Firefox stores (CKO_TRUST) guards a removal as certutil's format does; both come back on undo.
TEST_CASE("Removal: a root Firefox trusts as a CKO_TRUST object is removed only with --allow-trusted, whole, and comes back",
          "[removal][pkcs11-trust]") {
  Fixture f(true);
  REQUIRE(f.profile.trust_of("Example Device CA") == ",,");  // the system's certutil does not see the trust
  auto refused = cli({"remove", "--profile", f.dir(), "--sha256", f.root.sha256(), "--json"});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("trusted root"));
  f.check_as_before();
  // The system's NSS cannot put a CKO_TRUST object back: the removal is refused even with --allow-trusted.
  auto old_nss = cli({"remove", "--profile", f.dir(), "--sha256", f.root.sha256(), "--allow-trusted", "--json"},
                     {{"CERTDOCTOR_NSS", "system"}});
  CHECK(old_nss.exit_code == 1);
  CHECK_THAT(old_nss.err, Catch::Contains("CKO_TRUST"));
  f.check_as_before();
  auto removed = f.remove();
  REQUIRE(removed.exit_code == 0);
  CHECK(json::parse(removed.out)["removed"]["trust"] == "CT,C,");
  f.check_removed();
  REQUIRE(cli({"undo", "--profile", f.dir()}).exit_code == 0);
  f.check_as_before();  // Firefox's NSS applies CT,C, again, from the same CKO_TRUST object
  CHECK(f.profile.trust_of("Example Device CA") == ",,");  // and it is still no CKO_NSS_TRUST object
}

// Issue 28: undo puts back only what certdoctor took away; a backup file changed since is refused before anything
// is created.
TEST_CASE("Removal: undo refuses a backup that is not certdoctor's own of that certificate, and creates nothing",
          "[removal][backup]") {
  const bool as_firefox = GENERATE(false, true);
  Fixture f(as_firefox);
  auto attacker = f.pki.root("attacker", {.subject = "/CN=Attacker CA"});
  REQUIRE(f.remove().exit_code == 0);
  const std::string id = f.backups()[0]["id"].get<std::string>();
  const auto file = f.profile.dir() / "certdoctor-backups" / (id + ".json");
  const json original = json::parse(testing::read_file(file));
  auto crafted_undo = [&](const std::function<void(json&)>& change) {
    json j = original;
    change(j);
    std::ofstream(file) << j.dump();
    auto r = cli({"undo", "--profile", f.dir(), id});
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains("was not restored"));
    CHECK_FALSE(f.profile.holds(attacker));
    CHECK_FALSE(f.profile.holds(f.root));
    CHECK_FALSE(f.presence().some_trust);
  };
  SECTION("another certificate's DER") {
    crafted_undo([&](json& j) { j["objects"]["certificate"][std::to_string(CKA_VALUE)] = certdoctor_hex(attacker.der()); });
  }
  SECTION("another certificate named by the file") {
    crafted_undo([&](json& j) { j["sha256"] = attacker.sha256(); });
  }
  SECTION("an attribute certdoctor never saves") {
    crafted_undo([&](json& j) { j["objects"]["certificate"][std::to_string(CKA_PRIVATE_EXPONENT)] = "00"; });
  }
  SECTION("a trust object of another class") {
    crafted_undo([&](json& j) {
      json& t = j["objects"]["trust"].is_array() ? j["objects"]["trust"][0] : j["objects"]["trust"];
      const CK_ULONG key = CKO_PRIVATE_KEY;
      t[std::to_string(CKA_CLASS)] = certdoctor_hex(std::string(reinterpret_cast<const char*>(&key), sizeof key));
    });
  }
  // The file as written undoes, exactly.
  std::ofstream(file) << original.dump();
  REQUIRE(cli({"undo", "--profile", f.dir(), id}).exit_code == 0);
  f.check_as_before();
}
