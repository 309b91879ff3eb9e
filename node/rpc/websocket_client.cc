#include "node/rpc/websocket_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>

#include "node/rpc/client.h"

namespace tracechain::node::rpc {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

struct WebSocketClient::Impl {
  asio::io_context io;
  websocket::stream<beast::tcp_stream> ws{io};
  beast::flat_buffer buffer;
  std::deque<Json> notifications;
  std::uint64_t next_id = 1;
  std::string where;
  std::optional<Error> failed;  // set once the connection is unusable

  Error fail(const std::string& what, const beast::error_code& ec) {
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
    failed = Error(ErrorCode::kUnavailable, "WebSocket " + where + ": " + what + ": " +
                                                (ec == asio::error::timed_out ? "timed out" : ec.message()));
    return *failed;
  }

  // Runs the operation `start` begins until it completes or `deadline`
  // passes (then the socket is closed and the error is timed_out).
  template <class Start>
  beast::error_code run(Clock::time_point deadline, Start start) {
    beast::error_code result;
    bool done = false;
    start([&](beast::error_code ec, auto&&...) {
      result = ec;
      done = true;
    });
    io.restart();
    io.run_until(deadline);
    if (done) return result;
    beast::error_code ignored;
    beast::get_lowest_layer(ws).socket().close(ignored);
    io.restart();
    io.run();  // the aborted handler
    return asio::error::timed_out;
  }
};

Result<std::unique_ptr<WebSocketClient>> WebSocketClient::open(
    const std::string& host, std::uint16_t port,
    const std::vector<std::pair<std::string, std::string>>& headers, Clock::time_point deadline) {
  auto impl = std::make_unique<Impl>();
  impl->where = "ws://" + host + ":" + std::to_string(port) + "/ws";
  beast::error_code ec;
  tcp::resolver resolver(impl->io);
  auto endpoints = resolver.resolve(host, std::to_string(port), ec);
  if (ec) return impl->fail("cannot resolve " + host, ec);
  ec = impl->run(deadline, [&](auto handler) {
    beast::get_lowest_layer(impl->ws).async_connect(endpoints, std::move(handler));
  });
  if (ec) return impl->fail("cannot connect", ec);
  impl->ws.read_message_max(kMaxReplyBytes);
  impl->ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& request) {
    for (const auto& [name, value] : headers) request.set(name, value);
  }));
  websocket::response_type response;
  ec = impl->run(deadline, [&](auto handler) {
    impl->ws.async_handshake(response, host + ":" + std::to_string(port), "/ws", std::move(handler));
  });
  if (ec == websocket::error::upgrade_declined) {
    beast::error_code ignored;
    beast::get_lowest_layer(impl->ws).socket().close(ignored);
    Json body = Json::parse(response.body(), nullptr, false);
    std::string reason = body.is_object() && body.contains("error")
                             ? body["error"].value("message", "")
                             : "HTTP " + std::to_string(response.result_int());
    return Error(ErrorCode::kUnavailable, "WebSocket " + impl->where + " refused: " + reason);
  }
  if (ec) return impl->fail("no upgrade", ec);
  // The stream's own deadlines are the ones each operation sets.
  beast::get_lowest_layer(impl->ws).expires_never();
  return std::unique_ptr<WebSocketClient>(new WebSocketClient(std::move(impl)));
}

WebSocketClient::WebSocketClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebSocketClient::~WebSocketClient() = default;

void WebSocketClient::interrupt() {
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    beast::get_lowest_layer(impl->ws).socket().close(ignored);
  });
}

Result<WebSocketClient::Json> WebSocketClient::read_message(Clock::time_point deadline) {
  Impl& c = *impl_;
  if (c.failed) return *c.failed;
  beast::error_code ec =
      c.run(deadline, [&](auto handler) { c.ws.async_read(c.buffer, std::move(handler)); });
  if (ec) return c.fail("reading", ec);
  Json message = Json::parse(beast::buffers_to_string(c.buffer.data()), nullptr, false);
  c.buffer.consume(c.buffer.size());
  if (!message.is_object() && !message.is_array()) {
    return Error(ErrorCode::kIo, "WebSocket " + c.where + ": the node sent something not JSON");
  }
  return message;
}

Result<WebSocketClient::Json> WebSocketClient::call(std::string_view method, Json params,
                                                    Clock::time_point deadline) {
  Impl& c = *impl_;
  if (c.failed) return *c.failed;
  const std::uint64_t id = c.next_id++;
  const std::string request =
      Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}}.dump();
  beast::error_code ec = c.run(deadline, [&](auto handler) {
    c.ws.async_write(asio::buffer(request), std::move(handler));
  });
  if (ec) return c.fail("sending " + std::string(method), ec);
  while (true) {
    auto message = read_message(deadline);
    if (!message) return message.error();
    if (message->is_object() && message->value("method", "") == "events_notification") {
      c.notifications.push_back(std::move((*message)["params"]));
      continue;
    }
    if (!message->is_object() || message->value("id", Json()) != Json(id)) continue;
    if (auto error = message->find("error"); error != message->end() && error->is_object()) {
      return to_error(RpcError{error->value("code", 0), error->value("message", ""),
                               error->value("data", Json())});
    }
    if (auto result = message->find("result"); result != message->end()) return *result;
    return Error(ErrorCode::kIo, "WebSocket " + c.where + ": a reply with neither result nor error");
  }
}

Result<WebSocketClient::Json> WebSocketClient::next_notification(Clock::time_point deadline) {
  Impl& c = *impl_;
  while (c.notifications.empty()) {
    auto message = read_message(deadline);
    if (!message) return message.error();
    if (message->is_object() && message->value("method", "") == "events_notification") {
      c.notifications.push_back(std::move((*message)["params"]));
    }
  }
  Json next = std::move(c.notifications.front());
  c.notifications.pop_front();
  return next;
}

}  // namespace tracechain::node::rpc
