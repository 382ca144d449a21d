// `certdoctor reissue URL`: fetches the device's certificate (its names, what device it is) and makes the
// replacement with reissue/ (the engine); this file only reads options and prints.
#pragma once
#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace certdoctor {

class ReissueCommand {
 public:
  explicit ReissueCommand(CLI::App& app);
  // The exit status when `reissue` was given, nothing otherwise. Throws RequestError for unusable input.
  std::optional<int> run() const;

 private:
  CLI::App* cmd_;
  std::string url_, ca_, ca_key_, csr_, out_, key_type_, password_file_, proxy_;
  std::vector<std::string> resolve_, names_;
  int days_ = 397;
  bool pkcs12_ = false, json_ = false, accept_served_ = false;
};

}  // namespace certdoctor
