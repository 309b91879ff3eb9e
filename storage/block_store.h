// The block store: everything a node keeps about its chain — headers,
// blocks, commit certificates, transactions and receipts by hash, the state,
// the ledger-wide Merkle log and the validator sets — behind one interface,
// so the node and the CLI never see the engine underneath.
//
// commit() writes a whole block (transactions, receipts, the transaction
// index, the state delta, the log's new nodes, the certificate and the
// height marker) as ONE atomic, synced batch: after a crash the store holds
// the whole block or none of it, and a block whose commit() returned is never
// lost. Opening checks the schema version, that the store belongs to the
// given genesis, the hash chain of the last blocks and the log at the tip,
// and refuses to start otherwise. docs/storage.md describes the layout and
// the guarantees.
//
// Reads are bounded in memory whatever the ledger's size: point lookups,
// O(log n) node reads for proofs, and prefix scans that stream.
//
// Thread-safety: commit() may be called by one thread at a time (concurrent
// calls are serialised); every read, snapshot and checkpoint may run on any
// thread at the same time as a commit. Block, transaction, receipt and log
// reads only ever see committed blocks. state() is the live state, meant for
// the thread that executes and commits; other threads read state through
// snapshot(), which is consistent with one committed height.
#pragma once

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "ledger/execution.h"
#include "ledger/queries.h"
#include "storage/kv.h"
#include "storage/layout.h"
#include "storage/rocksdb_kv.h"
#include "storage/state_view.h"

namespace tracechain::storage {

struct StoredTransaction {
  ledger::Transaction transaction;
  Digest hash{};
  TxLocation location;
};

// Proof that a transaction and its receipt are leaf `leaf_index` of the
// ledger-wide log of `log_size` leaves. Check it against the log root of a
// certified header with that log size (verify_inclusion_proof).
struct InclusionProof {
  ledger::LogLeaf leaf;
  std::uint64_t leaf_index = 0;
  std::uint64_t log_size = 0;
  std::vector<Digest> path;
};

Status verify_inclusion_proof(const crypto::MerkleHasher& hasher, const InclusionProof& proof,
                              const Digest& log_root);

// A trade's trail (ledger::trade_trail) with the receipt of every
// transaction in it, as an auditor reads it.
struct TradeTrailReceipts {
  ledger::TradeTrail trail;
  std::uint64_t height = 0;  // the committed height the trail was read at
  std::vector<ledger::Receipt> steps;           // one per trail.steps entry
  ledger::Receipt registration;                 // of trail.registration
  std::vector<ledger::Receipt> source_reviews;  // one per trail.source_reviews entry
  std::vector<ledger::Receipt> attestations;    // one per trail.attestations entry
};

struct StoreOptions {
  // Blocks below the tip whose hash chain and certificates open() checks.
  std::uint64_t verify_depth = 64;
  // Write the genesis into an empty store; otherwise an empty store is kNotFound.
  bool initialise_if_empty = true;
  // If set, hears what a long open is doing (building the state tree reads
  // the whole state): a line every 2^20 state keys and when it is done.
  std::function<void(const std::string&)> progress;
};

class BlockStore {
 public:
  virtual ~BlockStore() = default;

  // ------------------------------------------------------------ the chain

  virtual const ledger::ChainParams& params() const = 0;
  // What executing the next block needs (genesis_tip() before block 1).
  virtual ledger::ChainTip tip() const = 0;
  virtual std::uint64_t height() const = 0;

  // Commits `block`, certified by `certificate`, as executed by `executed`
  // (ledger::execute_block / validate_block / build_block on state() and
  // tip()), writing the encodings, hashes and log nodes the execution result
  // carries without deriving them again. Refuses, changing nothing, a block
  // that does not follow the tip (kConflict), or whose certificate is for
  // another block, whose header is not the one the execution result calls
  // for (every root, the log size, the signing set), or whose result does not
  // cover its transactions one for one (kInvalidInput). The certificate's
  // signatures are not checked here (consensus and block sync do that); the
  // roots are re-derived from the stored bytes at open (the tip block),
  // by verify_chain and by the audit. After a failed write the store refuses further commits until it
  // is reopened, since what reached the disk is then unknown.
  virtual Status commit(const ledger::BlockHeader& header,
                        const ledger::CommitCertificate& certificate,
                        const ledger::ExecutedBlock& executed) = 0;
  // The same, refusing first (kInvalidInput) an execution result that is not
  // of `block`'s transactions, one for one, by hash.
  Status commit(const ledger::AdmittedBlock& block, const ledger::CommitCertificate& certificate,
                const ledger::ExecutedBlock& executed);
  Status commit(const ledger::Block& block, const ledger::CommitCertificate& certificate,
                const ledger::ExecutedBlock& executed);

