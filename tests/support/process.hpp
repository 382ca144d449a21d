// Running real programs from tests (openssl, certutil, our own binaries) with Boost.Process, and a temporary
// folder that is removed with everything in it when the test ends.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace testing {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs argv[0] (looked up in PATH unless it contains '/') to completion, with `input` on stdin.
// `env` entries are added to (or override) the test's own environment.
RunResult run(const std::vector<std::string>& argv, const std::string& input = "",
              const std::map<std::string, std::string>& env = {});

// Like run(), but throws with the program's stderr when it exits non-zero: for fixture-building steps.
std::string run_ok(const std::vector<std::string>& argv, const std::string& input = "");

std::string read_file(const std::filesystem::path& p);
void write_file(const std::filesystem::path& p, const std::string& data);

// Paths of the binaries under test, from the build.
std::filesystem::path bin(const std::string& name);

}  // namespace testing
