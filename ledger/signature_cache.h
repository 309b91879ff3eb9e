// Signatures already verified, so that a transaction is verified once per
// process: the node remembers what admission verified, so that executing the
// block that includes it does not verify again; the auditor verifies a
// block's signatures on several threads ahead of executing it.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstring>
#include <deque>
#include <mutex>
#include <unordered_map>

#include "ledger/execution.h"

namespace tracechain::ledger {

struct DigestHasher {
  std::size_t operator()(const Digest& d) const {
    std::size_t h = 0;
    std::memcpy(&h, d.data(), sizeof(h));
    return h;
  }
};

// Signatures already verified, keyed by transaction hash and the key that
// verified them. Bounded; the oldest are forgotten first.
class VerifiedSignatures final : public SignatureChecker {
 public:
  explicit VerifiedSignatures(std::size_t capacity = 200'000) : capacity_(capacity) {}

  void remember(const Digest& tx_hash, const Bytes& public_key);
  // Skips verification for a remembered (hash, key); verifies otherwise.
  Status check(const Transaction& tx, const Digest& tx_hash,
               const crypto::PublicKey& key) const override;
  std::size_t hits() const { return hits_; }

 private:
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::unordered_map<Digest, Bytes, DigestHasher> keys_;
  std::deque<Digest> order_;
  mutable std::atomic<std::size_t> hits_{0};
};

// A signature checker that records what it verified into a VerifiedSignatures.
class RememberingChecker final : public SignatureChecker {
 public:
  explicit RememberingChecker(VerifiedSignatures& verified) : verified_(verified) {}
  Status check(const Transaction& tx, const Digest& tx_hash,
               const crypto::PublicKey& key) const override;

 private:
  VerifiedSignatures& verified_;
};

}  // namespace tracechain::ledger
