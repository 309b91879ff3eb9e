#include "cli/remote.h"

#include <cstdlib>

namespace tracechain::cli {

std::string node_url(const RemoteOptions& options) {
  if (!options.node.empty()) return options.node;
  if (const char* env = std::getenv("TRACECHAIN_NODE"); env && *env) return env;
  return std::string(kDefaultNodeUrl);
}

std::optional<std::string> participant_of(const RemoteOptions& options) {
  if (!options.as.empty()) return options.as;
  if (options.key.empty()) return std::nullopt;
  return options.key.stem().string();
}

Result<crypto::PrivateKey> require_key(const RemoteOptions& options, std::string_view what) {
  if (options.key.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 std::string(what) + " needs --key FILE (the participant's private key)");
  }
  return crypto::PrivateKey::load(options.key);
}

Result<node::rpc::Client> connect(const RemoteOptions& options) {
  auto url = node::rpc::parse_url(node_url(options));
  if (!url) return url.error();
  node::rpc::Client::Options client_options;
  // Long reads (an audit, a report) outrun a node's default rate limit:
  // they wait for it rather than fail.
  client_options.rate_limit_patience = kRateLimitPatience;
  client_options.ca_file = options.ca.string();
  node::rpc::Client client(*url, client_options);
  if (!options.key.empty()) {
    auto key = crypto::PrivateKey::load(options.key);
    if (!key) return key.error();
    client.authenticate(*participant_of(options), std::move(*key));
  }
  return client;
}

}  // namespace tracechain::cli
