#include "tests/rpc/live_node.h"

#include <sys/wait.h>

#include <cstdio>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include <catch2/catch.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "ledger/payloads.h"
#include "node/log.h"
#include "node/rpc/auth.h"

namespace tracechain::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

Json result_of(const Json& reply) {
  INFO(reply.dump());
  REQUIRE(reply.contains("result"));
  return reply["result"];
}

HttpReply http_request(std::uint16_t port, const std::string& method, const std::string& target,
                       const std::string& body, const std::map<std::string, std::string>& headers) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(std::chrono::seconds(15));
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> request(http::string_to_verb(method), target, 11);
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(false);
  for (const auto& [name, value] : headers) request.set(name, value);
  if (!body.empty() || method == "POST") {
    if (request.find(http::field::content_type) == request.end()) {
      request.set(http::field::content_type, "application/json");
    }
    request.body() = body;
    request.prepare_payload();
  }
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  parser.skip(method == "HEAD");  // the answer to HEAD has headers only
  http::read(stream, buffer, parser);
  HttpReply reply;
  reply.status = parser.get().result_int();
  reply.body = parser.get().body();
  for (const auto& field : parser.get()) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    reply.headers[name] = std::string(field.value());
  }
  return reply;
}

std::map<std::string, std::string> sign_request(const crypto::PrivateKey& key,
                                                const std::string& participant,
                                                const std::string& chain_id,
                                                const std::string& audience,
                                                const std::string& request, const std::string& body,
                                                std::optional<std::uint64_t> timestamp_ms) {
  node::rpc::RpcRequestAuth auth;
  auth.chain_id = chain_id;
  auth.audience = audience;
  auth.request = request;
  auth.body_hash = crypto::hash(crypto::suite_hash(key.suite()), as_bytes(body));
  auth.timestamp_ms = timestamp_ms.value_or(now_ms());
  auth.participant = participant;
  Bytes signature = key.sign(node::rpc::request_signing_bytes(auth));
  return {{std::string(node::rpc::kParticipantHeader), participant},
          {std::string(node::rpc::kTimestampHeader), std::to_string(auth.timestamp_ms)},
          {std::string(node::rpc::kSignatureHeader), to_hex(signature)}};
}

// ---------------------------------------------------------------- LiveNode

LiveNode::LiveNode(std::function<void(node::NodeConfig&)> configure) {
  std::ostringstream out;
  std::ostringstream err;
  cli::InitOptions init;
  init.home = dir_.path();
  init.chain_id = "tracechain-rpc-test";
  REQUIRE(cli::init(init, out, err) == 0);
  chain_id_ = init.chain_id;

  auto loaded = node::load_config(dir_.path(), {}, {});
  REQUIRE(loaded.ok());
  config_ = *loaded;
  config_.p2p.listen = {"127.0.0.1", 0};
  config_.rpc.listen = {"127.0.0.1", 0};
  config_.rpc.metrics_listen = {"127.0.0.1", 0};
  config_.log.file = "";
  config_.log.level = "warn";
  config_.consensus.idle_block_interval_ms = 200;
  // Generous by default so that tests are not throttled; the rate test sets its own.
  config_.rpc.rate_per_second = 100'000;
  config_.rpc.rate_burst = 100'000;
  if (configure) configure(config_);

  // Warnings and errors only: the suite starts many nodes.
  node::log::Options log;
  log.level = "warn";
  REQUIRE(node::log::init(log).ok());
  auto opened = node::Node::open(config_);
  REQUIRE(opened.ok());
  node_ = std::move(*opened);
  server_ = std::make_unique<node::rpc::Server>(*node_, config_.rpc);
  REQUIRE(node_->start().ok());
  auto started = server_->start();
  if (!started) FAIL(started.error().message());

  std::random_device random;
  next_nonce_ = (std::uint64_t{random()} << 32) | random();
}

LiveNode::~LiveNode() {
  server_->stop();
  node_->stop();
}

const crypto::PrivateKey& LiveNode::key(const std::string& participant) {
  auto it = keys_.find(participant);
  if (it != keys_.end()) return it->second;
  auto key = crypto::PrivateKey::load(dir_.path() / "keys" / (participant + ".pem"));
  REQUIRE(key.ok());
  return keys_.emplace(participant, std::move(*key)).first->second;
}

ledger::Transaction LiveNode::make_raw(const std::string& sender, ledger::TxKind kind,
                                       Bytes payload) {
  ledger::Transaction tx;
  tx.chain_id = chain_id_;
  tx.sender = sender;
  tx.kind = kind;
  tx.payload = std::move(payload);
  tx.nonce = next_nonce_++;
  tx.expiry_height = node_->store().height() + 500;
  ledger::sign(tx, key(sender));
  return tx;
}

