#include "cli/command_line.h"

#include <CLI/CLI.hpp>
#include <map>

namespace tracechain::cli {

void add_remote_options(CLI::App& command, RemoteOptions& options) {
  command.add_option("--node", options.node,
                     "Node JSON-RPC URL (default $TRACECHAIN_NODE, else " +
                         std::string(kDefaultNodeUrl) + ")");
  command.add_option("--key", options.key, "Participant private key (PEM) that signs");
  command.add_option("--as", options.as,
                     "Participant id of --key (default: the key file's name without extension)");
  command.add_option("--output", options.output, "table or json")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, OutputFormat>{{"table", OutputFormat::kTable},
                                              {"json", OutputFormat::kJson}},
          CLI::ignore_case))
      ->default_str("table");
}

}  // namespace tracechain::cli
