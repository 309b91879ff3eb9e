// A live single-validator node in the test process, with its RPC server on
// loopback ports chosen by the kernel, and a small HTTP / WebSocket client
// that talks to it the way a front-end does (signed requests included).
//
// The home is made by `tracectl init` (tracechain::cli::init): a genesis
// with the demo consortium, whose participants' keys are in <home>/keys.
//
// A LiveNode and its clients belong to one test thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "node/node.h"
#include "node/rpc/server.h"
#include "tests/support/temp_dir.h"

namespace tracechain::test {

using Json = nlohmann::json;

struct HttpReply {
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // names in lower case

  Json json() const { return Json::parse(body); }
};

// One request on a fresh connection (Connection: close).
HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {});

// The three X-Tracechain-* headers signing `request` ("POST /") with `body`
// for node `audience` of chain `chain_id`.
std::map<std::string, std::string> sign_request(const crypto::PrivateKey& key,
                                                const std::string& participant,
                                                const std::string& chain_id,
                                                const std::string& audience,
                                                const std::string& request, const std::string& body,
                                                std::optional<std::uint64_t> timestamp_ms = {});

std::uint64_t now_ms();

// The "result" of a JSON-RPC reply (the test fails, showing the reply, when
// it has none).
Json result_of(const Json& reply);

// Runs `command` through the shell; its exit status and output (stdout and
// stderr together).
std::pair<int, std::string> run_command(const std::string& command);

class LiveNode {
 public:
  // `configure` may change the configuration before the node opens.
  explicit LiveNode(std::function<void(node::NodeConfig&)> configure = {});
  ~LiveNode();
  LiveNode(const LiveNode&) = delete;
  LiveNode& operator=(const LiveNode&) = delete;

  node::Node& node() { return *node_; }
  node::rpc::Server& server() { return *server_; }
  const node::NodeConfig& config() const { return config_; }
  const std::string& chain_id() const { return chain_id_; }
  const std::string& node_id() const { return config_.node.id; }
  std::uint16_t rpc_port() const { return server_->rpc_endpoint().port; }
  std::uint16_t metrics_port() const { return server_->metrics_endpoint().port; }
  const std::filesystem::path& home() const { return dir_.path(); }

  // A demo participant's key (exchange, regulator, provider-acme, buyer-bank,
  // buyer-abroad, reviewer-1, arbitrator-1, auditor-1, ...).
  const crypto::PrivateKey& key(const std::string& participant);

  // A signed transaction of `sender`, with a fresh nonce, expiring 500
  // blocks ahead.
  template <typename P>
  ledger::Transaction make(const std::string& sender, ledger::TxKind kind, const P& payload) {
    return make_raw(sender, kind, ledger::encode(payload));
  }
  ledger::Transaction make_raw(const std::string& sender, ledger::TxKind kind, Bytes payload);

  // JSON-RPC call over HTTP; signed by `as` when given. Returns the whole
  // response object.
  Json call(const std::string& method, const Json& params = Json::object(),
            const std::optional<std::string>& as = std::nullopt);
  HttpReply post(const std::string& body, const std::optional<std::string>& as = std::nullopt,
                 std::map<std::string, std::string> headers = {});

  // Submits over RPC and waits until committed; returns the hash.
  Digest commit(const ledger::Transaction& tx);
  // Waits until `tx_hash` is committed (fails the test after 15 s).
  void wait_committed(const Digest& tx_hash);

  // Applies a governance change: the exchange proposes it, the regulator
  // approves it (two of the three governors), both committed.
  void govern(const ledger::Change& change);

  // The scenario most tests read: provider-acme's asset "asset-1" (level 2),
  // trade-1 requested by buyer-bank and trade-2 by buyer-abroad, trade-1
  // accepted by the provider (so it is agreed and awaits review).
  void trade_scenario();
  Digest trade1_create_tx{};

 private:
  TempDir dir_;
  node::NodeConfig config_;
  std::string chain_id_;
  std::unique_ptr<node::Node> node_;
  std::unique_ptr<node::rpc::Server> server_;
  std::map<std::string, crypto::PrivateKey> keys_;
  std::uint64_t next_nonce_;
  int proposals_ = 0;
};

// A WebSocket client for tests, with bounded waits.
class WsClient {
 public:
  WsClient(std::uint16_t port, const std::map<std::string, std::string>& headers = {},
           const std::string& target = "/ws");
  void send(const std::string& text);
  // The next message, or nothing after `timeout` (the client is unusable then).
  std::optional<std::string> receive(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Sends a request and returns its reply, skipping notifications.
  Json call(const Json& request);
  // The close frame the node sent, once receive() found the connection closed.
  unsigned close_code() const { return ws_.reason().code; }
  std::string close_reason() const {
    const auto& reason = ws_.reason().reason;
    return std::string(reason.data(), reason.size());
  }

 private:
  boost::asio::io_context io_;
  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_{io_};
  std::vector<std::string> pending_;  // notifications read while waiting for a reply
};

}  // namespace tracechain::test
