#include "profile/firefox_nss.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "profile/ini.hpp"

namespace certdoctor {
namespace fs = std::filesystem;

namespace {

struct Told {
  fs::path dir;
  NssSource source = NssSource::system;
};
std::mutex g_mutex;
std::optional<Told> g_told;

bool is_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// One row per platform: the softoken's file name and, in load order, the libraries it needs first. Linux
// builds that fold NSS into one library (MOZ_FOLD_LIBS) carry libnss3 instead of libnssutil3/libmozsqlite3; a
// prerequisite that an installation does not have is left out.
struct Layout {
  const char* softoken;
  std::vector<const char*> prerequisites;
};

Layout layout_of(Platform p) {
  switch (p) {
    case Platform::linux: return {"libsoftokn3.so", {"libnssutil3.so", "libmozsqlite3.so"}};
    case Platform::macos: return {"libsoftokn3.dylib", {"libmozglue.dylib", "libnss3.dylib"}};
    case Platform::windows: return {"softokn3.dll", {"mozglue.dll", "nss3.dll"}};
  }
  return {"libsoftokn3.so", {}};
}

// The folder that holds the libraries: an app bundle keeps them in Contents/MacOS, and compatibility.ini names
// Contents/Resources there.
fs::path library_folder(const fs::path& dir, Platform p) {
  if (p != Platform::macos) return dir;
  if (dir.extension() == ".app") return dir / "Contents" / "MacOS";
  if (dir.filename() == "Resources" && fs::is_directory(dir.parent_path() / "MacOS")) return dir.parent_path() / "MacOS";
  return dir;
}

}  // namespace

Platform this_platform() {
#if defined(__APPLE__)
  return Platform::macos;
#elif defined(_WIN32)
  return Platform::windows;
#else
  return Platform::linux;
#endif
}

std::optional<NssLibraries> nss_libraries_in(const fs::path& dir, Platform platform) {
  const fs::path folder = library_folder(dir, platform);
  const Layout l = layout_of(platform);
  if (!is_file(folder / l.softoken)) return std::nullopt;
  NssLibraries out{folder, {}, folder / l.softoken};
  bool any = false;
  for (const char* p : l.prerequisites) {
    if (is_file(folder / p)) {
      out.prerequisites.push_back(folder / p);
      any = true;
    }
  }
  // Folded Linux build: the utility code lives in libnss3.
  if (!any && platform == Platform::linux && is_file(folder / "libnss3.so")) out.prerequisites.push_back(folder / "libnss3.so");
  return out;
}

// The system's softoken by full path where the usual folders have it: by its bare name the loader would hand
// back Firefox's softoken once that is loaded (both are called libsoftokn3.so).
NssLibraries system_nss() {
  const char* name = layout_of(this_platform()).softoken;
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib",
                          "/lib/x86_64-linux-gnu", "/usr/local/lib"}) {
    if (is_file(fs::path(dir) / name)) return NssLibraries{{}, {}, fs::path(dir) / name};
  }
  return NssLibraries{{}, {}, name};
}

std::vector<fs::path> known_install_dirs(Platform platform, const fs::path& root) {
  std::vector<const char*> rel;
  switch (platform) {
    case Platform::linux:
      rel = {"usr/lib/firefox-esr", "usr/lib/firefox", "usr/lib64/firefox", "usr/lib/firefox-developer-edition",
             "usr/lib/firefox-nightly", "opt/firefox", "opt/firefox-esr", "opt/firefox-developer-edition",
             "opt/firefox-nightly", "snap/firefox/current/usr/lib/firefox",
             "var/lib/flatpak/app/org.mozilla.firefox/current/active/files/lib/firefox"};
      break;
    case Platform::macos:
      rel = {"Applications/Firefox.app", "Applications/Firefox ESR.app", "Applications/Firefox Developer Edition.app",
             "Applications/Firefox Nightly.app"};
      break;
    case Platform::windows:
      rel = {"Program Files/Mozilla Firefox", "Program Files/Firefox Developer Edition", "Program Files/Firefox Nightly",
             "Program Files (x86)/Mozilla Firefox"};
      break;
  }
  std::vector<fs::path> out;
  for (const char* r : rel) out.push_back(root / r);
  return out;
}

std::string_view name_of(NssSource s) {
  switch (s) {
    case NssSource::firefox_option: return "--firefox";
    case NssSource::parent_process: return "parent process";
    case NssSource::compatibility_ini: return "compatibility.ini";
    case NssSource::known_location: return "known location";
    case NssSource::system: return "system";
  }
  return "system";
}

std::optional<fs::path> last_platform_dir(const fs::path& profile) {
  for (const auto& s : read_ini(profile / "compatibility.ini")) {
    if (s.name != "Compatibility") continue;
    const std::string dir = s.get("LastPlatformDir");
    if (!dir.empty()) return fs::path(dir);
  }
  return std::nullopt;
}

void set_owning_firefox(const fs::path& dir, NssSource source) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_told = Told{dir, source};
}

ProfileNss choose_profile_nss(const fs::path& profile, Platform platform, const fs::path& root) {
  const char* env = std::getenv("CERTDOCTOR_NSS");
  if (env && std::string_view(env) == "system") return {system_nss(), NssSource::system, ""};
  std::optional<Told> told;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    told = g_told;
  }
  if (told) {
    if (auto l = nss_libraries_in(told->dir, platform)) return {*l, told->source, ""};
  }
  if (auto dir = last_platform_dir(profile)) {
    if (auto l = nss_libraries_in(*dir, platform)) return {*l, NssSource::compatibility_ini, ""};
  }
  for (const auto& dir : known_install_dirs(platform, root)) {
    if (auto l = nss_libraries_in(dir, platform)) return {*l, NssSource::known_location, ""};
  }
  return {system_nss(), NssSource::system, ""};
}

std::optional<fs::path> parent_executable_dir() {
#if defined(__linux__)
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/" + std::to_string(::getppid()) + "/exe", ec);
  if (ec || exe.empty()) return std::nullopt;
  return exe.parent_path();
#else
  return std::nullopt;
#endif
}

bool knows_pkcs11_trust(const std::string& version) {
  unsigned major = 0, minor = 0;
  if (std::sscanf(version.c_str(), "%u.%u", &major, &minor) != 2) return false;
  return major > 3 || (major == 3 && minor >= 114);
}

}  // namespace certdoctor
