// The ledger-wide Merkle log's nodes in the "log_nodes" column:
// crypto::MerkleNodeStore over a KvReader, with puts collected into a batch.
//
// Reads (proofs, roots at earlier sizes, reopening the log) go to the reader.
// Puts happen only while a block is being committed, and go into that
// block's KvBatch, so the nodes become visible atomically with the block;
// a put without a batch is a bug. The node value is the 32-byte digest.
//
// Reads are as thread-safe as the reader; a store with a batch belongs to the
// committing thread.
#pragma once

#include "crypto/merkle.h"
#include "storage/kv.h"

namespace tracechain::storage {

class LogNodeStore final : public crypto::MerkleNodeStore {
 public:
  // `reader` (and `batch`, if given) must outlive the store.
  explicit LogNodeStore(const KvReader& reader, KvBatch* batch = nullptr)
      : reader_(&reader), batch_(batch) {}

  // kNotFound if the node was never committed; kCorruption if it is not 32 bytes.
  Result<Digest> get(std::uint32_t level, std::uint64_t index) const override;
  void put(std::uint32_t level, std::uint64_t index, const Digest& hash) override;

 private:
  const KvReader* reader_;
  KvBatch* batch_;
};

}  // namespace tracechain::storage
