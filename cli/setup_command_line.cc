// tracectl's command line for setting up keys, homes and testnets, and the
// self-contained demo.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "cli/command_line.h"
#include "cli/commands.h"

namespace tracechain::cli {

namespace {

// Lets CLI11 accept a suite by its name.
std::function<std::string(std::string&)> suite_validator() {
  return [](std::string& name) -> std::string {
    auto suite = tracechain::crypto::parse_suite(name);
    return suite ? std::string() : suite.error().message();
  };
}

std::filesystem::path default_home() {
  if (const char* home = std::getenv("TRACECHAIN_HOME"); home && *home) return home;
  if (const char* user = std::getenv("HOME"); user && *user) {
    return std::filesystem::path(user) / ".tracechain";
  }
  return ".tracechain";
}

tracechain::crypto::Suite suite_or_default(const std::string& name) {
  auto suite = tracechain::crypto::parse_suite(name);
  return suite ? *suite : tracechain::crypto::kDefaultSuite;
}

}  // namespace

// The options live as long as the process: the command line is built once.
void add_setup_commands(CLI::App& app, int& exit_code) {
  namespace cli = tracechain::cli;

  // keys
  auto* keys = app.add_subcommand("keys", "Generate and inspect participant keys");
  keys->footer("Examples:\n  tracectl keys generate --suite p256-sha256 --out alice.pem\n  tracectl keys show --key alice.pem");
  keys->require_subcommand(1);

  static std::string generate_suite = std::string(suite_name(tracechain::crypto::kDefaultSuite));
  static cli::KeysGenerateOptions generate;
  auto* keys_generate = keys->add_subcommand("generate", "Generate a private key file (PEM, 0600)");
  keys_generate->add_option("--suite", generate_suite,
                            "Signature suite: p256-sha256, ed25519-sha256 or sm2-sm3")
      ->check(CLI::Validator(suite_validator(), "SUITE"))
      ->capture_default_str();
  keys_generate->add_option("--out", generate.out, "File to create (refuses to overwrite)")
      ->required();
  keys_generate->footer("Example: tracectl keys generate --suite p256-sha256 --out node.pem");
  keys_generate->callback([&] {
    generate.suite = suite_or_default(generate_suite);
    exit_code = cli::keys_generate(generate, std::cout, std::cerr);
  });

  static cli::KeysShowOptions show;
  auto* keys_show = keys->add_subcommand("show", "Print a key file's suite and public key");
  keys_show->add_option("--key", show.key, "Private key file (PEM)")->required();
  keys_show->footer("Example: tracectl keys show --key node.pem");
  keys_show->callback([&] { exit_code = cli::keys_show(show, std::cout, std::cerr); });

  // init
  static cli::InitOptions init;
  static std::string init_suite = std::string(suite_name(tracechain::crypto::kDefaultSuite));
  init.home = default_home();
  auto* init_command = app.add_subcommand(
      "init", "Create a single-node home (the embedded default): genesis, keys, certificates");
  init_command->add_option("--home", init.home, "Home directory to create")->capture_default_str();
  init_command->add_option("--chain-id", init.chain_id, "Chain id")->capture_default_str();
  init_command->add_option("--suite", init_suite, "Signature suite")
      ->check(CLI::Validator(suite_validator(), "SUITE"))
      ->capture_default_str();
  init_command->add_option("--node-id", init.node_id, "This node's (validator's) id")
      ->capture_default_str();
  init_command->footer("Example: tracectl init --home ~/.tracechain && tracechaind --home ~/.tracechain");
  init_command->callback([&] {
    init.suite = suite_or_default(init_suite);
    exit_code = cli::init(init, std::cout, std::cerr);
  });

  // testnet init
  auto* testnet = app.add_subcommand("testnet", "Local multi-node consortiums");
  testnet->footer("Example:\n  tracectl testnet init --validators 4 --out ./testnet && deploy/testnet.sh start ./testnet");
  testnet->require_subcommand(1);
  static cli::TestnetOptions testnet_options;
  static std::string testnet_suite = std::string(suite_name(tracechain::crypto::kDefaultSuite));
  auto* testnet_init = testnet->add_subcommand(
      "init", "Create N validator homes (on loopback unless --host) with a consortium CA and demo participants");
  testnet_init->add_option("--validators", testnet_options.validators, "Number of validators")
      ->capture_default_str();
  testnet_init->add_option("--out", testnet_options.out, "Directory to create")->required();
  testnet_init->add_option("--chain-id", testnet_options.chain_id, "Chain id")
      ->capture_default_str();
  testnet_init->add_option("--suite", testnet_suite, "Signature suite")
      ->check(CLI::Validator(suite_validator(), "SUITE"))
      ->capture_default_str();
  testnet_init->add_option("--observers", testnet_options.observers,
                           "Non-validator nodes that follow the chain")
      ->capture_default_str();
  testnet_init->add_option("--base-port", testnet_options.base_port,
                           "Node i listens on base+10i (p2p), +1 (rpc), +2 (metrics)")
      ->capture_default_str();
  testnet_init->add_option("--host", testnet_options.hosts,
                           "The address nodes listen on and are dialled at: once for every node, "
                           "or once per node in order (default 127.0.0.1)");
  testnet_init->footer("Example: tracectl testnet init --validators 4 --out ./testnet");
  testnet_init->callback([&] {
    testnet_options.suite = suite_or_default(testnet_suite);
    exit_code = cli::testnet_init(testnet_options, std::cout, std::cerr);
  });

  // join
  static cli::JoinOptions join;
  auto* join_command = app.add_subcommand(
      "join", "Create the home of a node joining an existing chain (certificate from its CA)");
  join_command->add_option("--home", join.home, "Home directory to create")->required();
  join_command->add_option("--genesis", join.genesis, "The chain's genesis.json")->required();
  join_command->add_option("--ca-dir", join.ca_dir, "Directory with the consortium's ca.pem and ca.key")
      ->required();
  join_command->add_option("--node-id", join.node_id, "The new node's id")->required();
  join_command->add_flag("--validator", join.validator,
                         "It will validate (after governance adds it); otherwise an observer");
  join_command->add_option("--p2p-listen", join.p2p_listen, "host:port for peers");
  join_command->add_option("--peer", join.peers, "A peer to dial, node-id@host:port (repeatable)");
  join_command->footer(
      "Example: tracectl join --home ./node5 --genesis ./testnet/genesis.json \\\n"
      "           --ca-dir ./testnet/ca --node-id observer-1 --peer validator-0@10.0.0.1:26656");
  join_command->callback([&] { exit_code = cli::join(join, std::cout, std::cerr); });

  // inspect
  static cli::InspectOptions inspect;
  inspect.home = default_home();
  auto* inspect_command = app.add_subcommand(
      "inspect", "Show a stopped node's chain and height, read from its data directory");
  inspect_command->add_option("--home", inspect.home, "Node home")->capture_default_str();
  inspect_command->add_flag("--headers", inspect.headers, "List every header's hash");
  inspect_command->footer("Example: tracectl inspect --home ./testnet/node0 --headers");
  inspect_command->callback([&] { exit_code = cli::inspect(inspect, std::cout, std::cerr); });

  // demo
  static std::string demo_suite = std::string(suite_name(tracechain::crypto::kDefaultSuite));
  static cli::DemoOptions demo;
  auto* demo_command = app.add_subcommand(
      "demo", "Sign sample transactions, log them and verify an inclusion proof");
  demo_command->add_option("--suite", demo_suite, "Signature suite")
      ->check(CLI::Validator(suite_validator(), "SUITE"))
      ->capture_default_str();
  demo_command->add_option("--transactions", demo.log_size, "Transactions in the log")
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{1} << 20))
      ->capture_default_str();
  demo_command->add_option("--prove", demo.prove_index, "Index of the transaction to prove")
      ->capture_default_str();
  demo_command->footer("Example: tracectl demo --suite ed25519-sha256 --transactions 100 --prove 42");
  demo_command->callback([&] {
    demo.suite = suite_or_default(demo_suite);
    exit_code = cli::demo(demo, std::cout, std::cerr);
  });

}

}  // namespace tracechain::cli
