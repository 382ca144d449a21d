#include <catch2/catch.hpp>

#include <unistd.h>

#include "profile/ini.hpp"
#include "process.hpp"
#include "profile/profile_locate.hpp"

using namespace certdoctor;
namespace fs = std::filesystem;

namespace {

// A real NSS database, as Firefox keeps it in a profile.
void make_profile(const fs::path& dir) {
  fs::create_directories(dir);
  testing::run_ok({"certutil", "-N", "-d", "sql:" + dir.string(), "--empty-password"});
}

}  // namespace

TEST_CASE("INI: sections, values, comments, BOM and CRLF as Firefox writes them", "[profile]") {
  auto s = parse_ini("\xEF\xBB\xBF[General]\r\nStartWithLastProfile=1\r\n; comment\n[Profile0]\nName = default\nPath=x.y\n"
                     "junk line\n[broken\nKey=after broken header\n");
  REQUIRE(s.size() == 2);
  CHECK(s[0].name == "General");
  CHECK(s[0].get("StartWithLastProfile") == "1");
  CHECK(s[1].get("Name") == "default");
  CHECK(s[1].get("Path") == "x.y");
  CHECK(s[1].get("Key") == "after broken header");  // a broken header does not start a section
  CHECK(s[1].get("missing").empty());
  CHECK(parse_ini("").empty());
  CHECK(parse_ini("key=value before any section\n").empty());
}

TEST_CASE("Profiles: the install default wins, then Default=1, then the only profile", "[profile]") {
  testing::TempDir home;
  fs::path root = home / ".mozilla/firefox";
  make_profile(root / "aaa.default");
  make_profile(root / "bbb.default-esr");
  testing::write_file(root / "profiles.ini",
                      "[Profile1]\nName=default-esr\nIsRelative=1\nPath=bbb.default-esr\n\n"
                      "[Profile0]\nName=default\nIsRelative=1\nPath=aaa.default\nDefault=1\n");
  CHECK(default_profile(root) == root / "aaa.default");

  testing::write_file(root / "installs.ini", "[ABCDEF0123456789]\nDefault=bbb.default-esr\nLocked=1\n");
  CHECK(default_profile(root) == root / "bbb.default-esr");

  ProfileQuery q;
  q.home = home.path();
  auto choice = choose_profile(q);
  REQUIRE(choice.dir);
  CHECK(*choice.dir == root / "bbb.default-esr");
  CHECK(choice.source == "profiles.ini");
  CHECK_FALSE(choice.problem);
}

TEST_CASE("Profiles: an absolute Path= and the XDG location are found", "[profile]") {
  testing::TempDir home, elsewhere;
  make_profile(elsewhere / "work");
  fs::path root = home / ".config/mozilla/firefox";
  fs::create_directories(root);
  testing::write_file(root / "profiles.ini",
                      "[Profile0]\nName=work\nIsRelative=0\nPath=" + (elsewhere / "work").string() + "\n");
  ::unsetenv("XDG_CONFIG_HOME");
  ProfileQuery q;
  q.home = home.path();
  auto choice = choose_profile(q);
  REQUIRE(choice.dir);
  CHECK(*choice.dir == elsewhere / "work");
}

TEST_CASE("Profiles: nothing found, or a named folder that is no profile, is a finding", "[profile]") {
  testing::TempDir home;
  ProfileQuery q;
  q.home = home.path();
  auto none = choose_profile(q);
  CHECK_FALSE(none.dir);
  REQUIRE(none.problem);
  CHECK(none.problem->code == "profile_not_found");
  CHECK(none.problem->values.at("searched").size() == 4);

  q.explicit_dir = home / "missing";
  auto missing = choose_profile(q);
  REQUIRE(missing.problem);
  CHECK(missing.problem->code == "profile_unusable");
  CHECK(missing.problem->values.at("detail") == "no such folder");

  q.explicit_dir = home.path();
  auto empty = choose_profile(q);
  REQUIRE(empty.problem);
  CHECK(empty.problem->values.at("detail") == "the folder holds no cert9.db");

  make_profile(home / "p");
  q.explicit_dir = home / "p";
  auto named = choose_profile(q);
  CHECK_FALSE(named.problem);
  CHECK(named.source == "argument");
}

