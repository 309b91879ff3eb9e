// What every BlockStore offers on top of its primitives: proof checking,
// trade trails with receipts, and the convenience openers.
#include "storage/block_store.h"

#include "storage/memory_kv.h"

namespace tracechain::storage {

Status verify_inclusion_proof(const crypto::MerkleHasher& hasher, const InclusionProof& proof,
                              const Digest& log_root) {
  return crypto::verify_inclusion(hasher, proof.leaf_index, proof.log_size,
                                  ledger::log_leaf_hash(hasher, proof.leaf), proof.path, log_root);
}

namespace {

// kInvalidInput unless `executed` is the result of executing transactions
// with exactly the hashes `hash_of(0..count-1)`, in order.
template <typename HashOf>
Status check_covers(std::uint64_t height, std::size_t count, HashOf&& hash_of,
                    const ledger::ExecutedBlock& executed) {
  auto invalid = [&](const std::string& message) {
    return Error(ErrorCode::kInvalidInput, "block " + std::to_string(height) + ": " + message);
  };
  if (executed.tx_hashes.size() != count) {
    return invalid("the execution result has " + std::to_string(executed.tx_hashes.size()) +
                   " transaction hashes for " + std::to_string(count) + " transactions");
  }
  for (std::size_t i = 0; i < count; ++i) {
    if (hash_of(i) != executed.tx_hashes[i]) {
      return invalid("the execution result's transaction " + std::to_string(i) +
                     " is not the block's");
    }
  }
  return {};
}

}  // namespace

Status BlockStore::commit(const ledger::AdmittedBlock& block,
                          const ledger::CommitCertificate& certificate,
                          const ledger::ExecutedBlock& executed) {
  auto hash_of = [&](std::size_t i) { return block.transactions[i]->hash; };
  if (Status s = check_covers(block.header.height, block.transactions.size(), hash_of, executed);
      !s) {
    return s;
  }
  return commit(block.header, certificate, executed);
}

Status BlockStore::commit(const ledger::Block& block, const ledger::CommitCertificate& certificate,
                          const ledger::ExecutedBlock& executed) {
  auto hash_of = [&](std::size_t i) {
    return ledger::transaction_hash(params().suite, ledger::encode(block.transactions[i]));
  };
  if (Status s = check_covers(block.header.height, block.transactions.size(), hash_of, executed);
      !s) {
    return s;
  }
  return commit(block.header, certificate, executed);
}

Result<TradeTrailReceipts> BlockStore::trade_trail(std::string_view trade_id) const {
  auto snapshot = this->snapshot();
  if (!snapshot) return snapshot.error();
  return trade_trail(**snapshot, trade_id);
}

Result<TradeTrailReceipts> BlockStore::trade_trail(const StateSnapshot& snapshot,
                                                   std::string_view trade_id) const {
  // One snapshot for every state read, so the trail belongs to one height;
  // receipts never change once committed, so they are read directly.
  auto trail = ledger::trade_trail(snapshot, trade_id);
  if (!trail) return trail.error();

  TradeTrailReceipts out;
  out.height = snapshot.height();
  for (const ledger::TrailEntry& step : trail->steps) {
    auto receipt = receipt_at({step.height, step.index});
    if (!receipt) return receipt.error().with_context("trade '" + std::string(trade_id) + "'");
    if (receipt->tx_hash != step.tx_hash) {
      return Error(ErrorCode::kCorruption,
                   "trade '" + std::string(trade_id) + "': the receipt at height " +
                       std::to_string(step.height) + ", index " + std::to_string(step.index) +
                       " is not for the transaction its trail names");
    }
    out.steps.push_back(std::move(*receipt));
  }
  auto with_receipt = [&](const Digest& tx_hash) -> Result<ledger::Receipt> {
    auto receipt = this->receipt(tx_hash);
    if (!receipt) return receipt.error().with_context("trade '" + std::string(trade_id) + "'");
    return receipt;
  };
  auto registration = with_receipt(trail->registration.tx_hash);
  if (!registration) return registration.error();
  out.registration = std::move(*registration);
  for (const ledger::SourceReview& review : trail->source_reviews) {
    auto receipt = with_receipt(review.id);
    if (!receipt) return receipt.error();
    out.source_reviews.push_back(std::move(*receipt));
  }
  for (const ledger::Attestation& attestation : trail->attestations) {
    auto receipt = with_receipt(attestation.id);
    if (!receipt) return receipt.error();
    out.attestations.push_back(std::move(*receipt));
  }
  out.trail = std::move(*trail);
  return out;
}

Result<std::unique_ptr<BlockStore>> open_rocksdb_block_store(const std::filesystem::path& path,
                                                             const ledger::Genesis& genesis,
                                                             const StoreOptions& options,
                                                             const RocksDbOptions& rocksdb) {
  auto kv = open_rocksdb_kv(path, rocksdb);
  if (!kv) return kv.error();
  return open_block_store(std::move(*kv), genesis, options);
}

Result<std::unique_ptr<BlockStore>> open_memory_block_store(const ledger::Genesis& genesis) {
  return open_block_store(std::make_shared<MemoryKv>(), genesis);
}

}  // namespace tracechain::storage
