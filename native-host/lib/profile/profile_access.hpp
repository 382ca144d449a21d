// Whose identity certdoctor takes on a profile. Root may be asked to work on any user's profile; it then acts as
// that user, or not at all, so that nothing a profile's owner controls (a symbolic link, a planted file, a race)
// can make root read or write a file the owner could not. The decision is made on the folder itself, opened
// without following a link at its last step: its owner is who certdoctor becomes, with that user's groups, before
// anything inside it is touched. A folder root owns is root's own profile, and root stays root there. The path is
// walked one folder at a time without following links another user could have placed (base/safe_file.hpp
// open_folder): the folder reached is the one the administrator named, not one a user pointed a parent link at.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <string>

#include "base/safe_file.hpp"

namespace certdoctor {

struct ProfileAccess {
  Fd folder;                     // the profile folder, opened before any change of identity
  uid_t owner = 0;               // the folder's owner
  bool became_owner = false;     // root switched to the owner's user and groups
  // The path to hand to code that needs one (NSS): the open folder itself (/proc/self/fd/N), which no rename or
  // link swapped in a parent folder can redirect.
  std::filesystem::path path;
};

// Opens `profile`, checks that cert9.db and key4.db (those present) are regular files of the folder's owner, that
// no one but the owner may write the folder, and, when running as root on a folder another user owns, becomes
// that user (uid, gid and supplementary groups, for good). Throws RequestError("unsafe_profile") with a clear
// message when any check fails, before anything was read or written.
// A missing folder throws StoreError(store_missing), as opening the store would.
ProfileAccess enter_profile(const std::filesystem::path& profile);

// For the commands that only read a profile (diagnose, audit --profile): run as root on a profile that exists,
// enter_profile it, so that nothing in it is parsed with root's rights; a missing one is left to the store's own
// finding. A no-op when not root.
void read_profile_as_owner(const std::filesystem::path& profile);

}  // namespace certdoctor
