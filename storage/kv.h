// The key-value engine under the block store: ordered byte keys in a fixed
// set of columns, atomic multi-column write batches, point-in-time snapshots.
//
// This is the storage layer's Env (in LevelDB's sense): the block store's
// logic is written once against KvStore, and the engine varies — RocksDB for
// nodes (rocksdb_kv.h), a map in memory for tests and the consensus simulator
// (memory_kv.h), and a fault-injecting wrapper for crash tests
// (fault_injection_kv.h). No RocksDB type appears in any storage header.
//
// Contract every engine keeps: a write() applies all of its batch or none of
// it, and once a write with sync = true has returned, it and every earlier
// write survive a crash of the process or the machine. Reads see every write
// that has returned. Engines are safe to use from many threads at once.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/result.h"

namespace tracechain::storage {

// The columns of the database; docs/storage.md describes each one's keys and
// values. The numbering is internal; engines name columns by column_name().
enum class Column : std::uint8_t {
  kMeta,
  kHeaders,
  kCertificates,
  kTransactions,
  kReceipts,
  kTxIndex,
  kState,
  kLogNodes,
  kValidatorSets,
};

inline constexpr std::array<Column, 9> kAllColumns = {
    Column::kMeta,     Column::kHeaders, Column::kCertificates,
    Column::kTransactions, Column::kReceipts, Column::kTxIndex,
    Column::kState,    Column::kLogNodes, Column::kValidatorSets,
};

inline constexpr std::size_t column_index(Column column) {
  return static_cast<std::size_t>(column);
}

std::string_view column_name(Column column);

// Writes to apply together. Later entries for the same key win.
class KvBatch {
 public:
  struct Entry {
    Column column = Column::kMeta;
    std::string key;
    std::optional<Bytes> value;  // nullopt: delete the key
  };

  void put(Column column, std::string_view key, ByteView value);
  void put(Column column, std::string_view key, Bytes&& value);
  void erase(Column column, std::string_view key);

  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }
  // Keys and values, in bytes: what the batch asks the engine to write.
  std::size_t payload_bytes() const { return payload_bytes_; }

 private:
  std::vector<Entry> entries_;
  std::size_t payload_bytes_ = 0;
};

// Called for each entry of a scan, in ascending key order; returning false
// stops the scan. The views are valid during the call only.
using KvVisitor = std::function<bool(std::string_view key, ByteView value)>;

// Read access: the live store, or a snapshot of it.
class KvReader {
 public:
  virtual ~KvReader() = default;

  // The value of `key`, nullopt if absent; an Error only when the engine
  // cannot read (I/O, corruption detected by the engine).
  virtual Result<std::optional<Bytes>> get(Column column, std::string_view key) const = 0;

  // Visits the keys in [begin, end) in ascending byte order; an empty `end`
  // means no upper bound. Memory stays bounded whatever the range's size.
  virtual Status scan(Column column, std::string_view begin, std::string_view end,
                      const KvVisitor& visit) const = 0;

  // The last entry in [begin, end) (empty `end`: no upper bound), if any.
  virtual Result<std::optional<std::pair<std::string, Bytes>>> last_in_range(
      Column column, std::string_view begin, std::string_view end) const = 0;

  // Visits every key starting with `prefix`.
  Status scan_prefix(Column column, std::string_view prefix, const KvVisitor& visit) const;
};

class KvStore : public KvReader {
 public:
  // Applies every entry of `batch` atomically. With `sync`, returns only once
  // the batch (and all before it) is durable.
  virtual Status write(const KvBatch& batch, bool sync) = 0;

  // A consistent read-only view of the store as it is now, unaffected by later
  // writes. Engines let it outlive the KvStore object it came from.
  virtual std::unique_ptr<KvReader> snapshot() const = 0;

  // Writes a consistent copy of the store into the new directory `dir`, while
  // writes continue (kUnsupported for engines without files).
  virtual Status checkpoint(const std::filesystem::path& dir) const = 0;

  // Where the store lives, for messages ("in-memory store" for memory).
  virtual std::string describe() const = 0;
};

// The smallest key greater than every key starting with `prefix`, or "" when
// there is none (prefix empty or all 0xff): the `end` of a prefix scan.
std::string prefix_end(std::string_view prefix);

}  // namespace tracechain::storage
