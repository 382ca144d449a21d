// `certdoctor audit [FILE…|-] [--json|--csv] [--html FILE] [--prometheus FILE] [--profile DIR | --trust CA.pem…]`: the fleet audit
// (lib/audit/). Exit 0 when clean, 1 when it found collisions or refusals, 2 for unusable arguments or input.
#pragma once
#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace certdoctor {

class AuditCommand {
 public:
  explicit AuditCommand(CLI::App& app);
  // The exit status when `audit` was given, nothing otherwise.
  std::optional<int> run() const;

 private:
  CLI::App* audit_;
  std::vector<std::string> inputs_, trust_;
  std::string profile_, html_, prometheus_, prometheus_detail_ = "summary";
  bool json_ = false, csv_ = false;
  int port_ = 443, expiring_ = 30, parallel_ = 64;
  double connect_timeout_ = 5, handshake_timeout_ = 10;
};

}  // namespace certdoctor
