// `certdoctor remove --every-profile --sha256 HASH`: the removal for configuration management. Run as root, it acts
// on every local user's Firefox profiles (or on those of the users named with --user), as each user; run as a
// user, on that user's own. Each profile is reported: removed (with its backup id), not stored there, or why not.
//
// Nothing of a user's is read with root's rights: for each user, a child process becomes that user first (through
// enter_profile on the home folder, the same change of identity a single removal makes, and only when the home
// belongs to the user), lists the profiles there, and removes the certificate from each in a process of its own,
// exactly as `certdoctor remove --profile` would (remove_certificate: backup, journal, undo). A profile that
// profiles.ini names elsewhere is then reached with the user's rights alone.
#pragma once
#include <string>
#include <vector>

namespace certdoctor {

struct EveryProfileRequest {
  std::string sha256;               // as given; checked before anything is touched
  bool allow_trusted = false;
  std::vector<std::string> users;   // only these (names); empty: every user with a Firefox profile folder
  bool as_json = false;
};

// Exit status: 0 when the certificate is now stored in none of the profiles (removed, or not there), 1 when a
// profile could not be worked on (refused, or an error), 2 for a bad request (a malformed hash, an unknown user).
int remove_from_every_profile(const EveryProfileRequest& request);

}  // namespace certdoctor
