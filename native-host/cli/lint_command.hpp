// `certdoctor lint CERT…`: a certificate generator's serial hygiene, judged by lint/ (the engine); this file only
// reads options and prints. Exit 0 when clean, 1 on findings, 2 when an input cannot be linted (the others still are).
#pragma once
#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace certdoctor {

class LintCommand {
 public:
  explicit LintCommand(CLI::App& app);
  // The exit status when `lint` was given, nothing otherwise.
  std::optional<int> run() const;

 private:
  CLI::App* cmd_;
  std::vector<std::string> inputs_;
  std::string newcerts_;
  bool json_ = false;
};

}  // namespace certdoctor
