#include "storage/rocksdb_kv.h"

#include <fcntl.h>
#include <unistd.h>

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

namespace tracechain::storage {

namespace fs = std::filesystem;

namespace {

Error rocks_error(const rocksdb::Status& status, const fs::path& path) {
  ErrorCode code = ErrorCode::kIo;
  if (status.IsCorruption()) {
    code = ErrorCode::kCorruption;
  } else if (status.IsNotSupported()) {
    code = ErrorCode::kUnsupported;
  } else if (status.IsInvalidArgument()) {
    code = ErrorCode::kInvalidInput;
  }
  std::string message = "RocksDB at " + path.string() + ": " + status.ToString();
  if (status.ToString().find("lock") != std::string::npos) {
    message += " (is another process using this database?)";
  }
  return Error(code, message);
}

Error os_error(const std::string& what, const fs::path& path) {
  return Error(ErrorCode::kIo, what + " " + path.string() + ": " + std::strerror(errno));
}

rocksdb::Slice slice(std::string_view text) { return {text.data(), text.size()}; }
rocksdb::Slice slice(ByteView bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}
ByteView bytes_of(const rocksdb::Slice& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

// Per-column tuning. Digests do not compress, so the columns made of them
// skip compression; the columns read by random point lookups get a Bloom
// filter so that a miss rarely touches disk.
struct ColumnTuning {
  bool compress = true;
  bool bloom = false;
  bool compact_on_deletions = false;
};

ColumnTuning tuning_of(Column column) {
  switch (column) {
    case Column::kTxIndex: return {false, true, false};
    case Column::kLogNodes: return {false, false, false};
    // The ledger deletes expired replay guards in key order (a queue), which
    // leaves runs of tombstones that every later prefix scan would step over
    // until compaction drops them; files dense in deletions are compacted early.
    case Column::kState: return {true, true, true};
    case Column::kMeta:
    case Column::kHeaders:
    case Column::kCertificates:
    case Column::kTransactions:
    case Column::kReceipts:
    case Column::kValidatorSets: return {true, false, false};
  }
  TC_ASSERT_MSG(false, "unknown column");
  return {};
}

rocksdb::ColumnFamilyOptions column_options(Column column, const RocksDbOptions& options,
                                            const std::shared_ptr<rocksdb::Cache>& cache) {
  ColumnTuning tuning = tuning_of(column);
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = std::min<std::size_t>(options.write_buffer_bytes / 4, 32u << 20);
  cf.level_compaction_dynamic_level_bytes = true;
  cf.compression = tuning.compress ? rocksdb::kLZ4Compression : rocksdb::kNoCompression;
  cf.bottommost_compression = tuning.compress ? rocksdb::kZSTD : rocksdb::kNoCompression;
  if (tuning.compact_on_deletions) {
    cf.table_properties_collector_factories.push_back(
        rocksdb::NewCompactOnDeletionCollectorFactory(1024, 512));
  }
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  // Index and filter blocks go through the cache too, so their memory is
  // bounded by it instead of growing with the number of table files. They are
  // partitioned: a lookup loads one small partition, not a whole file's index
  // or filter (megabytes for a large file), which a bounded cache would
  // otherwise evict and reload, checksumming it, on every read.
  table.cache_index_and_filter_blocks = true;
  table.cache_index_and_filter_blocks_with_high_priority = true;
  table.pin_l0_filter_and_index_blocks_in_cache = true;
  table.pin_top_level_index_and_filter = true;
  table.index_type = rocksdb::BlockBasedTableOptions::kTwoLevelIndexSearch;
  table.partition_filters = true;
  table.metadata_block_size = 4096;
  table.format_version = 5;
  if (tuning.bloom) {
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    // The memtables too: a point lookup checks every memtable (the live one
    // and those waiting to flush) before the table files, and most lookups
    // (an index entry written long ago, a nonce never used) are in none of
    // them. Without a filter each is a full skip-list search.
    cf.memtable_prefix_bloom_size_ratio = 0.02;
    cf.memtable_whole_key_filtering = true;
  }
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

// Reads through a RocksDB database, live (snapshot == nullptr) or at a snapshot.
class RocksReadPath {
 public:
  RocksReadPath(rocksdb::DB* db, const std::vector<rocksdb::ColumnFamilyHandle*>* handles,
                fs::path path, const rocksdb::Snapshot* snapshot)
      : db_(db), handles_(handles), path_(std::move(path)), snapshot_(snapshot) {}

  const rocksdb::Snapshot* snapshot() const { return snapshot_; }

  rocksdb::ColumnFamilyHandle* handle(Column column) const {
    return (*handles_)[column_index(column) + 1];  // [0] is "default"
  }

  rocksdb::ReadOptions read_options() const {
    rocksdb::ReadOptions ro;
    ro.snapshot = snapshot_;
    return ro;
  }

  Result<std::optional<Bytes>> get(Column column, std::string_view key) const {
    rocksdb::PinnableSlice value;
    rocksdb::Status s = db_->Get(read_options(), handle(column), slice(key), &value);
    if (s.IsNotFound()) return std::optional<Bytes>();
    if (!s.ok()) return rocks_error(s, path_);
    ByteView bytes = bytes_of(value);
    return std::optional<Bytes>(Bytes(bytes.begin(), bytes.end()));
  }

  Status scan(Column column, std::string_view begin, std::string_view end,
              const KvVisitor& visit) const {
    rocksdb::ReadOptions ro = read_options();
    rocksdb::Slice upper = slice(end);
    if (!end.empty()) ro.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro, handle(column)));
    for (it->Seek(slice(begin)); it->Valid(); it->Next()) {
      rocksdb::Slice key = it->key();
      if (!visit(std::string_view(key.data(), key.size()), bytes_of(it->value()))) break;
    }
    if (!it->status().ok()) return rocks_error(it->status(), path_);
    return {};
  }

  Result<std::optional<std::pair<std::string, Bytes>>> last_in_range(
      Column column, std::string_view begin, std::string_view end) const {
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options(), handle(column)));
    if (end.empty()) {
      it->SeekToLast();
    } else {
      it->SeekForPrev(slice(end));
      if (it->Valid() && it->key() == slice(end)) it->Prev();
    }
    if (!it->status().ok()) return rocks_error(it->status(), path_);
    if (!it->Valid() || it->key().compare(slice(begin)) < 0) {
      return std::optional<std::pair<std::string, Bytes>>();
    }
    ByteView value = bytes_of(it->value());
    return std::optional(
        std::make_pair(it->key().ToString(), Bytes(value.begin(), value.end())));
  }

