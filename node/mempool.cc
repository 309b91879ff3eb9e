#include "node/mempool.h"

namespace tracechain::node {

// ------------------------------------------------------------------ Mempool

std::string Mempool::nonce_key(const ledger::Transaction& tx) {
  return tx.sender + "/" + std::to_string(tx.nonce);
}

Result<Digest> Mempool::admit(Bytes encoded, const ledger::StateView& state,
                              std::uint64_t next_height, crypto::Suite suite,
                              ledger::VerifiedSignatures& verified) {
  auto checked = check(std::move(encoded), state, next_height, suite, verified);
  if (!checked) return checked.error();
  return insert(std::move(*checked));
}

Result<ledger::AdmittedTxPtr> Mempool::check(Bytes encoded, const ledger::StateView& state,
                                             std::uint64_t next_height, crypto::Suite suite,
                                             ledger::VerifiedSignatures& verified) const {
  const std::size_t size = encoded.size();
  auto admitted = ledger::AdmittedTx::from_bytes(std::move(encoded), suite);
  if (!admitted) return admitted.error();
  const Digest& hash = admitted->hash;
  {
    std::lock_guard lock(mutex_);
    if (by_hash_.count(hash)) {
      return Error(ErrorCode::kConflict, "transaction " + to_hex(hash) + " is already waiting");
    }
    if (queue_.size() >= limits_.max_transactions || bytes_ + size > limits_.max_bytes) {
      return Error(ErrorCode::kResourceExhausted,
                   "mempool full (" + std::to_string(queue_.size()) + " transactions, " +
                       std::to_string(bytes_) + " bytes), retry");
    }
  }
  // The expensive part, outside the lock: every authentication check, the
  // signature included.
  ledger::RememberingChecker checker(verified);
  auto payload = ledger::authenticate(state, next_height, admitted->tx, hash, checker);
  if (!payload) return payload.error();
  admitted->payload = std::move(*payload);
  return std::make_shared<const ledger::AdmittedTx>(std::move(*admitted));
}

Result<Digest> Mempool::insert(ledger::AdmittedTxPtr checked) {
  TC_ASSERT(checked != nullptr);
  const ledger::Transaction& tx = checked->tx;
  const std::size_t size = checked->bytes->size();
  std::lock_guard lock(mutex_);
  if (by_hash_.count(checked->hash)) {
    return Error(ErrorCode::kConflict,
                 "transaction " + to_hex(checked->hash) + " is already waiting");
  }
  if (queue_.size() >= limits_.max_transactions || bytes_ + size > limits_.max_bytes) {
    return Error(ErrorCode::kResourceExhausted, "mempool full, retry");
  }
  if (!nonces_.insert(nonce_key(tx)).second) {
    return Error(ErrorCode::kConflict, "nonce " + std::to_string(tx.nonce) + " of '" + tx.sender +
                                           "' is taken by a waiting transaction");
  }
  Digest hash = checked->hash;
  bytes_ += size;
  queue_.push_back(std::move(checked));
  by_hash_.emplace(hash, std::prev(queue_.end()));
  return hash;
}

std::vector<ledger::AdmittedTxPtr> Mempool::take_candidates(std::size_t max_transactions,
                                                            std::size_t max_bytes) const {
  std::lock_guard lock(mutex_);
  std::vector<ledger::AdmittedTxPtr> out;
  std::size_t bytes = 0;
  for (const ledger::AdmittedTxPtr& entry : queue_) {
    const std::size_t size = entry->bytes->size();
    if (out.size() >= max_transactions || bytes + size > max_bytes) break;
    out.push_back(entry);
    bytes += size;
  }
  return out;
}

void Mempool::remove(const std::vector<Digest>& hashes) {
  std::lock_guard lock(mutex_);
  for (const Digest& hash : hashes) {
    auto it = by_hash_.find(hash);
    if (it == by_hash_.end()) continue;
    nonces_.erase(nonce_key((*it->second)->tx));
    bytes_ -= (*it->second)->bytes->size();
    queue_.erase(it->second);
    by_hash_.erase(it);
  }
}

std::size_t Mempool::reuse_admitted(std::span<ledger::AdmittedTxPtr> transactions) const {
  std::lock_guard lock(mutex_);
  std::size_t replaced = 0;
  for (ledger::AdmittedTxPtr& tx : transactions) {
    auto it = by_hash_.find(tx->hash);
    if (it == by_hash_.end()) continue;
    tx = *it->second;
    ++replaced;
  }
  return replaced;
}

bool Mempool::contains(const Digest& hash) const {
  std::lock_guard lock(mutex_);
  return by_hash_.count(hash) > 0;
}

std::size_t Mempool::size() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::size_t Mempool::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

}  // namespace tracechain::node
