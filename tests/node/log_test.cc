#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "node/log.h"
#include "tests/support/temp_dir.h"

using namespace tracechain;

TEST_CASE("a log line is one line, whatever bytes a message carries", "[node][log]") {
  test::TempDir dir;
  auto previous = spdlog::default_logger();
  node::log::Options options;
  options.file = dir.path() / "node.log";
  options.to_stdout = false;
  REQUIRE(node::log::init(options).ok());
  // A participant id or a peer's reason as a client could send it: a forged
  // second line, a terminal escape, a carriage return and DEL.
  std::string hostile = "x\n2026-01-01T00:00:00.000Z info  rpc all is well\x1b[31m\r\x7f";
  node::log::warn("rpc", "authentication failed as '{}'", hostile);
  node::log::info("p2p", "peer {} disconnected", "validator-1");
  node::log::flush();
  spdlog::set_default_logger(previous);

  std::ifstream in(options.file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::EndsWith(" authentication failed as 'x\\x0a2026-01-01T00:00:00.000Z "
                                       "info  rpc all is well\\x1b[31m\\x0d\\x7f'"));
  CHECK_THAT(lines[1], Catch::EndsWith(" peer validator-1 disconnected"));
  CHECK(lines[1].substr(0, 2) == "20");  // the time still starts each line
}
