// Every Firefox profile this user has, wherever Firefox keeps them: the classic ~/.mozilla/firefox, the XDG
// folder newer Firefox uses, Snap and Flatpak on Linux, and the macOS and Windows folders (for a home copied
// or mounted from another machine, and for tests on fake trees). Release, ESR, Developer Edition and Nightly
// share one profiles.ini; installs.ini names each installation's default.
#pragma once
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace certdoctor {

enum class Platform { linux, macos, windows };

struct ProfileRoot {
  std::filesystem::path dir;  // holds profiles.ini
  std::string kind;           // "classic", "xdg", "snap", "flatpak", "macos", "windows"
};

// `appdata` is Windows' %APPDATA% (default: HOME/AppData/Roaming).
std::vector<ProfileRoot> profile_roots_for(Platform platform, const std::filesystem::path& home,
                                           const std::optional<std::filesystem::path>& appdata = std::nullopt);

struct ListedProfile {
  std::string name;
  std::filesystem::path path;
  ProfileRoot root;
  bool relative = true;
  bool is_default = false;          // Default=1 in profiles.ini
  std::vector<std::string> default_for_installs;  // installs.ini / [Install...] sections naming it
  bool has_cert_db = false;
  std::optional<int> running_pid;   // Linux: the PID in the profile's lock, when that process is alive
  bool locked = false;              // a lock file exists (in use, or left behind by a crash)
  std::string channel;              // "release", "esr", "developer", "nightly" or "" (guessed from the folder name)
};

// Each installation's default profile in `root` (installs.ini, then profiles.ini's [Install<id>] sections), in
// file order: {installation id, profile folder}.
std::vector<std::pair<std::string, std::filesystem::path>> install_defaults(const std::filesystem::path& root);

std::vector<ListedProfile> list_profiles(const std::vector<ProfileRoot>& roots);
nlohmann::json profiles_json(const std::vector<ListedProfile>& profiles);

// Linux: the PID named by the profile's `lock` symlink ("HOST:+PID"), when that process still runs.
std::optional<int> lock_holder(const std::filesystem::path& profile);

}  // namespace certdoctor
