#include "node/read_log.h"

#include <algorithm>

#include "node/log.h"
#include "storage/layout.h"
#include "storage/log_node_store.h"
#include "storage/rocksdb_kv.h"

namespace tracechain::node {

namespace {

using storage::Column;

// A record: u32 length, 8 bytes of the leaf hash, the entry.
constexpr std::size_t kRecordHeader = 12;
// Far beyond any valid entry (ledger::validate bounds them); a length
// above it is a torn or corrupt record.
constexpr std::size_t kMaxEntryBytes = std::size_t{1} << 20;

constexpr Column kLocations = Column::kReceipts;
constexpr Column kIndex = Column::kTxIndex;
// Entries kept before the file existed.
constexpr Column kEntries = Column::kTransactions;
constexpr std::string_view kFileStartKey = "file_start";
constexpr std::string_view kIndexedKey = "indexed_size";
constexpr std::string_view kIndexedEndKey = "indexed_end";
// Written (with fsync) by sync(): the size the log had then.
constexpr std::string_view kSyncedKey = "synced_size";

Error no_entry(std::uint64_t index) {
  return Error(ErrorCode::kNotFound, "the read log has no entry " + std::to_string(index));
}

std::uint32_t read_u32(ByteView bytes) {
  return static_cast<std::uint32_t>(bytes[0]) << 24 | static_cast<std::uint32_t>(bytes[1]) << 16 |
         static_cast<std::uint32_t>(bytes[2]) << 8 | static_cast<std::uint32_t>(bytes[3]);
}

void append_record(Bytes& out, ByteView entry, const Digest& leaf) {
  const auto size = static_cast<std::uint32_t>(entry.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(size >> shift));
  out.insert(out.end(), leaf.begin(), leaf.begin() + 8);
  out.insert(out.end(), entry.begin(), entry.end());
}

void append_u64(Bytes& out, std::uint64_t value) {
  const std::string key = storage::height_key(value);
  out.insert(out.end(), key.begin(), key.end());
}

// The log's nodes: those of level ReadLog::kStoredLevel and up from the
// log_nodes column, those below from the entries themselves.
class NodeStore final : public crypto::MerkleNodeStore {
 public:
  NodeStore(const storage::KvReader& kv, const ReadLog& log)
      : nodes_(kv), log_(log) {}
  Result<Digest> get(std::uint32_t level, std::uint64_t index) const override {
    if (level >= ReadLog::kStoredLevel) return nodes_.get(level, index);
    // The subtree's leaves, in order, folded pairwise up to its root.
    const std::uint64_t width = std::uint64_t{1} << level;
    std::vector<Digest> hashes;
    hashes.reserve(width);
    for (std::uint64_t i = index << level; hashes.size() < width; ++i) {
      auto leaf = log_.leaf(i);
      if (!leaf) return leaf.error();
      hashes.push_back(*leaf);
    }
    for (std::size_t n = hashes.size(); n > 1; n /= 2) {
      for (std::size_t i = 0; i < n / 2; ++i) {
        hashes[i] = log_.hasher().node(hashes[2 * i], hashes[2 * i + 1]);
      }
    }
    return hashes.front();
  }
  void put(std::uint32_t, std::uint64_t, const Digest&) override {
    TC_ASSERT_MSG(false, "read-log nodes are written by ReadLog itself");
  }

