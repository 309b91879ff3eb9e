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
  init_command
      ->add_option("--state-tree", init.state_tree,
                   "Found a chain whose headers commit to the state tree (format 2); false "
                   "founds one of format 1, without state proofs")
      ->capture_default_str();
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
  testnet_init
      ->add_option("--state-tree", testnet_options.state_tree,
                   "As for init: false founds a chain of format 1")
      ->capture_default_str();
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
      "join", "Create a node's home: its keys and a certificate request, then complete it");
  join_command->add_option("--home", join.home, "Home directory")->required();
  join_command->add_option("--node-id", join.node_id, "The new node's id (first step)");
  join_command->add_flag("--validator", join.validator,
                         "It will validate (once in the validator set); otherwise an observer");
  join_command->add_option("--suite", join.suite,
                           "The chain's signature suite, for the validator key (default "
                           "p256-sha256; with --genesis, the genesis's)");
  join_command->add_option("--p2p-listen", join.p2p_listen, "host:port for peers");
  join_command->add_option("--rpc-listen", join.rpc_listen, "host:port for JSON-RPC");
  join_command->add_option("--metrics-listen", join.metrics_listen, "host:port for metrics");
  join_command->add_option("--peer", join.peers, "A peer to dial, node-id@host:port (repeatable)");
  join_command->add_option("--certificate", join.certificate,
                           "Second step: the certificate the CA signed for this node");
  join_command->add_option("--ca-certificate", join.ca_certificate,
                           "Second step: the consortium CA's certificate (ca.pem)");
  join_command->add_option("--genesis", join.genesis, "The chain's genesis.json");
  join_command->add_option("--ca-dir", join.ca_dir,
                           "All at once, where the CA key is at hand (tests, testnets): the "
                           "directory with ca.pem and ca.key");
  join_command->footer(
      "Examples:\n"
      "  tracectl join --home ./node --node-id validator-4 --validator --peer validator-0@10.0.0.1:26656\n"
      "      (keys and config/tls/node.csr; send the request to the CA)\n"
      "  tracectl join --home ./node --certificate validator-4.pem --ca-certificate ca.pem \\\n"
      "      --genesis genesis.json\n"
      "  tracectl join --home ./node5 --genesis ./testnet/genesis.json --ca-dir ./testnet/ca \\\n"
      "      --node-id observer-1 --peer validator-0@127.0.0.1:26656");
  join_command->callback([&] {
    if (join.certificate.empty() && join.node_id.empty()) {
      std::cerr << "tracectl: join needs --node-id (first step) or --certificate (second)\n";
      exit_code = kExitUsage;
      return;
    }
    exit_code = cli::join(join, std::cout, std::cerr);
  });

  // ca
  auto* ca = app.add_subcommand("ca", "The consortium's certificate authority (kept offline)");
  ca->require_subcommand(1);
  static cli::CaInitOptions ca_init;
  auto* ca_init_command = ca->add_subcommand("init", "Create the consortium CA: ca.pem and ca.key");
  ca_init_command->add_option("--out", ca_init.out, "Directory for ca.pem and ca.key")->required();
  ca_init_command->add_option("--name", ca_init.name, "The CA's name")->capture_default_str();
  ca_init_command->footer("Example: tracectl ca init --out ./ca --name \"exchange consortium CA\"");
  ca_init_command->callback([&] { exit_code = cli::ca_init(ca_init, std::cout, std::cerr); });
  static cli::CaSignOptions ca_sign;
  auto* ca_sign_command =
      ca->add_subcommand("sign", "Issue a node's certificate from its request (tracectl join)");
  ca_sign_command->add_option("--ca", ca_sign.ca, "Directory with ca.pem and ca.key")->required();
  ca_sign_command->add_option("--csr", ca_sign.csr, "The node's certificate request")->required();
  ca_sign_command->add_option("--out", ca_sign.out, "Certificate file to write")->required();
  ca_sign_command->add_option("--days", ca_sign.days, "Validity")
      ->check(CLI::Range(1u, 3650u))
      ->capture_default_str();
  ca_sign_command->footer(
      "Example: tracectl ca sign --ca ./ca --csr validator-4.csr --out validator-4.pem");
  ca_sign_command->callback([&] { exit_code = cli::ca_sign(ca_sign, std::cout, std::cerr); });

  // genesis
  auto* genesis =
      app.add_subcommand("genesis", "Build a new chain's genesis from its founders' public keys");
  genesis->require_subcommand(1);
  static cli::GenesisNewOptions genesis_new;
  auto* new_command = genesis->add_subcommand("new", "Start a genesis file with no one in it");
  new_command->add_option("--out", genesis_new.out, "genesis.json to create")->required();
  new_command->add_option("--chain-id", genesis_new.chain_id, "Chain id")->required();
  new_command->add_option("--suite", genesis_new.suite, "Signature suite")
      ->check(CLI::Validator(suite_validator(), "SUITE"))
      ->capture_default_str();
  new_command->add_option("--time", genesis_new.time,
                          "Genesis time: Unix ms or YYYY-MM-DD[THH:MM:SSZ] (default now)");
  new_command->footer("Example: tracectl genesis new --out genesis.json --chain-id exchange-main");
  new_command->callback([&] { exit_code = cli::genesis_new(genesis_new, std::cout, std::cerr); });

  static cli::GenesisParticipantOptions participant;
  auto* participant_command =
      genesis->add_subcommand("add-participant", "List a founding participant by its public key");
  participant_command->add_option("--genesis", participant.genesis, "genesis.json")->required();
  participant_command->add_option("--id", participant.id, "Participant id")->required();
  participant_command
      ->add_option("--public-key", participant.public_key,
                   "Its public key: hex (tracectl keys show) or a PEM public key file")
      ->required();
  participant_command->add_option("--roles", participant.roles, "Roles, comma-separated")
      ->required();
  participant_command->add_option("--jurisdiction", participant.jurisdiction,
                                  "Two-letter ISO 3166 code, lower case")
      ->required();
  participant_command->footer(
      "Example: tracectl genesis add-participant --genesis genesis.json --id regulator \\\n"
      "           --public-key 04ab… --roles governor,auditor --jurisdiction cn");
  participant_command->callback(
      [&] { exit_code = cli::genesis_add_participant(participant, std::cout, std::cerr); });

  static cli::GenesisValidatorOptions validator;
  auto* validator_command =
      genesis->add_subcommand("add-validator", "List a founding validator by its public key");
  validator_command->add_option("--genesis", validator.genesis, "genesis.json")->required();
  validator_command->add_option("--id", validator.id, "Validator (node) id")->required();
  validator_command
      ->add_option("--public-key", validator.public_key,
                   "Its validator key: the hex tracectl join printed, or a PEM public key file")
      ->required();
  validator_command->add_option("--power", validator.power, "Voting power")->capture_default_str();
  validator_command->footer(
      "Example: tracectl genesis add-validator --genesis genesis.json --id validator-0 "
      "--public-key 04cd…");
  validator_command->callback(
      [&] { exit_code = cli::genesis_add_validator(validator, std::cout, std::cerr); });

  static cli::GenesisPolicyOptions policy;
  auto* policy_command = genesis->add_subcommand("set-policy", "Set the founding policy");
  policy_command->add_option("--genesis", policy.genesis, "genesis.json")->required();
  policy_command->add_option("--policy", policy.policy,
                             "A policy file (the form of genesis's policy: docs/ledger.md)");
  policy_command->add_option("--governance-threshold", policy.governance_threshold,
                             "Governor approvals a change needs");
  policy_command->footer(
      "Example: tracectl genesis set-policy --genesis genesis.json --governance-threshold 2");
  policy_command->callback(
      [&] { exit_code = cli::genesis_set_policy(policy, std::cout, std::cerr); });

  static cli::GenesisCheckOptions check;
  auto* check_command = genesis->add_subcommand(
      "check", "Check a genesis whole and print the hash every founder compares");
  check_command->add_option("--genesis", check.genesis, "genesis.json")->required();
  check_command->footer("Example: tracectl genesis check --genesis genesis.json");
  check_command->callback([&] { exit_code = cli::genesis_check(check, std::cout, std::cerr); });

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
