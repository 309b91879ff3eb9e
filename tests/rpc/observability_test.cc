// What an operator watches: the process_* and build metrics on the metrics
// port, and node_getVersion.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <chrono>
#include <map>
#include <sstream>

#include "node/build_info.h"
#include "node/rpc/process_stats.h"
#include "node/wire.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;

namespace {

// "name{labels} value" lines of a Prometheus text exposition, by series.
std::map<std::string, double> series(const std::string& exposition) {
  std::map<std::string, double> out;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::size_t space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TEST_CASE("/proc/<pid>/stat is read by its fields, whatever the command name", "[rpc][metrics]") {
  // A command name with spaces and a ')' must not shift the fields.
  const std::string stat =
      "3065 (tracechaind ) x) S 3063 3063 30391 0 -1 4194304 101 0 0 0 250 50 0 0 20 0 1 0 "
      "8507060 3133440 394 18446744073709551615 94723792035840 0 0 0 0 0 0 0 0 0 17 0 0 0\n";
  node::rpc::SystemFacts system{100, 4096, 1'700'000'000};
  node::rpc::ProcessStats stats;
  REQUIRE(node::rpc::parse_proc_stat(stat, system, stats).ok());
  CHECK(stats.cpu_seconds == Approx(3.0));  // (250 + 50) ticks
  CHECK(stats.start_time_seconds == Approx(1'700'000'000 + 85070.60));
  CHECK(stats.virtual_bytes == 3133440);
  CHECK(stats.resident_bytes == 394.0 * 4096);

  CHECK_FALSE(node::rpc::parse_proc_stat("3065 tracechaind S 1 2", system, stats).ok());
  auto short_text = node::rpc::parse_proc_stat("3065 (t) S 1 2 3", system, stats);
  REQUIRE_FALSE(short_text.ok());
  CHECK_THAT(short_text.error().message(), Catch::Contains("lacks utime"));
  CHECK_FALSE(node::rpc::parse_proc_stat(
                  "1 (t) S 1 1 1 0 -1 0 0 0 0 0 x 5 0 0 20 0 1 0 9 9 9", system, stats)
                  .ok());

  CHECK(node::rpc::parse_boot_time("cpu  1 2 3\nbtime 1796559501\nprocesses 9\n") == 1796559501);
  CHECK(node::rpc::parse_boot_time("btime 42\n") == 42);
  CHECK_FALSE(node::rpc::parse_boot_time("cpu  1 2 3\n").has_value());
  CHECK_FALSE(node::rpc::parse_boot_time("btime soon\n").has_value());
}

TEST_CASE("the metrics port serves the process's figures and the build", "[rpc][metrics]") {
  const double before_start = now_seconds();
  LiveNode live;
  HttpReply reply = http_request(live.metrics_port(), "GET", "/metrics");
  REQUIRE(reply.status == 200);
  auto values = series(reply.body);

  // The LiveNode runs in this test process: the figures are this process's.
  REQUIRE(values.count("process_cpu_seconds_total"));
  CHECK(values["process_cpu_seconds_total"] > 0);
  CHECK_THAT(reply.body, Catch::Contains("# TYPE process_cpu_seconds_total counter"));
  REQUIRE(values.count("process_resident_memory_bytes"));
  CHECK(values["process_resident_memory_bytes"] > 1024 * 1024);
  REQUIRE(values.count("process_virtual_memory_bytes"));
  CHECK(values["process_virtual_memory_bytes"] >= values["process_resident_memory_bytes"]);
  REQUIRE(values.count("process_open_fds"));
  CHECK(values["process_open_fds"] >= 3);  // at least the listening sockets and the database
  REQUIRE(values.count("process_max_fds"));
  CHECK(values["process_max_fds"] >= values["process_open_fds"]);
  REQUIRE(values.count("process_start_time_seconds"));
  // The process started before this test did, and not long before (the
  // boot time and the tick length round to a second or so).
  CHECK(values["process_start_time_seconds"] <= before_start + 2);
  CHECK(values["process_start_time_seconds"] > before_start - 24 * 3600);

  std::string build = "tracechain_build_info{commit=\"" + std::string(node::build_commit()) +
                      "\",version=\"" + std::string(node::build_version()) + "\"}";
  REQUIRE(values.count(build));
  CHECK(values[build] == 1);
  CHECK(node::build_version() == TRACECHAIN_PROJECT_VERSION);
  CHECK_FALSE(node::build_commit().empty());

  // CPU time is a counter: it only grows from one scrape to the next.
  volatile double spin = 0;
  for (int i = 0; i < 20'000'000; ++i) spin = spin + i;
  auto later = series(http_request(live.metrics_port(), "GET", "/metrics").body);
  CHECK(later["process_cpu_seconds_total"] > values["process_cpu_seconds_total"]);
}

TEST_CASE("node_getVersion names the release, commit, protocol and suites", "[rpc][protocol]") {
  LiveNode live;
  Json reply = live.call("node_getVersion");  // unsigned
  REQUIRE(reply.contains("result"));
  const Json& version = reply["result"];
  CHECK(version["version"] == TRACECHAIN_PROJECT_VERSION);
  CHECK(version["commit"] == std::string(node::build_commit()));
  CHECK(version["protocol"] == node::kProtocolVersion);
  CHECK(version["suites"] == Json::array({"p256-sha256", "ed25519-sha256", "sm2-sm3"}));
  CHECK(version.size() == 4);

  // Params are refused like any method's unknown parameter.
  Json with_params = live.call("node_getVersion", {{"verbose", true}});
  REQUIRE(with_params.contains("error"));
  CHECK(with_params["error"]["code"] == -32602);
}
