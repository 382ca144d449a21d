#include "rollout/rollout.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "base/build_info.hpp"
#include "profile/firefox_nss.hpp"

namespace certdoctor {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

fs::path under(const fs::path& root, const fs::path& absolute) { return root / absolute.relative_path(); }

// A string value in a .reg file: backslashes and quotes escaped.
std::string reg_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::optional<json> read_json(const fs::path& p, std::string& error) {
  std::ifstream in(p, std::ios::binary);
  if (!in) {
    error = "cannot be read";
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  json j = json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) {
    error = "is not valid JSON";
    return std::nullopt;
  }
  return j;
}

json check(std::string name, bool ok, std::string detail) {
  return {{"check", std::move(name)}, {"ok", ok}, {"detail", std::move(detail)}};
}

}  // namespace

std::vector<ManifestPlace> host_manifest_places(Platform platform, const fs::path& home, const fs::path& root) {
  const std::string file = std::string(build::host_name) + ".json";
  switch (platform) {
    case Platform::linux:
      return {{Scope::user, home / ".mozilla/native-messaging-hosts" / file},
              {Scope::system, under(root, "/usr/lib/mozilla/native-messaging-hosts") / file},
              {Scope::system, under(root, "/usr/lib64/mozilla/native-messaging-hosts") / file}};
    case Platform::macos:
      return {{Scope::user, home / "Library/Application Support/Mozilla/NativeMessagingHosts" / file},
              {Scope::system, under(root, "/Library/Application Support/Mozilla/NativeMessagingHosts") / file}};
    case Platform::windows: return {};
  }
  return {};
}

json host_manifest(const std::string& host_path) {
  return {{"name", std::string(build::host_name)},
          {"description", "certdoctor: diagnoses Firefox certificate errors and removes stale stored certificates"},
          {"path", host_path},
          {"type", "stdio"},
          {"allowed_extensions", {std::string(build::extension_id)}}};
}

std::string windows_host_reg(const std::string& manifest_path, Scope scope) {
  const char* hive = scope == Scope::user ? "HKEY_CURRENT_USER" : "HKEY_LOCAL_MACHINE";
  return "Windows Registry Editor Version 5.00\r\n\r\n[" + std::string(hive) + "\\Software\\Mozilla\\NativeMessagingHosts\\" +
         std::string(build::host_name) + "]\r\n@=" + reg_string(manifest_path) + "\r\n";
}

json firefox_policies(const std::string& install_url, const ManagedOptions& o) {
  if (install_url.rfind("https://", 0) != 0 && install_url.rfind("file://", 0) != 0) {
    throw std::invalid_argument("the extension's install URL must start with https:// or file:// (got '" + install_url + "')");
  }
  json managed = json::object();
  if (o.report_only) managed["report_only"] = *o.report_only;
  if (o.auto_diagnose) managed["auto_diagnose"] = *o.auto_diagnose;
  if (o.hide_details) managed["hide_details"] = *o.hide_details;
  if (o.helpdesk_url) {
    if (o.helpdesk_url->rfind("https://", 0) != 0 && o.helpdesk_url->rfind("http://", 0) != 0) {
      throw std::invalid_argument("the help-desk link must start with https:// or http:// (got '" + *o.helpdesk_url + "')");
    }
    managed["helpdesk_url"] = *o.helpdesk_url;
  }
  if (o.remove_certificates) managed["remove_certificates"] = *o.remove_certificates;
  if (o.removal_report_url) {
    // The outcomes name the machine's certificates and profiles: never in clear text across a network.
    const std::string& u = *o.removal_report_url;
    bool loopback = false;
    if (u.rfind("http://", 0) == 0) {
      // The authority alone, without user information (http://localhost@elsewhere/ is elsewhere), without the port.
      const std::size_t end = u.find_first_of("/?#", 7);
      const std::string authority = u.substr(7, end == std::string::npos ? end : end - 7);
      const std::size_t colon = authority.rfind(':');
      const std::string host = colon != std::string::npos && authority.find(']', colon) == std::string::npos
                                   ? authority.substr(0, colon) : authority;
      loopback = authority.find('@') == std::string::npos &&
                 (host == "127.0.0.1" || host == "localhost" || host == "[::1]");
    }
    if (u.rfind("https://", 0) != 0 && !loopback) {
      throw std::invalid_argument("the removal report URL must start with https:// (http:// only to this machine) (got '" +
                                  u + "')");
    }
    managed["removal_report_url"] = u;
  }
  const std::string id(build::extension_id);
  json policies = {{"ExtensionSettings", {{id, {{"installation_mode", "force_installed"}, {"install_url", install_url}}}}}};
  if (!managed.empty()) policies["3rdparty"] = {{"Extensions", {{id, managed}}}};
  return {{"policies", policies}};
}

