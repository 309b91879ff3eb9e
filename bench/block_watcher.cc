#include "bench/block_watcher.h"

#include <mutex>
#include <thread>

#include "node/rpc/websocket_client.h"

namespace tracechain::bench {

using Json = node::rpc::Json;

struct BlockWatcher::Impl {
  std::unique_ptr<node::rpc::WebSocketClient> ws;
  std::thread thread;

  mutable std::mutex mutex;
  std::vector<CommittedBlock> blocks;  // guarded by mutex
  std::uint64_t transactions = 0;      // guarded by mutex
  std::optional<Error> failure;        // guarded by mutex

  void watch() {
    while (true) {
      auto notification = ws->next_notification(Clock::now() + std::chrono::hours(24 * 365));
      Clock::time_point seen = Clock::now();
      std::lock_guard lock(mutex);
      if (!notification) {
        failure = notification.error().with_context("block subscription");
        return;
      }
      const Json& result = (*notification)["result"];
      CommittedBlock block{result.value("height", std::uint64_t{0}), seen,
                           result.value("transactionCount", std::uint64_t{0}),
                           result.value("failedCount", std::uint64_t{0})};
      blocks.push_back(block);
      transactions += block.transactions;
    }
  }
};

Result<std::unique_ptr<BlockWatcher>> BlockWatcher::start(const node::rpc::Url& url) {
  auto impl = std::make_unique<Impl>();
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  auto ws = node::rpc::WebSocketClient::open(url.host, url.port, {}, deadline);
  if (!ws) return ws.error();
  impl->ws = std::move(*ws);
  auto subscribed = impl->ws->call("events_subscribe", {{"topic", "newBlocks"}}, deadline);
  if (!subscribed) return subscribed.error().with_context("the newBlocks subscription");
  Impl* raw = impl.get();
  raw->thread = std::thread([raw] { raw->watch(); });
  return std::unique_ptr<BlockWatcher>(new BlockWatcher(std::move(impl)));
}

BlockWatcher::BlockWatcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

BlockWatcher::~BlockWatcher() {
  impl_->ws->interrupt();
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
