// `certdoctor remove --every-profile` as configuration management runs it: as root, on real local users (made
// with useradd, removed with userdel when the test ends), each with real Firefox profiles (profiles.ini, and a
// cert9.db written through Firefox's own NSS). Each profile is worked on as its user: backups belong to the user,
// undo works, a trusted certificate needs --allow-trusted, and a profiles.ini that names another user's profile
// reaches it with its own user's rights alone.
#include <catch2/catch.hpp>

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <random>

#include "pki.hpp"
#include "profile.hpp"
#include "process.hpp"
#include "skip.hpp"

using json = nlohmann::json;
using namespace testing;
namespace fs = std::filesystem;

namespace {

// A local user of this machine for the length of a test, with a home in `base`.
class LocalUser {
 public:
  LocalUser(const std::string& role, const fs::path& base) {
    std::random_device rd;
    char suffix[9];
    std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(rd()));
    name_ = "cdt" + role + suffix;
    home_ = base / name_;
    run_ok({"useradd", "--create-home", "--home-dir", home_.string(), "--shell", "/usr/sbin/nologin", "--user-group",
            name_});
  }
  ~LocalUser() { run({"userdel", "--remove", name_}); }
  LocalUser(const LocalUser&) = delete;
  LocalUser& operator=(const LocalUser&) = delete;
  const std::string& name() const { return name_; }
  const fs::path& home() const { return home_; }
  uid_t uid() const { return ::getpwnam(name_.c_str())->pw_uid; }

  // A profile as Firefox makes one: listed in ~/.mozilla/firefox/profiles.ini, its cert9.db written through
  // Firefox's own NSS, everything the user's. `extra` is a profile elsewhere, named by an absolute path.
  std::vector<fs::path> profiles(const std::vector<std::string>& names, const std::optional<fs::path>& extra = {}) {
    const fs::path root = home_ / ".mozilla" / "firefox";
    fs::create_directories(root);
    std::string ini = "[General]\nStartWithLastProfile=1\nVersion=2\n";
    std::vector<fs::path> made;
    for (std::size_t i = 0; i < names.size(); ++i) {
      ini += "\n[Profile" + std::to_string(i) + "]\nName=" + names[i] + "\nIsRelative=1\nPath=" + names[i] +
             (i == 0 ? "\nDefault=1\n" : "\n");
      made.push_back(root / names[i]);
    }
    if (extra) ini += "\n[Profile" + std::to_string(names.size()) + "]\nName=elsewhere\nIsRelative=0\nPath=" + extra->string() + "\n";
    write_file(root / "profiles.ini", ini);
    return made;
  }
  void own_everything() const { run_ok({"chown", "-R", name_ + ":" + name_, home_.string()}); }

 private:
  std::string name_;
  fs::path home_;
};

RunResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), bin("certdoctor").string());
  return run(args);
}

// The report's entries for one user.
std::vector<json> entries_of(const json& report, const LocalUser& u) {
  std::vector<json> out;
  for (const auto& p : report.at("profiles")) {
    if (p.at("user") == u.name()) out.push_back(p);
  }
  return out;
}

const json& entry_for(const std::vector<json>& entries, const fs::path& profile) {
  for (const auto& e : entries) {
    if (e.contains("profile") && e.at("profile") == profile.string()) return e;
  }
  FAIL("no entry for " << profile);
  throw std::logic_error("unreachable");
}

}  // namespace

