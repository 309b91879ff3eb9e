#include "node/rpc/ws_session.h"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <algorithm>
#include <deque>
#include <map>

namespace tracechain::node::rpc {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

// Subscriptions one connection may hold.
constexpr std::size_t kMaxSubscriptions = 16;
// Outgoing messages queued for a client that is not reading; past either
// bound the client is disconnected.
constexpr std::size_t kMaxQueuedMessages = 1024;
constexpr std::size_t kMaxQueuedBytes = 32 * 1024 * 1024;

std::string notification(const std::string& subscription, std::string_view topic,
                         const Json& result) {
  return dump(
      Json{{"jsonrpc", "2.0"},
           {"method", "events_notification"},
           {"params", {{"subscription", subscription}, {"topic", topic}, {"result", result}}}});
}

class WsSession : public Session,
                  public Subscriptions,
                  public std::enable_shared_from_this<WsSession> {
 public:
  WsSession(beast::tcp_stream&& stream, std::shared_ptr<ServerContext> context, ConnectionSlot slot,
            std::optional<Caller> caller, std::string client)
      : executor_(stream.get_executor()),
        ws_(std::move(stream)),
        context_(std::move(context)),
        slot_(std::move(slot)),
        caller_(std::move(caller)),
        client_(std::move(client)) {}

  ~WsSession() override {
    if (!subscriptions_.empty()) {
      context_->metrics().subscriptions_changed(-static_cast<int>(subscriptions_.size()));
    }
  }

  void run(http::request<http::string_body> upgrade) {
    upgrade_ = std::move(upgrade);
    asio::dispatch(executor_, [self = shared_from_this()] { self->accept(); });
  }

  void close() override {
    asio::post(executor_, [self = shared_from_this()] { self->shut(); });
  }

  std::optional<Caller> caller() const override { return caller_; }

  // The caller's standing changed: no more answers or notifications with
  // the old identity; a close frame (1008, policy violation) says why.
  void revoke(std::string reason) override {
    asio::post(executor_, [self = shared_from_this(), reason = std::move(reason)]() mutable {
      if (self->closed_ || self->revoked_) return;
      self->revoked_ = true;
      self->close_reason_ = std::move(reason);
      // Drop what is queued, except a message being written.
      while (self->outbox_.size() > (self->writing_ ? 1u : 0u)) {
        self->queued_bytes_ -= self->outbox_.back().size();
        self->outbox_.pop_back();
      }
      if (!self->writing_) self->send_close();
    });
  }

  // ---------------------------------------------------------- Subscriptions

  std::string subscribe(Topic topic) override {
    std::lock_guard lock(mutex_);
    if (subscriptions_.size() >= kMaxSubscriptions) {
      throw RpcFailure(
          rpc_error::kLimitExceeded,
          "a connection holds at most " + std::to_string(kMaxSubscriptions) + " subscriptions",
          Json{{"limit", kMaxSubscriptions}});
    }
    std::string id = std::to_string(++last_subscription_);
    subscriptions_.emplace(id, topic);
    context_->metrics().subscriptions_changed(1);
    return id;
  }

  bool unsubscribe(std::string_view id) override {
    std::lock_guard lock(mutex_);
    if (subscriptions_.erase(std::string(id)) == 0) return false;
    context_->metrics().subscriptions_changed(-1);
    return true;
  }

  bool wants(Topic topic) const override {
    if (topic != Topic::kNewBlocks && !caller_) return false;  // the caller's own only
    std::lock_guard lock(mutex_);
    return std::any_of(subscriptions_.begin(), subscriptions_.end(),
                       [topic](const auto& entry) { return entry.second == topic; });
  }

  void on_commit(const std::shared_ptr<const CommitEvents>& events) override {
    std::vector<std::string> messages;
    {
      std::lock_guard lock(mutex_);
      for (const auto& [id, topic] : subscriptions_) {
        switch (topic) {
          case Topic::kNewBlocks:
            messages.push_back(notification(id, "newBlocks", events->block));
            break;
          case Topic::kTradeEvents:
            for (const CommitEvents::TradeEvent& e : events->trade_events) {
              if (!caller_) break;
              for (const std::string& party : e.parties) {
                if (party == caller_->id) {
                  messages.push_back(notification(id, "tradeEvents", e.event));
                  break;
                }
              }
            }
            break;
          case Topic::kReceipts:
            for (const CommitEvents::SentReceipt& r : events->receipts) {
              if (caller_ && r.sender == caller_->id) {
                messages.push_back(notification(id, "receipts", r.receipt));
              }
            }
            break;
        }
      }
    }
    if (messages.empty()) return;
    asio::post(executor_, [self = shared_from_this(), messages = std::move(messages)]() mutable {
      for (std::string& m : messages) self->send(std::move(m));
    });
  }

 private:
  void accept() {
    const RpcSection& config = context_->config();
    // The WebSocket's own timeouts take over from the TCP stream's.
    beast::get_lowest_layer(ws_).expires_never();
    websocket::stream_base::timeout timeout;
    timeout.handshake_timeout = std::chrono::milliseconds(config.request_timeout_ms);
    timeout.idle_timeout = std::chrono::milliseconds(config.idle_timeout_ms);
    timeout.keep_alive_pings = true;
    ws_.set_option(timeout);
    ws_.read_message_max(config.max_body_bytes);
    ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& response) {
      response.set(http::field::server, "tracechaind");
    }));
    ws_.async_accept(upgrade_, [self = shared_from_this()](beast::error_code ec) {
      self->upgrade_ = {};
      if (ec) return;
      self->read();
    });
  }

  void read() {
    if (closed_) return;
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->shut();
      self->on_message();
    });
  }

  void on_message() {
    std::string message = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (revoked_) return read();  // waiting for the client's close frame
    if (!context_->rate_limiter().take(client_, 1, RateLimiter::Clock::now())) {
      context_->metrics().count_rate_limited();
      send(Dispatcher::error_reply(rpc_error::kRateLimited,
                                   "rate limit: too many requests from " + client_));
      return read();
    }
    // The next message is read only once this one is answered: one request
    // in flight per connection.
    auto work = [self = shared_from_this(), message = std::move(message)] {
      std::string reply = self->context_->answer_ws(message, self->caller_, *self, self->client_);
      asio::post(self->executor_, [self, reply = std::move(reply)]() mutable {
        if (!reply.empty()) self->send(std::move(reply));
        self->read();
      });
    };
    if (!context_->post_work(std::move(work))) shut();
  }

  void send(std::string message) {
    if (closed_ || revoked_) return;
    queued_bytes_ += message.size();
    outbox_.push_back(std::move(message));
    if (outbox_.size() > kMaxQueuedMessages || queued_bytes_ > kMaxQueuedBytes) {
      // A client that does not read its messages is dropped rather than
      // buffered for without bound.
      return shut();
    }
    if (!writing_) write_next();
  }

  void write_next() {
    writing_ = true;
    ws_.text(true);
    ws_.async_write(asio::buffer(outbox_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      self->writing_ = false;
                      if (ec || self->closed_) return self->shut();
                      self->queued_bytes_ -= self->outbox_.front().size();
                      self->outbox_.pop_front();
                      if (self->revoked_) return self->send_close();
                      if (!self->outbox_.empty()) self->write_next();
                    });
  }

  // Sends the close frame of a revoked session; nothing is written after it.
  void send_close() {
    writing_ = true;
    ws_.async_close(
        websocket::close_reason(websocket::close_code::policy_error, close_reason_),
        [self = shared_from_this()](beast::error_code) { self->shut(); });
  }

  void shut() {
    if (closed_) return;
    closed_ = true;
    // The outbox stays: a write in progress still reads its front.
    boost::system::error_code ignored;
    beast::get_lowest_layer(ws_).socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(ws_).close();
  }

  asio::any_io_executor executor_;
  websocket::stream<beast::tcp_stream> ws_;
  std::shared_ptr<ServerContext> context_;
  ConnectionSlot slot_;
  const std::optional<Caller> caller_;
  const std::string client_;
  http::request<http::string_body> upgrade_;

  // On the strand.
  beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closed_ = false;
  bool revoked_ = false;
  std::string close_reason_;  // of a revoked session

  mutable std::mutex mutex_;
  std::map<std::string, Topic> subscriptions_;  // GUARDED_BY(mutex_)
  std::uint64_t last_subscription_ = 0;         // GUARDED_BY(mutex_)
};

}  // namespace

void serve_websocket(beast::tcp_stream stream, http::request<http::string_body> upgrade,
                     std::shared_ptr<ServerContext> context, ConnectionSlot slot,
                     std::optional<Caller> caller, std::string client) {
  auto session = std::make_shared<WsSession>(std::move(stream), context, std::move(slot),
                                             std::move(caller), std::move(client));
  context->add_session(session);
  session->run(std::move(upgrade));
}

}  // namespace tracechain::node::rpc
