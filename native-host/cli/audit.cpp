#include "audit.hpp"

#include <filesystem>
#include <functional>
#include <iostream>
#include <sstream>

#include "audit/audit.hpp"
#include "audit/report_writers.hpp"
#include "base/request_error.hpp"
#include "base/safe_file.hpp"
#include "base/text.hpp"
#include "profile/profile_access.hpp"
#include "profile/store_error.hpp"

namespace certdoctor {

AuditCommand::AuditCommand(CLI::App& app) {
  audit_ = app.add_subcommand("audit",
                              "Judge many endpoints at once, as Firefox would, and find the devices that break each "
                              "other (same issuer and serial, different certificate)");
  audit_->add_option("files", inputs_,
                     "target lists (URL, HOST[:PORT] or IP per line) or scanners' output (zgrab2, nmap -oX with "
                     "ssl-cert, masscan -oJ --banners, sslyze --json_out, testssl.sh --jsonfile); - for stdin");
  auto* json = audit_->add_flag("--json", json_, "print one JSON object (docs/AUDIT.md)");
  auto* csv = audit_->add_flag("--csv", csv_, "print CSV, one row per endpoint");
  json->excludes(csv);
  audit_->add_option("--html", html_, "also write a self-contained HTML report with charts to this file");
  auto* prometheus = audit_->add_option(
      "--prometheus", prometheus_,
      "also write the counts as OpenMetrics text to this file, replaced atomically (for node_exporter's textfile "
      "collector: a FILE.prom in its folder)");
  audit_->add_option("--prometheus-detail", prometheus_detail_,
                     "groups: also one series per collision group and shared key; endpoints: also one per endpoint")
      ->check(CLI::IsMember({"summary", "groups", "endpoints"}))
      ->needs(prometheus);
  auto* profile = audit_->add_option("--profile", profile_, "judge against this Firefox profile (a folder with cert9.db)");
  audit_->add_option("--trust", trust_, "judge as a Firefox that trusts these CA certificates (PEM files)")
      ->take_all()->excludes(profile);
  audit_->add_option("--port", port_, "port for targets given without one")->default_val(443)->check(CLI::Range(1, 65535));
  audit_->add_option("--expiring", expiring_, "report certificates expiring within this many days")
      ->default_val(30)->check(CLI::Range(0, 36500));
  audit_->add_option("--parallel", parallel_, "connections in flight at once")->default_val(64)->check(CLI::Range(1, 1024));
  audit_->add_option("--connect-timeout", connect_timeout_, "seconds to wait for each TCP connection")
      ->default_val(5)->check(CLI::Range(0.1, 600.0));
  audit_->add_option("--timeout", handshake_timeout_, "seconds to wait for each TLS handshake")
      ->default_val(10)->check(CLI::Range(0.1, 600.0));
}

std::optional<int> AuditCommand::run() const {
  if (!audit_->parsed()) return std::nullopt;
  using namespace audit;
  std::optional<TrustSet> trust;
  try {
    // Root judges against another user's profile as that user: nothing in it is parsed with root's rights (the
    // HTML report is then written with that user's rights too).
    if (!profile_.empty()) read_profile_as_owner(profile_);
    std::vector<std::filesystem::path> pems(trust_.begin(), trust_.end());
    trust.emplace(TrustSet::open(profile_.empty() ? std::nullopt : std::optional<std::filesystem::path>(profile_), pems));
  } catch (const std::exception& e) {
    std::cerr << "certdoctor audit: " << printable(e.what()) << "\n";
    return 2;
  }
  if (trust->builtins_problem()) {
    std::cerr << "certdoctor audit: the built-in roots are not available (" << printable(*trust->builtins_problem())
              << "): verdicts are judged without them\n";
  }
  Progress progress(std::cerr, Progress::stderr_is_terminal());
  AuditOptions options;
  options.inputs = inputs_;
  options.default_port = static_cast<std::uint16_t>(port_);
  options.expiring_days = expiring_;
  options.max_parallel = static_cast<std::size_t>(parallel_);
  options.connect_timeout = std::chrono::milliseconds(static_cast<long>(connect_timeout_ * 1000));
  options.handshake_timeout = std::chrono::milliseconds(static_cast<long>(handshake_timeout_ * 1000));
  options.progress = &progress;
  AuditResult result;
  try {
    result = run_audit(options, *trust);
  } catch (const AuditInputError& e) {
    std::cerr << "certdoctor audit: " << printable(e.what()) << "\n";
    return 2;
  }
  const AuditReport& report = result.report;
  // Each file is written under a random name beside the target and renamed over it, so that a failed run never
  // leaves half a report (a monitoring system reads the file at any moment) and nothing planted under a predictable
  // name is written through (base/safe_file.hpp). The one place the audit writes a file.
  auto write_report = [&](const std::string& path, const std::string& what,
                          const std::function<void(std::ostream&)>& writer) {
    std::ostringstream text;
    writer(text);
    write_output_file(path, text.str(), 0644, {"write_failed"});
    std::cerr << "certdoctor audit: " << what << " written to " << printable(path) << "\n";
  };
  try {
    if (!html_.empty()) write_report(html_, "HTML report", [&](std::ostream& o) { write_html(o, report); });
    if (!prometheus_.empty()) {
      const PrometheusDetail detail = prometheus_detail_ == "endpoints" ? PrometheusDetail::endpoints
                                      : prometheus_detail_ == "groups"  ? PrometheusDetail::groups
                                                                        : PrometheusDetail::summary;
      write_report(prometheus_, "metrics", [&](std::ostream& o) { write_prometheus(o, report, detail); });
    }
  } catch (const RequestError& e) {
    std::cerr << "certdoctor audit: " << printable(e.what()) << "\n";
    return 2;
  }
  if (json_) write_json(std::cout, report);
  else if (csv_) write_csv(std::cout, report);
  else write_table(std::cout, report);
  std::cout.flush();
  return report.exit_code();
}

}  // namespace certdoctor
