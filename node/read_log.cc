#include "node/read_log.h"

#include "storage/layout.h"
#include "storage/log_node_store.h"
#include "storage/rocksdb_kv.h"

namespace tracechain::node {

namespace {

using storage::Column;

constexpr Column kEntries = Column::kTransactions;
// Written with the index: how many entries it covers. Absent in a log whose
// every append wrote its own index (all of it, then).
constexpr std::string_view kIndexedKey = "indexed_size";
// Written (with fsync) by sync(): the size the log had then.
constexpr std::string_view kSyncedKey = "synced_size";
constexpr Column kIndex = Column::kTxIndex;

Error no_entry(std::uint64_t index) {
  return Error(ErrorCode::kNotFound, "the read log has no entry " + std::to_string(index));
}

// The log's nodes: those of level ReadLog::kStoredLevel and up from the
// log_nodes column, those below from the entries themselves.
class NodeStore final : public crypto::MerkleNodeStore {
 public:
  NodeStore(const storage::KvReader& kv, const crypto::MerkleHasher& hasher)
      : kv_(kv), nodes_(kv), hasher_(hasher) {}
  Result<Digest> get(std::uint32_t level, std::uint64_t index) const override {
    if (level >= ReadLog::kStoredLevel) return nodes_.get(level, index);
    // The subtree's leaves, in order, folded pairwise up to its root.
    const std::uint64_t width = std::uint64_t{1} << level;
    const std::uint64_t begin = index << level;
    std::vector<Digest> hashes;
    hashes.reserve(width);
    Status scanned = kv_.scan(kEntries, storage::height_key(begin),
                              storage::height_key(begin + width),
                              [&](std::string_view, ByteView value) {
                                hashes.push_back(hasher_.leaf(value));
                                return true;
                              });
    if (!scanned) return scanned.error();
    if (hashes.size() < width) return no_entry(begin + hashes.size());
    for (std::size_t n = hashes.size(); n > 1; n /= 2) {
      for (std::size_t i = 0; i < n / 2; ++i) {
        hashes[i] = hasher_.node(hashes[2 * i], hashes[2 * i + 1]);
      }
    }
    return hashes.front();
  }
  void put(std::uint32_t, std::uint64_t, const Digest&) override {
    TC_ASSERT_MSG(false, "read-log nodes are written by ReadLog itself");
  }

