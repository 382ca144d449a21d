#include <catch2/catch.hpp>

#include <unistd.h>

#include "ini.hpp"
#include "process.hpp"
#include "profile_locate.hpp"

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
  CHECK(none.problem->values["searched"].size() == 4);

  q.explicit_dir = home / "missing";
  auto missing = choose_profile(q);
  REQUIRE(missing.problem);
  CHECK(missing.problem->code == "profile_unusable");
  CHECK(missing.problem->values["detail"] == "no such folder");

  q.explicit_dir = home.path();
  auto empty = choose_profile(q);
  REQUIRE(empty.problem);
  CHECK(empty.problem->values["detail"] == "the folder holds no cert9.db");

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
