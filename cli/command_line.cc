#include "cli/command_line.h"

#include <CLI/CLI.hpp>

namespace tracechain::cli {

void add_remote_options(CLI::App& command, RemoteOptions& options) {
  command.add_option("--node", options.node,
                     "Node JSON-RPC URL (default $TRACECHAIN_NODE, else " +
                         std::string(kDefaultNodeUrl) + ")");
  command.add_option("--ca", options.ca,
                     "For an https node: the CA certificate (PEM) its certificate must chain to, "
                     "such as the consortium's (default: the system's trust store)");
  command.add_option("--key", options.key, "Participant private key (PEM) that signs");
  command.add_option("--as", options.as,
                     "Participant id of --key (default: the key file's name without extension)");
  command
      .add_option_function<std::string>(
          "--output",
          [&options](const std::string& format) {
            options.output = format == "json" ? OutputFormat::kJson : OutputFormat::kTable;
          },
          "table (for people, the default) or json (stable: docs/tracectl.md)")
      ->check(CLI::IsMember({"table", "json"}));
}

}  // namespace tracechain::cli