 private:
  rocksdb::DB* db_;
  const std::vector<rocksdb::ColumnFamilyHandle*>* handles_;
  fs::path path_;
  const rocksdb::Snapshot* snapshot_;
};

// The reads of a KvReader, served by a RocksReadPath: shared by the live
// store and its snapshots.
template <typename Base>
class RocksReads : public Base {
 public:
  Result<std::optional<Bytes>> get(Column column, std::string_view key) const override {
    return read_.get(column, key);
  }
  Status scan(Column column, std::string_view begin, std::string_view end,
              const KvVisitor& visit) const override {
    return read_.scan(column, begin, end, visit);
  }
  Result<std::optional<std::pair<std::string, Bytes>>> last_in_range(
      Column column, std::string_view begin, std::string_view end) const override {
    return read_.last_in_range(column, begin, end);
  }

 protected:
  explicit RocksReads(RocksReadPath read) : read_(std::move(read)) {}

  RocksReadPath read_;
};

// Holds its store open: a snapshot may outlive the BlockStore it came from
// (a reader finishing during shutdown), and the database closes after both.
class RocksSnapshot final : public RocksReads<KvReader> {
 public:
  RocksSnapshot(std::shared_ptr<const KvStore> owner, rocksdb::DB* db,
                const std::vector<rocksdb::ColumnFamilyHandle*>* handles, const fs::path& path)
      : RocksReads(RocksReadPath(db, handles, path, db->GetSnapshot())),
        owner_(std::move(owner)),
        db_(db) {}
  ~RocksSnapshot() override { db_->ReleaseSnapshot(read_.snapshot()); }
  RocksSnapshot(const RocksSnapshot&) = delete;
  RocksSnapshot& operator=(const RocksSnapshot&) = delete;

 private:
  std::shared_ptr<const KvStore> owner_;
  rocksdb::DB* db_;
};

class RocksKv final : public RocksReads<KvStore>, public std::enable_shared_from_this<RocksKv> {
 public:
  RocksKv(fs::path path, std::unique_ptr<rocksdb::DB> db,
          std::vector<rocksdb::ColumnFamilyHandle*> handles, std::shared_ptr<rocksdb::Cache> cache)
      : RocksReads(RocksReadPath(db.get(), &handles_, path, nullptr)),
        path_(std::move(path)),
        cache_(std::move(cache)),
        db_(std::move(db)),
        handles_(std::move(handles)) {}

