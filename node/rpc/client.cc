#include "node/rpc/client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <filesystem>
#include <thread>

#include "crypto/bytes.h"
#include "crypto/hash.h"
#include "node/rpc/auth.h"
#include "node/rpc/dispatcher.h"

namespace tracechain::node::rpc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

std::uint64_t unix_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

RpcError rpc_error_of(const Json& error) {
  RpcError out;
  if (auto code = error.find("code"); code != error.end() && code->is_number_integer()) {
    out.code = code->get<int>();
  }
  if (auto message = error.find("message"); message != error.end() && message->is_string()) {
    out.message = message->get<std::string>();
  }
  if (auto data = error.find("data"); data != error.end()) out.data = *data;
  return out;
}

Result<CallOutcome> outcome_of(const Json& reply) {
  if (!reply.is_object()) return Error(ErrorCode::kInvalidInput, "the node's reply is not an object");
  if (auto error = reply.find("error"); error != reply.end() && error->is_object()) {
    return CallOutcome(rpc_error_of(*error));
  }
  auto result = reply.find("result");
  if (result == reply.end()) {
    return Error(ErrorCode::kInvalidInput, "the node's reply has neither result nor error");
  }
  return CallOutcome(*result);
}

}  // namespace

Result<Url> parse_url(std::string_view text) {
  const std::string original(text);
  auto bad = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidInput,
                 "node URL '" + original + "': " + why +
                     " (expected http://HOST:PORT or https://HOST[:PORT])");
  };
  Url url;
  if (text.rfind("https://", 0) == 0) {
    url.tls = true;
    text.remove_prefix(8);
  } else if (text.rfind("http://", 0) == 0) {
    text.remove_prefix(7);
  } else if (text.find("://") != std::string_view::npos) {
    return bad("only http:// and https:// are spoken");
  }
  while (!text.empty() && text.back() == '/') text.remove_suffix(1);
  if (text.find('/') != std::string_view::npos) return bad("no path is allowed");
  auto colon = text.rfind(':');
  // An IPv6 literal's colons are inside its brackets.
  if (colon != std::string_view::npos && text.find(']') != std::string_view::npos &&
      colon < text.find(']')) {
    colon = std::string_view::npos;
  }
  if (url.tls && colon == std::string_view::npos && !text.empty()) {
    url.host = std::string(text);
    url.port = 443;
    if (url.host.size() > 2 && url.host.front() == '[' && url.host.back() == ']') {
      url.host = url.host.substr(1, url.host.size() - 2);
    }
    return url;
  }
  if (colon == std::string_view::npos || colon == 0) return bad("host and port are required");
  url.host = std::string(text.substr(0, colon));
  if (url.host.size() > 2 && url.host.front() == '[' && url.host.back() == ']') {
    url.host = url.host.substr(1, url.host.size() - 2);
  }
  const std::string_view port = text.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) {
    return bad("the port must be a number from 1 to 65535");
  }
  url.port = static_cast<std::uint16_t>(value);
  return url;
}

Error to_error(const RpcError& error) {
  ErrorCode code = ErrorCode::kInvalidInput;
  switch (error.code) {
    case rpc_error::kNotFound:
      code = ErrorCode::kNotFound;
      break;
    case rpc_error::kMempoolFull:
    case rpc_error::kRateLimited:
    case rpc_error::kLimitExceeded:
      code = ErrorCode::kResourceExhausted;
      break;
    case rpc_error::kTransactionRejected:
      code = error.data.is_object() && error.data.value("reason", "") == "duplicate"
                 ? ErrorCode::kConflict
                 : ErrorCode::kInvalidInput;
      break;
    case rpc_error::kInternal:
      code = ErrorCode::kIo;
      break;
    default:
      break;
  }
  return Error(code, error.message.empty() ? "error " + std::to_string(error.code) : error.message);
}

// One connection: plain TCP, or TLS over it for https (a fresh TLS stream
// per connection: a closed one cannot be reused).
struct Client::Connection {
  asio::io_context io;
  beast::tcp_stream stream{io};
  std::unique_ptr<asio::ssl::context> tls_context;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;
  bool open = false;

  beast::tcp_stream& tcp() { return tls ? tls->next_layer() : stream; }
  void close() {
    beast::error_code ignored;
    tcp().socket().close(ignored);
    open = false;
  }
};

