#include <catch2/catch.hpp>

#include <fstream>

#include "node/config.h"
#include "tests/support/temp_dir.h"

using namespace tracechain;
using namespace tracechain::node;

TEST_CASE("a configuration round-trips through TOML", "[node][config]") {
  NodeConfig config;
  config.home = "/srv/node";
  config.node.id = "validator-3";
  config.p2p.listen = {"0.0.0.0", 26656};
  config.p2p.peers = {{"validator-0", {"10.0.0.1", 26656}}, {"validator-1", {"::1", 26656}}};
  config.p2p.allowed_peers = {"observer-1"};
  config.consensus.idle_block_interval_ms = 0;
  config.rpc.cors_origins = {"https://exchange.example"};
  config.log.level = "debug";
  auto parsed = parse_config(config_to_toml(config), "node.toml", "/srv/node");
  REQUIRE(parsed.ok());
  CHECK(parsed->node.id == "validator-3");
  CHECK(parsed->p2p.listen == config.p2p.listen);
  CHECK(parsed->p2p.peers == config.p2p.peers);
  CHECK(parsed->p2p.allowed_peers == config.p2p.allowed_peers);
  CHECK(parsed->consensus.idle_block_interval_ms == 0);
  CHECK(parsed->rpc.cors_origins == config.rpc.cors_origins);
  CHECK(parsed->log.level == "debug");
  CHECK(parsed->log_file() == "/srv/node/logs/tracechaind.log");
  CHECK(config_keys().size() > 20);
}

TEST_CASE("command line beats environment beats file beats defaults", "[node][config]") {
  std::string file = "[node]\nid = 'n1'\n[p2p]\nlisten = '127.0.0.1:1000'\nmax_peers = 7\n";
  auto from_environment = overrides_from_environment(
      {"TRACECHAIN_P2P_LISTEN=127.0.0.1:2000", "TRACECHAIN_MEMPOOL_MAX_TRANSACTIONS=42",
       "TRACECHAIN_HOME=/ignored", "PATH=/usr/bin", "TRACECHAIN_NO_SUCH=1",
       "TRACECHAIN_NODE=http://127.0.0.1:26657"});
  REQUIRE(from_environment.ok());
  const Overrides& environment = *from_environment;
  CHECK(environment.size() == 2);
  Overrides command_line = {{"p2p.listen", "127.0.0.1:3000"}};
  auto config = parse_config(file, "node.toml", "/h", environment, command_line);
  REQUIRE(config.ok());
  CHECK(config->p2p.listen.port == 3000);              // command line
  CHECK(config->mempool.max_transactions == 42);       // environment
  CHECK(config->p2p.max_peers == 7);                   // file
  CHECK(config->consensus.timeout_propose_ms == 1000);  // default
}

TEST_CASE("a misspelt setting in the environment is an error, as in the file", "[node][config]") {
  auto misspelt = overrides_from_environment({"TRACECHAIN_P2P_LISEN=0.0.0.0:26656"});
  REQUIRE_FALSE(misspelt.ok());
  CHECK_THAT(misspelt.error().message(),
             Catch::StartsWith("environment variable TRACECHAIN_P2P_LISEN names no setting of "
                               "[p2p]; those are TRACECHAIN_P2P_LISTEN, "));
  auto mempool = overrides_from_environment({"TRACECHAIN_MEMPOOL_MAX_TX=5"});
  REQUIRE_FALSE(mempool.ok());
  CHECK_THAT(mempool.error().message(), Catch::Contains("TRACECHAIN_MEMPOOL_MAX_TRANSACTIONS"));
}

TEST_CASE("configuration errors name the file, line and key", "[node][config]") {
  auto error = [](const std::string& text, Overrides env = {}, Overrides cli = {}) {
    auto config = parse_config(text, "node.toml", "/h", env, cli);
    REQUIRE_FALSE(config.ok());
    return config.error().message();
  };
  CHECK(error("[node]\nid = 'n'\n[p2p]\nlisten = 'nowhere'\n") ==
        "node.toml:4: p2p.listen: 'nowhere' is not an address of the form host:port");
  CHECK(error("[node]\nid = 'n'\n[p2p]\nlisen = '1.2.3.4:5'\n") ==
        "node.toml:4: unknown setting 'p2p.lisen'");
  CHECK(error("[node]\nid = 'n'\n[mempool]\nmax_bytes = -3\n") ==
        "node.toml:4: mempool.max_bytes: expected a number of at least 0");
  CHECK(error("[node]\nid = 'n'\n[p2p]\npeers = ['validator-1']\n") ==
        "node.toml:4: p2p.peers: peer 'validator-1' is not of the form node-id@host:port");
  CHECK_THAT(error("[node\nid = 'n'\n"), Catch::StartsWith("node.toml:1:"));
  CHECK(error("[p2p]\nlisten = '1.2.3.4:5'\n") ==
        "node.toml: node.id is not set; every node needs the id its certificate carries");
  CHECK(error("[node]\nid = 'n'\n", {{"p2p.max_peers", "many"}}) ==
        "environment TRACECHAIN_P2P_MAX_PEERS: expected a whole number, got 'many'");
  CHECK(error("[node]\nid = 'n'\n", {}, {{"node.validator", "yes"}}) ==
        "command line --set node.validator: expected true or false, got 'yes'");
  CHECK(error("[node]\nid = 'n'\n[log]\nlevel = 'loud'\n") ==
        "node.toml: log.level 'loud' is not one of trace, debug, info, warn, error");
}