TEST_CASE("Profiles: the calling process's open cert9.db names its profile", "[profile]") {
  testing::TempDir dir;
  make_profile(dir / "p");
  // This test process holds the database open, as Firefox does; it stands as the "parent".
  FILE* held = std::fopen((dir / "p/cert9.db").c_str(), "rb");
  REQUIRE(held);
  auto found = profile_of_process(static_cast<int>(getpid()));
  std::fclose(held);
  REQUIRE(found);
  CHECK(fs::equivalent(*found, dir / "p"));
}

// ---- certdoctor profiles: every place Firefox keeps profiles, on fake trees ----------------------------------

#include "profile/profile_list.hpp"

namespace {
void touch_db(const fs::path& dir) {
  fs::create_directories(dir);
  testing::write_file(dir / "cert9.db", "");
}
const ListedProfile* find_named(const std::vector<ListedProfile>& v, const std::string& name) {
  for (const auto& p : v) if (p.name == name) return &p;
  return nullptr;
}
}  // namespace

TEST_CASE("Profiles list: classic, XDG, Snap and Flatpak roots, relative and absolute paths, channels", "[profile]") {
  testing::TempDir home;
  testing::TempDir elsewhere;
  const fs::path classic = home / ".mozilla/firefox";
  touch_db(classic / "r1.default-release");
  touch_db(elsewhere / "custom");
  fs::create_directories(classic / "n1.default-nightly");  // never started: no cert9.db yet
  testing::write_file(classic / "profiles.ini",
                      "[Profile0]\nName=default-release\nIsRelative=1\nPath=r1.default-release\nDefault=1\n\n"
                      "[Profile1]\nName=work\nIsRelative=0\nPath=" + (elsewhere / "custom").string() + "\n\n"
                      "[Profile2]\nName=nightly\nIsRelative=1\nPath=n1.default-nightly\n\n"
                      "[Install4F96D1932A9F858E]\nDefault=r1.default-release\nLocked=1\n");
  testing::write_file(classic / "installs.ini", "[4F96D1932A9F858E]\nDefault=r1.default-release\n");
  touch_db(home / ".config/mozilla/firefox/x1.default-esr");
  testing::write_file(home / ".config/mozilla/firefox/profiles.ini", "[Profile0]\nName=esr\nPath=x1.default-esr\n");
  touch_db(home / "snap/firefox/common/.mozilla/firefox/s1.default");
  testing::write_file(home / "snap/firefox/common/.mozilla/firefox/profiles.ini", "[Profile0]\nName=snap\nPath=s1.default\n");
  touch_db(home / ".var/app/org.mozilla.firefox/.mozilla/firefox/f1.dev-edition-default");
  testing::write_file(home / ".var/app/org.mozilla.firefox/.mozilla/firefox/profiles.ini",
                      "[Profile0]\nName=flat\nPath=f1.dev-edition-default\n");

  auto listed = list_profiles(profile_roots_for(Platform::linux, home.path()));
  REQUIRE(listed.size() == 6);
  const auto* release = find_named(listed, "default-release");
  REQUIRE(release);
  CHECK(release->root.kind == "classic");
  CHECK(release->is_default);
  CHECK(release->default_for_installs == std::vector<std::string>{"4F96D1932A9F858E"});
  CHECK(release->channel == "release");
  CHECK(release->has_cert_db);
  const auto* work = find_named(listed, "work");
  REQUIRE(work);
  CHECK_FALSE(work->relative);
  CHECK(work->path == elsewhere.path() / "custom");
  CHECK(find_named(listed, "nightly")->channel == "nightly");
  CHECK_FALSE(find_named(listed, "nightly")->has_cert_db);
  CHECK(find_named(listed, "esr")->root.kind == "xdg");
  CHECK(find_named(listed, "esr")->channel == "esr");
  CHECK(find_named(listed, "snap")->root.kind == "snap");
  CHECK(find_named(listed, "flat")->root.kind == "flatpak");
  CHECK(find_named(listed, "flat")->channel == "developer");
}

