#include "bench/block_watcher.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <mutex>
#include <thread>

namespace tracechain::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Json = node::rpc::Json;

struct BlockWatcher::Impl {
  asio::io_context io;
  beast::websocket::stream<tcp::socket> ws{io};
  beast::flat_buffer buffer;
  std::thread thread;

  mutable std::mutex mutex;
  std::vector<CommittedBlock> blocks;  // guarded by mutex
  std::uint64_t transactions = 0;      // guarded by mutex
  std::optional<Error> failure;        // guarded by mutex

  void fail(const std::string& why) {
    std::lock_guard lock(mutex);
    if (!failure) failure = Error(ErrorCode::kUnavailable, "block subscription: " + why);
  }

  void read_next() {
    ws.async_read(buffer, [this](beast::error_code ec, std::size_t) {
      Clock::time_point seen = Clock::now();
      if (ec) {
        fail(ec.message());
        return;
      }
      Json message = Json::parse(beast::buffers_to_string(buffer.data()), nullptr, false);
      buffer.consume(buffer.size());
      if (message.is_object() && message.value("method", "") == "events_notification") {
        const Json& result = message["params"]["result"];
        CommittedBlock block{result.value("height", std::uint64_t{0}), seen,
                             result.value("transactionCount", std::uint64_t{0}),
                             result.value("failedCount", std::uint64_t{0})};
        std::lock_guard lock(mutex);
        blocks.push_back(block);
        transactions += block.transactions;
      }
      read_next();
    });
  }
};

Result<std::unique_ptr<BlockWatcher>> BlockWatcher::start(const node::rpc::Url& url) {
  auto impl = std::make_unique<Impl>();
  try {
    tcp::resolver resolver(impl->io);
    asio::connect(impl->ws.next_layer(), resolver.resolve(url.host, std::to_string(url.port)));
    impl->ws.handshake(url.host + ":" + std::to_string(url.port), "/ws");
    Json subscribe = {{"jsonrpc", "2.0"},
                      {"id", 1},
                      {"method", "events_subscribe"},
                      {"params", {{"topic", "newBlocks"}}}};
    impl->ws.write(asio::buffer(subscribe.dump()));
    impl->ws.read(impl->buffer);
    Json answer = Json::parse(beast::buffers_to_string(impl->buffer.data()), nullptr, false);
    impl->buffer.consume(impl->buffer.size());
    if (!answer.is_object() || !answer.contains("result")) {
      return Error(ErrorCode::kUnavailable, "newBlocks subscription refused: " + answer.dump());
    }
  } catch (const boost::system::system_error& e) {
    return Error(ErrorCode::kUnavailable,
                 "cannot subscribe to blocks at " + url.to_string() + "/ws: " + e.what());
  }
  Impl* raw = impl.get();
  raw->read_next();
  raw->thread = std::thread([raw] { raw->io.run(); });
  return std::unique_ptr<BlockWatcher>(new BlockWatcher(std::move(impl)));
}

BlockWatcher::BlockWatcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BlockWatcher::~BlockWatcher() {
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->ws.next_layer().close(ignored);
  });
  impl_->thread.join();
}

std::vector<CommittedBlock> BlockWatcher::blocks() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->blocks;
}

std::uint64_t BlockWatcher::transactions() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->transactions;
}

std::optional<Error> BlockWatcher::failure() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->failure;
}

}  // namespace tracechain::bench