TEST_CASE("endpoints and peer addresses parse strictly", "[node][config]") {
  CHECK(*parse_endpoint("127.0.0.1:80") == Endpoint{"127.0.0.1", 80});
  CHECK(*parse_endpoint("[::1]:26656") == Endpoint{"::1", 26656});
  CHECK(*parse_endpoint("node.example:1") == Endpoint{"node.example", 1});
  CHECK_FALSE(parse_endpoint("::1:80").ok());
  CHECK_FALSE(parse_endpoint("host:").ok());
  CHECK_FALSE(parse_endpoint("[[host]:80").ok());  // found by fuzzing: printed as "[host:80"
  CHECK_FALSE(parse_endpoint("ho st:80").ok());
  CHECK_FALSE(parse_endpoint("[host%1]:80").ok());  // brackets are for IPv6 only
  CHECK_FALSE(parse_endpoint("host:70000").ok());
  CHECK_FALSE(parse_endpoint(":80").ok());
  CHECK(parse_peer_address("v1@10.0.0.1:9")->node_id == "v1");
  CHECK_FALSE(parse_peer_address("@10.0.0.1:9").ok());
}

TEST_CASE("a home without a configuration says how to create one", "[node][config]") {
  test::TempDir dir;
  auto missing = load_config(dir.path(), {}, {});
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message(), Catch::Contains("tracectl init"));
  std::filesystem::create_directories(dir.path() / "config");
  std::ofstream(dir.path() / "config" / "node.toml") << "[node]\nid = 'x'\n";
  auto loaded = load_config(dir.path(), {}, {});
  REQUIRE(loaded.ok());
  CHECK(loaded->data_dir() == dir.path() / "data");
}

TEST_CASE("log format and stdout take known values only", "[node][config]") {
  auto parse = [](const std::string& text, Overrides env = {}, Overrides cli = {}) {
    return parse_config("[node]\nid = 'n'\n" + text, "node.toml", "/h", env, cli);
  };
  auto defaults = parse("");
  REQUIRE(defaults.ok());
  CHECK(defaults->log.format == "text");
  CHECK(defaults->log.to_stdout == "auto");

  auto json = parse("", {{"log.format", "json"}});  // TRACECHAIN_LOG_FORMAT=json
  REQUIRE(json.ok());
  CHECK(json->log.format == "json");
  auto from_environment = overrides_from_environment({"TRACECHAIN_LOG_FORMAT=json",
                                                      "TRACECHAIN_LOG_STDOUT=false"});
  REQUIRE(from_environment.ok());
  CHECK(from_environment->at("log.format") == "json");
  CHECK(from_environment->at("log.stdout") == "false");

  // In the file, stdout may be a TOML boolean or a string.
  auto boolean = parse("[log]\nstdout = true\n");
  REQUIRE(boolean.ok());
  CHECK(boolean->log.to_stdout == "true");
  auto text = parse("[log]\nstdout = 'false'\n");
  REQUIRE(text.ok());
  CHECK(text->log.to_stdout == "false");
  auto round_trip = parse_config(config_to_toml(*boolean), "node.toml", "/h");
  REQUIRE(round_trip.ok());
  CHECK(round_trip->log.to_stdout == "true");

  auto error = [&](const std::string& file, Overrides cli = {}) {
    auto config = parse(file, {}, cli);
    REQUIRE_FALSE(config.ok());
    return config.error().message();
  };
  CHECK(error("[log]\nformat = 'xml'\n") == "node.toml: log.format 'xml' is not one of text, json");
  CHECK(error("", {{"log.format", "JSON"}}) ==
        "node.toml: log.format 'JSON' is not one of text, json");
  CHECK(error("[log]\nstdout = 'sometimes'\n") ==
        "node.toml: log.stdout 'sometimes' is not one of auto, true, false");
  CHECK(error("[log]\nstdout = 1\n") == "node.toml:4: log.stdout: expected a string");
  CHECK_THAT(error("[log]\nfile = ''\nstdout = false\n"),
             Catch::Contains("leaves the log nowhere to go"));
}