namespace {

// The TLS client context of an https URL: TLS 1.2 or later, the server's
// certificate checked against `ca_file` or the system's store.
Result<std::unique_ptr<asio::ssl::context>> tls_client_context(const std::string& ca_file) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  beast::error_code ec;
  if (ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) return Error(ErrorCode::kIo, "the system's CA store: " + ec.message());
  } else {
    std::error_code exists_error;
    if (!std::filesystem::is_regular_file(ca_file, exists_error)) {
      return Error(ErrorCode::kInvalidInput, "CA certificate '" + ca_file + "': no such file");
    }
    context->load_verify_file(ca_file, ec);
    if (ec) {
      return Error(ErrorCode::kInvalidInput,
                   "CA certificate '" + ca_file + "': holds no PEM certificate (" +
                       ec.message() + ")");
    }
  }
  context->set_verify_mode(asio::ssl::verify_peer);
  return context;
}

}  // namespace

Client::Client(Url url) : Client(std::move(url), Options{}) {}
Client::Client(Url url, Options options)
    : url_(std::move(url)), options_(options), connection_(std::make_unique<Connection>()) {}
Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

void Client::authenticate(std::string participant, crypto::PrivateKey key) {
  signer_.emplace(std::move(participant), std::move(key));
}

Result<std::string> Client::exchange(const std::string& body, bool fresh) {
  Connection& c = *connection_;
  const auto unreachable = [&](const std::string& what, const beast::error_code& ec) {
    c.close();
    return Error(ErrorCode::kUnavailable,
                 "node " + url_.to_string() + " unreachable: " + what + ": " + ec.message());
  };
  beast::error_code ec;
  if (fresh || !c.open) {
    c.close();
    c.buffer.clear();
    if (url_.tls) {
      if (!c.tls_context) {
        auto context = tls_client_context(options_.ca_file);
        if (!context) return context.error();
        c.tls_context = std::move(*context);
      }
      c.tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(c.io, *c.tls_context);
      // The server name for virtual hosting, and the name its certificate
      // must carry.
      if (SSL_set_tlsext_host_name(c.tls->native_handle(), url_.host.c_str()) != 1) {
        return Error(ErrorCode::kInvalidInput, "'" + url_.host + "' cannot be sent as a TLS server name");
      }
      c.tls->set_verify_callback(asio::ssl::host_name_verification(url_.host));
    }
    tcp::resolver resolver(c.io);
    auto endpoints = resolver.resolve(url_.host, std::to_string(url_.port), ec);
    if (ec) return unreachable("cannot resolve " + url_.host, ec);
    c.tcp().expires_after(options_.timeout);
    c.tcp().async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
    c.io.restart();
    c.io.run();
    if (ec) return unreachable("cannot connect", ec);
    if (c.tls) {
      c.tls->async_handshake(asio::ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
      c.io.restart();
      c.io.run();
      if (ec) return unreachable("TLS handshake", ec);
    }
    c.open = true;
  }

  http::request<http::string_body> request{http::verb::post, "/", 11};
  request.set(http::field::host, url_.host);
  request.set(http::field::content_type, "application/json");
  request.keep_alive(true);
  auto headers = signed_headers("POST /", body);
  if (!headers) return headers.error();
  for (const auto& [name, value] : *headers) request.set(name, value);
  request.body() = body;
  request.prepare_payload();

  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxReplyBytes);
  c.tcp().expires_after(options_.timeout);
  auto write_then_read = [&](auto& stream) {
    http::async_write(stream, request, [&](beast::error_code e, std::size_t) {
      ec = e;
      if (e) return;
      http::async_read(stream, c.buffer, parser, [&](beast::error_code r, std::size_t) { ec = r; });
    });
  };
  if (c.tls) {
    write_then_read(*c.tls);
  } else {
    write_then_read(c.stream);
  }
  c.io.restart();
  c.io.run();
  if (ec) return unreachable("no answer", ec);
  auto& response = parser.get();
  if (!response.keep_alive()) c.close();
  const unsigned status = response.result_int();
  if (status == 204) return std::string();
  // JSON-RPC errors travel with 200, 401, 413 and 429; anything else without
  // a JSON body is a proxy's or a stopping node's answer.
  if (status != 200 && (response.body().empty() || response.body().front() != '{')) {
    return Error(status == 503 ? ErrorCode::kUnavailable : ErrorCode::kIo,
                 "node " + url_.to_string() + " answered HTTP " + std::to_string(status));
  }
  return std::move(response.body());
}

Result<std::vector<std::pair<std::string, std::string>>> Client::signed_headers(
    const std::string& request_line, const std::string& body) {
  std::vector<std::pair<std::string, std::string>> headers;
  if (!signer_) return headers;
  auto status = this->status();
  if (!status) return status.error();
  RpcRequestAuth auth;
  auth.chain_id = status->value("chainId", "");
  auth.audience = status->value("nodeId", "");
  auth.request = request_line;
  auth.body_hash = crypto::hash(crypto::suite_hash(signer_->second.suite()), as_bytes(body));
  auth.timestamp_ms = unix_ms();
  auth.participant = signer_->first;
  headers.emplace_back(kParticipantHeader, signer_->first);
  headers.emplace_back(kTimestampHeader, std::to_string(auth.timestamp_ms));
  headers.emplace_back(kSignatureHeader, to_hex(signer_->second.sign(request_signing_bytes(auth))));
  return headers;
}