 private:
  const storage::KvReader& kv_;
  storage::LogNodeStore nodes_;
  const crypto::MerkleHasher& hasher_;
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

// Calls `use` with the tree of `size` entries held in `kv`.
template <typename Use>
auto over_tree(const storage::KvReader& kv, const crypto::MerkleHasher& hasher, std::uint64_t size,
               Use&& use) -> decltype(use(std::declval<const crypto::MerkleLog&>())) {
  NodeStore nodes(kv, hasher);
  auto log = crypto::MerkleLog::open(hasher.algorithm(), nodes, size);
  if (!log) return log.error();
  return use(*log);
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
  return open(std::move(*kv), algorithm, std::move(owner));
}

Result<std::unique_ptr<ReadLog>> ReadLog::open(std::shared_ptr<storage::KvStore> kv,
                                               crypto::HashAlgorithm algorithm, ReadLogOwner owner) {
  // Entries are written in index order: the last gives the size.
  std::uint64_t size = 0;
  auto last = kv->last_in_range(kEntries, "", "");
  if (!last) return last.error();
  if (*last) {
    auto index = storage::parse_height_key((*last)->first);
    if (!index) return index.error().with_context("read log");
    size = *index + 1;
  }
  std::uint64_t indexed = size;
  auto stored = kv->get(Column::kMeta, kIndexedKey);
  if (!stored) return stored.error();
  if (*stored) {
    auto value = storage::decode_u64(**stored, "read log indexed size");
    if (!value || *value > size) {
      return Error(ErrorCode::kCorruption,
                   "read log: the index claims more entries than the log holds (" +
                       std::to_string(size) + ")");
    }
    indexed = *value;
  }
  const crypto::MerkleHasher hasher(algorithm);
  NodeStore nodes(*kv, hasher);
  auto tree = crypto::MerkleLog::open(algorithm, nodes, indexed);
  if (!tree) return tree.error().with_context("read log of " + std::to_string(indexed) + " entries");
  std::unique_ptr<ReadLog> log(new ReadLog(kv, algorithm, std::move(owner), tree->frontier()));

  // Index what a crash left unindexed, a batch at a time.
  Status status;
  std::unique_lock lock(log->mutex_);
  Status scanned = kv->scan(kEntries, storage::height_key(indexed), "",
                            [&](std::string_view key, ByteView value) {
                              auto index = storage::parse_height_key(key);
                              auto entry = ledger::decode<ledger::ReadEntry>(value);
                              if (!index || *index != log->frontier_.size() || !entry) {
                                status = Error(ErrorCode::kCorruption,
                                               "read log entry " +
                                                   std::to_string(log->frontier_.size()) +
                                                   " is missing or corrupt");
                                return false;
                              }
                              log->note(*index, *entry, log->hasher_.leaf(value));
                              log->written_ = log->frontier_;
                              if (log->unindexed_.entries < kIndexBatch) return true;
                              status = log->write_until(lock, log->frontier_.size(), true);
                              return status.ok();
                            });
  if (!scanned) return scanned.error();
  if (!status) return status.error().with_context("read log");
  if (Status s = log->write_until(lock, log->frontier_.size(), true); !s) {
    return s.error().with_context("read log");
  }
  lock.unlock();
  return log;
}

ReadLog::ReadLog(std::shared_ptr<storage::KvStore> kv, crypto::HashAlgorithm algorithm,
                 ReadLogOwner owner, crypto::MerkleFrontier frontier)
    : kv_(std::move(kv)),
      hasher_(algorithm),
      owner_(std::move(owner)),
      frontier_(frontier),
      written_(frontier),
      indexed_(frontier.size()) {}

void ReadLog::note(std::uint64_t index, const ledger::ReadEntry& entry, const Digest& leaf) {
  for (const ledger::ParticipantId& participant : entry.about) {
    unindexed_.lists[index_prefix('a', participant)].push_back(index);
  }
  unindexed_.lists[index_prefix('r', entry.reader)].push_back(index);
  frontier_.append(hasher_, leaf, [&](std::uint32_t level, std::uint64_t node, const Digest& hash) {
    if (level >= kStoredLevel) {
      unindexed_.nodes.put(Column::kLogNodes, storage::node_key(level, node), ByteView(hash));
    }
  });
  ++unindexed_.entries;
}

// Group commit: each append adds its entry to the pending batch; whoever
// finds no write in progress writes everything pending in one RocksDB write
// (outside the lock), with the index once kIndexBatch entries wait for it or
// when asked, and every append returns once its own entry is written. Under
// load one write carries several reads' entries.
Status ReadLog::write_until(std::unique_lock<std::mutex>& lock, std::uint64_t size, bool index) {
  while (written_.size() < size || (index && indexed_ < size)) {
    if (failed_) return *failed_;
    if (writing_) {
      written_changed_.wait(lock);
      continue;
    }
    writing_ = true;
    storage::KvBatch batch = std::exchange(pending_, storage::KvBatch());
    crypto::MerkleFrontier after = frontier_;
    std::optional<std::uint64_t> indexing;
    if (index || unindexed_.entries >= kIndexBatch) {
      // Every entry noted so far is in this write or an earlier one.
      Unindexed lists = std::exchange(unindexed_, Unindexed());
      for (const storage::KvBatch::Entry& node : lists.nodes.entries()) {
        batch.put(node.column, node.key, *node.value);
      }
      for (auto& [prefix, indices] : lists.lists) {
        Bytes value;
        value.reserve(indices.size() * 8);
        for (std::uint64_t i : indices) {
          const std::string key = storage::height_key(i);
          value.insert(value.end(), key.begin(), key.end());
        }
        batch.put(kIndex, prefix + storage::height_key(indices.back()), std::move(value));
      }
      indexing = frontier_.size();
      batch.put(Column::kMeta, kIndexedKey, storage::encode_u64(*indexing));
    }
    lock.unlock();
    Status written = kv_->write(batch, false);
    lock.lock();
    writing_ = false;
    if (!written) {
      // The entries of that batch are not in the store but are in the
      // frontier: nothing more can be appended consistently until the log
      // is reopened from what the store holds.
      failed_ = written.error().with_context("read log write failed; restart the node");
      written_changed_.notify_all();
      return *failed_;
    }
    written_ = std::move(after);
    if (indexing) indexed_ = *indexing;
    written_changed_.notify_all();
  }
  return {};
}

Result<std::uint64_t> ReadLog::append(const ledger::ReadEntry& entry) {
  if (Status s = ledger::validate(entry); !s) return s.error();
  Bytes encoded = ledger::encode(entry);
  const Digest leaf = hasher_.leaf(encoded);
  std::unique_lock lock(mutex_);
  if (failed_) return *failed_;
  const std::uint64_t index = frontier_.size();
  pending_.put(kEntries, storage::height_key(index), std::move(encoded));
  note(index, entry, leaf);
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
  // No write is in flight: a synced write makes every written entry durable.
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
  return over_tree(*kv_, hasher_, *indexed, [&](const crypto::MerkleLog& log) {
    return log.root_at(size);
  });
}

Result<std::vector<Digest>> ReadLog::inclusion_proof(std::uint64_t index, std::uint64_t size) {
  auto indexed = index_all();
  if (!indexed) return indexed.error();
  return over_tree(*kv_, hasher_, *indexed, [&](const crypto::MerkleLog& log) {
    return log.inclusion_proof(index, size);
  });
}

Result<std::vector<Digest>> ReadLog::consistency_proof(std::uint64_t size1, std::uint64_t size2) {
  auto indexed = index_all();
  if (!indexed) return indexed.error();
  return over_tree(*kv_, hasher_, *indexed, [&](const crypto::MerkleLog& log) {
    return log.consistency_proof(size1, size2);
  });
}

Result<Bytes> ReadLog::entry(std::uint64_t index) const {
  const std::string key = storage::height_key(index);
  auto value = kv_->get(kEntries, key);
  if (!value) return value.error();
  if (!*value) return no_entry(index);
  return std::move(**value);
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