  ~RocksKv() override {
    for (rocksdb::ColumnFamilyHandle* handle : handles_) {
      db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    // Close() waits for background work; its error is not actionable here,
    // since every acknowledged write is already in the WAL.
    db_->Close().PermitUncheckedError();
  }
  RocksKv(const RocksKv&) = delete;
  RocksKv& operator=(const RocksKv&) = delete;

  Status write(const KvBatch& batch, bool sync) override {
    rocksdb::WriteBatch rocks_batch(batch.payload_bytes() + 24 * batch.entries().size());
    for (const KvBatch::Entry& entry : batch.entries()) {
      rocksdb::ColumnFamilyHandle* handle = read_.handle(entry.column);
      rocksdb::Status s = entry.value ? rocks_batch.Put(handle, entry.key, slice(*entry.value))
                                      : rocks_batch.Delete(handle, entry.key);
      if (!s.ok()) return rocks_error(s, path_);
    }
    rocksdb::WriteOptions options;
    options.sync = sync;
    rocksdb::Status s = db_->Write(options, &rocks_batch);
    if (!s.ok()) return rocks_error(s, path_);
    return {};
  }

  std::unique_ptr<KvReader> snapshot() const override {
    return std::make_unique<RocksSnapshot>(shared_from_this(), db_.get(), &handles_, path_);
  }

  Status checkpoint(const fs::path& dir) const override {
    std::error_code ec;
    if (fs::exists(dir, ec)) {
      return Error(ErrorCode::kConflict,
                   "checkpoint directory " + dir.string() + " already exists; choose a new one");
    }
    rocksdb::Checkpoint* raw = nullptr;
    rocksdb::Status s = rocksdb::Checkpoint::Create(db_.get(), &raw);
    if (!s.ok()) return rocks_error(s, path_);
    std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
    s = checkpoint->CreateCheckpoint(dir.string());
    if (!s.ok()) return rocks_error(s, path_).with_context("checkpoint into " + dir.string());
    return {};
  }

  std::string describe() const override { return "RocksDB at " + path_.string(); }

 private:
  fs::path path_;
  std::shared_ptr<rocksdb::Cache> cache_;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
};

// RocksDB's default family, then one per Column.
std::vector<rocksdb::ColumnFamilyDescriptor> column_descriptors(
    const RocksDbOptions& options, const std::shared_ptr<rocksdb::Cache>& cache) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  descriptors.emplace_back(rocksdb::kDefaultColumnFamilyName, rocksdb::ColumnFamilyOptions());
  for (Column column : kAllColumns) {
    descriptors.emplace_back(std::string(column_name(column)),
                             column_options(column, options, cache));
  }
  return descriptors;
}

Status check_column_families(const fs::path& path, const rocksdb::DBOptions& options) {
  std::vector<std::string> names;
  rocksdb::Status s = rocksdb::DB::ListColumnFamilies(options, path.string(), &names);
  if (!s.ok()) return rocks_error(s, path);
  std::set<std::string> expected{rocksdb::kDefaultColumnFamilyName};
  for (Column column : kAllColumns) expected.emplace(column_name(column));
  std::set<std::string> found(names.begin(), names.end());
  for (const std::string& name : found) {
    if (!expected.contains(name)) {
      return Error(ErrorCode::kUnsupported,
                   path.string() + " holds column family '" + name +
                       "', which this build does not know: not a tracechain database, or one "
                       "written by a newer version");
    }
  }
  // Families of ours that are missing were not created yet: a crash can
  // interrupt the first open between creating the database and its families.
  // open_rocksdb_kv() creates them; the store then finds them empty.
  return {};
}

Status fsync_path(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return os_error("cannot open", path);
  int rc = ::fsync(fd);
  int saved = errno;
  ::close(fd);
  errno = saved;
  if (rc != 0) return os_error("cannot fsync", path);
  return {};
}

}  // namespace

Result<std::shared_ptr<KvStore>> open_rocksdb_kv(const fs::path& path,
                                                 const RocksDbOptions& options) {
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DBOptions db_options;
  db_options.max_background_jobs = options.background_jobs;
  db_options.max_open_files = options.max_open_files;
  db_options.db_write_buffer_size = options.write_buffer_bytes;
  db_options.bytes_per_sync = 1 << 20;
  db_options.keep_log_file_num = 4;
  db_options.max_log_file_size = 8 << 20;
  // Opening replays the WAL into memtables and leaves flushing to the
  // background, instead of writing (and syncing) a table file per column
  // family before the store can serve: restarts after a crash stay quick.
  db_options.avoid_flush_during_recovery = true;
  db_options.skip_stats_update_on_db_open = true;
  // RocksDB otherwise starts 16 threads per column family to load table
  // files on open, and thread start-up dominated opening on small machines.
  db_options.max_file_opening_threads = 1;

  std::error_code ec;
  bool exists = fs::exists(path / "CURRENT", ec);
  if (exists) {
    if (Status s = check_column_families(path, db_options); !s) return s.error();
    db_options.create_missing_column_families = true;
  } else {
    if (!options.create_if_missing) {
      return Error(ErrorCode::kNotFound, "no database at " + path.string());
    }
    fs::create_directories(path, ec);
    if (ec) {
      return Error(ErrorCode::kIo, "cannot create " + path.string() + ": " + ec.message());
    }
    db_options.create_if_missing = true;
    db_options.create_missing_column_families = true;
  }

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = column_descriptors(options, cache);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path.string(), descriptors, &handles, &raw);
  if (!s.ok()) return rocks_error(s, path);
  return std::shared_ptr<KvStore>(std::make_shared<RocksKv>(
      path, std::unique_ptr<rocksdb::DB>(raw), std::move(handles), std::move(cache)));
}

