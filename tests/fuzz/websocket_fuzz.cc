// WebSocket frames as a client sends them to /ws: after a fixed, valid
// upgrade request, the input is the byte stream of frames (masked, as a
// client's must be). Beast's server-side websocket::stream reads them with
// the node's message limit, as a WsSession does, and every complete message
// is answered by the RPC server's own code (ServerContext::answer_ws) over an
// in-memory store of the fixed chain's genesis, with a subscription table as
// a session keeps.
//
// Properties: nothing throws out of the server's code; every answer is empty
// (a notification) or one JSON value that is a JSON-RPC reply or a batch of
// them; the subscription table never holds more than its limit.
#include <boost/beast/_experimental/test/stream.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <map>
#include <nlohmann/json.hpp>

#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/rpc_backend.h"

using namespace tracechain;
namespace beast = boost::beast;
namespace websocket = beast::websocket;

namespace {

constexpr std::size_t kMaxSubscriptions = 16;  // as a WsSession

class Table final : public node::rpc::Subscriptions {
 public:
  std::string subscribe(Topic topic) override {
    if (topics_.size() >= kMaxSubscriptions) {
      throw node::rpc::RpcFailure(node::rpc::rpc_error::kLimitExceeded, "too many subscriptions");
    }
    std::string id = std::to_string(++last_);
    topics_.emplace(id, topic);
    return id;
  }
  bool unsubscribe(std::string_view id) override { return topics_.erase(std::string(id)) > 0; }
  std::size_t size() const { return topics_.size(); }

 private:
  std::map<std::string, Topic> topics_;
  std::uint64_t last_ = 0;
};

const std::string kUpgrade =
    "GET /ws HTTP/1.1\r\nHost: node\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  node::rpc::ServerContext& server = fuzz::rpc_context();
  boost::asio::io_context io;
  beast::test::stream client(io);
  beast::test::stream socket(io);
  socket.connect(client);
  socket.append(kUpgrade);
  socket.append(beast::string_view(reinterpret_cast<const char*>(data), size));
  client.close();  // the server reads end-of-stream after the input

  websocket::stream<beast::test::stream&> ws(socket);
  ws.read_message_max(server.config().max_body_bytes);
  beast::error_code ec;
  ws.accept(ec);
  if (ec) fuzz::fail("the fixed upgrade request was refused: " + ec.message());

  Table subscriptions;
  for (int messages = 0; messages < 256; ++messages) {
    beast::flat_buffer buffer;
    ws.read(buffer, ec);
    if (ec) break;  // a protocol error, the close frame or the end of input
    std::string message = beast::buffers_to_string(buffer.data());
    std::string answer = server.answer_ws(message, std::nullopt, subscriptions, "fuzz");
    fuzz::check(subscriptions.size() <= kMaxSubscriptions, "more subscriptions than the limit");
    if (answer.empty()) continue;
    auto reply = nlohmann::json::parse(answer, nullptr, false);
    fuzz::check(!reply.is_discarded(), "the answer is not JSON: " + answer);
    fuzz::check_json_rpc_reply(reply);
  }
  return 0;
}