HttpReply LiveNode::post(const std::string& body, const std::optional<std::string>& as,
                         std::map<std::string, std::string> headers) {
  if (as) headers.merge(sign_request(key(*as), *as, chain_id_, node_id(), "POST /", body));
  return http_request(rpc_port(), "POST", "/", body, headers);
}

Json LiveNode::call(const std::string& method, const Json& params,
                    const std::optional<std::string>& as) {
  Json request = {{"jsonrpc", "2.0"}, {"id", 1}, {"method", method}, {"params", params}};
  HttpReply reply = post(request.dump(), as);
  INFO(method << " -> HTTP " << reply.status << " " << reply.body);
  REQUIRE((reply.status == 200 || reply.status == 401));
  return reply.json();
}

void LiveNode::wait_committed(const Digest& tx_hash) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!node_->store().locate(tx_hash)) {
    if (std::chrono::steady_clock::now() > deadline) {
      FAIL("transaction " << to_hex(tx_hash) << " not committed");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

Digest LiveNode::commit(const ledger::Transaction& tx) {
  Json reply = call("tx_submit", {{"tx", to_hex(ledger::encode(tx))}});
  INFO(reply.dump());
  REQUIRE(reply.contains("result"));
  Digest hash = *digest_from_hex(reply["result"]["hash"].get<std::string>());
  wait_committed(hash);
  return hash;
}

void LiveNode::govern(const ledger::Change& change) {
  std::string id = "proposal-" + std::to_string(++proposals_);
  commit(make("exchange", ledger::TxKind::kGovernancePropose,
              ledger::ProposePayload{id, change, node_->store().height() + 50}));
  commit(make("regulator", ledger::TxKind::kGovernanceApprove, ledger::ApprovePayload{id}));
}

void LiveNode::trade_scenario() {
  ledger::AssetRegisterPayload asset;
  asset.asset_id = "asset-1";
  asset.level = 2;
  commit(make("provider-acme", ledger::TxKind::kAssetRegister, asset));
  trade1_create_tx = commit(make("buyer-bank", ledger::TxKind::kTradeCreate,
                                 ledger::TradeCreatePayload{"trade-1", "asset-1", {}}));
  commit(make("buyer-abroad", ledger::TxKind::kTradeCreate,
              ledger::TradeCreatePayload{"trade-2", "asset-1", {}}));
  commit(make("provider-acme", ledger::TxKind::kTradeAccept, ledger::TradeAcceptPayload{"trade-1"}));
}

// ---------------------------------------------------------------- WsClient

WsClient::WsClient(std::uint16_t port, const std::map<std::string, std::string>& headers,
                   const std::string& target) {
  beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(10));
  beast::get_lowest_layer(ws_).connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
    for (const auto& [name, value] : headers) request.set(name, value);
  }));
  ws_.handshake("127.0.0.1", target);
}

void WsClient::send(const std::string& text) {
  ws_.text(true);
  ws_.write(asio::buffer(text));
}

std::optional<std::string> WsClient::receive(std::chrono::milliseconds timeout) {
  if (!pending_.empty()) {
    std::string first = std::move(pending_.front());
    pending_.erase(pending_.begin());
    return first;
  }
  beast::flat_buffer buffer;
  bool done = false;
  beast::error_code error;
  ws_.async_read(buffer, [&](beast::error_code ec, std::size_t) {
    done = true;
    error = ec;
  });
  io_.restart();
  io_.run_for(timeout);
  if (!done) {
    beast::get_lowest_layer(ws_).cancel();
    io_.restart();
    io_.run_for(std::chrono::seconds(1));
    return std::nullopt;
  }
  if (error) return std::nullopt;
  return beast::buffers_to_string(buffer.data());
}

Json WsClient::call(const Json& request) {
  send(request.dump());
  std::vector<std::string> notifications;
  for (int i = 0; i < 100; ++i) {
    auto message = receive();
    REQUIRE(message.has_value());
    Json reply = Json::parse(*message);
    if (reply.contains("id")) {
      pending_.insert(pending_.end(), notifications.begin(), notifications.end());
      return reply;
    }
    notifications.push_back(*message);
  }
  FAIL("no reply among 100 messages");
  return {};
}

std::pair<int, std::string> run_command(const std::string& command) {
  std::string output;
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return {-1, "cannot start: " + command};
  char buffer[4096];
  while (std::size_t n = std::fread(buffer, 1, sizeof(buffer), pipe)) output.append(buffer, n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace tracechain::test
