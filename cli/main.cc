// tracectl: the administrator's and auditor's command-line tool.
// This file and the *_command_line.cc files only parse the command line; the
// commands themselves live behind commands.h.
#include <CLI/CLI.hpp>

#include <sys/stat.h>

#include <iostream>
#include <string>
#include <vector>

#include "cli/command_line.h"
#include "cli/commands.h"

namespace {

// The arguments no option of the parsed (sub)commands took.
std::vector<std::string> unexpected_arguments(const CLI::App& app) {
  std::vector<std::string> out = app.remaining();
  for (const CLI::App* sub : app.get_subcommands()) {
    std::vector<std::string> more = unexpected_arguments(*sub);
    out.insert(out.end(), more.begin(), more.end());
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  namespace cli = tracechain::cli;
  // Homes, keys, data directories and backups it creates are its owner's
  // alone (directories 0700, files 0600).
  ::umask(077);
  CLI::App app{"tracectl: keys, transactions, verification and audit tools for a tracechain ledger"};
  app.set_version_flag("--version", "tracectl " TRACECHAIN_VERSION);
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
  } catch (const CLI::RequiredError& e) {
    // CLI11 checks required options before unexpected ones: a mistyped
    // option (--trad) would be reported as the missing one it meant.
    if (std::vector<std::string> extras = unexpected_arguments(app); !extras.empty()) {
      std::cerr << "tracectl: unknown option " << extras.front() << " (see --help)\n";
      return cli::kExitUsage;
    }
    return app.exit(e) == 0 ? 0 : cli::kExitUsage;
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
