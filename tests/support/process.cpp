#include "process.hpp"

#include <boost/process.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace bp = boost::process;
namespace fs = std::filesystem;

namespace testing {

TempDir::TempDir() {
  std::string tmpl = (fs::temp_directory_path() / "certdoctor-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_file(const fs::path& p, const std::string& data) {
  std::ofstream out(p, std::ios::binary);
  out << data;
  if (!out) throw std::runtime_error("cannot write " + p.string());
}

fs::path bin(const std::string& name) { return fs::path(CERTDOCTOR_BIN_DIR) / name; }

RunResult run(const std::vector<std::string>& argv, const std::string& input,
              const std::map<std::string, std::string>& env) {
  TempDir io;
  write_file(io / "in", input);
  bp::environment e = boost::this_process::environment();
  for (const auto& [k, v] : env) e[k] = v;
  fs::path exe = argv.at(0).find('/') == std::string::npos ? fs::path(bp::search_path(argv[0]).string())
                                                          : fs::path(argv[0]);
  if (exe.empty()) throw std::runtime_error(argv[0] + " is not installed");
  std::vector<std::string> args(argv.begin() + 1, argv.end());
  bp::child c(exe.string(), bp::args(args), e, bp::std_in < (io / "in").string(),
              bp::std_out > (io / "out").string(), bp::std_err > (io / "err").string());
  c.wait();
  return {c.exit_code(), read_file(io / "out"), read_file(io / "err")};
}

std::string run_ok(const std::vector<std::string>& argv, const std::string& input) {
  RunResult r = run(argv, input);
  if (r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : argv) cmd += a + " ";
    throw std::runtime_error(cmd + "failed (" + std::to_string(r.exit_code) + "): " + r.err);
  }
  return r.out;
}

}  // namespace testing
