// Which NSS reads a profile's cert9.db: the one of the Firefox installation that owns the profile.
//
// Why: Firefox ESR 153's NSS (3.125) stores the trust it is given as PKCS#11 v3.2 CKO_TRUST objects; an older NSS
// (Debian's 3.87) finds those objects by class but does not apply them and cannot create them. Reading and
// writing a profile through the NSS that wrote it keeps both formats exact. The system's NSS is the last resort.
//
// Firefox's software token (libsoftokn3) has no RUNPATH: it needs its own utility and SQLite libraries loaded
// first, from its own folder, and they must not be confused with the system's copies of the same names (the
// system's libnssutil3.so lacks symbols Firefox's softoken needs). They are loaded by full path, in order
// (pkcs11_module.cpp says why not in a link namespace of their own); on macOS (two-level names) and Windows (a
// DLL's imports are resolved from its own folder) the same order serves.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "profile/profile_list.hpp"

namespace certdoctor {

Platform this_platform();

// The files of one installation's NSS, in load order: the prerequisites (those that exist), then the softoken.
struct NssLibraries {
  std::filesystem::path install_dir;               // empty: the system's NSS, found by the loader's search
  std::vector<std::filesystem::path> prerequisites;
  std::filesystem::path softoken;
  bool system() const { return install_dir.empty(); }
};

// The NSS libraries of the installation in `dir` (Linux: /usr/lib/firefox-esr; macOS: Firefox.app or its
// Contents/MacOS; Windows: the folder holding firefox.exe), when it has a softoken.
std::optional<NssLibraries> nss_libraries_in(const std::filesystem::path& dir, Platform platform = this_platform());
NssLibraries system_nss();

// Where Firefox is installed when nothing names it: ESR, release, Developer Edition, Nightly, Snap, Flatpak (and
// the macOS and Windows defaults for trees copied from those machines). `root` prefixes every path (tests).
std::vector<std::filesystem::path> known_install_dirs(Platform platform, const std::filesystem::path& root = "/");

// How the NSS for a profile was chosen, strongest first.
enum class NssSource { firefox_option, parent_process, compatibility_ini, known_location, system };
std::string_view name_of(NssSource s);  // "--firefox", "parent process", "compatibility.ini", "known location", "system"

struct ProfileNss {
  NssLibraries libraries;
  NssSource source = NssSource::system;
  std::string version;  // the softoken's library version ("3.125"), once loaded; empty before
  std::string problem;  // why the owning installation's NSS was not used, when the system's stands in
};

// The installation a profile's compatibility.ini names (LastPlatformDir), when it has NSS libraries.
std::optional<std::filesystem::path> last_platform_dir(const std::filesystem::path& profile);

// What the process was told: the host's parent Firefox, or --firefox. Applies to every profile opened after.
void set_owning_firefox(const std::filesystem::path& dir, NssSource source);
// CERTDOCTOR_NSS=system (tests, or a user who wants the system's NSS) switches the search off.

// The NSS to read `profile` with: the installation set above, the profile's compatibility.ini, the known
// install locations, then the system's. Nothing is loaded here.
ProfileNss choose_profile_nss(const std::filesystem::path& profile, Platform platform = this_platform(),
                              const std::filesystem::path& root = "/");

// Where the running process's parent executable lives (the host: the Firefox that started it).
std::optional<std::filesystem::path> parent_executable_dir();

// NSS versions whose softoken knows CKO_TRUST objects (it applies and creates them): 3.114 and later.
bool knows_pkcs11_trust(const std::string& version);

}  // namespace certdoctor
