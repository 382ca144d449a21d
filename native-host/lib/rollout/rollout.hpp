// Putting certdoctor in place on a machine: where Firefox looks for the native-messaging host manifest on each
// platform (per user and system-wide), the manifest itself, the enterprise policy that force-installs the extension
// and sets its managed options (policies.json, or the Windows registry), and the check `certdoctor doctor` runs.
// Windows' registry is reached only through the .reg text generated here (install.ps1 writes the same keys).
#pragma once
#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "profile/profile_list.hpp"

namespace certdoctor {

enum class Scope { user, system };

// Manifest files Firefox reads, most specific first: the user's folder, then the system ones. `root` prefixes the
// system folders (a fake tree in tests; "/" for real). Windows keeps the manifest anywhere and names it in the
// registry, so there the list is empty.
struct ManifestPlace {
  Scope scope;
  std::filesystem::path path;
};
std::vector<ManifestPlace> host_manifest_places(Platform platform, const std::filesystem::path& home,
                                                const std::filesystem::path& root = "/");

// The manifest for a host executable at `host_path`, allowing only our extension.
nlohmann::json host_manifest(const std::string& host_path);

// Windows: the registry key naming the manifest, as a .reg file (HKCU for user, HKLM for system).
std::string windows_host_reg(const std::string& manifest_path, Scope scope);

// The extension's managed options, as schema.json names them.
struct ManagedOptions {
  std::optional<bool> report_only, auto_diagnose, hide_details;
  std::optional<std::string> helpdesk_url;
  // Certificates to remove from every profile (rows as protocol/policy_remove.hpp reads them, checked by the
  // caller), and where the extension posts the outcomes (https://, or http:// to a loopback address).
  std::optional<nlohmann::json> remove_certificates;
  std::optional<std::string> removal_report_url;
};

// {"policies": {"ExtensionSettings": {...force_installed...}, "3rdparty": {"Extensions": {...}}}}. Throws
// std::invalid_argument for an install URL that is neither https:// nor file://, a help-desk link that is not
// http(s)://, or a report URL that is not https:// (http:// only to a loopback address).
nlohmann::json firefox_policies(const std::string& install_url, const ManagedOptions& options);
// The same policies as Windows registry settings (HKLM\Software\Policies\Mozilla\Firefox), as a .reg file.
std::string windows_policy_reg(const std::string& install_url, const ManagedOptions& options);

// Where a Linux or macOS Firefox reads policies.json (`root`-prefixed, as above), most usual first.
std::vector<std::filesystem::path> policy_file_places(Platform platform, const std::filesystem::path& root = "/");

// `certdoctor doctor`: will Firefox find the host and the extension? Each check: {check, ok, detail}.
struct DoctorInput {
  Platform platform = Platform::linux;
  std::filesystem::path home;
  std::filesystem::path root = "/";
};
nlohmann::json doctor(const DoctorInput& in);

}  // namespace certdoctor