TEST_CASE("Profiles list: macOS and Windows folders, on fake trees", "[profile]") {
  testing::TempDir home;
  const fs::path mac = home / "Library/Application Support/Firefox";
  touch_db(mac / "Profiles/m1.default-release");
  testing::write_file(mac / "profiles.ini", "[Profile0]\nName=mac\nIsRelative=1\nPath=Profiles/m1.default-release\nDefault=1\n");
  const fs::path win = home / "AppData/Roaming/Mozilla/Firefox";
  touch_db(win / "Profiles/w1.default-esr");
  // Windows writes CRLF and forward slashes in relative paths.
  testing::write_file(win / "profiles.ini", "[Profile0]\r\nName=win\r\nIsRelative=1\r\nPath=Profiles/w1.default-esr\r\n");
  auto macs = list_profiles(profile_roots_for(Platform::macos, home.path()));
  REQUIRE(macs.size() == 1);
  CHECK(macs[0].path == mac / "Profiles/m1.default-release");
  CHECK(macs[0].has_cert_db);
  CHECK(macs[0].root.kind == "macos");
  auto wins = list_profiles(profile_roots_for(Platform::windows, home.path()));
  REQUIRE(wins.size() == 1);
  CHECK(wins[0].path == win / "Profiles/w1.default-esr");
  CHECK(wins[0].channel == "esr");
  // %APPDATA% elsewhere
  auto none = list_profiles(profile_roots_for(Platform::windows, home.path(), home / "nowhere"));
  CHECK(none.empty());
}

TEST_CASE("Profiles: a profile held by a running Firefox (its lock) is chosen before profiles.ini's default", "[profile]") {
  testing::TempDir home;
  const fs::path root = home / ".mozilla/firefox";
  make_profile(root / "a.default-release");
  make_profile(root / "b.work");
  testing::write_file(root / "profiles.ini", "[Profile0]\nName=a\nPath=a.default-release\nDefault=1\n"
                                             "[Profile1]\nName=b\nPath=b.work\n");
  ProfileChoice before = choose_profile({std::nullopt, std::nullopt, home.path()});
  REQUIRE(before.dir);
  CHECK(*before.dir == root / "a.default-release");
  CHECK(before.source == "profiles.ini");

  // Firefox's Linux lock: a symlink "ADDRESS:+PID". This test's own PID stands for a live Firefox.
  fs::create_symlink("127.0.0.1:+" + std::to_string(getpid()), root / "b.work/lock");
  auto listed = list_profiles(profile_roots_for(Platform::linux, home.path()));
  CHECK(find_named(listed, "b")->running_pid == getpid());
  ProfileChoice now = choose_profile({std::nullopt, std::nullopt, home.path()});
  REQUIRE(now.dir);
  CHECK(*now.dir == root / "b.work");
  CHECK(now.source == "lock");
  CHECK_THAT(now.reason, Catch::Contains(std::to_string(getpid())));

  // A lock left behind by a crashed Firefox (its process is gone) is not a running Firefox.
  fs::remove(root / "b.work/lock");
  fs::create_symlink("127.0.0.1:+999999999", root / "b.work/lock");
  listed = list_profiles(profile_roots_for(Platform::linux, home.path()));
  CHECK_FALSE(find_named(listed, "b")->running_pid);
  CHECK(find_named(listed, "b")->locked);
  CHECK(choose_profile({std::nullopt, std::nullopt, home.path()}).source == "profiles.ini");
}
