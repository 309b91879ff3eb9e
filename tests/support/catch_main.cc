// The one translation unit that compiles Catch2's runner; every test binary
// links it, so each test file compiles only its own cases.
//
// A run whose filter matches no test case fails (Catch2's "--warn NoTests"):
// CTest runs each case by its name, and a name CTest cannot pass through
// (one holding ';', which splits CMake lists) would otherwise pass without
// running anything.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

int main(int argc, char* argv[]) {
  Catch::Session session;
  if (int status = session.applyCommandLine(argc, argv); status != 0) return status;
  auto config = session.configData();
  config.warnings = static_cast<Catch::WarnAbout::What>(config.warnings | Catch::WarnAbout::NoTests);
  session.useConfigData(config);
  return session.run();
}