Result<std::shared_ptr<KvStore>> open_rocksdb_secondary_kv(const fs::path& path,
                                                           const fs::path& secondary_dir,
                                                           const RocksDbOptions& options) {
  std::error_code ec;
  if (!fs::exists(path / "CURRENT", ec)) {
    return Error(ErrorCode::kNotFound, "no database at " + path.string());
  }
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  rocksdb::DBOptions db_options;
  // A secondary instance keeps every table file open, so that the primary's
  // compactions cannot delete a file under it.
  db_options.max_open_files = -1;
  db_options.max_file_opening_threads = 1;
  if (Status s = check_column_families(path, db_options); !s) return s.error();
  std::vector<std::string> names;
  rocksdb::Status listed = rocksdb::DB::ListColumnFamilies(db_options, path.string(), &names);
  if (!listed.ok()) return rocks_error(listed, path);
  for (Column column : kAllColumns) {
    if (std::find(names.begin(), names.end(), column_name(column)) == names.end()) {
      return Error(ErrorCode::kNotFound, path.string() + " has no column family '" +
                                             std::string(column_name(column)) +
                                             "' yet (the node has not finished creating it)");
    }
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors = column_descriptors(options, cache);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenAsSecondary(db_options, path.string(),
                                                   secondary_dir.string(), descriptors, &handles,
                                                   &raw);
  if (!s.ok()) return rocks_error(s, path);
  std::unique_ptr<rocksdb::DB> db(raw);
  // Opening reads the table files; the latest batches are still in the
  // primary's WAL, which catching up replays.
  s = db->TryCatchUpWithPrimary();
  if (!s.ok()) {
    for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    return rocks_error(s, path);
  }
  return std::shared_ptr<KvStore>(
      std::make_shared<RocksKv>(path, std::move(db), std::move(handles), std::move(cache)));
}

Status restore_checkpoint(const fs::path& checkpoint_dir, const fs::path& data_dir) {
  std::error_code ec;
  if (fs::exists(data_dir, ec)) {
    return Error(ErrorCode::kConflict, "cannot restore into " + data_dir.string() +
                                           ": it already exists; restore into a new directory");
  }
  if (!fs::exists(checkpoint_dir / "CURRENT", ec)) {
    return Error(ErrorCode::kNotFound,
                 checkpoint_dir.string() + " is not a checkpoint (it has no CURRENT file)");
  }
  fs::path staging = data_dir;
  staging += ".restoring";
  fs::remove_all(staging, ec);  // left by an interrupted restore
  fs::create_directories(staging, ec);
  if (ec) return Error(ErrorCode::kIo, "cannot create " + staging.string() + ": " + ec.message());
  for (const fs::directory_entry& entry : fs::directory_iterator(checkpoint_dir, ec)) {
    if (!entry.is_regular_file()) continue;
    fs::path target = staging / entry.path().filename();
    fs::copy_file(entry.path(), target, ec);
    if (ec) {
      return Error(ErrorCode::kIo, "cannot copy " + entry.path().string() + " to " +
                                       target.string() + ": " + ec.message());
    }
    if (Status s = fsync_path(target); !s) return s;
  }
  if (ec) {
    return Error(ErrorCode::kIo, "cannot list " + checkpoint_dir.string() + ": " + ec.message());
  }
  if (Status s = fsync_path(staging); !s) return s;
  fs::rename(staging, data_dir, ec);
  if (ec) {
    return Error(ErrorCode::kIo, "cannot rename " + staging.string() + " to " +
                                     data_dir.string() + ": " + ec.message());
  }
  fs::path parent = data_dir.parent_path().empty() ? fs::path(".") : data_dir.parent_path();
  return fsync_path(parent);
}

}  // namespace tracechain::storage
