#include "profile/profile_list.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "profile/ini.hpp"

namespace certdoctor {
namespace fs = std::filesystem;

std::vector<ProfileRoot> profile_roots_for(Platform platform, const fs::path& home,
                                           const std::optional<fs::path>& appdata) {
  switch (platform) {
    case Platform::macos:
      return {{home / "Library/Application Support/Firefox", "macos"}};
    case Platform::windows:
      return {{appdata.value_or(home / "AppData/Roaming") / "Mozilla/Firefox", "windows"}};
    case Platform::linux:
      break;
  }
  const char* xdg = std::getenv("XDG_CONFIG_HOME");
  const fs::path config = xdg && *xdg ? fs::path(xdg) : home / ".config";
  return {{home / ".mozilla/firefox", "classic"},
          {config / "mozilla/firefox", "xdg"},
          {home / "snap/firefox/common/.mozilla/firefox", "snap"},
          {home / ".var/app/org.mozilla.firefox/.mozilla/firefox", "flatpak"}};
}

std::optional<int> lock_holder(const fs::path& profile) {
  std::error_code ec;
  fs::path target = fs::read_symlink(profile / "lock", ec);
  if (ec) return std::nullopt;
  const std::string t = target.string();
  auto plus = t.rfind(":+");
  if (plus == std::string::npos) return std::nullopt;
  int pid = 0;
  try {
    pid = std::stoi(t.substr(plus + 2));
  } catch (...) {
    return std::nullopt;
  }
  // Alive (or alive but not ours to signal): the lock is held, not left behind by a crash.
  if (pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM)) return pid;
  return std::nullopt;
}

namespace {

std::string channel_of(const std::string& folder) {
  if (folder.ends_with("-esr")) return "esr";
  if (folder.find("dev-edition") != std::string::npos) return "developer";
  if (folder.ends_with("-nightly")) return "nightly";
  if (folder.ends_with("-release") || folder.ends_with(".default")) return "release";
  return "";
}

bool same_path(const fs::path& a, const fs::path& b) {
  return a.lexically_normal() == b.lexically_normal();
}

}  // namespace

std::vector<std::pair<std::string, fs::path>> install_defaults(const fs::path& root) {
  std::vector<std::pair<std::string, fs::path>> out;
  auto profiles = read_ini(root / "profiles.ini");
  auto installs = read_ini(root / "installs.ini");
  for (const auto* list : {&installs, &profiles}) {
    for (const auto& s : *list) {
      if (list == &profiles && !s.name.starts_with("Install")) continue;
      std::string d = s.get("Default");
      if (d.empty()) continue;
      std::string id = s.name.starts_with("Install") ? s.name.substr(7) : s.name;
      // Relative to the root unless absolute.
      out.emplace_back(id, fs::path(d).is_absolute() ? fs::path(d) : root / d);
    }
  }
  return out;
}

std::vector<ListedProfile> list_profiles(const std::vector<ProfileRoot>& roots) {
  std::vector<ListedProfile> out;
  for (const auto& root : roots) {
    std::error_code ec;
    if (!fs::is_regular_file(root.dir / "profiles.ini", ec)) continue;
    auto profiles = read_ini(root.dir / "profiles.ini");
    const auto defaults = install_defaults(root.dir);
    for (const auto& s : profiles) {
      if (!s.name.starts_with("Profile") || s.get("Path").empty()) continue;
      ListedProfile p;
      p.root = root;
      p.name = s.get("Name");
      p.relative = s.get("IsRelative") != "0";
      p.path = p.relative ? root.dir / s.get("Path") : fs::path(s.get("Path"));
      p.is_default = s.get("Default") == "1";
      for (const auto& [id, dir] : defaults) {
        if (same_path(dir, p.path) &&
            std::find(p.default_for_installs.begin(), p.default_for_installs.end(), id) == p.default_for_installs.end()) {
          p.default_for_installs.push_back(id);
        }
      }
      p.has_cert_db = fs::is_regular_file(p.path / "cert9.db", ec);
      p.running_pid = lock_holder(p.path);
      p.locked = fs::is_symlink(p.path / "lock", ec) || fs::exists(p.path / ".parentlock", ec) ||
                 fs::exists(p.path / "parent.lock", ec);
      p.channel = channel_of(p.path.filename().string());
      out.push_back(std::move(p));
    }
  }
  return out;
}

nlohmann::json profiles_json(const std::vector<ListedProfile>& profiles) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : profiles) {
    nlohmann::json j = {{"name", p.name},         {"path", p.path.string()},  {"root", p.root.dir.string()},
                        {"kind", p.root.kind},    {"relative", p.relative},   {"default", p.is_default},
                        {"default_for_installs", p.default_for_installs},     {"has_cert_db", p.has_cert_db},
                        {"locked", p.locked},     {"channel", p.channel}};
    if (p.running_pid) j["running_pid"] = *p.running_pid;
    out.push_back(j);
  }
  return out;
}

}  // namespace certdoctor
