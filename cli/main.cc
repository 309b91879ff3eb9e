// tracectl: the administrator's and auditor's command-line tool.
// This file only parses the command line; the commands live in commands.h.
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "cli/commands.h"

namespace {

using tracechain::cli::kExitUsage;

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

int main(int argc, char** argv) {
  namespace cli = tracechain::cli;
  CLI::App app{"tracectl: keys, verification and audit tools for a tracechain ledger"};
  app.require_subcommand(1);
  app.footer("Examples:\n"
             "  tracectl demo\n"
             "  tracectl init --home ~/.tracechain\n"
             "  tracectl testnet init --validators 4 --out ./testnet\n"
             "  tracectl keys generate --suite sm2-sm3 --out alice.pem\n"
             "  tracectl keys show --key alice.pem\n\n"
             "Exit codes: 0 ok, 1 verification failed, 2 usage or input error, "
             "3 node unreachable.");

  int exit_code = 0;

  // keys
  auto* keys = app.add_subcommand("keys", "Generate and inspect participant keys");
  keys->require_subcommand(1);

  std::string generate_suite = std::string(suite_name(tracechain::crypto::kDefaultSuite));
  cli::KeysGenerateOptions generate;
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

  cli::KeysShowOptions show;
  auto* keys_show = keys->add_subcommand("show", "Print a key file's suite and public key");
  keys_show->add_option("--key", show.key, "Private key file (PEM)")->required();
  keys_show->footer("Example: tracectl keys show --key node.pem");
  keys_show->callback([&] { exit_code = cli::keys_show(show, std::cout, std::cerr); });

  // init
  cli::InitOptions init;
  std::string init_suite = std::string(suite_name(tracechain::crypto::kDefaultSuite));
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
  testnet->require_subcommand(1);
  cli::TestnetOptions testnet_options;
  std::string testnet_suite = std::string(suite_name(tracechain::crypto::kDefaultSuite));
  auto* testnet_init = testnet->add_subcommand(
      "init", "Create N validator homes on loopback with a consortium CA and demo participants");
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
  testnet_init->footer("Example: tracectl testnet init --validators 4 --out ./testnet");
  testnet_init->callback([&] {
    testnet_options.suite = suite_or_default(testnet_suite);
    exit_code = cli::testnet_init(testnet_options, std::cout, std::cerr);
  });

  // join
  cli::JoinOptions join;
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
  cli::InspectOptions inspect;
  inspect.home = default_home();
  auto* inspect_command = app.add_subcommand(
      "inspect", "Show a stopped node's chain and height, read from its data directory");
  inspect_command->add_option("--home", inspect.home, "Node home")->capture_default_str();
  inspect_command->add_flag("--headers", inspect.headers, "List every header's hash");
  inspect_command->footer("Example: tracectl inspect --home ./testnet/node0 --headers");
  inspect_command->callback([&] { exit_code = cli::inspect(inspect, std::cout, std::cerr); });

  // demo
  std::string demo_suite = std::string(suite_name(tracechain::crypto::kDefaultSuite));
  cli::DemoOptions demo;
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

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  return exit_code;
}
