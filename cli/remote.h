// What every tracectl command that talks to a node shares: where the node
// is, who is asking, and how results are printed.
//
//   --node URL       http://HOST:PORT of the node's JSON-RPC port; default
//                    $TRACECHAIN_NODE, else http://127.0.0.1:26657
//   --key FILE       the participant's private key (PEM); signs transactions
//                    and authenticated reads
//   --as ID          the participant id the key belongs to; default the key
//                    file's name without its extension (keys/buyer-bank.pem
//                    signs as buyer-bank)
//   --output FORMAT  table (for people) or json (stable, for programs)
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>

#include "crypto/result.h"
#include "crypto/signature.h"
#include "node/rpc/client.h"

namespace tracechain::cli {

enum class OutputFormat { kTable, kJson };

struct RemoteOptions {
  std::string node;  // empty: $TRACECHAIN_NODE or the default
  std::filesystem::path key;
  std::string as;
  std::filesystem::path ca;  // https: the CA the node's certificate chains to
  OutputFormat output = OutputFormat::kTable;
};

inline constexpr std::string_view kDefaultNodeUrl = "http://127.0.0.1:26657";
// How long a command waits, in a row, while the node's rate limit refuses it.
inline constexpr std::chrono::milliseconds kRateLimitPatience{60'000};

// The node URL the options name (flag, then environment, then default).
std::string node_url(const RemoteOptions& options);

// The participant id the options sign as: --as, else the key file's stem;
// std::nullopt without a key.
std::optional<std::string> participant_of(const RemoteOptions& options);

// A client for the node, authenticated when a key was given. Fails with
// kInvalidInput for a bad URL or key file; does not contact the node.
Result<node::rpc::Client> connect(const RemoteOptions& options);

// The key, or kInvalidInput saying that `what` needs --key.
Result<crypto::PrivateKey> require_key(const RemoteOptions& options, std::string_view what);

}  // namespace tracechain::cli
