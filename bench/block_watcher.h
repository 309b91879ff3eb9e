// Watches a node's committed blocks over its WebSocket (events_subscribe to
// newBlocks) and records when each one was announced, by the bench's own
// steady clock: the commit time of every transaction the block holds.
//
// Thread-safety: the watcher reads on its own thread; every public method
// may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "crypto/result.h"
#include "node/rpc/client.h"

namespace tracechain::bench {

using Clock = std::chrono::steady_clock;

struct CommittedBlock {
  std::uint64_t height = 0;
  Clock::time_point seen;
  std::uint64_t transactions = 0;
  std::uint64_t failed = 0;
};

class BlockWatcher {
 public:
  // Connects and subscribes; returns once the subscription is confirmed.
  static Result<std::unique_ptr<BlockWatcher>> start(const node::rpc::Url& url);
  ~BlockWatcher();
  BlockWatcher(const BlockWatcher&) = delete;
  BlockWatcher& operator=(const BlockWatcher&) = delete;

  std::vector<CommittedBlock> blocks() const;
  // Transactions in the blocks seen so far.
  std::uint64_t transactions() const;
  // Set when the connection failed or closed, with the reason.
  std::optional<Error> failure() const;

  struct Impl;

 private:
  explicit BlockWatcher(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechain::bench
