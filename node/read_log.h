// A node's read log (docs/oversight.md): every authenticated read its RPC
// serves, appended as a ledger::ReadEntry to an RFC 9162 Merkle log kept in
// data/read-log, beside the block store and apart from it: the reads are
// this node's record, not chain data.
//
// The entries are appended to a file of their own, data/read-log/entries,
// one record each:
//   u32 big-endian length | the first 8 bytes of the entry's leaf hash | entry
// and everything else is in a RocksDB database in the same directory (it
// has the block store's columns and uses five):
//   receipts      u64 big-endian index of an indexed batch's first entry ->
//                 the file offsets of its entries' records and of the end of
//                 its last, u64 big-endian each
//   log_nodes     the tree's nodes of level kStoredLevel and up, keyed as
//                 the ledger-wide log's; the levels below are computed from
//                 the entries (at most 2^kStoredLevel - 2 entries read)
//   tx_index      "a" 00 <participant> 00 <u64 last>: entries about a participant
//                 "r" 00 <participant> 00 <u64 last>: entries by a reader
//                 the value lists the entries' u64 indices, ascending, the
//                 last one in the key (an empty value: that one entry only)
//   transactions  u64 index -> entry: the entries of a log kept before the
//                 file existed (its first file_start entries)
//   meta          "file_start", "indexed_size" and "indexed_end" (the
//                 entries the index covers, and the file offset after the
//                 last), "synced_size" (the size at the last sync()); u64 each
//
// The read path appends the record alone (concurrent appends share one
// write to the file). The index waits in memory and is written once
// kIndexBatch entries have gathered, or when a query needs it: the file is
// synced first, then locations, lists, nodes and the meta keys go in one
// RocksDB write, so the index never covers an entry a power cut could take
// away. Opening indexes whatever a crash left unindexed, from the file, and
// cuts a torn record off its end.
//
// An append returns once its record is in the file (without fsync): a crash
// of the process loses nothing, and a crash of the machine can lose only the
// entries after the last sync() or index write. A checkpoint is taken only
// of a synced log (checkpoint_payload), so no committed checkpoint ever
// covers an entry that a crash could take away.
//
// Memory stays bounded: the log's frontier (at most 64 hashes, twice), the
// records of the appends waiting for their write, and the index of at most
// kIndexBatch entries plus one write's.
//
// Thread-safety: every method may be called from any thread; appends are
// serialised.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "ledger/payloads.h"
#include "ledger/read_log.h"
#include "ledger/state.h"
#include "storage/append_file.h"
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
  // The lowest level of the tree whose nodes are stored.
  static constexpr std::uint32_t kStoredLevel = 4;
  // Entries whose index waits in memory before a write carries it.
  static constexpr std::size_t kIndexBatch = 1024;

  // The entries file's name in the read log's directory.
  static constexpr std::string_view kEntriesFile = "entries";

  // Opens (or creates) the read log in `dir`.
  static Result<std::unique_ptr<ReadLog>> open(const std::filesystem::path& dir,
                                               crypto::HashAlgorithm algorithm, ReadLogOwner owner);
  // The same over any engine and file (the tests' in-memory ones).
  static Result<std::unique_ptr<ReadLog>> open(std::shared_ptr<storage::KvStore> kv,
                                               std::shared_ptr<storage::AppendFile> file,
                                               crypto::HashAlgorithm algorithm, ReadLogOwner owner);

  const crypto::MerkleHasher& hasher() const { return hasher_; }
  const ReadLogOwner& owner() const { return owner_; }

  // Appends `entry` and returns its index. Fails (and appends nothing) if
  // the entry is invalid or the write fails.
  Result<std::uint64_t> append(const ledger::ReadEntry& entry);
  // Makes every entry appended so far durable, with its index; returns how
  // many that is.
  Result<std::uint64_t> sync();

  // Entries written (every append that has returned, and perhaps more).
  std::uint64_t size() const;
  // Entries whose nodes and list entries are written (at most size()).
  std::uint64_t indexed_size() const;
  Digest root() const;
  Result<Digest> root_at(std::uint64_t size);
  Result<std::vector<Digest>> inclusion_proof(std::uint64_t index, std::uint64_t size);
  Result<std::vector<Digest>> consistency_proof(std::uint64_t size1, std::uint64_t size2);
  // The canonical encoding of entry `index`, and its leaf hash (each
  // checked against the record's checksum).
  Result<Bytes> entry(std::uint64_t index) const;
  Result<Digest> leaf(std::uint64_t index) const;

  // Proofs, roots, pages and the checks below first write the index of
  // every entry written so far, so they see the whole log.

  // A page of entry indices in ascending order, from `from` on: all entries,
  // those about `about`, those by `reader`, or those about `about` by
  // `reader`. `next` is where the following page starts, if any may.
  struct Page {
    std::vector<std::uint64_t> indices;
    std::optional<std::uint64_t> next;
  };
  Result<Page> page(const std::optional<std::string>& about, const std::optional<std::string>& reader,
                    std::uint64_t from, std::uint64_t limit);

  // Checks the log against `participant`'s latest checkpoint on chain in
  // `state`: the log must hold at least as many entries, with the same root
  // at that size. A log that fails was lost or replaced after its
  // checkpoint; appending to it would build a history the chain refuses.
  Status check_against(const ledger::StateView& state, std::string_view participant);

  // The payload of the next checkpoint of this log by `participant`, given
  // its latest one in `state`: none if the log has not grown since. Syncs
  // the log first.
  Result<std::optional<ledger::AccessCheckpointPayload>> checkpoint_payload(
      const ledger::StateView& state, std::string_view participant);

 private:
  // The index of appended entries, not yet written: of the entries from
  // unindexed_first_ on.
  struct Unindexed {
    std::map<std::string, std::vector<std::uint64_t>> lists;  // list key prefix -> indices
    storage::KvBatch nodes;
    std::vector<std::uint64_t> offsets;  // each entry's record in the file
  };

  ReadLog(std::shared_ptr<storage::KvStore> kv, std::shared_ptr<storage::AppendFile> file,
          crypto::HashAlgorithm algorithm, ReadLogOwner owner, std::uint64_t file_start,
          std::uint64_t indexed, std::uint64_t indexed_end);

  std::shared_ptr<storage::KvStore> kv_;
  std::shared_ptr<storage::AppendFile> file_;
  crypto::MerkleHasher hasher_;
  ReadLogOwner owner_;
  const std::uint64_t file_start_;  // entries before it are in the engine
  mutable std::mutex mutex_;
  mutable std::condition_variable written_changed_;
  crypto::MerkleFrontier frontier_;   // GUARDED_BY(mutex_): every entry appended
  crypto::MerkleFrontier written_;    // GUARDED_BY(mutex_): those in the file
  Bytes pending_;                     // GUARDED_BY(mutex_): records appended, not yet written
  std::uint64_t appended_end_ = 0;    // GUARDED_BY(mutex_): the file's end once pending_ is in
  bool writing_ = false;              // GUARDED_BY(mutex_)
  std::optional<Error> failed_;       // GUARDED_BY(mutex_): a write failed
  Unindexed unindexed_;               // GUARDED_BY(mutex_)
  std::uint64_t unindexed_first_ = 0;  // GUARDED_BY(mutex_)
  std::uint64_t indexed_ = 0;          // GUARDED_BY(mutex_): entries the store's index covers

  // Adds entry `index` (its record at `offset`) to unindexed_, with the
  // nodes `frontier_` completes with its leaf.
  void note(std::uint64_t index, const ledger::ReadEntry& entry, const Digest& leaf,
            std::uint64_t offset);
  // Indexes the records a crash left after `offset`, and cuts a torn one.
  Status recover(std::uint64_t offset);
  struct Record {
    Bytes entry;
    Digest leaf;
  };
  // Entry `index`, wherever it is kept.
  Result<Record> record(std::uint64_t index) const;
  // Entry `index`, given where its record begins and ends in the file.
  Result<Record> read_record(std::uint64_t index, std::uint64_t begin, std::uint64_t end) const;
  // Writes (group commit) until `size` entries are written, and indexed too
  // if `index`. Fails, and sets failed_, if a write fails.
  Status write_until(std::unique_lock<std::mutex>& lock, std::uint64_t size, bool index);
  // Writes the index of every entry appended so far; returns how many that is.
  Result<std::uint64_t> index_all();
};

// The latest read-log checkpoint `participant` committed, if any.
Result<std::optional<ledger::ReadLogCheckpoint>> read_log_checkpoint(const ledger::StateView& state,
                                                                     std::string_view participant);

}  // namespace tracechain::node
