#include "profile/profile_access.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/request_error.hpp"
#include "base/text.hpp"
#include "profile/store_error.hpp"

namespace certdoctor {
namespace fs = std::filesystem;

namespace {

const SafeFileError kUnsafe{"unsafe_profile"};

[[noreturn]] void refuse(const std::string& why) { throw RequestError("unsafe_profile", why); }

// For good: the real, effective and saved ids all change, so nothing later can take root back.
void become(uid_t uid, gid_t folder_gid) {
  std::vector<char> buf(16384);
  struct passwd pw {};
  struct passwd* found = nullptr;
  ::getpwuid_r(uid, &pw, buf.data(), buf.size(), &found);
  const gid_t gid = found ? found->pw_gid : folder_gid;
  const bool groups_ok = found ? ::initgroups(found->pw_name, gid) == 0 : ::setgroups(0, nullptr) == 0;
  if (!groups_ok || ::setresgid(gid, gid, gid) != 0 || ::setresuid(uid, uid, uid) != 0) {
    throw RequestError("internal_error", "cannot switch to the profile owner's user id " + std::to_string(uid));
  }
  if (::setuid(0) == 0 || ::geteuid() != uid) {
    throw RequestError("internal_error", "the switch to user id " + std::to_string(uid) + " did not hold");
  }
  // The kernel made the process undumpable at the switch, which also closes /proc/self/fd to the new user; root's
  // rights are gone for good, so the process may be the user's own again, and reach the folder it holds open.
  ::prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

}  // namespace

ProfileAccess enter_profile(const fs::path& profile) {
  struct stat link {};
  if (::lstat(profile.c_str(), &link) != 0 && (errno == ENOENT || errno == ENOTDIR)) {
    throw StoreError(Condition::store_missing, "no cert9.db in " + profile.string());  // as NssStore says it
  }
  ProfileAccess a;
  a.folder = open_folder(profile, kUnsafe);
  struct stat st {};
  if (::fstat(a.folder.get(), &st) != 0) refuse("cannot examine the profile folder " + printable(profile.string()));
  a.owner = st.st_uid;
  const std::string shown = printable(profile.string());
  if (st.st_mode & (S_IWGRP | S_IWOTH)) {
    refuse("the profile folder " + shown + " can be changed by users other than its owner; certdoctor does not work "
           "on it (Firefox makes profile folders that only their owner may change: chmod go-w it first)");
  }
  for (const char* db : {"cert9.db", "key4.db"}) {
    const auto f = stat_at(a.folder.get(), db);
    if (!f) continue;  // a missing database is the store's own finding (store_missing)
    if (S_ISLNK(f->st_mode)) {
      refuse(std::string(db) + " in " + shown + " is a symbolic link; certdoctor only works on the profile's own "
             "database files");
    }
    if (!S_ISREG(f->st_mode)) refuse(std::string(db) + " in " + shown + " is not a regular file");
    if (f->st_uid != a.owner) {
      refuse(std::string(db) + " in " + shown + " belongs to user id " + std::to_string(f->st_uid) +
             ", the folder to user id " + std::to_string(a.owner) + "; certdoctor does not work on a profile whose "
             "files belong to someone else");
    }
  }
  if (::geteuid() == 0 && a.owner != 0) {
    become(a.owner, st.st_gid);
    a.became_owner = true;
  }
  // Whoever certdoctor is now, it keeps to the folder opened and checked above, whatever the path names by now
  // (a link in a parent swapped, a folder renamed): NSS and the store are given the open folder itself.
  a.path = fs::path("/proc/self/fd") / std::to_string(a.folder.get());
  return a;
}

void read_profile_as_owner(const fs::path& profile) {
  struct stat st {};
  if (::geteuid() == 0 && ::lstat(profile.c_str(), &st) == 0) enter_profile(profile);
}

}  // namespace certdoctor
