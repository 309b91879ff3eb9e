// The pieces of tracectl's command line, one per area, each adding its
// subcommands to the application. A subcommand's callback stores its
// command's exit code in `exit_code`.
#pragma once

namespace CLI {
class App;
}

#include "cli/remote.h"

namespace tracechain::cli {

// keys, init, testnet, join, inspect, demo
void add_setup_commands(CLI::App& app, int& exit_code);

// status, a command per transaction kind, trail, trades, asset history,
// attestations, receipt get
void add_chain_commands(CLI::App& app, int& exit_code);

// verify, verify-consistency, validator-changes, audit, backup (audit.h)
void add_audit_commands(CLI::App& app, int& exit_code);

// --node, --key, --as and --output (see remote.h) on `command`.
void add_remote_options(CLI::App& command, RemoteOptions& options);

}  // namespace tracechain::cli
