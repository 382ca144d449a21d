#include "lint_command.hpp"

#include <iostream>

#include "base/text.hpp"
#include "lint/lint.hpp"

namespace certdoctor {

LintCommand::LintCommand(CLI::App& app) {
  cmd_ = app.add_subcommand("lint", "Check the serials and keys of the certificates a generator made: reused issuer "
                                    "and serial, short, counting, negative or long serials, one key in several");
  cmd_->add_option("cert", inputs_, "PEM or DER files, folders of them, or an OpenSSL CA's index.txt")->required();
  cmd_->add_option("--newcerts", newcerts_, "the certificates' folder of an index.txt (default: newcerts/ next to it)");
  cmd_->add_flag("--json", json_, "print the result as one JSON object (docs/LINT.md)");
}

std::optional<int> LintCommand::run() const {
  if (!cmd_->parsed()) return std::nullopt;
  lint::LintOptions o;
  for (const auto& i : inputs_) o.inputs.emplace_back(i);
  if (!newcerts_.empty()) o.newcerts = newcerts_;
  const lint::LintResult r = lint::lint(o);

  // Input errors go to standard error in either form, so that a CI log names the file.
  for (const auto& e : r.errors) std::cerr << "certdoctor: " << printable(e.text()) << "\n";
  if (json_) {
    std::cout << inert_json(lint::to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)) << "\n";
    return r.exit_code();
  }
  std::cout << r.certificates.size() << " certificate(s) read, " << r.findings.size() << " finding(s)"
            << (r.errors.empty() ? "" : ", " + std::to_string(r.errors.size()) + " input(s) not linted") << "\n";
  for (const auto& f : r.findings) {
    std::cout << "\n" << lint::code_of(f.code) << ": " << printable(f.text()) << "\n";
    for (std::size_t i : f.certificates) {
      const auto& c = r.certificates[i];
      std::cout << "  " << printable(c.source) << (c.position > 1 ? "#" + std::to_string(c.position) : "")
                << "  serial " << c.serial_hex << "  " << printable(c.subject) << "  notBefore " << c.not_before
                << "\n";
    }
  }
  return r.exit_code();
}

}  // namespace certdoctor
