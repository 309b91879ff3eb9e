#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <functional>
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

namespace {

// Lines written with `options` (stdout off, a file in `dir`), read back.
std::vector<std::string> logged(const test::TempDir& dir, node::log::Format format,
                                const std::function<void()>& write) {
  auto previous = spdlog::default_logger();
  node::log::Options options;
  options.file = dir.path() / (format == node::log::Format::kJson ? "json.log" : "text.log");
  options.format = format;
  options.to_stdout = false;
  REQUIRE(node::log::init(options).ok());
  write();
  node::log::flush();
  // Back to text for the tests that follow.
  node::log::Options text;
  text.to_stdout = false;
  REQUIRE(node::log::init(text).ok());
  spdlog::set_default_logger(previous);

  std::ifstream in(options.file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

Digest digest_of(std::uint8_t first) {
  Digest d{};
  for (std::size_t i = 0; i < d.size(); ++i) d[i] = static_cast<std::uint8_t>(first + i);
  return d;
}

}  // namespace

TEST_CASE("text lines put height and round first, as they always read", "[node][log]") {
  test::TempDir dir;
  Digest block = digest_of(0x3f);
  auto lines = logged(dir, node::log::Format::kText, [&] {
    node::log::info("consensus", {.height = 12, .round = 0, .block = block},
                    "committed block {} ({} txs, {} failed) via {}", to_hex(block).substr(0, 12), 4,
                    0, "consensus");
    node::log::info("p2p", {.peer = "validator-1"}, "peer {} connected ({}, height {})",
                    "validator-1", "outbound", 3);
  });
  REQUIRE(lines.size() == 2);
  // "2026-11-23T15:04:05.123Z info  consensus height=12 ..."
  CHECK(lines[0].size() > 25);
  CHECK(lines[0][10] == 'T');
  CHECK(lines[0].substr(23, 2) == "Z ");
  CHECK(lines[0].substr(25) ==
        "info  consensus height=12 round=0 committed block 3f4041424344 (4 txs, 0 failed) via "
        "consensus");
  CHECK(lines[1].substr(25) == "info  p2p       peer validator-1 connected (outbound, height 3)");
}

TEST_CASE("JSON lines carry the fields, hashes in full, and stay one line each", "[node][log]") {
  test::TempDir dir;
  Digest block = digest_of(0x3f);
  Digest tx = digest_of(0xa0);
  std::string hostile = "x\n{\"level\":\"error\"}\x1b[31m\r\x7f\xff\xfe";
  auto lines = logged(dir, node::log::Format::kJson, [&] {
    node::log::info("consensus", {.height = 12, .round = 3, .block = block},
                    "committed block {} (0 txs, 0 failed) via consensus",
                    to_hex(block).substr(0, 12));
    node::log::warn("sync", {.height = 9, .peer = hostile}, "peer={} block refused: {}", hostile,
                    "bad certificate");
    node::log::info("mempool", {.tx = tx}, "dropping transaction {}", to_hex(tx).substr(0, 12));
    node::log::error("node", "stopped on a fatal error: {}", "disk full");
    node::log::debug("consensus", {.height = 1}, "not written at info");
  });
  REQUIRE(lines.size() == 4);
  std::vector<nlohmann::json> objects;
  for (const std::string& line : lines) objects.push_back(nlohmann::json::parse(line));

  const nlohmann::json& commit = objects[0];
  CHECK(commit["level"] == "info");
  CHECK(commit["component"] == "consensus");
  CHECK(commit["message"] == "committed block 3f4041424344 (0 txs, 0 failed) via consensus");
  CHECK(commit["height"] == 12);
  CHECK(commit["round"] == 3);
  CHECK(commit["block"] == to_hex(block));
  CHECK(commit["block"].get<std::string>().size() == 64);
  // RFC 3339 in UTC with milliseconds: 2026-11-23T15:04:05.123Z
  std::string time = commit["time"];
  REQUIRE(time.size() == 24);
  CHECK(time[4] == '-');
  CHECK(time[10] == 'T');
  CHECK(time[19] == '.');
  CHECK(time[23] == 'Z');
  CHECK(lines[0].starts_with(R"({"time":")"));

  const nlohmann::json& refused = objects[1];
  CHECK(refused["level"] == "warn");
  CHECK(refused["height"] == 9);
  CHECK_FALSE(refused.contains("round"));
  // The peer's bytes survive as escapes; bytes that are not UTF-8 become U+FFFD.
  CHECK(refused["peer"] == "x\n{\"level\":\"error\"}\x1b[31m\r\x7f\xef\xbf\xbd\xef\xbf\xbd");
  CHECK_THAT(lines[1], Catch::Contains(R"(x\n{\"level\":\"error\"}\u001b[31m\r)"));

  CHECK(objects[2]["tx"] == to_hex(tx));
  CHECK(objects[3]["level"] == "error");
  CHECK_FALSE(objects[3].contains("height"));
}

TEST_CASE("logs go to one place unless told otherwise", "[node][log]") {
  using node::log::destinations;
  const std::filesystem::path file = "/srv/node/logs/tracechaind.log";
  // By hand: the file only.
  CHECK(destinations("auto", file, false).file == file);
  CHECK_FALSE(destinations("auto", file, false).to_stdout);
  // Under systemd or in a container: stdout only.
  CHECK(destinations("auto", file, true).file.empty());
  CHECK(destinations("auto", file, true).to_stdout);
  // No file (log.file = ""): stdout.
  CHECK(destinations("auto", "", false).to_stdout);
  CHECK(destinations("auto", "", false).file.empty());
  // Explicit settings win.
  CHECK(destinations("true", file, false).to_stdout);
  CHECK(destinations("true", file, false).file == file);
  CHECK_FALSE(destinations("false", file, true).to_stdout);
  CHECK(destinations("false", file, true).file == file);
}

TEST_CASE("systemd and containers are recognised", "[node][log]") {
  test::TempDir dir;
  const std::vector<std::filesystem::path> no_markers = {dir.path() / "absent"};
  CHECK_FALSE(node::log::stdout_is_kept({"PATH=/usr/bin", "HOME=/root"}, no_markers));
  CHECK(node::log::stdout_is_kept({"INVOCATION_ID=0a1b2c"}, no_markers));
  CHECK(node::log::stdout_is_kept({"JOURNAL_STREAM=8:12345"}, no_markers));
  CHECK_FALSE(node::log::stdout_is_kept({"MY_INVOCATION_ID=1"}, no_markers));
  std::ofstream(dir.path() / ".dockerenv").put('\n');
  CHECK(node::log::stdout_is_kept({}, {dir.path() / "absent", dir.path() / ".dockerenv"}));
}
