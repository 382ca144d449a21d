// The administrator's subcommands of the CLI: doctor (will Firefox find the host and the extension?), policy
// (policies.json or Windows registry settings that force-install the extension with its options) and
// host-manifest (the native-messaging manifest for an installed host, used by the install scripts).
#pragma once
#include <CLI/CLI.hpp>

#include <optional>
#include <string>

namespace certdoctor {

class AdminCommands {
 public:
  explicit AdminCommands(CLI::App& app);
  // The exit status when one of these subcommands was given, nothing otherwise.
  std::optional<int> run() const;

 private:
  CLI::App *doctor_, *policy_, *manifest_;
  std::string home_, platform_ = "linux", root_ = "/", install_url_, helpdesk_url_, remove_list_, report_url_, format_ = "json", host_path_,
      manifest_path_, scope_ = "user", output_;
  bool json_ = false, report_only_ = false, auto_diagnose_ = false, hide_details_ = false;
};

}  // namespace certdoctor
