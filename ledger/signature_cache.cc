#include "ledger/signature_cache.h"

namespace tracechain::ledger {

void VerifiedSignatures::remember(const Digest& tx_hash, const Bytes& public_key) {
  std::lock_guard lock(mutex_);
  if (!keys_.insert_or_assign(tx_hash, public_key).second) return;
  order_.push_back(tx_hash);
  if (order_.size() > capacity_) {
    keys_.erase(order_.front());
    order_.pop_front();
  }
}

Status VerifiedSignatures::check(const Transaction& tx, const Digest& tx_hash,
                                 const crypto::PublicKey& key) const {
  {
    std::lock_guard lock(mutex_);
    auto it = keys_.find(tx_hash);
    // Only for the very key that verified it: after a key rotation the
    // transaction must verify again (and will not).
    if (it != keys_.end() && it->second == key.bytes()) {
      ++hits_;
      return {};
    }
  }
  return verify_signature(tx, key);
}

Status RememberingChecker::check(const Transaction& tx, const Digest& tx_hash,
                                 const crypto::PublicKey& key) const {
  Status status = verified_.check(tx, tx_hash, key);
  if (status) verified_.remember(tx_hash, key.bytes());
  return status;
}

}  // namespace tracechain::ledger
