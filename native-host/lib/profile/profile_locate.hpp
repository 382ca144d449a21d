// Which Firefox profile a diagnosis looks at: the one named, the one of the Firefox that started the host,
// or the default profile of this user's Firefox, and why.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/finding.hpp"

namespace certdoctor {

struct ProfileChoice {
  std::optional<std::filesystem::path> dir;  // a folder holding cert9.db
  std::string source;   // "argument", "parent process", "lock", "profiles.ini"
  std::string reason;   // in words, for the diagnosis
  std::optional<Finding> problem;  // set when no usable profile was chosen
};

struct ProfileQuery {
  std::optional<std::filesystem::path> explicit_dir;  // --profile, or the host's CERTDOCTOR_PROFILE
  std::optional<int> browser_pid;                     // the host's parent: the Firefox that started it
  std::filesystem::path home;                         // whose profiles to look for
};

ProfileChoice choose_profile(const ProfileQuery& q);

// $HOME, or the password database's home when HOME is unset.
std::filesystem::path current_home();

// The profile a running Firefox has open: a cert9.db among its open files, or its --profile argument.
std::optional<std::filesystem::path> profile_of_process(int pid);

// The folders where Firefox keeps profiles.ini for this home, in the order they are tried.
std::vector<std::filesystem::path> profile_roots(const std::filesystem::path& home);

// The default profile of profiles.ini/installs.ini in `root`, if any.
std::optional<std::filesystem::path> default_profile(const std::filesystem::path& root);

}  // namespace certdoctor
