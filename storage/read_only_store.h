// A block store opened read-only (a RocksDB secondary instance with its
// scratch files in a temporary directory, removed on destruction): it reads
// a running node's database as safely as a stopped one's or a backup's.
//
// Not thread-safe to open or destroy; the store it holds is as thread-safe
// as any BlockStore.
#pragma once

#include <filesystem>
#include <memory>

#include "ledger/genesis.h"
#include "storage/block_store.h"
#include "storage/kv.h"

namespace tracechain::storage {

class ReadOnlyStore {
 public:
  static Result<ReadOnlyStore> open(const std::filesystem::path& db, const ledger::Genesis& genesis);
  ReadOnlyStore(ReadOnlyStore&&) noexcept = default;
  ReadOnlyStore& operator=(ReadOnlyStore&&) noexcept = default;
  ~ReadOnlyStore();

  const BlockStore& store() const { return *store_; }
  std::shared_ptr<KvStore> kv() const { return kv_; }

 private:
  ReadOnlyStore() = default;
  std::filesystem::path scratch_;
  std::shared_ptr<KvStore> kv_;
  std::unique_ptr<BlockStore> store_;
};

// Any database of the engine opened the same way, read-only, with no block
// store over it (a node's read log, for a backup).
class ReadOnlyKv {
 public:
  static Result<ReadOnlyKv> open(const std::filesystem::path& db);
  ReadOnlyKv(ReadOnlyKv&&) noexcept = default;
  ReadOnlyKv& operator=(ReadOnlyKv&&) noexcept = default;
  ~ReadOnlyKv();

  std::shared_ptr<KvStore> kv() const { return kv_; }

 private:
  ReadOnlyKv() = default;
  std::filesystem::path scratch_;
  std::shared_ptr<KvStore> kv_;
};

}  // namespace tracechain::storage
