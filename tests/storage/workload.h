// A realistic stream of ledger transactions for storage tests and the
// storage benchmark: identity attestations of every provider and buyer, asset
// registrations with approving source reviews, then many trades interleaved,
// each running create -> accept -> review -> deliver -> record-usage x k ->
// confirm -> settle (6 + k steps), with an occasional premature confirm that
// fails with a receipt, as real attempts do.
//
// Transactions are signed by the TestChain's keys with its nonces; the stream
// is deterministic for a given chain and options. Each trade advances at most
// one step per block, so a block of n transactions touches about n trades.
// Single-threaded.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <vector>

#include "tests/support/test_chain.h"

namespace tracechain::test {

struct WorkloadOptions {
  std::size_t assets_per_provider = 2;
  std::size_t usage_reports = 3;  // k: a trade has 6 + k steps
  // Every n-th trade has its buyer try to confirm right after acceptance
  // (a failed receipt on its trail); 0: never.
  std::size_t failed_attempt_every = 10;
  // Transactions of next(height, ...) expire at height + lifetime_blocks
  // (at most the policy's max_transaction_lifetime).
  std::uint64_t lifetime_blocks = 100;
};

class Workload {
 public:
  // Reads the participants (by role) from the chain's genesis.
  explicit Workload(TestChain& chain, WorkloadOptions options = {});

  // The transactions of the block at `height`, expiring lifetime_blocks later.
  std::vector<ledger::Transaction> next(std::uint64_t height, std::size_t count);

  std::size_t steps_per_trade() const { return 6 + options_.usage_reports; }
  std::uint64_t trades_started() const { return trades_started_; }
  std::uint64_t trades_settled() const { return trades_settled_; }
  // The id of the n-th trade (0-based) this workload starts.
  static std::string trade_id(std::uint64_t n);

 private:
  struct Asset {
    std::string id;
    std::string provider;
    Digest source_review{};
  };
  struct Trade {
    std::uint64_t n = 0;
    std::size_t asset = 0;
    std::string buyer;
    std::size_t step = 0;
    bool failed_attempt = false;
  };

  ledger::Transaction make(const std::string& sender, ledger::TxKind kind, const Bytes& payload);
  template <typename P>
  ledger::Transaction make(const std::string& sender, ledger::TxKind kind, const P& payload) {
    return make(sender, kind, ledger::encode(payload));
  }
  void queue_setup();
  // The trade's next step, advancing it; sets `done` when it was the last.
  ledger::Transaction step(Trade& trade, bool& done);

  TestChain& chain_;
  WorkloadOptions options_;
  std::uint64_t expiry_ = 0;
  std::vector<std::string> providers_;
  std::vector<std::string> buyers_;
  std::vector<std::string> reviewers_;
  std::string operator_;
  std::string attestor_;
  std::map<std::string, Digest> attestations_;  // participant -> attestation id
  std::vector<Asset> assets_;
  std::deque<ledger::Transaction> setup_;
  std::deque<Trade> active_;
  std::uint64_t trades_started_ = 0;
  std::uint64_t trades_settled_ = 0;
};

}  // namespace tracechain::test
