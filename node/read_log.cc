#include "node/read_log.h"

#include "storage/layout.h"
#include "storage/log_node_store.h"
#include "storage/rocksdb_kv.h"

namespace tracechain::node {

namespace {

using storage::Column;

constexpr Column kEntries = Column::kTransactions;
// Written (with fsync) by sync(): the size the log had then.
constexpr std::string_view kSyncedKey = "synced_size";
constexpr Column kIndex = Column::kTxIndex;

// The log's nodes: level 0 (the leaf hashes) from the entries themselves,
// the levels above from the log_nodes column. Storing only what cannot be
// recomputed keeps an append to four or five keys.
class NodeStore final : public crypto::MerkleNodeStore {
 public:
  NodeStore(const storage::KvReader& kv, const crypto::MerkleHasher& hasher)
      : kv_(kv), nodes_(kv), hasher_(hasher) {}
  Result<Digest> get(std::uint32_t level, std::uint64_t index) const override {
    if (level > 0) return nodes_.get(level, index);
    auto entry = kv_.get(kEntries, storage::height_key(index));
    if (!entry) return entry.error();
    if (!*entry) {
      return Error(ErrorCode::kNotFound, "the read log has no entry " + std::to_string(index));
    }
    return hasher_.leaf(**entry);
  }
  void put(std::uint32_t, std::uint64_t, const Digest&) override {
    TC_ASSERT_MSG(false, "read-log nodes are written by ReadLog::append");
  }

 private:
  const storage::KvReader& kv_;
  storage::LogNodeStore nodes_;
  const crypto::MerkleHasher& hasher_;
};

std::string index_key(char kind, std::string_view participant, std::uint64_t index) {
  std::string key{kind, '\0'};
  key += participant;
  key += '\0';
  key += storage::height_key(index);
  return key;
}

std::string index_prefix(char kind, std::string_view participant) {
  std::string key{kind, '\0'};
  key += participant;
  key += '\0';
  return key;
}

Result<std::uint64_t> index_of_key(std::string_view key) {
  if (key.size() < 8) return Error(ErrorCode::kCorruption, "read log index key too short");
  return storage::parse_height_key(key.substr(key.size() - 8));
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
  // Entries are written in index order, each with the nodes it completes:
  // the last entry gives the size.
  std::uint64_t size = 0;
  auto last = kv->last_in_range(kEntries, "", "");
  if (!last) return last.error();
  if (*last) {
    auto index = storage::parse_height_key((*last)->first);
    if (!index) return index.error().with_context("read log");
    size = *index + 1;
  }
  const crypto::MerkleHasher hasher(algorithm);
  NodeStore nodes(*kv, hasher);
  auto log = crypto::MerkleLog::open(algorithm, nodes, size);
  if (!log) return log.error().with_context("read log of " + std::to_string(size) + " entries");
  return std::unique_ptr<ReadLog>(
      new ReadLog(std::move(kv), algorithm, std::move(owner), log->frontier()));
}

ReadLog::ReadLog(std::shared_ptr<storage::KvStore> kv, crypto::HashAlgorithm algorithm,
                 ReadLogOwner owner, crypto::MerkleFrontier frontier)
    : kv_(std::move(kv)),
      hasher_(algorithm),
      owner_(std::move(owner)),
      frontier_(frontier),
      written_(std::move(frontier)) {}

// Group commit: each append adds its entry to the pending batch; whoever
// finds no write in progress writes everything pending in one RocksDB write
// (outside the lock), and every append returns once its own entry is
// written. Under load one write carries several reads' entries.
Result<std::uint64_t> ReadLog::append(const ledger::ReadEntry& entry) {
  if (Status s = ledger::validate(entry); !s) return s.error();
  Bytes encoded = ledger::encode(entry);
  const Digest leaf = hasher_.leaf(encoded);
  std::unique_lock lock(mutex_);
  if (failed_) return *failed_;
  const std::uint64_t index = frontier_.size();
  pending_.put(kEntries, storage::height_key(index), std::move(encoded));
  for (const ledger::ParticipantId& participant : entry.about) {
    pending_.put(kIndex, index_key('a', participant, index), Bytes{});
  }
  pending_.put(kIndex, index_key('r', entry.reader, index), Bytes{});
  frontier_.append(hasher_, leaf, [&](std::uint32_t level, std::uint64_t node, const Digest& hash) {
    if (level > 0) pending_.put(Column::kLogNodes, storage::node_key(level, node), ByteView(hash));
  });
  while (written_.size() <= index) {
    if (writing_) {
      written_changed_.wait(lock);
      if (failed_) return *failed_;
      continue;
    }
    writing_ = true;
    storage::KvBatch batch = std::exchange(pending_, storage::KvBatch());
    crypto::MerkleFrontier after = frontier_;
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
    written_changed_.notify_all();
  }
  return index;
}

Result<std::uint64_t> ReadLog::sync() {
  std::unique_lock lock(mutex_);
  written_changed_.wait(lock, [&] { return !writing_ || failed_; });
  if (failed_) return *failed_;
  // No write is in flight: a synced write makes every written entry durable.
  storage::KvBatch batch;
  batch.put(Column::kMeta, kSyncedKey, storage::encode_u64(written_.size()));
  if (Status s = kv_->write(batch, true); !s) return s.error();
  return written_.size();
}

std::uint64_t ReadLog::size() const {
  std::lock_guard lock(mutex_);
  return written_.size();
}

Digest ReadLog::root() const {
  std::lock_guard lock(mutex_);
  return written_.root(hasher_);
}

// Proofs and roots read nodes that never change once written; a size at most
// size() names only nodes already written.
Result<Digest> ReadLog::root_at(std::uint64_t size) const {
  NodeStore nodes(*kv_, hasher_);
  auto log = crypto::MerkleLog::open(hasher_.algorithm(), nodes, this->size());
  if (!log) return log.error();
  return log->root_at(size);
}

Result<std::vector<Digest>> ReadLog::inclusion_proof(std::uint64_t index, std::uint64_t size) const {
  NodeStore nodes(*kv_, hasher_);
  auto log = crypto::MerkleLog::open(hasher_.algorithm(), nodes, this->size());
  if (!log) return log.error();
  return log->inclusion_proof(index, size);
}

Result<std::vector<Digest>> ReadLog::consistency_proof(std::uint64_t size1,
                                                       std::uint64_t size2) const {
  NodeStore nodes(*kv_, hasher_);
  auto log = crypto::MerkleLog::open(hasher_.algorithm(), nodes, this->size());
  if (!log) return log.error();
  return log->consistency_proof(size1, size2);
}

Result<Bytes> ReadLog::entry(std::uint64_t index) const {
  const std::string key = storage::height_key(index);
  auto value = kv_->get(kEntries, key);
  if (!value) return value.error();
  if (!*value) {
    return Error(ErrorCode::kNotFound, "the read log has no entry " + std::to_string(index));
  }
  return std::move(**value);
}

Result<ReadLog::Page> ReadLog::page(const std::optional<std::string>& about,
                                    const std::optional<std::string>& reader, std::uint64_t from,
                                    std::uint64_t limit) const {
  Page out;
  const std::uint64_t size = this->size();
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
                             [&](std::string_view key, ByteView) {
                               auto index = index_of_key(key);
                               if (!index) {
                                 status = index.error();
                                 return false;
                               }
                               return keep(*index);
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

Status ReadLog::check_against(const ledger::StateView& state, std::string_view participant) const {
  auto checkpoint = read_log_checkpoint(state, participant);
  if (!checkpoint) return checkpoint.error();
  if (!*checkpoint) return {};
  const std::uint64_t size = this->size();
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
