// tracectl: the administrator's and auditor's command-line tool.
// This file only parses the command line; the commands live in commands.h.
#include <CLI/CLI.hpp>

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
