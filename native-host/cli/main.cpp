// certdoctor: the command-line front end over the same engine the native host uses.
#include <CLI/CLI.hpp>

#include <iostream>

#include "build_info.hpp"
#include "diagnose.hpp"
#include "profile_locate.hpp"
#include "render_text.hpp"
#include "request_error.hpp"

namespace {

using namespace certdoctor;

std::chrono::milliseconds seconds(double s) {
  return std::chrono::milliseconds(static_cast<long>(s * 1000));
}

int run_diagnose(const DiagnoseRequest& request, bool as_json) {
  nlohmann::json d = diagnose(request);
  if (as_json) {
    std::cout << d.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    std::cout << render_text(d);
  }
  return 0;  // a diagnosis was printed, whatever it says
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"certdoctor: explains Firefox certificate errors and removes the one stale stored certificate "
               "behind them."};
  app.set_version_flag("--version", std::string("certdoctor ") + std::string(build::version));
  app.require_subcommand(1);

  DiagnoseRequest req;
  std::string profile;
  std::string reported;
  bool as_json = false;
  double connect_timeout = 5, handshake_timeout = 10;
  auto* diag = app.add_subcommand("diagnose", "Fetch the certificate chain a site presents and explain it");
  diag->add_option("url", req.url, "https URL (or HOST[:PORT]) of the site")->required();
  diag->add_option("--profile", profile, "Firefox profile folder (any folder holding cert9.db)");
  diag->add_option("--resolve", req.resolve, "HOST:PORT:ADDRESS - connect to ADDRESS for HOST:PORT, like curl")
      ->take_all();
  diag->add_option("--proxy", req.proxy, "HTTP proxy to tunnel through, http://[user:pass@]host:port");
  diag->add_option("--reported-error", reported, "the error name Firefox showed, e.g. SEC_ERROR_UNKNOWN_ISSUER");
  diag->add_flag("--json", as_json, "print exactly one JSON object (logs go to stderr)");
  diag->add_option("--connect-timeout", connect_timeout, "seconds to wait for the TCP connection")
      ->default_val(5)->check(CLI::Range(0.1, 600.0));
  diag->add_option("--timeout", handshake_timeout, "seconds to wait for the TLS handshake")
      ->default_val(10)->check(CLI::Range(0.1, 600.0));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;
  }

  try {
    if (diag->parsed()) {
      if (!profile.empty()) req.profile.explicit_dir = profile;
      if (!reported.empty()) req.reported_error = reported;
      req.profile.home = current_home();
      req.connect_timeout = seconds(connect_timeout);
      req.handshake_timeout = seconds(handshake_timeout);
      return run_diagnose(req, as_json);
    }
  } catch (const RequestError& e) {
    std::cerr << "certdoctor: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "certdoctor: internal error: " << e.what() << "\n";
    return 1;
  }
  return 2;
}
