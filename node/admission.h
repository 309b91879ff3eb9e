// Admission of transactions from the RPC and from peers into the mempool.
//
// Verifying a signature is the expensive step, so it runs on a pool of
// threads: a batch (an RPC batch, or one peer's transactions message) is
// split into one slice per thread, checked against the committed state of
// the last snapshot, and then queued in the batch's own order, so which of
// two transactions claiming one nonce wins never depends on thread timing.
// What was new is relayed to peers in as few messages as the frame size
// allows, and the replica is told that a transaction waits.
//
// Bounded: at most kMaxWaiting transactions wait for verification; entries
// beyond are refused ("node busy"), the batch's tail first.
//
// Thread-safety: every method may be called from any thread; `done` and the
// hooks are called on a pool thread (or the caller's, when nothing was
// taken).
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "node/mempool.h"
#include "node/wire.h"

namespace tracechain::node {

class Admission {
 public:
  static constexpr std::size_t kMaxWaiting = 20'000;

  struct Hooks {
    // Send what was admitted (the encodings the mempool holds, shared, not
    // copied) to every peer but `except` (the one it came from).
    std::function<void(const std::vector<std::shared_ptr<const Bytes>>& transactions,
                       const std::string& except)>
        relay;
    // At least one transaction entered the mempool.
    std::function<void()> waiting;
  };

  Admission(Mempool& mempool, ledger::VerifiedSignatures& verified, crypto::Suite suite,
            std::size_t max_frame_bytes, std::size_t threads, Hooks hooks);
  ~Admission();
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  // `done` gets one result per transaction, in order: its hash or why it was
  // refused.
  void submit(std::vector<Bytes> encoded, std::function<void(std::vector<Result<Digest>>)> done,
              const std::string& from_peer = {});

  // The committed state that checks run against (after every commit).
  void set_state(std::shared_ptr<const ledger::StateView> state, std::uint64_t height);

  // Waits for the verification threads to finish their work.
  void join();

 private:
  struct Batch;
  void finish(Batch& batch);

  Mempool& mempool_;
  ledger::VerifiedSignatures& verified_;
  crypto::Suite suite_;
  std::size_t max_frame_bytes_;
  std::size_t threads_;
  Hooks hooks_;
  boost::asio::thread_pool pool_;
  std::atomic<std::size_t> waiting_{0};
  std::mutex state_mutex_;
  std::shared_ptr<const ledger::StateView> state_;  // guarded by state_mutex_
  std::uint64_t height_ = 0;                        // guarded by state_mutex_
};

}  // namespace tracechain::node