TEST_CASE("remove --every-profile as root: every local user's profiles, each as its user, reported per profile",
          "[every_profile]") {
  if (::geteuid() != 0) CERTDOCTOR_SKIP("needs root to create local users and act on their profiles");
  TempDir base;
  ::chmod(base.path().c_str(), 0755);  // the users reach their homes through it
  Pki pki(base / "pki");
  fs::create_directories(base / "pki");
  const Issued stale = pki.device("stale", {.subject = "/CN=stale-device.test", .serial = "01"});
  const Issued other = pki.device("other", {.subject = "/CN=other.test"});

  LocalUser alice("a", base.path()), bob("b", base.path()), carol("c", base.path()), mallory("m", base.path());
  // alice: the stale certificate in her default profile, a second profile without it.
  const auto alice_profiles = alice.profiles({"abcd.default-esr", "efgh.work"});
  Profile a1(alice_profiles[0]), a2(alice_profiles[1]);
  a1.add_as_firefox(stale, "stale-device.test", ",,");
  a2.add_as_firefox(other, "other.test", ",,");
  alice.own_everything();
  // bob: the same certificate, but trusted as a CA: a trust decision, removed only with --allow-trusted.
  const auto bob_profiles = bob.profiles({"ijkl.default-esr"});
  Profile b1(bob_profiles[0]);
  b1.add_as_firefox(stale, "stale-device.test", "C,,");
  bob.own_everything();
  // carol: the certificate; mallory's profiles.ini names carol's profile as one of hers.
  const auto carol_profiles = carol.profiles({"mnop.default-esr"});
  Profile c1(carol_profiles[0]);
  c1.add_as_firefox(stale, "stale-device.test", ",,");
  carol.own_everything();
  ::chmod(carol.home().c_str(), 0755);  // others may look in (Debian's default): mallory reaches the profile
  const auto mallory_profiles = mallory.profiles({"qrst.default-esr"}, carol_profiles[0]);
  Profile m1(mallory_profiles[0]);
  mallory.own_everything();

  // mallory alone first: her own profile does not hold it, and carol's is reached with mallory's rights only.
  auto as_mallory = cli({"remove", "--every-profile", "--user", mallory.name(), "--sha256", stale.sha256(), "--json"});
  INFO(as_mallory.err);
  REQUIRE(as_mallory.exit_code == 1);
  json report = json::parse(as_mallory.out);
  const auto mine = entries_of(report, mallory);
  REQUIRE(mine.size() == 2);
  CHECK(entry_for(mine, mallory_profiles[0]).at("outcome") == "not_stored");
  const json& reached = entry_for(mine, carol_profiles[0]);
  CHECK(reached.at("outcome") == "failed");
  CHECK(c1.holds(stale));
  CHECK_FALSE(fs::exists(carol_profiles[0] / "certdoctor-backups"));

  // Everyone: progress on stderr, a line per profile.
  auto all = cli({"remove", "--every-profile", "--sha256", stale.sha256(), "--json"});
  INFO(all.err);
  CHECK(all.exit_code == 1);  // bob's trusted copy was refused
  CHECK(all.err.find("certdoctor remove: users checked:") != std::string::npos);
  report = json::parse(all.out);
  CHECK(report.at("sha256") == stale.sha256());
  CHECK(report.at("exit_code") == 1);
  const auto alice_entries = entries_of(report, alice);
  REQUIRE(alice_entries.size() == 2);
  const json& removed = entry_for(alice_entries, alice_profiles[0]);
  CHECK(removed.at("outcome") == "removed");
  CHECK(removed.at("uid") == alice.uid());
  CHECK(entry_for(alice_entries, alice_profiles[1]).at("outcome") == "not_stored");
  CHECK_FALSE(a1.holds(stale));
  CHECK(a2.holds(other));
  // The backup and journal are alice's, never root's.
  for (const auto& entry : fs::recursive_directory_iterator(alice_profiles[0])) {
    struct stat st {};
    REQUIRE(::lstat(entry.path().c_str(), &st) == 0);
    INFO(entry.path());
    CHECK(st.st_uid == alice.uid());
  }
  CHECK(fs::exists(alice_profiles[0] / "certdoctor-backups" / "journal.jsonl"));
  const auto bob_entries = entries_of(report, bob);
  const json& refused = entry_for(bob_entries, bob_profiles[0]);
  CHECK(refused.at("outcome") == "failed");
  CHECK(refused.at("error").at("code") == "needs_allow_trusted");
  CHECK(b1.holds(stale));
  CHECK(entry_for(entries_of(report, carol), carol_profiles[0]).at("outcome") == "removed");
  CHECK_FALSE(c1.holds(stale));
  CHECK(report.at("summary").at("failed").get<int>() >= 1);

  // The removal is undone as for one profile.
  auto undo = cli({"undo", "--profile", alice_profiles[0].string(), removed.at("backup_id").get<std::string>()});
  INFO(undo.err);
  CHECK(undo.exit_code == 0);
  CHECK(a1.holds(stale));

  // With --allow-trusted, as text: bob's goes too, alice's (back again) as well; nothing fails, exit 0.
  auto text = cli({"remove", "--every-profile", "--user", alice.name(), "--user", bob.name(), "--sha256",
                   stale.sha256(), "--allow-trusted"});
  INFO(text.err);
  CHECK(text.exit_code == 0);
  CHECK_FALSE(b1.holds(stale));
  CHECK_FALSE(a1.holds(stale));
  CHECK(text.out.find("removed  " + bob.name() + "  " + bob_profiles[0].string()) != std::string::npos);
  CHECK(text.out.find("not stored  " + alice.name() + "  " + alice_profiles[1].string()) != std::string::npos);
  CHECK(text.out.find("Removed from 2 profile(s), not stored in 1, failed in 0 (3 profile(s) of 2 user(s))") !=
        std::string::npos);
  CHECK(text.out.find("undo: certdoctor undo --profile '" + bob_profiles[0].string() + "' ") != std::string::npos);

  // Run again: the certificate is in none of them any more; that is success.
  auto again = cli({"remove", "--every-profile", "--user", alice.name(), "--user", bob.name(), "--sha256", stale.sha256()});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("Removed from 0 profile(s), not stored in 3, failed in 0") != std::string::npos);
}

TEST_CASE("remove --every-profile: usage errors exit 2 before any profile is touched", "[every_profile]") {
  const std::string sha(64, 'a');
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<Case> cases{
      {{"remove", "--every-profile", "--profile", "/tmp", "--sha256", sha}, "excludes"},
      {{"remove", "--sha256", sha}, "--every-profile"},
      {{"remove", "--every-profile", "--sha256", "abc"}, "sha256"},
      {{"remove", "--every-profile", "--user", "cdt-no-such-user", "--sha256", sha}, "no such user"},
      {{"remove", "--user", "root", "--sha256", sha, "--profile", "/tmp"}, "requires"},
      {{"remove", "--every-profile", "--url", "https://x.test/", "--sha256", sha}, "excludes"},
  };
  for (const auto& c : cases) {
    auto r = cli(c.args);
    INFO(c.args.at(1) << " " << c.args.at(2) << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(c.says) != std::string::npos);
    CHECK(r.out.empty());
  }
}
