#include "admin.hpp"

#include <fstream>
#include <iostream>

#include "diagnosis/error_table.hpp"
#include "profile/profile_locate.hpp"
#include "base/request_error.hpp"
#include "base/safe_file.hpp"
#include "protocol/policy_remove.hpp"
#include "rollout/rollout.hpp"

namespace certdoctor {

namespace {

Platform platform_named(const std::string& name) {
  return name == "macos" ? Platform::macos : name == "windows" ? Platform::windows : Platform::linux;
}

}  // namespace

AdminCommands::AdminCommands(CLI::App& app) {
  doctor_ = app.add_subcommand("doctor", "Check that Firefox will find certdoctor's native host and its extension");
  doctor_->add_option("--home", home_, "whose setup (default: $HOME)");
  doctor_->add_option("--platform", platform_, "linux or macos")->check(CLI::IsMember({"linux", "macos"}))->default_val("linux");
  doctor_->add_option("--root", root_, "the file system root the system folders are under (default /)");
  doctor_->add_flag("--json", json_, "print the checks as one JSON object");

  policy_ = app.add_subcommand("policy", "Print the enterprise policy that force-installs the extension and sets its options");
  policy_->add_option("--install-url", install_url_, "where Firefox gets certdoctor.xpi: https://... or file:///...")->required();
  policy_->add_flag("--report-only", report_only_, "diagnose only: never offer to remove a stored certificate");
  policy_->add_flag("--auto-diagnose", auto_diagnose_, "open the diagnosis by itself on a certificate error page");
  policy_->add_flag("--hide-details", hide_details_, "hide the technical details from end users");
  policy_->add_option("--helpdesk-url", helpdesk_url_, "a help-desk link shown with every diagnosis (http(s)://)");
  policy_->add_option("--remove-certificates", remove_list_,
                      "a JSON file: the certificates the extension removes from every profile, each "
                      "{sha256 | issuer+serial (DER, hex or base64), reason, allow_trusted}");
  policy_->add_option("--removal-report-url", report_url_,
                      "where the extension posts each removal's outcome as JSON (https://)");
  policy_->add_option("--format", format_, "json (policies.json, any OS) or windows-reg (Group Policy registry keys)")
      ->check(CLI::IsMember({"json", "windows-reg"}))->default_val("json");

  manifest_ = app.add_subcommand("host-manifest", "Print the native-messaging host manifest for an installed host");
  manifest_->add_option("--host-path", host_path_, "absolute path of the installed certdoctor-host")->required();
  manifest_->add_option("--format", format_, "json (the manifest) or windows-reg (the registry key naming it)")
      ->check(CLI::IsMember({"json", "windows-reg"}))->default_val("json");
  manifest_->add_option("--manifest-path", manifest_path_, "windows-reg: where the manifest file is");
  manifest_->add_option("--scope", scope_, "windows-reg: user (HKCU) or system (HKLM)")
      ->check(CLI::IsMember({"user", "system"}))->default_val("user");
  manifest_->add_option("-o,--output", output_, "write to this file instead of standard output");
}

namespace {

// Standard output, or the file named by -o (written whole, for build steps).
int emit(const std::string& text, const std::string& output) {
  if (output.empty()) {
    std::cout << text;
    return 0;
  }
  try {
    // A random O_EXCL name beside the target, renamed over it: never through a planted link (base/safe_file.hpp).
    write_output_file(output, text, 0644, {"write_failed"});
  } catch (const RequestError& e) {
    std::cerr << "certdoctor: " << printable(e.what()) << "\n";
    return 1;
  }
  return 0;
}

// The policy's list of removals, read from a JSON file and each row checked as the host will read it
// (protocol/policy_remove.hpp), so that a mistake is found here rather than on every machine.
nlohmann::json removal_list(const std::string& file) {
  std::ifstream in(file);
  if (!in) throw RequestError("invalid_field", "--remove-certificates " + file + ": cannot be read");
  nlohmann::json rows = nlohmann::json::parse(in, nullptr, false);
  if (rows.is_discarded() || !rows.is_array() || rows.empty()) {
    throw RequestError("invalid_field", "--remove-certificates " + file + ": not a JSON array of certificates");
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    try {
      policy_row(rows[i]);
    } catch (const RequestError& e) {
      throw RequestError("invalid_field", "--remove-certificates " + file + ", certificate " + std::to_string(i + 1) +
                                              ": " + e.what());
    }
  }
  return rows;
}

}  // namespace

std::optional<int> AdminCommands::run() const {
  if (doctor_->parsed()) {
    DoctorInput in{platform_named(platform_), home_.empty() ? current_home() : std::filesystem::path(home_), root_};
    nlohmann::json report = doctor(in);
    if (json_) {
      std::cout << inert_json(report.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) << "\n";
    } else {
      for (const auto& c : report["checks"]) {
        std::cout << (c["ok"].get<bool>() ? "ok    " : "FAIL  ") << c["check"].get<std::string>() << ": "
                  << printable(c["detail"].get<std::string>()) << "\n";
      }
      std::cout << (report["ok"].get<bool>() ? "Firefox will find certdoctor.\n"
                                             : "Firefox will not find everything certdoctor needs (see FAIL above).\n");
    }
    return report["ok"].get<bool>() ? 0 : 1;
  }
  if (policy_->parsed()) {
    ManagedOptions o;
    if (report_only_) o.report_only = true;
    if (auto_diagnose_) o.auto_diagnose = true;
    if (hide_details_) o.hide_details = true;
    if (!helpdesk_url_.empty()) o.helpdesk_url = helpdesk_url_;
    if (!report_url_.empty()) o.removal_report_url = report_url_;
    try {
      if (!remove_list_.empty()) o.remove_certificates = removal_list(remove_list_);
      if (format_ == "windows-reg") std::cout << windows_policy_reg(install_url_, o);
      else std::cout << firefox_policies(install_url_, o).dump(2) << "\n";
    } catch (const std::invalid_argument& e) {
      std::cerr << "certdoctor: " << printable(e.what()) << "\n";
      return 2;
    } catch (const RequestError& e) {
      std::cerr << "certdoctor: " << printable(e.what()) << "\n";
      return 2;
    }
    return 0;
  }
  if (manifest_->parsed()) {
    if (format_ == "windows-reg") {
      if (manifest_path_.empty()) {
        std::cerr << "certdoctor: --manifest-path is needed for windows-reg\n";
        return 2;
      }
      return emit(windows_host_reg(manifest_path_, scope_ == "system" ? Scope::system : Scope::user), output_);
    }
    return emit(host_manifest(host_path_).dump(2) + "\n", output_);
  }
  return std::nullopt;
}

}  // namespace certdoctor
