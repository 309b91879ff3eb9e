// The mempool: authenticated transactions waiting for a block, in arrival
// order, bounded by count and bytes.
//
// Admission runs every check the ledger calls authentication (decode,
// chain, suite, known active sender, role, nonce unused, expiry window,
// payload, signature) against the committed state, on the caller's thread
// (the node runs it on a verification thread pool). A transaction that
// passes is remembered as verified — its hash with the key that verified it
// — so that executing the block that includes it does not verify the
// signature again (ledger::VerifiedSignatures).
//
// When full, admission fails with kResourceExhausted ("mempool full, retry")
// instead of growing. A sender's nonce is taken by the first transaction
// that claims it; a second one with the same nonce is refused.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstring>
#include <deque>
#include <list>
#include <mutex>
#include <span>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ledger/execution.h"
#include "ledger/signature_cache.h"

namespace tracechain::node {

class Mempool {
 public:
  struct Limits {
    std::size_t max_transactions = 50'000;
    std::size_t max_bytes = 256 * 1024 * 1024;
  };

  explicit Mempool(Limits limits) : limits_(limits) {}

  // Decodes, authenticates against `state` as of the next height, verifies
  // the signature (remembering it in `verified`) and queues the transaction.
  // Returns its hash. kConflict for a transaction already waiting or a nonce
  // already claimed; kResourceExhausted when full; kInvalidInput with the
  // reason otherwise. The same as check() then insert().
  Result<Digest> admit(Bytes encoded, const ledger::StateView& state,
                       std::uint64_t next_height, crypto::Suite suite,
                       ledger::VerifiedSignatures& verified);

  // The two halves of admit(), so that a batch can be checked on many
  // threads and then queued in its own order (which entry of two that claim
  // the same nonce wins then does not depend on thread timing).
  // check(): every check but the nonce claim, the expensive ones outside the
  // lock; nothing is queued. The transaction is decoded and hashed here,
  // once: block building and the store use what this returns.
  Result<ledger::AdmittedTxPtr> check(Bytes encoded, const ledger::StateView& state,
                                      std::uint64_t next_height, crypto::Suite suite,
                                      ledger::VerifiedSignatures& verified) const;
  // insert(): queues a checked transaction unless it is already waiting, its
  // nonce is claimed or the pool is full.
  Result<Digest> insert(ledger::AdmittedTxPtr checked);

  // Up to `max_transactions` / `max_bytes` of the oldest waiting
  // transactions (shared, not copied).
  std::vector<ledger::AdmittedTxPtr> take_candidates(std::size_t max_transactions,
                                                     std::size_t max_bytes) const;

  // Forgets committed (or no longer valid) transactions.
  void remove(const std::vector<Digest>& hashes);

  // Replaces each of `transactions` that is waiting here (the same hash, so
  // the same bytes) by the pool's own value, which carries the payload
  // admission decoded; returns how many it replaced.
  std::size_t reuse_admitted(std::span<ledger::AdmittedTxPtr> transactions) const;

  bool contains(const Digest& hash) const;
  std::size_t size() const;
  std::size_t bytes() const;

 private:
  using Entry = std::list<ledger::AdmittedTxPtr>::iterator;
  static std::string nonce_key(const ledger::Transaction& tx);

  Limits limits_;
  mutable std::mutex mutex_;
  std::list<ledger::AdmittedTxPtr> queue_;  // arrival order
  std::unordered_map<Digest, Entry, ledger::DigestHasher> by_hash_;
  std::unordered_set<std::string> nonces_;  // "sender/nonce" claimed by a waiting transaction
  std::size_t bytes_ = 0;
};

}  // namespace tracechain::node