std::string windows_policy_reg(const std::string& install_url, const ManagedOptions& o) {
  // How Firefox reads a list of objects for an extension's managed storage from the registry is not measured here:
  // rather than a .reg file that may silently not work, the list goes through policies.json.
  if (o.remove_certificates) {
    throw std::invalid_argument("--remove-certificates is written to policies.json only (--format json); on Windows put "
                                "policies.json in Firefox's distribution folder");
  }
  const json p = firefox_policies(install_url, o)["policies"];
  const std::string base = "HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Mozilla\\Firefox";
  // ExtensionSettings is a JSON policy: the registry holds it as one string.
  std::string out = "Windows Registry Editor Version 5.00\r\n\r\n[" + base + "]\r\n\"ExtensionSettings\"=" +
                    reg_string(p["ExtensionSettings"].dump()) + "\r\n";
  if (p.contains("3rdparty")) {
    const std::string id(build::extension_id);
    out += "\r\n[" + base + "\\3rdparty\\Extensions\\" + id + "]\r\n";
    for (const auto& [name, value] : p["3rdparty"]["Extensions"][id].items()) {
      out += "\"" + name + "\"=" + (value.is_boolean() ? std::string(value.get<bool>() ? "dword:00000001" : "dword:00000000")
                                                         : reg_string(value.get<std::string>())) + "\r\n";
    }
  }
  return out;
}

std::vector<fs::path> policy_file_places(Platform platform, const fs::path& root) {
  switch (platform) {
    case Platform::linux:
      return {under(root, "/usr/lib/firefox-esr/distribution/policies.json"),
              under(root, "/usr/lib/firefox/distribution/policies.json"), under(root, "/etc/firefox/policies/policies.json")};
    case Platform::macos:
      return {under(root, "/Applications/Firefox.app/Contents/Resources/distribution/policies.json")};
    case Platform::windows: return {};
  }
  return {};
}

