// tracectl: the administrator's and auditor's command-line tool.
// This file and the *_command_line.cc files only parse the command line; the
// commands themselves live behind commands.h.
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <iostream>

#include "cli/command_line.h"
#include "cli/commands.h"

int main(int argc, char** argv) {
  namespace cli = tracechain::cli;
  // Homes, keys, data directories and backups it creates are its owner's
  // alone (directories 0700, files 0600).
  ::umask(077);
  CLI::App app{"tracectl: keys, transactions, verification and audit tools for a tracechain ledger"};
  app.require_subcommand(1);
  app.footer("Examples:\n"
             "  tracectl init --home ~/.tracechain\n"
             "  tracectl status --node http://127.0.0.1:26657\n"
             "  tracectl asset register --key keys/provider-acme.pem --asset weather-2026 ...\n"
             "  tracectl trail trade-1 --key keys/auditor-1.pem --genesis genesis.json\n"
             "  tracectl receipt get TX_HASH --key keys/buyer-bank.pem --out r.json\n"
             "  tracectl verify r.json --genesis genesis.json\n"
             "  tracectl audit verify --data-dir ~/.tracechain/data\n\n"
             "Every subcommand's --help has its own example. Exit codes: 0 ok, 1 verification "
             "failed, 2 usage or input error, 3 node unreachable.");

  int exit_code = 0;
  cli::add_setup_commands(app, exit_code);
  cli::add_audit_commands(app, exit_code);
  cli::add_chain_commands(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : cli::kExitUsage;
  } catch (const std::exception& e) {
    // A node's or a file's content of an unexpected shape.
    std::cerr << "tracectl: unexpected content: " << e.what() << "\n";
    return cli::kExitUsage;
  }
  return exit_code;
}
