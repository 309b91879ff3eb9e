#include "storage/read_only_store.h"

#include <cstdlib>

#include "storage/rocksdb_kv.h"

namespace tracechain::storage {

namespace fs = std::filesystem;

namespace {

Result<fs::path> make_scratch_dir() {
  std::string pattern = (fs::temp_directory_path() / "tracechain-read-only-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return Error(ErrorCode::kIo, "cannot create a temporary directory in " +
                                     fs::temp_directory_path().string());
  }
  return fs::path(pattern);
}

}  // namespace

Result<ReadOnlyStore> ReadOnlyStore::open(const fs::path& db, const ledger::Genesis& genesis) {
  auto scratch = make_scratch_dir();
  if (!scratch) return scratch.error();
  ReadOnlyStore opened;
  opened.scratch_ = *scratch;
  auto kv = open_rocksdb_secondary_kv(db, *scratch);
  if (!kv) return kv.error();
  opened.kv_ = *kv;
  StoreOptions options;
  options.initialise_if_empty = false;
  options.verify_depth = 1;  // callers verify what they need
  auto store = open_block_store(opened.kv_, genesis, options);
  if (!store) return store.error().with_context(db.string());
  opened.store_ = std::move(*store);
  return opened;
}

ReadOnlyStore::~ReadOnlyStore() {
  store_.reset();
  kv_.reset();
  if (!scratch_.empty()) {
    std::error_code ec;
    fs::remove_all(scratch_, ec);
  }
}

Result<ReadOnlyKv> ReadOnlyKv::open(const fs::path& db) {
  auto scratch = make_scratch_dir();
  if (!scratch) return scratch.error();
  ReadOnlyKv opened;
  opened.scratch_ = *scratch;
  auto kv = open_rocksdb_secondary_kv(db, *scratch);
  if (!kv) return kv.error().with_context(db.string());
  opened.kv_ = *kv;
  return opened;
}

ReadOnlyKv::~ReadOnlyKv() {
  kv_.reset();
  if (!scratch_.empty()) {
    std::error_code ec;
    fs::remove_all(scratch_, ec);
  }
}

}  // namespace tracechain::storage
