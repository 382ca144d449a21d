// Profiles that must not be changed: a Primary Password, a database another program holds locked, a profile
// owned by another user. Each gets a clear error (or, run as root, is handled as its owner) and stays
// byte-identical when nothing may change.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pki.hpp"
#include "profile.hpp"
#include "skip.hpp"

namespace {

testing::RunResult cli(std::vector<std::string> args) {
  args.insert(args.begin(), testing::bin("certdoctor").string());
  return testing::run(args);
}

std::string files_of(const std::filesystem::path& profile) {
  return testing::read_file(profile / "cert9.db") + testing::read_file(profile / "key4.db");
}

}  // namespace

TEST_CASE("Safety: a profile with a Primary Password is refused with a clear reason and left as it was", "[safety]") {
  testing::Workspace w;
  auto dev = w.pki.device("dev", {.subject = "/CN=dev.test"});
  w.profile.add(dev, "dev.test", ",,");
  testing::write_file(w.dir / "pw", "s3cret\n");
  testing::write_file(w.dir / "empty", "\n");
  testing::run_ok({"certutil", "-W", "-d", w.profile.db(), "-f", (w.dir / "empty").string(), "-@", (w.dir / "pw").string()},
                  "");
  const std::string before = files_of(w.profile.dir());
  auto r = cli({"remove", "--profile", w.profile.dir().string(), "--sha256", dev.sha256()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("Primary Password"));
  CHECK(files_of(w.profile.dir()) == before);
  CHECK_FALSE(std::filesystem::exists(w.profile.dir() / "certdoctor-backups"));
}

TEST_CASE("Safety: a database another program holds locked gives a clear error and no change", "[safety]") {
  testing::Workspace w;
  auto dev = w.pki.device("dev", {.subject = "/CN=dev.test"});
  w.profile.add(dev, "dev.test", ",,");
  const std::string before = files_of(w.profile.dir());
  // SQLite's own locks are fcntl locks on fixed bytes past 1 GiB (pending, reserved, shared): holding all of them
  // for writing is what another program in an exclusive transaction does.
  int fd = ::open((w.profile.dir() / "cert9.db").c_str(), O_RDWR);
  REQUIRE(fd >= 0);
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  lock.l_start = 0x40000000;
  lock.l_len = 512;
  REQUIRE(::fcntl(fd, F_SETLK, &lock) == 0);
  auto r = cli({"remove", "--profile", w.profile.dir().string(), "--sha256", dev.sha256()});
  ::close(fd);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("locked") || Catch::Contains("cannot be opened") || Catch::Contains("could not"));
  CHECK(files_of(w.profile.dir()) == before);
  CHECK(w.profile.holds(dev));
}

TEST_CASE("Safety: run as root on another user's profile, certdoctor acts as that user", "[safety][root]") {
  if (::geteuid() != 0) {
    CERTDOCTOR_SKIP("needs root to own a profile as another user");
  }
  testing::Workspace w;
  auto dev = w.pki.device("dev", {.subject = "/CN=dev.test"});
  w.profile.add(dev, "dev.test", ",,");
  // The profile (and the folders above it, for access) belong to "nobody", as a user's profile would.
  ::chmod(w.dir.path().c_str(), 0755);
  testing::run_ok({"chown", "-R", "nobody:nogroup", w.profile.dir().string()});
  auto r = cli({"remove", "--profile", w.profile.dir().string(), "--sha256", dev.sha256(), "--json"});
  REQUIRE(r.exit_code == 0);
  struct stat st {};
  for (const auto& entry : std::filesystem::recursive_directory_iterator(w.profile.dir())) {
    INFO(entry.path());
    REQUIRE(::lstat(entry.path().c_str(), &st) == 0);
    CHECK(st.st_uid != 0);  // no root-owned file left in the user's profile
  }
  CHECK_FALSE(w.profile.holds(dev));
}

TEST_CASE("Safety: another user's profile, readable but not writable, is refused with a clear reason", "[safety][root]") {
  if (::geteuid() != 0) {
    CERTDOCTOR_SKIP("needs root to run certdoctor as another user");
  }
  testing::Workspace w;
  auto dev = w.pki.device("dev", {.subject = "/CN=dev.test"});
  w.profile.add(dev, "dev.test", ",,");
  // Owned by root, readable by everyone, writable by nobody else: certdoctor runs as "nobody".
  ::chmod(w.dir.path().c_str(), 0755);
  testing::run_ok({"chmod", "-R", "go+rX,go-w", w.profile.dir().string()});
  const std::string before = files_of(w.profile.dir());
  auto r = testing::run({"runuser", "-u", "nobody", "--", testing::bin("certdoctor").string(), "remove", "--profile",
                         w.profile.dir().string(), "--sha256", dev.sha256()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("not writable by this user"));
  CHECK(files_of(w.profile.dir()) == before);
  CHECK_FALSE(std::filesystem::exists(w.profile.dir() / "certdoctor-backups"));
  // Reading it is fine: the diagnosis works as that user.
  auto d = testing::run({"runuser", "-u", "nobody", "--", testing::bin("certdoctor").string(), "diagnose",
                         "https://127.0.0.1:1/", "--profile", w.profile.dir().string(), "--json"});
  CHECK(d.exit_code == 0);
  CHECK(files_of(w.profile.dir()) == before);
}