json doctor(const DoctorInput& in) {
  json checks = json::array();
  const std::string id(build::extension_id);

  // 1. The host manifest Firefox will read: the first that exists, in Firefox's order.
  if (in.platform == Platform::windows) {
    checks.push_back(check("host manifest", false,
                           "on Windows the manifest is named in the registry; run tools/windows/install.ps1 -Check"));
  } else {
    std::optional<fs::path> used;
    for (const auto& place : host_manifest_places(in.platform, in.home, in.root)) {
      std::error_code ec;
      if (!fs::exists(place.path, ec)) continue;
      if (used) {
        checks.push_back(check("other host manifest", true, place.path.string() + " is not used: " + used->string() +
                                                                " comes first"));
        continue;
      }
      used = place.path;
      std::string error;
      auto m = read_json(place.path, error);
      if (!m) {
        checks.push_back(check("host manifest", false, place.path.string() + " " + error));
        continue;
      }
      const std::string where = place.path.string() + (place.scope == Scope::user ? " (this user)" : " (system-wide)");
      const bool named = m->value("name", "") == build::host_name && m->value("type", "") == "stdio";
      bool allows = false;
      if (m->contains("allowed_extensions") && (*m)["allowed_extensions"].is_array()) {
        for (const auto& e : (*m)["allowed_extensions"]) allows |= e == id;
      }
      checks.push_back(check("host manifest", named && allows,
                             named && allows ? where + " names the host and allows " + id
                             : !named ? where + " does not describe a stdio host named " + std::string(build::host_name)
                                      : where + " does not allow the extension " + id));
      const std::string path = m->value("path", "");
      struct stat st {};
      const bool absolute = fs::path(path).is_absolute();
      const bool runnable = absolute && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
      checks.push_back(check("host program", runnable,
                             runnable ? path + " is there and executable"
                             : !absolute ? "the manifest's path '" + path + "' is not absolute, as Linux and macOS require"
                                         : path + " is missing or not executable: reinstall certdoctor"));
    }
    if (!used) {
      std::string searched;
      for (const auto& place : host_manifest_places(in.platform, in.home, in.root)) {
        searched += (searched.empty() ? "" : ", ") + place.path.string();
      }
      checks.push_back(check("host manifest", false, "none found (looked at " + searched +
                                                         "): install with tools/install.sh or the certdoctor package"));
    }
  }

  // 2. The extension: force-installed by policy, or installed in a profile.
  bool extension_found = false;
  for (const auto& p : policy_file_places(in.platform, in.root)) {
    std::error_code ec;
    if (!fs::exists(p, ec)) continue;
    std::string error;
    auto j = read_json(p, error);
    if (!j) {
      checks.push_back(check("policy", false, p.string() + " " + error + ": Firefox ignores every policy in it"));
      continue;
    }
    const json settings = j->value("/policies/ExtensionSettings"_json_pointer, json::object());
    if (settings.contains(id)) {
      const std::string mode = settings[id].value("installation_mode", "");
      const bool installs = mode == "force_installed" || mode == "normal_installed";
      extension_found |= installs;
      checks.push_back(check("policy", installs, p.string() + ": " + id + " is " + (mode.empty() ? "listed" : mode) +
                                                     (installs ? " from " + settings[id].value("install_url", "?") : "")));
    }
  }
  for (const auto& profile : list_profiles(profile_roots_for(in.platform, in.home))) {
    std::string error;
    auto j = read_json(profile.path / "extensions.json", error);
    if (!j || !j->contains("addons") || !(*j)["addons"].is_array()) continue;
    for (const auto& addon : (*j)["addons"]) {
      if (addon.value("id", "") != id) continue;
      const bool active = addon.value("active", false);
      extension_found |= active;
      checks.push_back(check("extension in profile", active, profile.path.string() + ": " + id + " is installed" +
                                                                 (active ? " and enabled" : " but disabled")));
    }
  }
  if (!extension_found) {
    checks.push_back(check("extension", false, "the extension " + id + " is not installed in any profile found, nor "
                                               "installed by policy: add it from certdoctor.xpi, or by policy "
                                               "(certdoctor policy)"));
  }
  // 3. Which NSS reads each profile's certificate database: the owning Firefox's, or the system's (older, it
  // cannot restore trust Firefox stores today as CKO_TRUST objects).
  for (const auto& profile : list_profiles(profile_roots_for(in.platform, in.home))) {
    if (!profile.has_cert_db) continue;
    const ProfileNss nss = choose_profile_nss(profile.path, in.platform, in.root);
    checks.push_back(check("profile NSS", true, profile.path.string() + ": read with " +
                                                    (nss.libraries.system() ? std::string("the system's NSS")
                                                                            : "Firefox's own NSS in " + nss.libraries.install_dir.string()) +
                                                    " (" + std::string(name_of(nss.source)) + ")"));
  }
  // 4. Options set per user without a policy.
  const fs::path per_user = in.home / ".mozilla/managed-storage" / (id + ".json");
  std::error_code ec;
  if (in.platform == Platform::linux && fs::exists(per_user, ec)) {
    std::string error;
    auto j = read_json(per_user, error);
    checks.push_back(check("managed options", j.has_value(), per_user.string() + (j ? " sets " + j->value("data", json::object()).dump()
                                                                                  : " " + error)));
  }
  bool ok = true;
  for (const auto& c : checks) ok &= c["ok"].get<bool>();
  return {{"ok", ok}, {"checks", checks}};
}

}  // namespace certdoctor
