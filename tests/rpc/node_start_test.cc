// What a validator checks before it signs anything: that its consensus key
// is the one the validator set holds for its id, and that a store with
// blocks comes with the signing state of the votes it sent.
#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "node/log.h"
#include "node/node.h"
#include "tests/support/temp_dir.h"

using namespace tracechain;

namespace {

node::NodeConfig demo_home(const std::filesystem::path& home) {
  std::ostringstream out, err;
  cli::InitOptions init;
  init.home = home;
  init.chain_id = "tracechain-start-test";
  REQUIRE(cli::init(init, out, err) == 0);
  auto loaded = node::load_config(home, {}, {});
  REQUIRE(loaded.ok());
  node::NodeConfig config = *loaded;
  config.p2p.listen = {"127.0.0.1", 0};
  config.log.file = "";
  config.consensus.idle_block_interval_ms = 50;
  node::log::Options log;
  log.level = "error";
  REQUIRE(node::log::init(log).ok());
  return config;
}

// Runs the node until it has committed `height` blocks.
void run_to(const node::NodeConfig& config, std::uint64_t height) {
  auto node = node::Node::open(config);
  REQUIRE(node.ok());
  REQUIRE((*node)->start().ok());
  for (int i = 0; i < 200 && (*node)->status().height < height; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  CHECK((*node)->status().height >= height);
  (*node)->stop();
}

}  // namespace

TEST_CASE("a validator refuses to start with a key that is not its validator key",
          "[node][start]") {
  test::TempDir dir;
  node::NodeConfig config = demo_home(dir.path());
  const auto key_file = config.node_key_file();
  auto own = crypto::PrivateKey::load(key_file);
  REQUIRE(own.ok());
  // A participant's key where the consensus key belongs.
  std::filesystem::copy_file(dir.path() / "keys" / "exchange.pem", key_file,
                             std::filesystem::copy_options::overwrite_existing);
  auto wrong = crypto::PrivateKey::load(key_file);
  REQUIRE(wrong.ok());

  auto refused = node::Node::open(config);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == ErrorCode::kInvalidInput);
  CHECK_THAT(refused.error().message(),
             Catch::Contains("is not the key of validator '" + config.node.id + "'"));
  CHECK_THAT(refused.error().message(),
             Catch::Contains("expects public key " + to_hex(own->public_key().bytes())));
  CHECK_THAT(refused.error().message(),
             Catch::Contains("this file holds " + to_hex(wrong->public_key().bytes())));

  // Explicitly an observer, the same home starts.
  config.node.validator = false;
  CHECK(node::Node::open(config).ok());
}

TEST_CASE("a validator with blocks refuses to start without its signing state",
          "[node][start]") {
  test::TempDir dir;
  node::NodeConfig config = demo_home(dir.path());
  const auto signing_file = config.data_dir() / "signing_state.bin";
  run_to(config, 3);
  // The first start wrote it, whatever was signed since.
  REQUIRE(std::filesystem::exists(signing_file));

  std::filesystem::remove(signing_file);
  auto refused = node::Node::open(config);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message(), Catch::Contains("is missing, but the store is at height"));
  CHECK_FALSE(std::filesystem::exists(signing_file));

  // An observer needs none; a validator told so signs from a fresh one.
  config.node.validator = false;
  CHECK(node::Node::open(config).ok());
  config.node.validator = true;
  config.node.allow_missing_signing_state = true;
  std::uint64_t before = 0;
  {
    auto node = node::Node::open(config);
    REQUIRE(node.ok());
    before = (*node)->status().height;
  }
  CHECK(std::filesystem::exists(signing_file));
  run_to(config, before + 2);
}
