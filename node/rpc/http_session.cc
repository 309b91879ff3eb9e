#include "node/rpc/http_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>

#include <charconv>

#include "ledger/checkpoint.h"
#include "node/rpc/static_files.h"
#include "node/rpc/ws_session.h"

namespace tracechain::node::rpc {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::string_view kJson = "application/json";
// Allowed by default for /readiness: a node one or two blocks behind its
// best peer is normal while blocks propagate.
constexpr std::uint64_t kDefaultMaxBlocksBehind = 2;
// How long a refused client's remaining bytes are read and dropped.
constexpr auto kLinger = std::chrono::seconds(1);
constexpr std::size_t kDrainChunk = 16 * 1024;
// The first read of a request takes at most this much.
constexpr std::size_t kFirstRead = 4 * 1024;

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

// The value of `name` in a query string "a=1&b=2" (no percent-decoding:
// every value the node reads from a query is plain ASCII).
std::optional<std::string> query_value(std::string_view query, std::string_view name) {
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) == name) {
      return std::string(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

std::optional<std::string> header(const http::request<http::string_body>& request,
                                  std::string_view name) {
  auto it = request.find(beast::string_view(name.data(), name.size()));
  if (it == request.end()) return std::nullopt;
  return std::string(it->value());
}

std::string_view view(beast::string_view text) { return {text.data(), text.size()}; }

// A JSON object with one "error" message, for non-RPC paths.
std::string plain_error(std::string_view message) { return dump(Json{{"error", message}}); }

class HttpSession : public Session, public std::enable_shared_from_this<HttpSession> {
 public:
  HttpSession(tcp::socket&& socket, std::shared_ptr<ServerContext> context, ConnectionSlot slot,
              Port port)
      : executor_(socket.get_executor()),
        stream_(std::move(socket)),
        context_(std::move(context)),
        slot_(std::move(slot)),
        port_(port) {
    boost::system::error_code ec;
    auto remote = stream_.socket().remote_endpoint(ec);
    client_ = ec ? std::string("unknown") : remote.address().to_string();
  }

  void run() {
    asio::dispatch(executor_, [self = shared_from_this()] { self->read_header(); });
  }

  void close() override {
    asio::post(executor_, [self = shared_from_this()] {
      if (self->handed_over_) return;
      boost::system::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
      self->stream_.close();
    });
  }

 private:
  const RpcSection& config() const { return context_->config(); }

  // Waits up to rpc.idle_timeout_ms for a request to begin; once its first
  // bytes are here, the whole header must follow within
  // rpc.header_timeout_ms, so a client trickling a header is cut early.
  void read_header() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(config().max_header_bytes));
    parser_->body_limit(config().max_body_bytes);
    if (buffer_.size() > 0) return read_rest_of_header();  // pipelined
    stream_.expires_after(std::chrono::milliseconds(config().idle_timeout_ms));
    stream_.async_read_some(buffer_.prepare(kFirstRead),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              if (ec) return self->finish();
                              self->buffer_.commit(n);
                              self->read_rest_of_header();
                            });
  }

  void read_rest_of_header() {
    stream_.expires_after(std::chrono::milliseconds(config().header_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&HttpSession::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    const auto& request = parser_->get();
    auto expect = request.find(http::field::expect);
    if (expect != request.end() && iequals_prefix(view(expect->value()), "100-continue")) {
      // curl and others wait for this before sending a large body.
      auto interim = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                        request.version());
      stream_.expires_after(std::chrono::milliseconds(config().request_timeout_ms));
      http::async_write(stream_, *interim,
                        [self = shared_from_this(), interim](beast::error_code e, std::size_t) {
                          if (e) return self->finish();
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    stream_.expires_after(std::chrono::milliseconds(config().request_timeout_ms));
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&HttpSession::on_body, shared_from_this()));
  }

  void on_body(beast::error_code ec, std::size_t) {
    if (ec) return on_read_error(ec);
    handle();
  }

  void on_read_error(beast::error_code ec) {
    if (parser_ && parser_->is_header_done()) version_ = parser_->get().version();
    if (ec == http::error::body_limit) {
      return respond(413,
                     Dispatcher::error_reply(rpc_error::kLimitExceeded,
                                             "request body larger than " +
                                                 std::to_string(config().max_body_bytes) +
                                                 " bytes (rpc.max_body_bytes)"),
                     true);
    }
    if (ec == http::error::header_limit) {
      return respond(
          431,
          plain_error("request header larger than " + std::to_string(config().max_header_bytes) +
                      " bytes (rpc.max_header_bytes)"),
          true);
    }
    // A malformed request gets a 400; timeouts, resets and a client that
    // simply left just close.
    if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message) {
      return respond(400, plain_error("malformed HTTP request: " + ec.message()), true);
    }
    finish();
  }

  void finish() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  void handle() {
    const auto& request = parser_->get();
    keep_alive_ = request.keep_alive();
    version_ = request.version();
    std::string_view target = view(request.target());
    std::size_t question = target.find('?');
    std::string path(target.substr(0, question));
    std::string query(question == std::string_view::npos ? std::string_view()
                                                         : target.substr(question + 1));
    origin_ = header(request, "Origin").value_or("");
    http::verb method = request.method();

    if (port_ == Port::kMetrics) {
      if (path != "/metrics") return respond(404, plain_error("the metrics port serves /metrics"));
      if (method != http::verb::get) return not_allowed("GET");
      content_type_ = "text/plain; version=0.0.4; charset=utf-8";
      return respond(200, context_->metrics().render(context_->backend().status(), witness_lags()));
    }
    if (method == http::verb::options) return preflight();
    if (!context_->rate_limiter().take(client_, 1, RateLimiter::Clock::now())) {
      context_->metrics().count_rate_limited();
      extra_headers_.emplace_back("Retry-After",
                                  std::to_string(context_->rate_limiter().retry_after_seconds()));
      return respond(429, Dispatcher::error_reply(rpc_error::kRateLimited,
                                                  "rate limit: too many requests from " + client_ +
                                                      " (rpc.rate_per_second)"));
    }
    if (!config().console.empty() && (is_static_path(path) || path + "/" == kConsolePath)) {
      if (method != http::verb::get && method != http::verb::head) return not_allowed("GET, HEAD");
      return static_file(path, method == http::verb::head);
    }
    if (path == "/") {
      if (method != http::verb::post) return not_allowed("POST, OPTIONS");
      return json_rpc(std::string(view(request.method_string())) + " " + path);
    }
    if (path == "/ws") {
      if (method != http::verb::get) return not_allowed("GET");
      if (!beast::websocket::is_upgrade(request)) {
        return respond(426, plain_error("/ws is a WebSocket endpoint; send an upgrade request"));
      }
      return upgrade(query);
    }
    if (path == "/health") {
      if (method != http::verb::get) return not_allowed("GET");
      return health();
    }
    if (path == "/readiness") {
      if (method != http::verb::get) return not_allowed("GET");
      return readiness(query);
    }
    if (path == "/checkpoint") {
      if (method != http::verb::get) return not_allowed("GET");
      return checkpoint();
    }
    respond(404, plain_error("no such path: JSON-RPC is POST /, see docs/rpc.md"));
  }

  bool origin_allowed() const {
    for (const std::string& allowed : config().cors_origins) {
      if (allowed == "*" || allowed == origin_) return true;
    }
    return false;
  }

  void preflight() {
    if (origin_.empty() || !origin_allowed()) {
      return respond(403, plain_error("origin not allowed (rpc.cors_origins)"));
    }
    extra_headers_.emplace_back("Access-Control-Allow-Methods", "POST, GET, OPTIONS");
    extra_headers_.emplace_back("Access-Control-Allow-Headers",
                                "Content-Type, " + std::string(kParticipantHeader) + ", " +
                                    std::string(kTimestampHeader) + ", " +
                                    std::string(kSignatureHeader));
    extra_headers_.emplace_back("Access-Control-Max-Age", "600");
    respond(204, {});
  }

  void not_allowed(const std::string& allow) {
    extra_headers_.emplace_back("Allow", allow);
    respond(405, plain_error("method not allowed here; allowed: " + allow));
  }

  // How far behind each policy witness is; none when the state cannot be
  // read (the answer's other figures still matter).
  std::vector<WitnessLag> witness_lags() {
    Backend& backend = context_->backend();
    auto snapshot = backend.store().snapshot();
    if (!snapshot) return {};
    auto lags = node::witness_lags(backend.store(), **snapshot, backend.cosignatures());
    return lags ? std::move(*lags) : std::vector<WitnessLag>{};
  }

  void health() {
    if (!context_->running()) return respond(503, dump(Json{{"status", "stopping"}}));
    NodeStatus status = context_->backend().status();
    Json witnesses = Json::array();
    for (const WitnessLag& lag : witness_lags()) {
      witnesses.push_back({{"participant", lag.witness.participant},
                           {"behindEntries", lag.behind_entries},
                           {"behindSeconds", lag.behind_seconds ? Json(*lag.behind_seconds)
                                                                : Json(nullptr)}});
    }
    respond(200, dump(Json{{"status", "ok"}, {"height", status.height}, {"witnesses", witnesses}}));
  }

  // The latest checkpoint as a signed note, in text (docs/crypto.md,
  // "Checkpoints"), the way transparency-log tools fetch one.
  void checkpoint() {
    const std::uint64_t height = context_->backend().store().height();
    if (height == 0) return respond(404, plain_error("no block is committed yet"));
    auto signed_checkpoint = context_->backend().signed_checkpoint(height);
    if (!signed_checkpoint) {
      return respond(signed_checkpoint.error().code() == ErrorCode::kUnsupported ? 404 : 500,
                     plain_error(signed_checkpoint.error().message()));
    }
    content_type_ = "text/plain; charset=utf-8";
    respond(200, ledger::format_note(signed_checkpoint->note));
  }

  void readiness(std::string_view query) {
    std::uint64_t allowed = kDefaultMaxBlocksBehind;
    if (auto text = query_value(query, "maxBlocksBehind")) {
      auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), allowed);
      if (text->empty() || ec != std::errc() || end != text->data() + text->size()) {
        return respond(400, plain_error("maxBlocksBehind must be a whole number"));
      }
    }
    NodeStatus status = context_->backend().status();
    std::uint64_t behind =
        status.best_peer_height > status.height ? status.best_peer_height - status.height : 0;
    Json body = {{"height", status.height},      {"bestPeerHeight", status.best_peer_height},
                 {"blocksBehind", behind},       {"maxBlocksBehind", allowed},
                 {"peers", status.peers.size()}, {"syncing", status.syncing}};
    if (!context_->running()) {
      body["ready"] = false;
      body["reason"] = "the node is stopping";
      return respond(503, dump(body));
    }
    if (behind > allowed) {
      body["ready"] = false;
      body["reason"] = std::to_string(behind) + " blocks behind the best peer (height " +
                       std::to_string(status.height) + " against " +
                       std::to_string(status.best_peer_height) + "), more than " +
                       std::to_string(allowed) + " allowed";
      return respond(503, dump(body));
    }
    body["ready"] = true;
    respond(200, dump(body));
  }


  // A file of the web console (static_files.h), read on a worker thread.
  void static_file(const std::string& path, bool head_only) {
    if (!is_static_path(path)) {
      extra_headers_.emplace_back("Location", std::string(kConsolePath));
      return respond(301, {});
    }
    auto work = [self = shared_from_this(), path, head_only] {
      auto file = read_static_file(self->config().console, path);
      asio::post(self->executor_, [self, file = std::move(file), head_only]() mutable {
        if (!file) {
          unsigned status = file.error().code() == ErrorCode::kNotFound            ? 404
                            : file.error().code() == ErrorCode::kResourceExhausted ? 403
                                                                                   : 500;
          return self->respond(status, plain_error(file.error().message()));
        }
        self->content_type_ = std::move(file->content_type);
        self->extra_headers_.emplace_back("X-Content-Type-Options", "nosniff");
        self->extra_headers_.emplace_back("Content-Security-Policy",
                                          std::string(kConsoleContentSecurityPolicy));
        self->extra_headers_.emplace_back("Referrer-Policy", "no-referrer");
        self->extra_headers_.emplace_back("Cache-Control", "no-cache");
        self->respond(200, std::move(file->body), false, head_only);
      });
    };
    if (!context_->post_work(std::move(work))) {
      respond(503, plain_error("the node is stopping"), true);
    }
  }

  void json_rpc(std::string request_line) {
    auto& request = parser_->get();
    auto type = request.find(http::field::content_type);
    if (type == request.end() || !iequals_prefix(view(type->value()), kJson)) {
      return respond(
          415, Dispatcher::error_reply(rpc_error::kInvalidRequest,
                                       "invalid request: Content-Type must be application/json"));
    }
    auto work = [self = shared_from_this(), credentials = credentials_of(request),
                 body = std::move(request.body()), request_line = std::move(request_line)] {
      auto answer = self->context_->answer_http(credentials, request_line, body, self->client_);
      asio::post(self->executor_, [self, answer = std::move(answer)]() mutable {
        if (answer.status == 429) {
          self->extra_headers_.emplace_back(
              "Retry-After", std::to_string(self->context_->rate_limiter().retry_after_seconds()));
        }
        self->respond(answer.status, std::move(answer.body));
      });
    };
    if (!context_->post_work(std::move(work))) {
      respond(503, Dispatcher::error_reply(rpc_error::kInternal, "the node is stopping"), true);
    }
  }

  void upgrade(std::string_view query) {
    if (!origin_.empty() && !config().cors_origins.empty() && !origin_allowed()) {
      return respond(403, plain_error("origin not allowed (rpc.cors_origins)"));
    }
    auto request = parser_->release();
    Credentials found = credentials_of(request);
    if (!found.any()) {
      // Browsers cannot set headers on a WebSocket upgrade; they sign the
      // same statement and pass it in the query.
      found = {query_value(query, "participant"), query_value(query, "timestamp"),
               query_value(query, "signature")};
    }
    if (!found.any()) return hand_over(std::move(request), std::nullopt);
    auto shared_request = std::make_shared<http::request<http::string_body>>(std::move(request));
    auto work = [self = shared_from_this(), found, shared_request] {
      auto caller = self->context_->authenticate_upgrade(found, "GET /ws", self->client_);
      asio::post(self->executor_, [self, caller = std::move(caller), shared_request]() mutable {
        if (!caller) {
          return self->respond(
              401,
              Dispatcher::error_reply(rpc_error::kAuthenticationFailed,
                                      "authentication failed: " + caller.error().message()),
              true);
        }
        self->hand_over(std::move(*shared_request), std::move(*caller));
      });
    };
    if (!context_->post_work(std::move(work))) finish();
  }

  void hand_over(http::request<http::string_body> request, std::optional<Caller> caller) {
    handed_over_ = true;
    context_->metrics().count_http(101);
    serve_websocket(std::move(stream_), std::move(request), context_, std::move(slot_),
                    std::move(caller), client_);
  }

  // `head_only`: the headers `body` would have (its length included), and no
  // body, as HEAD asks.
  void respond(unsigned status, std::string body, bool close = false, bool head_only = false) {
    auto response = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(status), version_);
    response->set(http::field::server, "tracechaind");
    if (!body.empty()) response->set(http::field::content_type, content_type_);
    if (!origin_.empty() && origin_allowed()) {
      response->set(http::field::access_control_allow_origin, origin_);
      response->set(http::field::vary, "Origin");
    }
    for (const auto& [name, value] : extra_headers_) response->set(name, value);
    extra_headers_.clear();
    content_type_ = std::string(kJson);
    response->body() = std::move(body);
    response->keep_alive(keep_alive_ && !close);
    response->prepare_payload();
    if (head_only) response->body().clear();  // Content-Length stays the body's
    context_->metrics().count_http(status);
    bool end = !response->keep_alive();
    stream_.expires_after(std::chrono::milliseconds(config().request_timeout_ms));
    http::async_write(
        stream_, *response,
        [self = shared_from_this(), response, end, close](beast::error_code ec, std::size_t) {
          if (ec) return self->finish();
          if (close) return self->linger();
          if (end) return self->finish();
          self->read_header();
        });
  }

  // After refusing a request whose body may still be arriving (413, 431,
  // 400): stop sending, then read and discard for a moment before closing,
  // so that the kernel does not reset the connection (and lose the answer)
  // because unread bytes were waiting.
  void linger() {
    boost::system::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(kLinger);
    drain();
  }

  void drain() {
    stream_.async_read_some(buffer_.prepare(kDrainChunk),
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->stream_.close();
                              self->drain();
                            });
  }

  asio::any_io_executor executor_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<ServerContext> context_;
  ConnectionSlot slot_;
  Port port_;
  std::string client_;

  // Of the request being answered.
  bool keep_alive_ = true;
  unsigned version_ = 11;
  std::string origin_;
  std::string content_type_ = std::string(kJson);
  std::vector<std::pair<std::string, std::string>> extra_headers_;
  bool handed_over_ = false;
};

}  // namespace

Credentials credentials_of(const http::request<http::string_body>& request) {
  return {header(request, kParticipantHeader), header(request, kTimestampHeader),
          header(request, kSignatureHeader)};
}

void serve_http(tcp::socket socket, std::shared_ptr<ServerContext> context, ConnectionSlot slot,
                Port port) {
  auto session = std::make_shared<HttpSession>(std::move(socket), context, std::move(slot), port);
  context->add_session(session);
  session->run();
}

}  // namespace tracechain::node::rpc
