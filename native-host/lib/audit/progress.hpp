// Progress of a long audit (or any long CLI command) on stderr: a bar redrawn in place on a terminal; plain lines otherwise (a log, CI),
// at most one every few seconds, so that a log stays readable.
#pragma once
#include <chrono>
#include <cstddef>
#include <ostream>
#include <string>
#include <utility>

namespace certdoctor::audit {

class Progress {
 public:
  // `prefix` starts each plain line: the command's name, as its errors start.
  Progress(std::ostream& out, bool terminal, std::string prefix = "certdoctor audit: ")
      : out_(out), terminal_(terminal), prefix_(std::move(prefix)) {}
  // `total` 0 when unknown (a scanner's file is read as it streams).
  void update(const std::string& what, std::size_t done, std::size_t total);
  void finish(const std::string& what, std::size_t done);
  static bool stderr_is_terminal();

 private:
  std::ostream& out_;
  bool terminal_;
  std::string prefix_;
  std::chrono::steady_clock::time_point last_{};
  bool drawn_ = false;
};

}  // namespace certdoctor::audit
