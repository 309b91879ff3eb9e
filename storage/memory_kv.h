// A KvStore held in memory: for tests, tools and the consensus simulator.
//
// Every write is immediately "durable" (it lives as long as the object); wrap
// it in a FaultInjectionKv to model what a crash loses. A snapshot is a copy of
// the whole store (another MemoryKv), so it costs time and memory proportional
// to its size: fine at test scale, and one reason nodes use RocksDB.
//
// Thread-safe. Scans do not hold the lock while the visitor runs, so a
// visitor may read the store.
#pragma once

#include <map>
#include <shared_mutex>

#include "storage/kv.h"

namespace tracechain::storage {

class MemoryKv final : public KvStore {
 public:
  MemoryKv() = default;

  Result<std::optional<Bytes>> get(Column column, std::string_view key) const override;
  Status scan(Column column, std::string_view begin, std::string_view end,
              const KvVisitor& visit) const override;
  Result<std::optional<std::pair<std::string, Bytes>>> last_in_range(
      Column column, std::string_view begin, std::string_view end) const override;

  Status write(const KvBatch& batch, bool sync) override;
  std::unique_ptr<KvReader> snapshot() const override;
  Status checkpoint(const std::filesystem::path& dir) const override;
  std::string describe() const override { return "in-memory store"; }

  // Entries in `column`, for tests.
  std::size_t count(Column column) const;

 private:
  using Table = std::map<std::string, Bytes, std::less<>>;
  using Tables = std::array<Table, kAllColumns.size()>;

  // A snapshot is a MemoryKv holding a copy of the tables.
  explicit MemoryKv(Tables data) : data_(std::move(data)) {}
  Table& table(Column column) { return data_[column_index(column)]; }
  const Table& table(Column column) const { return data_[column_index(column)]; }

  mutable std::shared_mutex mutex_;
  Tables data_;  // guarded by mutex_
};

}  // namespace tracechain::storage