  // ------------------------------------------------------------- blocks

  // kNotFound above the tip (and at height 0: genesis has no header).
  virtual Result<ledger::BlockHeader> header(std::uint64_t height) const = 0;
  virtual Result<ledger::Block> block(std::uint64_t height) const = 0;
  // The same block with each transaction's stored bytes and hash, read and
  // decoded once (what a replay executes).
  virtual Result<ledger::AdmittedBlock> admitted_block(std::uint64_t height) const = 0;
  virtual Result<ledger::CommitCertificate> certificate(std::uint64_t height) const = 0;
  virtual Result<std::vector<ledger::Receipt>> receipts(std::uint64_t height) const = 0;

  // kNotFound for a transaction that is not committed.
  virtual Result<TxLocation> locate(const Digest& tx_hash) const = 0;
  virtual Result<StoredTransaction> transaction(const Digest& tx_hash) const = 0;
  virtual Result<ledger::Receipt> receipt(const Digest& tx_hash) const = 0;
  virtual Result<ledger::Receipt> receipt_at(const TxLocation& location) const = 0;

  // -------------------------------------------------------------- state

  // The live state after the tip. Throws ledger::StateReadError on an engine
  // failure (execution and the ledger's queries turn it into an Error).
  virtual const ledger::StateView& state() const = 0;
  // The state at the current tip, unaffected by later commits.
  virtual Result<std::unique_ptr<StateSnapshot>> snapshot() const = 0;
  // The validator set that signs block `height` (1 <= height <= tip + 1).
  virtual Result<ledger::ValidatorSet> validators_at(std::uint64_t height) const = 0;
  // The set that signs the next block.
  Result<ledger::ValidatorSet> validators() const { return validators_at(height() + 1); }
  // The heights in [from, to] whose block changed the validator set (a new
  // set signs from the next height), ascending, at most `limit` of them;
  // read from the index of sets, so the cost follows the changes found,
  // not the heights covered.
  virtual Result<std::vector<std::uint64_t>> validator_set_changes(std::uint64_t from,
                                                                   std::uint64_t to,
                                                                   std::size_t limit) const = 0;

  // The state tree after block `height` (ledger/state_tree.h), on a chain
  // that commits to one (kUnsupported otherwise). Only the last few heights
  // are held (kNotFound for the others): the tree lives in memory, built
  // from the stored state at open and updated by every commit.
  virtual Result<std::shared_ptr<const ledger::StateTree>> state_tree(
      std::uint64_t height) const = 0;

  // The trail of `trade_id` at one committed height, with every receipt:
  // the current one, or that of `snapshot` (one of this store's).
  Result<TradeTrailReceipts> trade_trail(std::string_view trade_id) const;
  Result<TradeTrailReceipts> trade_trail(const StateSnapshot& snapshot,
                                         std::string_view trade_id) const;

  // ------------------------------------------------------------ the log

  // Root and frontier of the log at any committed size (0 ..= tip's size).
  virtual Result<Digest> log_root(std::uint64_t size) const = 0;
  virtual Result<crypto::MerkleFrontier> log_frontier(std::uint64_t size) const = 0;
  // Inclusion of a committed transaction in the log of `log_size` leaves;
  // `log_size` must cover the transaction and be at most the tip's size.
  virtual Result<InclusionProof> inclusion_proof(const Digest& tx_hash,
                                                 std::uint64_t log_size) const = 0;
  // RFC 9162 consistency proof, 0 < size1 <= size2 <= the tip's size.
  virtual Result<std::vector<Digest>> consistency_proof(std::uint64_t size1,
                                                        std::uint64_t size2) const = 0;

  // ------------------------------------------------------------ backups

  // An online, consistent copy of the store in the new directory `dir`
  // (RocksDB Checkpoint: hard links where possible). Commits may continue
  // meanwhile; the copy holds a prefix of the chain, whole blocks only.
  virtual Status create_checkpoint(const std::filesystem::path& dir) const = 0;
};

// Opens the store over any engine: checks an existing store against
// `genesis` (see the top of this file), or initialises an empty one with the
// genesis state in one synced batch.
Result<std::unique_ptr<BlockStore>> open_block_store(std::shared_ptr<KvStore> kv,
                                                     const ledger::Genesis& genesis,
                                                     const StoreOptions& options = {});

// The node's store: RocksDB in `path`.
Result<std::unique_ptr<BlockStore>> open_rocksdb_block_store(
    const std::filesystem::path& path, const ledger::Genesis& genesis,
    const StoreOptions& options = {}, const RocksDbOptions& rocksdb = {});

// A fresh store in memory, for tests and the consensus simulator.
Result<std::unique_ptr<BlockStore>> open_memory_block_store(const ledger::Genesis& genesis);

}  // namespace tracechain::storage