 private:
  storage::LogNodeStore nodes_;
  const ReadLog& log_;
};

std::string index_prefix(char kind, std::string_view participant) {
  std::string key{kind, '\0'};
  key += participant;
  key += '\0';
  return key;
}

// The entry indices a list key and its value name (layout in read_log.h).
Result<std::vector<std::uint64_t>> list_of(std::string_view key, ByteView value) {
  auto corrupt = [&] {
    return Error(ErrorCode::kCorruption,
                 "read log index entry " + storage::describe_key(kIndex, key) + " is corrupt");
  };
  if (key.size() < 8) return corrupt();
  auto last = storage::parse_height_key(key.substr(key.size() - 8));
  if (!last) return corrupt();
  if (value.empty()) return std::vector<std::uint64_t>{*last};
  if (value.size() % 8 != 0) return corrupt();
  std::vector<std::uint64_t> indices;
  indices.reserve(value.size() / 8);
  const std::string_view bytes(reinterpret_cast<const char*>(value.data()), value.size());
  for (std::size_t at = 0; at < bytes.size(); at += 8) {
    auto index = storage::parse_height_key(bytes.substr(at, 8));
    if (!index || (!indices.empty() && *index <= indices.back())) return corrupt();
    indices.push_back(*index);
  }
  if (indices.back() != *last) return corrupt();
  return indices;
}

Result<std::optional<std::uint64_t>> meta_u64(const storage::KvReader& kv, std::string_view key) {
  auto stored = kv.get(Column::kMeta, key);
  if (!stored) return stored.error();
  if (!*stored) return std::optional<std::uint64_t>();
  auto value = storage::decode_u64(**stored, key);
  if (!value) return value.error().with_context("read log");
  return std::optional(*value);
}

// Calls `use` with the tree of `size` entries of `log`.
template <typename Use>
auto over_tree(const storage::KvReader& kv, const ReadLog& log, std::uint64_t size, Use&& use)
    -> decltype(use(std::declval<const crypto::MerkleLog&>())) {
  NodeStore nodes(kv, log);
  auto tree = crypto::MerkleLog::open(log.hasher().algorithm(), nodes, size);
  if (!tree) return tree.error();
  return use(*tree);
}

}  // namespace

Result<std::unique_ptr<ReadLog>> ReadLog::open(const std::filesystem::path& dir,
                                               crypto::HashAlgorithm algorithm, ReadLogOwner owner) {
  storage::RocksDbOptions options;
  // A log of appends read by page: a small cache does.
  options.block_cache_bytes = std::size_t{16} << 20;
  options.write_buffer_bytes = std::size_t{16} << 20;
  options.max_open_files = 128;
  options.background_jobs = 1;
  auto kv = storage::open_rocksdb_kv(dir, options);
  if (!kv) return kv.error().with_context("read log '" + dir.string() + "'");
  auto file = storage::open_append_file(dir / kEntriesFile);
  if (!file) return file.error().with_context("read log");
  return open(std::move(*kv), std::move(*file), algorithm, std::move(owner));
}

Result<std::unique_ptr<ReadLog>> ReadLog::open(std::shared_ptr<storage::KvStore> kv,
                                               std::shared_ptr<storage::AppendFile> file,
                                               crypto::HashAlgorithm algorithm, ReadLogOwner owner) {
  // Entries kept in the engine come first, in index order.
  std::uint64_t in_engine = 0;
  auto last = kv->last_in_range(kEntries, "", "");
  if (!last) return last.error();
  if (*last) {
    auto index = storage::parse_height_key((*last)->first);
    if (!index) return index.error().with_context("read log");
    in_engine = *index + 1;
  }
  auto file_start = meta_u64(*kv, kFileStartKey);
  auto indexed = meta_u64(*kv, kIndexedKey);
  auto indexed_end = meta_u64(*kv, kIndexedEndKey);
  if (!file_start || !indexed || !indexed_end) {
    return (!file_start ? file_start : !indexed ? indexed : indexed_end).error();
  }
  if (!*file_start) {
    // A new log, or one kept before the file existed: each of its appends
    // wrote the entry's index with it, so all of it is indexed.
    if (*indexed && **indexed != in_engine) {
      return Error(ErrorCode::kCorruption, "read log: its index covers " +
                                               std::to_string(**indexed) + " of its " +
                                               std::to_string(in_engine) + " entries");
    }
    storage::KvBatch batch;
    for (auto key : {kFileStartKey, kIndexedKey}) {
      batch.put(Column::kMeta, key, storage::encode_u64(in_engine));
    }
    batch.put(Column::kMeta, kIndexedEndKey, storage::encode_u64(0));
    if (Status s = kv->write(batch, true); !s) return s.error().with_context("read log");
    *file_start = in_engine;
    *indexed = in_engine;
    *indexed_end = 0;
  }
  if (!*indexed || !*indexed_end || **file_start != in_engine || **indexed < **file_start) {
    return Error(ErrorCode::kCorruption, "read log: its meta entries disagree with its entries");
  }
  if (file->size() < **indexed_end) {
    return Error(ErrorCode::kCorruption,
                 "read log: the entries file holds " + std::to_string(file->size()) +
                     " bytes, fewer than the " + std::to_string(**indexed_end) +
                     " its index covers: it was cut or replaced; put back the data/read-log it had");
  }
  std::unique_ptr<ReadLog> log(new ReadLog(kv, std::move(file), algorithm, std::move(owner),
                                           **file_start, **indexed, **indexed_end));
  NodeStore nodes(*kv, *log);
  auto tree = crypto::MerkleLog::open(algorithm, nodes, **indexed);
  if (!tree) return tree.error().with_context("read log of " + std::to_string(**indexed) + " entries");
  log->frontier_ = tree->frontier();
  log->written_ = tree->frontier();
  if (Status s = log->recover(**indexed_end); !s) return s.error().with_context("read log");
  return log;
}

ReadLog::ReadLog(std::shared_ptr<storage::KvStore> kv, std::shared_ptr<storage::AppendFile> file,
                 crypto::HashAlgorithm algorithm, ReadLogOwner owner, std::uint64_t file_start,
                 std::uint64_t indexed, std::uint64_t indexed_end)
    : kv_(std::move(kv)),
      file_(std::move(file)),
      hasher_(algorithm),
      owner_(std::move(owner)),
      file_start_(file_start),
      appended_end_(indexed_end),
      unindexed_first_(indexed),
      indexed_(indexed) {}

Status ReadLog::recover(std::uint64_t offset) {
  std::unique_lock lock(mutex_);
  const std::uint64_t end = file_->size();
  std::string torn;
  while (offset < end) {
    const std::uint64_t index = frontier_.size();
    if (end - offset < kRecordHeader) {
      torn = "a record header cut short";
      break;
    }
    auto header = file_->read(offset, kRecordHeader);
    if (!header) return header.error();
    const std::uint32_t size = read_u32(*header);
    if (size > kMaxEntryBytes || end - offset - kRecordHeader < size) {
      torn = "a record cut short or of an impossible length";
      break;
    }
    auto record = read_record(index, offset, offset + kRecordHeader + size);
    std::optional<ledger::ReadEntry> entry;
    if (record) {
      auto decoded = ledger::decode<ledger::ReadEntry>(record->entry);
      if (decoded && ledger::validate(*decoded)) entry = std::move(*decoded);
    }
    if (!entry) {
      torn = record ? "an entry that does not decode" : record.error().message();
      break;
    }
    note(index, *entry, record->leaf, offset);
    offset += kRecordHeader + size;
    appended_end_ = offset;
    written_ = frontier_;
    if (unindexed_.offsets.size() < kIndexBatch) continue;
    if (Status s = write_until(lock, frontier_.size(), true); !s) return s;
  }
  if (offset < end) {
    // What a crash left half written: the entries before it are whole.
    log::warn("read-log", "cutting {} bytes off the end of the entries file after entry {}: {}",
              end - offset, frontier_.size(), torn);
    if (Status s = file_->truncate(offset); !s) return s;
  }
  return write_until(lock, frontier_.size(), true);
}

void ReadLog::note(std::uint64_t index, const ledger::ReadEntry& entry, const Digest& leaf,
                   std::uint64_t offset) {
  for (const ledger::ParticipantId& participant : entry.about) {
    unindexed_.lists[index_prefix('a', participant)].push_back(index);
  }
  unindexed_.lists[index_prefix('r', entry.reader)].push_back(index);
  unindexed_.offsets.push_back(offset);
  frontier_.append(hasher_, leaf, [&](std::uint32_t level, std::uint64_t node, const Digest& hash) {
    if (level >= kStoredLevel) {
      unindexed_.nodes.put(Column::kLogNodes, storage::node_key(level, node), ByteView(hash));
    }
  });
}

// Group commit: each append adds its record to the pending bytes; whoever
// finds no write in progress appends everything pending to the file in one
// write (outside the lock), and every append returns once its own record is
// written. Under load one write carries several reads' entries. The index
// goes with the write once kIndexBatch entries wait for it, or when asked:
// the file is synced, then the index written to the engine.
Status ReadLog::write_until(std::unique_lock<std::mutex>& lock, std::uint64_t size, bool index) {
  while (written_.size() < size || (index && indexed_ < size)) {
    if (failed_) return *failed_;
    if (writing_) {
      written_changed_.wait(lock);
      continue;
    }
    writing_ = true;
    Bytes records = std::exchange(pending_, Bytes());
    crypto::MerkleFrontier after = frontier_;
    const std::uint64_t after_end = appended_end_;
    storage::KvBatch batch;
    const bool indexing = index || unindexed_.offsets.size() >= kIndexBatch;
    if (indexing && !unindexed_.offsets.empty()) {
      // Every entry noted so far is in this write or an earlier one.
      Unindexed taken = std::exchange(unindexed_, Unindexed());
      const std::uint64_t first = std::exchange(unindexed_first_, frontier_.size());
      batch = std::move(taken.nodes);
      for (auto& [prefix, indices] : taken.lists) {
        Bytes value;
        value.reserve(indices.size() * 8);
        for (std::uint64_t i : indices) append_u64(value, i);
        batch.put(kIndex, prefix + storage::height_key(indices.back()), std::move(value));
      }
      Bytes offsets;
      offsets.reserve((taken.offsets.size() + 1) * 8);
      for (std::uint64_t offset : taken.offsets) append_u64(offsets, offset);
      append_u64(offsets, after_end);
      batch.put(kLocations, storage::height_key(first), std::move(offsets));
      batch.put(Column::kMeta, kIndexedKey, storage::encode_u64(after.size()));
      batch.put(Column::kMeta, kIndexedEndKey, storage::encode_u64(after_end));
    }
    lock.unlock();
    Status written = records.empty() ? Status() : file_->append(records);
    if (written && !batch.empty()) {
      written = file_->sync();
      if (written) written = kv_->write(batch, false);
    }
    lock.lock();
    writing_ = false;
    if (!written) {
      // The entries of that write are in the frontier but perhaps not in
      // the file (or in part): nothing more can be appended consistently
      // until the log is reopened from what the file holds.
      failed_ = written.error().with_context("read log write failed; restart the node");
      written_changed_.notify_all();
      return *failed_;
    }
    written_ = std::move(after);
    if (!batch.empty()) indexed_ = written_.size();
    written_changed_.notify_all();
  }
  return {};
}

Result<std::uint64_t> ReadLog::append(const ledger::ReadEntry& entry) {
  if (Status s = ledger::validate(entry); !s) return s.error();
  const Bytes encoded = ledger::encode(entry);
  if (encoded.size() > kMaxEntryBytes) {
    return Error(ErrorCode::kInvalidInput, "a read-log entry of " + std::to_string(encoded.size()) +
                                               " bytes is too large to record");
  }
  const Digest leaf = hasher_.leaf(encoded);
  std::unique_lock lock(mutex_);
  if (failed_) return *failed_;
  const std::uint64_t index = frontier_.size();
  const std::uint64_t offset = appended_end_;
  append_record(pending_, encoded, leaf);
  appended_end_ += kRecordHeader + encoded.size();
  note(index, entry, leaf, offset);
  if (Status s = write_until(lock, index + 1, false); !s) return s.error();
  return index;
}

Result<std::uint64_t> ReadLog::index_all() {
  std::unique_lock lock(mutex_);
  const std::uint64_t size = frontier_.size();
  if (Status s = write_until(lock, size, true); !s) return s.error();
  return size;
}

Result<std::uint64_t> ReadLog::sync() {
  auto size = index_all();
  if (!size) return size.error();
  std::unique_lock lock(mutex_);
  written_changed_.wait(lock, [&] { return !writing_ || failed_; });
  if (failed_) return *failed_;
  // The file was synced before its index was written; a synced write makes
  // the index durable too.
  storage::KvBatch batch;
  batch.put(Column::kMeta, kSyncedKey, storage::encode_u64(indexed_));
  if (Status s = kv_->write(batch, true); !s) return s.error();
  return indexed_;
}

std::uint64_t ReadLog::size() const {
  std::lock_guard lock(mutex_);
  return written_.size();
}

std::uint64_t ReadLog::indexed_size() const {
  std::lock_guard lock(mutex_);
  return indexed_;
}

Digest ReadLog::root() const {
  std::lock_guard lock(mutex_);
  return written_.root(hasher_);
}

// Proofs and roots read nodes that never change once written, of a tree
// whose index is written.
Result<Digest> ReadLog::root_at(std::uint64_t size) {
  auto indexed = index_all();
  if (!indexed) return indexed.error();
  return over_tree(*kv_, *this, *indexed, [&](const crypto::MerkleLog& log) {
    return log.root_at(size);
  });
}

Result<std::vector<Digest>> ReadLog::inclusion_proof(std::uint64_t index, std::uint64_t size) {
  auto indexed = index_all();
  if (!indexed) return indexed.error();
  return over_tree(*kv_, *this, *indexed, [&](const crypto::MerkleLog& log) {
    return log.inclusion_proof(index, size);
  });
}

Result<std::vector<Digest>> ReadLog::consistency_proof(std::uint64_t size1, std::uint64_t size2) {
  auto indexed = index_all();
  if (!indexed) return indexed.error();
  return over_tree(*kv_, *this, *indexed, [&](const crypto::MerkleLog& log) {
    return log.consistency_proof(size1, size2);
  });
}

Result<Bytes> ReadLog::entry(std::uint64_t index) const {
  auto found = record(index);
  if (!found) return found.error();
  return std::move(found->entry);
}

Result<Digest> ReadLog::leaf(std::uint64_t index) const {
  auto found = record(index);
  if (!found) return found.error();
  return found->leaf;
}

Result<ReadLog::Record> ReadLog::record(std::uint64_t index) const {
  if (index < file_start_) {
    auto value = kv_->get(kEntries, storage::height_key(index));
    if (!value) return value.error();
    if (!*value) return no_entry(index);
    const Digest leaf = hasher_.leaf(**value);
    return Record{std::move(**value), leaf};
  }
  std::unique_lock lock(mutex_);
  // An index write in flight holds the locations of [indexed_, unindexed_first_).
  written_changed_.wait(lock, [&] {
    return index < indexed_ || index >= unindexed_first_ || failed_;
  });
  if (index >= indexed_) {
    if (index < unindexed_first_) return *failed_;
    if (index >= written_.size()) return no_entry(index);
    const std::size_t k = static_cast<std::size_t>(index - unindexed_first_);
    const std::uint64_t begin = unindexed_.offsets[k];
    const std::uint64_t end =
        k + 1 < unindexed_.offsets.size() ? unindexed_.offsets[k + 1] : appended_end_;
    lock.unlock();
    return read_record(index, begin, end);
  }
  lock.unlock();
  auto batch = kv_->last_in_range(kLocations, "", storage::height_key(index + 1));
  if (!batch) return batch.error();
  if (!*batch) return no_entry(index);
  auto first = storage::parse_height_key((*batch)->first);
  const Bytes& offsets = (*batch)->second;
  if (!first || offsets.size() % 8 != 0 || offsets.size() < 16 ||
      index - *first >= offsets.size() / 8 - 1) {
    return Error(ErrorCode::kCorruption,
                 "read log: no location for entry " + std::to_string(index) + " where it should be");
  }
  const std::size_t k = static_cast<std::size_t>(index - *first);
  const std::string_view bytes(reinterpret_cast<const char*>(offsets.data()), offsets.size());
  auto begin = storage::parse_height_key(bytes.substr(k * 8, 8));
  auto end = storage::parse_height_key(bytes.substr(k * 8 + 8, 8));
  if (!begin || !end) return begin ? end.error() : begin.error();
  return read_record(index, *begin, *end);
}

Result<ReadLog::Record> ReadLog::read_record(std::uint64_t index, std::uint64_t begin,
                                            std::uint64_t end) const {
  auto corrupt = [&](const std::string& why) {
    return Error(ErrorCode::kCorruption,
                 "read log entry " + std::to_string(index) + " is corrupt: " + why);
  };
  if (end < begin + kRecordHeader || end - begin > kRecordHeader + kMaxEntryBytes) {
    return corrupt("its location is impossible");
  }
  auto record = file_->read(begin, static_cast<std::size_t>(end - begin));
  if (!record) return corrupt(record.error().message());
  const ByteView view(*record);
  if (read_u32(view) != end - begin - kRecordHeader) return corrupt("its length does not match");
  Bytes entry(record->begin() + kRecordHeader, record->end());
  const Digest leaf = hasher_.leaf(entry);
  if (!std::equal(leaf.begin(), leaf.begin() + 8, record->begin() + 4)) {
    return corrupt("its checksum does not match");
  }
  return Record{std::move(entry), leaf};
}

Result<ReadLog::Page> ReadLog::page(const std::optional<std::string>& about,
                                    const std::optional<std::string>& reader, std::uint64_t from,
                                    std::uint64_t limit) {
  Page out;
  auto indexed = index_all();
  if (!indexed) return indexed.error();
  const std::uint64_t size = *indexed;
  if (from >= size || limit == 0) return out;
  // The narrowest index walks; a second filter reads the entries it finds.
  Status status;
  auto keep = [&](std::uint64_t index) -> bool {
    if (index >= size) return false;  // appended after this page began
    if (about && reader) {
      auto bytes = entry(index);
      if (!bytes) {
        status = bytes.error();
        return false;
      }
      auto decoded = ledger::decode<ledger::ReadEntry>(*bytes);
      if (!decoded) {
        status = Error(ErrorCode::kCorruption, "read log entry " + std::to_string(index) +
                                                   " does not decode: " + decoded.error().message());
        return false;
      }
      if (decoded->reader != *reader) return true;
    }
    out.indices.push_back(index);
    if (out.indices.size() == limit) {
      out.next = index + 1;
      return false;
    }
    return true;
  };
  if (!about && !reader) {
    std::uint64_t end = std::min(size, from + limit);
    for (std::uint64_t i = from; i < end; ++i) out.indices.push_back(i);
    if (end < size) out.next = end;
    return out;
  }
  const std::string prefix = about ? index_prefix('a', *about) : index_prefix('r', *reader);
  Status scanned = kv_->scan(kIndex, prefix + storage::height_key(from), storage::prefix_end(prefix),
                             [&](std::string_view key, ByteView value) {
                               auto indices = list_of(key, value);
                               if (!indices) {
                                 status = indices.error();
                                 return false;
                               }
                               for (std::uint64_t index : *indices) {
                                 if (index >= from && !keep(index)) return false;
                               }
                               return true;
                             });
  if (!scanned) return scanned.error();
  if (!status) return status.error();
  return out;
}

Result<std::optional<ledger::ReadLogCheckpoint>> read_log_checkpoint(const ledger::StateView& state,
                                                                     std::string_view participant) {
  const std::string key = ledger::keys::read_log(participant);
  std::optional<Bytes> bytes = state.get(key);
  if (!bytes) return std::optional<ledger::ReadLogCheckpoint>();
  auto decoded = ledger::decode<ledger::ReadLogCheckpoint>(*bytes);
  if (!decoded) {
    return Error(ErrorCode::kCorruption,
                 "state entry '" + key + "' is corrupt: " + decoded.error().message());
  }
  return std::optional(std::move(*decoded));
}

Status ReadLog::check_against(const ledger::StateView& state, std::string_view participant) {
  auto checkpoint = read_log_checkpoint(state, participant);
  if (!checkpoint) return checkpoint.error();
  if (!*checkpoint) return {};
  auto indexed = index_all();
  if (!indexed) return indexed.error();
  const std::uint64_t size = *indexed;
  if (size < (*checkpoint)->size) {
    return Error(ErrorCode::kCorruption,
                 "the read log holds " + std::to_string(size) + " entries, but '" +
                     std::string(participant) + "' committed a checkpoint of " +
                     std::to_string((*checkpoint)->size) + " at height " +
                     std::to_string((*checkpoint)->height) +
                     ": it was lost or replaced; put back the data/read-log it had");
  }
  auto root = root_at((*checkpoint)->size);
  if (!root) return root.error();
  if (*root != (*checkpoint)->root) {
    return Error(ErrorCode::kCorruption,
                 "the read log at " + std::to_string((*checkpoint)->size) +
                     " entries is not the one '" + std::string(participant) +
                     "' committed at height " + std::to_string((*checkpoint)->height) +
                     ": it was replaced; put back the data/read-log it had");
  }
  return {};
}

Result<std::optional<ledger::AccessCheckpointPayload>> ReadLog::checkpoint_payload(
    const ledger::StateView& state, std::string_view participant) {
  auto checkpoint = read_log_checkpoint(state, participant);
  if (!checkpoint) return checkpoint.error();
  auto synced = sync();
  if (!synced) return synced.error();
  const std::uint64_t size = *synced;
  const std::uint64_t previous = *checkpoint ? (*checkpoint)->size : 0;
  if (size <= previous) return std::optional<ledger::AccessCheckpointPayload>();
  ledger::AccessCheckpointPayload payload;
  payload.size = size;
  auto root = root_at(size);
  if (!root) return root.error();
  payload.root = *root;
  if (previous > 0) {
    auto proof = consistency_proof(previous, size);
    if (!proof) return proof.error();
    payload.consistency = std::move(*proof);
  }
  return std::optional(std::move(payload));
}

}  // namespace tracechain::node
