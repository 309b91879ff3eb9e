// The engines the store's test suite runs on, for TEMPLATE_TEST_CASE: every
// behaviour of the block store is checked on RocksDB, on memory, and through
// the fault-injecting wrapper with no fault switched on.
//
// An engine keeps its data across open() calls, so a test can close a store
// and reopen it; a RocksDB store must be destroyed before the next open().
#pragma once

#include <map>
#include <stdexcept>

#include "storage/fault_injection_kv.h"
#include "storage/memory_kv.h"
#include "storage/rocksdb_kv.h"
#include "tests/support/temp_dir.h"

namespace tracechain::test {

struct MemoryEngine {
  static constexpr const char* kName = "memory";
  std::shared_ptr<storage::MemoryKv> kv = std::make_shared<storage::MemoryKv>();
  std::shared_ptr<storage::KvStore> open() { return kv; }
};

struct RocksEngine {
  static constexpr const char* kName = "rocksdb";
  TempDir dir;
  std::shared_ptr<storage::KvStore> open() {
    auto kv = storage::open_rocksdb_kv(dir.path() / "db");
    if (!kv) throw std::runtime_error(kv.error().message());
    return *kv;
  }
};

struct FaultFreeEngine {
  static constexpr const char* kName = "fault injection (no faults)";
  std::shared_ptr<storage::FaultInjectionKv> kv =
      std::make_shared<storage::FaultInjectionKv>(std::make_shared<storage::MemoryKv>());
  std::shared_ptr<storage::KvStore> open() { return kv; }
};

// Everything in one column, for comparing whole stores.
inline std::map<std::string, Bytes> dump(const storage::KvReader& reader, storage::Column column) {
  std::map<std::string, Bytes> out;
  Status s = reader.scan(column, "", "", [&](std::string_view key, ByteView value) {
    out.emplace(std::string(key), Bytes(value.begin(), value.end()));
    return true;
  });
  if (!s) throw std::runtime_error(s.error().message());
  return out;
}

inline std::vector<std::map<std::string, Bytes>> dump_all(const storage::KvReader& reader) {
  std::vector<std::map<std::string, Bytes>> out;
  for (storage::Column column : storage::kAllColumns) out.push_back(dump(reader, column));
  return out;
}

}  // namespace tracechain::test
