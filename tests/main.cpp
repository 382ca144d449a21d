// The one main() of the three Catch2 executables. Catch2 exits 0 when a test spec matches no test; here such a run
// fails (as `-w NoTests` does, which CTest's entries also pass), whoever runs the executable: a test name that a
// caller mangled (CTest split names at ';') must not pass having run nothing.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  Catch::Session session;
  auto& config = session.configData();
  config.warnings = static_cast<Catch::WarnAbout::What>(config.warnings | Catch::WarnAbout::NoTests);
  return session.run(argc, argv);
}
