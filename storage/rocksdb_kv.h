// The RocksDB engine behind a node's block store: one database directory,
// one column family per Column (docs/storage.md), plus RocksDB's mandatory
// "default" family, which stays empty.
//
// Memory is bounded by the options below, whatever the database's size: data,
// index and filter blocks all live in one LRU block cache, memtables share one
// write-buffer budget, and open table files are capped. Nothing here grows
// with the ledger.
//
// Thread-safe (RocksDB is). A snapshot keeps the database open until it is
// destroyed, even after the store's other owners are gone.
#pragma once

#include "storage/kv.h"

namespace tracechain::storage {

struct RocksDbOptions {
  std::size_t block_cache_bytes = std::size_t{64} << 20;
  std::size_t write_buffer_bytes = std::size_t{64} << 20;  // all memtables together
  int max_open_files = 512;
  int background_jobs = 2;
  // Create an empty database when `path` holds none; otherwise a missing
  // database is kNotFound.
  bool create_if_missing = true;
};

// Opens (or creates) the database at `path`. Refuses a directory holding a
// RocksDB database with other column families (not a tracechain database),
// and one locked by another process.
Result<std::shared_ptr<KvStore>> open_rocksdb_kv(const std::filesystem::path& path,
                                                 const RocksDbOptions& options = {});

// Opens the database at `path` read-only, as a RocksDB secondary instance
// whose own bookkeeping goes to `secondary_dir` (an empty scratch directory):
// it takes no lock and writes nothing under `path`, so it may read the
// database of a running node. It sees the whole batches the primary had
// written when it opened, and nothing later. Writes and checkpoints are refused.
Result<std::shared_ptr<KvStore>> open_rocksdb_secondary_kv(const std::filesystem::path& path,
                                                           const std::filesystem::path& secondary_dir,
                                                           const RocksDbOptions& options = {});

// Copies the checkpoint at `checkpoint_dir` into `data_dir`, which must not
// exist, durably: files are copied into a temporary sibling directory and
// fsynced, which is then renamed to `data_dir`. Opening `data_dir` afterwards
// runs the store's usual checks. (A checkpoint directory is itself a complete
// database and can also be opened in place.)
Status restore_checkpoint(const std::filesystem::path& checkpoint_dir,
                          const std::filesystem::path& data_dir);

}  // namespace tracechain::storage
