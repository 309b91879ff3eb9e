// A blocking JSON-RPC client over a node's WebSocket (GET /ws): calls, and
// the notifications of the subscriptions they open, in the order the node
// sent them. Made by Client::websocket(), which signs the upgrade request as
// the client's participant; tracectl waits for receipts with it, the
// benchmark watches blocks with it.
//
// Every operation has a deadline. A connection that times out or fails is
// closed, and every later operation fails at once (kUnavailable): open a new
// one. Thread-safety: none, except interrupt().
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/result.h"

namespace tracechain::node::rpc {

// A reply (or WebSocket message) larger than this is refused rather than
// buffered; a verifiable receipt or a block of the largest size is well below.
inline constexpr std::size_t kMaxReplyBytes = 256 * 1024 * 1024;

class WebSocketClient {
 public:
  using Clock = std::chrono::steady_clock;
  using Json = nlohmann::json;

  // Connects to host:port and upgrades, with `headers` on the upgrade
  // request; a refused upgrade names the node's reason.
  static Result<std::unique_ptr<WebSocketClient>> open(
      const std::string& host, std::uint16_t port,
      const std::vector<std::pair<std::string, std::string>>& headers, Clock::time_point deadline);
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // One call: its result, or the node's error (see to_error in client.h).
  // Notifications that arrive first are kept for next_notification().
  Result<Json> call(std::string_view method, Json params, Clock::time_point deadline);

  // The params of the next events_notification ({subscription, topic,
  // result}), waiting for it until `deadline` (then kUnavailable, with
  // "timed out").
  Result<Json> next_notification(Clock::time_point deadline);

  // Closes the connection from any thread: a wait in progress returns
  // kUnavailable.
  void interrupt();

 private:
  struct Impl;
  explicit WebSocketClient(std::unique_ptr<Impl> impl);
  Result<Json> read_message(Clock::time_point deadline);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechain::node::rpc
