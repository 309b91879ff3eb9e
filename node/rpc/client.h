// A blocking JSON-RPC client for tracechaind: what tracectl and the load
// generator speak to a node with.
//
// One Client holds one keep-alive HTTP connection and reopens it when the
// node closed it. Calls may be signed as a participant (docs/rpc.md,
// "Authentication"): the chain id and suite come from chain_getStatus, asked
// once. Every operation has a deadline; a node that cannot be reached or
// does not answer in time is ErrorCode::kUnavailable.
//
// Thread-safety: none; use one Client per thread.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "crypto/result.h"
#include "crypto/signature.h"
#include "node/rpc/websocket_client.h"

namespace tracechain::node::rpc {

using Json = nlohmann::json;

// http://host:port or https://host[:port] (443 by default), with an
// optional trailing "/". A node serves plain HTTP; https reaches it through
// the TLS-terminating proxy a consortium puts in front of it.
struct Url {
  std::string host;
  std::uint16_t port = 0;
  bool tls = false;

  std::string to_string() const {
    return (tls ? "https://" : "http://") + host + ":" + std::to_string(port);
  }
};
Result<Url> parse_url(std::string_view text);

// A JSON-RPC error object as the node sent it.
struct RpcError {
  int code = 0;
  std::string message;
  Json data;
};

// The ErrorCode a caller reacts to: not found, rejected or invalid input,
// mempool full (kResourceExhausted), not authorised (kInvalidInput).
Error to_error(const RpcError& error);

// The answer to one call of a batch.
using CallOutcome = std::variant<Json, RpcError>;

class Client {
 public:
  struct Options {
    std::chrono::milliseconds timeout{30'000};  // per HTTP exchange, connecting included
    // When the node's rate limit (rpc.rate_per_second) refuses a call or a
    // batch, wait and ask again, a batch in halves (so that one larger than
    // the node's burst still gets through), for up to this long in a row
    // without an answer; then kUnavailable. Zero: fail at once.
    std::chrono::milliseconds rate_limit_patience{0};
    // https: the CA certificates (PEM) the server's certificate must chain
    // to, such as the consortium's CA; empty: the system's trust store. The
    // certificate must also name the URL's host.
    std::string ca_file;
  };

  // How often and how long this client waited for the node's rate limit.
  struct RateLimitWaits {
    std::uint64_t count = 0;
    std::chrono::milliseconds total{0};
  };

  explicit Client(Url url);
  Client(Url url, Options options);
  ~Client();
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  const Url& url() const { return url_; }

  // Signs every later request as `participant` with `key`.
  void authenticate(std::string participant, crypto::PrivateKey key);

  // One call. An RPC error becomes an Error (see to_error) whose message is
  // the node's; rpc_error() then holds the original object.
  Result<Json> call(std::string_view method, Json params = Json::object());
  const std::optional<RpcError>& rpc_error() const { return last_rpc_error_; }
  // The same, never signed (for the anonymous methods: no key is needed and
  // the node verifies no signature).
  Result<Json> call_unsigned(std::string_view method, Json params = Json::object());

  // Many calls in one HTTP request; entry i answers calls[i]. Fails as a
  // whole only when the exchange itself fails.
  Result<std::vector<CallOutcome>> batch(
      const std::vector<std::pair<std::string, Json>>& calls);

  const RateLimitWaits& rate_limit_waits() const { return waits_; }

  // chain_getStatus, cached after the first successful call.
  Result<Json> status();

  // A WebSocket to the same node, its upgrade signed like every call once
  // authenticate() was called (subscriptions to the caller's own trade
  // events and receipts need that). Plain HTTP only: over https it fails,
  // and a ReceiptWaiter polls instead.
  Result<std::unique_ptr<WebSocketClient>> websocket();

 private:
  struct Connection;

  // The authentication headers of a request signed as the participant (none
  // before authenticate()).
  Result<std::vector<std::pair<std::string, std::string>>> signed_headers(
      const std::string& request_line, const std::string& body);

  class Patience;
  Result<Json> call_once(std::string_view method, const Json& params);
  Result<std::vector<CallOutcome>> batch_once(
      const std::vector<std::pair<std::string, Json>>& calls);
  Result<std::vector<CallOutcome>> batch_patiently(
      const std::vector<std::pair<std::string, Json>>& calls, Patience& patience);
  bool refused_for_rate() const;

  Result<std::string> post(const std::string& body);
  Result<std::string> exchange(const std::string& body, bool fresh);

  Url url_;
  Options options_;
  std::unique_ptr<Connection> connection_;
  std::optional<std::pair<std::string, crypto::PrivateKey>> signer_;
  std::optional<Json> status_;
  std::optional<RpcError> last_rpc_error_;
  RateLimitWaits waits_;
  std::uint64_t next_id_ = 1;
};

// Waits for the receipts of the transactions a participant sends: a
// WebSocket subscription to the node's "receipts" topic, opened before the
// transactions are submitted so that none is missed. Where the node cannot
// be reached by WebSocket (a proxy that does not pass upgrades), it falls
// back to asking tx_getStatus, an anonymous read that costs the node no
// signature verification, every 50 ms, and fetches the receipt once with
// the client's signature. Needs a client authenticated as the sender.
class ReceiptWaiter {
 public:
  explicit ReceiptWaiter(Client& client);
  // The receipt (tx_getReceipt's shape), or kUnavailable once `timeout`
  // passes, saying the transaction may still commit.
  Result<Json> wait(const std::string& hash, std::chrono::milliseconds timeout);
  // Why the waiter polls instead of listening; empty when it listens.
  const std::string& polling_because() const { return polling_because_; }

 private:
  Result<Json> poll(const std::string& hash, std::chrono::steady_clock::time_point deadline);
  Client& client_;
  std::unique_ptr<WebSocketClient> socket_;
  std::map<std::string, Json> early_;  // receipts of other transactions, seen while waiting
  std::string polling_because_;
};

}  // namespace tracechain::node::rpc