Result<std::unique_ptr<WebSocketClient>> Client::websocket() {
  if (url_.tls) {
    return Error(ErrorCode::kUnavailable, "this client opens no WebSocket over https");
  }
  auto headers = signed_headers("GET /ws", "");
  if (!headers) return headers.error();
  return WebSocketClient::open(url_.host, url_.port, *headers,
                               std::chrono::steady_clock::now() + options_.timeout);
}

Result<std::string> Client::post(const std::string& body) {
  const bool was_open = connection_->open;
  auto reply = exchange(body, false);
  // A kept-alive connection the node has since closed fails at once: retry
  // once on a fresh one. (A signed request is signed anew: no replay.)
  if (!reply && was_open && reply.error().code() == ErrorCode::kUnavailable) {
    reply = exchange(body, true);
  }
  return reply;
}

Result<Json> Client::status() {
  if (status_) return *status_;
  Json request = {{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", "chain_getStatus"},
                  {"params", Json::object()}};
  // Unsigned: the status is public, and signing needs it.
  auto signer = std::exchange(signer_, std::nullopt);
  auto reply = post(request.dump());
  signer_ = std::move(signer);
  if (!reply) return reply.error();
  Json parsed = Json::parse(*reply, nullptr, false);
  auto outcome = outcome_of(parsed);
  if (!outcome) return outcome.error().with_context("node " + url_.to_string());
  if (auto* error = std::get_if<RpcError>(&*outcome)) return to_error(*error);
  status_ = std::get<Json>(*outcome);
  return *status_;
}

// Waiting for the node's rate limit: 250 ms, doubling up to 2 s, until
// the client's patience is spent without an answer in between.
class Client::Patience {
 public:
  explicit Patience(Client& client) : client_(client) {}

  // Sleeps before the next attempt; false once patience is spent.
  bool wait() {
    const auto limit = client_.options_.rate_limit_patience;
    if (waited_ + delay_ > limit) return false;
    std::this_thread::sleep_for(delay_);
    waited_ += delay_;
    ++client_.waits_.count;
    client_.waits_.total += delay_;
    delay_ = std::min(delay_ * 2, std::chrono::milliseconds(2'000));
    return true;
  }

  // An answer came: the next refusal starts afresh.
  void answered() {
    waited_ = std::chrono::milliseconds(0);
    delay_ = std::chrono::milliseconds(250);
  }

  Error spent() const {
    return Error(ErrorCode::kUnavailable,
                 "node " + client_.url_.to_string() + " kept refusing requests for its rate limit "
                 "(rpc.rate_per_second) for " + std::to_string(waited_.count()) +
                 " ms: " + (client_.last_rpc_error_ ? client_.last_rpc_error_->message : ""));
  }

 private:
  Client& client_;
  std::chrono::milliseconds waited_{0};
  std::chrono::milliseconds delay_{250};
};

bool Client::refused_for_rate() const {
  return last_rpc_error_ && last_rpc_error_->code == rpc_error::kRateLimited;
}

Result<Json> Client::call(std::string_view method, Json params) {
  Patience patience(*this);
  for (;;) {
    auto answer = call_once(method, params);
    if (answer || !refused_for_rate()) return answer;
    if (!patience.wait()) return patience.spent();
  }
}

Result<Json> Client::call_unsigned(std::string_view method, Json params) {
  auto signer = std::exchange(signer_, std::nullopt);
  auto answer = call(method, std::move(params));
  signer_ = std::move(signer);
  return answer;
}

Result<std::vector<CallOutcome>> Client::batch(
    const std::vector<std::pair<std::string, Json>>& calls) {
  Patience patience(*this);
  return batch_patiently(calls, patience);
}

Result<std::vector<CallOutcome>> Client::batch_patiently(
    const std::vector<std::pair<std::string, Json>>& calls, Patience& patience) {
  auto answers = batch_once(calls);
  if (answers) patience.answered();
  if (answers || !refused_for_rate()) return answers;
  if (!patience.wait()) return patience.spent();
  if (calls.size() == 1) return batch_patiently(calls, patience);
  // In halves: a batch may hold more requests than the node's whole burst.
  const auto middle = calls.begin() + static_cast<std::ptrdiff_t>(calls.size() / 2);
  auto first = batch_patiently({calls.begin(), middle}, patience);
  if (!first) return first.error();
  auto second = batch_patiently({middle, calls.end()}, patience);
  if (!second) return second.error();
  first->insert(first->end(), std::make_move_iterator(second->begin()),
                std::make_move_iterator(second->end()));
  return first;
}

Result<Json> Client::call_once(std::string_view method, const Json& params) {
  last_rpc_error_.reset();
  Json request = {{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", method},
                  {"params", params}};
  auto reply = post(request.dump());
  if (!reply) return reply.error();
  Json parsed = Json::parse(*reply, nullptr, false);
  if (parsed.is_discarded()) {
    return Error(ErrorCode::kIo, "node " + url_.to_string() + " answered something not JSON");
  }
  auto outcome = outcome_of(parsed);
  if (!outcome) return outcome.error().with_context("node " + url_.to_string());
  if (auto* error = std::get_if<RpcError>(&*outcome)) {
    last_rpc_error_ = *error;
    return to_error(*error);
  }
  return std::get<Json>(std::move(*outcome));
}

Result<std::vector<CallOutcome>> Client::batch_once(
    const std::vector<std::pair<std::string, Json>>& calls) {
  last_rpc_error_.reset();
  if (calls.empty()) return std::vector<CallOutcome>();
  const std::uint64_t first_id = next_id_;
  Json request = Json::array();
  for (const auto& [method, params] : calls) {
    request.push_back(
        {{"jsonrpc", "2.0"}, {"id", next_id_++}, {"method", method}, {"params", params}});
  }
  auto reply = post(request.dump());
  if (!reply) return reply.error();
  Json parsed = Json::parse(*reply, nullptr, false);
  if (parsed.is_object()) {
    // The whole batch was refused (too large, rate limited, authentication).
    auto outcome = outcome_of(parsed);
    if (outcome) {
      if (auto* error = std::get_if<RpcError>(&*outcome)) {
        last_rpc_error_ = *error;
        return to_error(*error);
      }
    }
  }
  if (!parsed.is_array()) {
    return Error(ErrorCode::kIo, "node " + url_.to_string() + " answered a batch with no array");
  }
  std::vector<std::optional<CallOutcome>> ordered(calls.size());
  for (const Json& entry : parsed) {
    auto id = entry.find("id");
    if (id == entry.end() || !id->is_number_unsigned()) continue;
    const std::uint64_t index = id->get<std::uint64_t>() - first_id;
    if (index >= calls.size()) continue;
    auto outcome = outcome_of(entry);
    if (outcome) ordered[index] = std::move(*outcome);
  }
  std::vector<CallOutcome> out;
  out.reserve(calls.size());
  for (auto& entry : ordered) {
    if (!entry) return Error(ErrorCode::kIo, "node " + url_.to_string() + " left a call unanswered");
    out.push_back(std::move(*entry));
  }
  return out;
}

ReceiptWaiter::ReceiptWaiter(Client& client) : client_(client) {
  auto socket = client_.websocket();
  if (!socket) {
    polling_because_ = socket.error().message();
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto subscribed = (*socket)->call("events_subscribe", {{"topic", "receipts"}}, deadline);
  if (!subscribed) {
    polling_because_ = "the receipts subscription was refused: " + subscribed.error().message();
    return;
  }
  socket_ = std::move(*socket);
}

Result<Json> ReceiptWaiter::wait(const std::string& hash, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  if (auto early = early_.find(hash); early != early_.end()) {
    Json receipt = std::move(early->second);
    early_.erase(early);
    return receipt;
  }
  while (socket_) {
    auto notification = socket_->next_notification(deadline);
    if (!notification) {
      if (std::chrono::steady_clock::now() >= deadline) break;
      // The connection failed: what it would have told, ask instead.
      polling_because_ = notification.error().message();
      socket_.reset();
      break;
    }
    if (notification->value("topic", "") != "receipts") continue;
    Json receipt = std::move((*notification)["result"]);
    std::string tx = receipt.is_object() ? receipt.value("txHash", "") : "";
    if (tx == hash) return receipt;
    if (early_.size() < 4096) early_.emplace(tx, std::move(receipt));
  }
  return poll(hash, deadline);
}

Result<Json> ReceiptWaiter::poll(const std::string& hash,
                                 std::chrono::steady_clock::time_point deadline) {
  while (true) {
    // Anonymous, so unsigned: a poll costs the node no signature check.
    auto status = client_.call_unsigned("tx_getStatus", {{"hash", hash}});
    if (!status) return status.error();
    if (status->value("committed", false)) return client_.call("tx_getReceipt", {{"hash", hash}});
    if (std::chrono::steady_clock::now() >= deadline) {
      return Error(ErrorCode::kUnavailable,
                   "transaction " + hash + " not committed in time; it may still be");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace tracechain::node::rpc
