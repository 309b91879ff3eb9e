// A node's read log (docs/oversight.md): every authenticated read its RPC
// serves, appended as a ledger::ReadEntry to an RFC 9162 Merkle log kept in
// its own RocksDB database (data/read-log), beside the block store and apart
// from it: the reads are this node's record, not chain data.
//
// Layout (the database has the block store's columns and uses four):
//   transactions  u64 big-endian index -> the entry's canonical encoding
//                 (its leaf hash, level 0 of the tree, is computed from it)
//   log_nodes     the tree's nodes of level 1 and up, keyed as the
//                 ledger-wide log's
//   tx_index      "a" 00 <participant> 00 <u64 index>: entries about a participant
//                 "r" 00 <participant> 00 <u64 index>: entries by a reader
//   meta          "synced_size" -> u64: the size at the last sync()
// The log's size is one more than the last entry's index.
// An append returns once its entry and nodes are written to RocksDB (without
// fsync; concurrent appends share one write): a crash of the process loses
// nothing, and a crash of the machine can lose only the
// entries after the last sync(). A checkpoint is taken only of a synced log
// (checkpoint_payload), so no committed checkpoint ever covers an entry that
// a crash could take away.
//
// Memory stays bounded: the log's frontier (at most 64 hashes, twice) and the
// entries of the appends waiting for their write.
//
// Thread-safety: every method may be called from any thread; appends are
// serialised.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>

#include "ledger/payloads.h"
#include "ledger/read_log.h"
#include "ledger/state.h"
#include "storage/kv.h"

namespace tracechain::node {

// Whose log it is: the node that serves the reads, and the participant that
// commits its checkpoints ("" when none does).
struct ReadLogOwner {
  std::string node;
  std::string participant;
};

class ReadLog {
 public:
  // Opens (or creates) the read log in `dir`.
  static Result<std::unique_ptr<ReadLog>> open(const std::filesystem::path& dir,
                                               crypto::HashAlgorithm algorithm, ReadLogOwner owner);
  // The same over any engine (the tests' in-memory one).
  static Result<std::unique_ptr<ReadLog>> open(std::shared_ptr<storage::KvStore> kv,
                                               crypto::HashAlgorithm algorithm, ReadLogOwner owner);

  const crypto::MerkleHasher& hasher() const { return hasher_; }
  const ReadLogOwner& owner() const { return owner_; }

  // Appends `entry` and returns its index. Fails (and appends nothing) if
  // the entry is invalid or the write fails.
  Result<std::uint64_t> append(const ledger::ReadEntry& entry);
  // Makes every entry appended so far durable; returns how many that is.
  Result<std::uint64_t> sync();

  // Entries written (every append that has returned, and perhaps more).
  std::uint64_t size() const;
  Digest root() const;
  Result<Digest> root_at(std::uint64_t size) const;
  Result<std::vector<Digest>> inclusion_proof(std::uint64_t index, std::uint64_t size) const;
  Result<std::vector<Digest>> consistency_proof(std::uint64_t size1, std::uint64_t size2) const;
  // The canonical encoding of entry `index`.
  Result<Bytes> entry(std::uint64_t index) const;

  // A page of entry indices in ascending order, from `from` on: all entries,
  // those about `about`, those by `reader`, or those about `about` by
  // `reader`. `next` is where the following page starts, if any may.
  struct Page {
    std::vector<std::uint64_t> indices;
    std::optional<std::uint64_t> next;
  };
  Result<Page> page(const std::optional<std::string>& about, const std::optional<std::string>& reader,
                    std::uint64_t from, std::uint64_t limit) const;

  // Checks the log against `participant`'s latest checkpoint on chain in
  // `state`: the log must hold at least as many entries, with the same root
  // at that size. A log that fails was lost or replaced after its
  // checkpoint; appending to it would build a history the chain refuses.
  Status check_against(const ledger::StateView& state, std::string_view participant) const;

  // The payload of the next checkpoint of this log by `participant`, given
  // its latest one in `state`: none if the log has not grown since. Syncs
  // the log first.
  Result<std::optional<ledger::AccessCheckpointPayload>> checkpoint_payload(
      const ledger::StateView& state, std::string_view participant);

 private:
  ReadLog(std::shared_ptr<storage::KvStore> kv, crypto::HashAlgorithm algorithm,
          ReadLogOwner owner, crypto::MerkleFrontier frontier);

  std::shared_ptr<storage::KvStore> kv_;
  crypto::MerkleHasher hasher_;
  ReadLogOwner owner_;
  mutable std::mutex mutex_;
  std::condition_variable written_changed_;
  crypto::MerkleFrontier frontier_;  // GUARDED_BY(mutex_): every entry appended
  crypto::MerkleFrontier written_;   // GUARDED_BY(mutex_): those in the store
  storage::KvBatch pending_;         // GUARDED_BY(mutex_): appended, not yet written
  bool writing_ = false;             // GUARDED_BY(mutex_)
  std::optional<Error> failed_;      // GUARDED_BY(mutex_): a write failed
};

// The latest read-log checkpoint `participant` committed, if any.
Result<std::optional<ledger::ReadLogCheckpoint>> read_log_checkpoint(const ledger::StateView& state,
                                                                     std::string_view participant);

}  // namespace tracechain::node
