// The one BlockStore implementation, written against KvStore so that RocksDB,
// memory and fault-injecting engines all run the same logic.
//
// Invariants kept by commit() and checked by open():
//  - meta.last_height = H, and headers, certificates, transactions, receipts
//    hold exactly the blocks 1..H (nothing above H: a batch is all or nothing);
//  - log_nodes holds every perfect-subtree root of the log of header(H).log_size
//    leaves, and nothing beyond it;
//  - tx_index maps each committed transaction hash to its (height, index);
//  - validator_sets holds the set that signs each height from where it changed;
//  - state is genesis followed by the deltas of blocks 1..H.
#include <limits>
#include <map>
#include <mutex>

#include "ledger/follower.h"
#include "ledger/genesis.h"
#include "storage/block_store.h"
#include "storage/log_node_store.h"

namespace tracechain::storage {

namespace {

using ledger::Block;
using ledger::BlockHeader;
using ledger::ChainTip;
using ledger::CommitCertificate;
using ledger::ExecutedBlock;
using ledger::Receipt;

Error corruption(const std::string& message) { return Error(ErrorCode::kCorruption, message); }

std::string short_hex(const Digest& digest) { return to_hex(ByteView(digest).first(8)) + "…"; }

class KvBlockStore final : public BlockStore {
 public:
  static Result<std::unique_ptr<BlockStore>> open(std::shared_ptr<KvStore> kv,
                                                  const ledger::Genesis& genesis,
                                                  const StoreOptions& options) {
    if (Status s = ledger::validate(genesis); !s) return s.error().with_context("genesis");
    std::unique_ptr<KvBlockStore> store(new KvBlockStore(std::move(kv), genesis));
    if (Status s = store->start(genesis, options); !s) {
      return s.error().with_context(store->kv_->describe() + ": refusing to open");
    }
    return std::unique_ptr<BlockStore>(std::move(store));
  }

  const ledger::ChainParams& params() const override { return params_; }

  ChainTip tip() const override {
    std::lock_guard lock(tip_mutex_);
    return tip_;
  }

  std::uint64_t height() const override {
    std::lock_guard lock(tip_mutex_);
    return tip_.height;
  }

  using BlockStore::commit;
  Status commit(const BlockHeader& header, const CommitCertificate& certificate,
                const ExecutedBlock& executed) override;

  Result<BlockHeader> header(std::uint64_t height) const override {
    return read_header(*kv_, height);
  }

  Result<Block> block(std::uint64_t height) const override {
    auto header = read_header(*kv_, height);
    if (!header) return header.error();
    Block block;
    block.header = std::move(*header);
    Status s = scan_block<ledger::Transaction>(
        *kv_, Column::kTransactions, height,
        [&](ledger::Transaction tx, ByteView) { block.transactions.push_back(std::move(tx)); });
    if (!s) return s.error();
    return block;
  }

  Result<ledger::AdmittedBlock> admitted_block(std::uint64_t height) const override {
    auto header = read_header(*kv_, height);
    if (!header) return header.error();
    ledger::AdmittedBlock block;
    block.header = std::move(*header);
    Status s = scan_block<ledger::Transaction>(
        *kv_, Column::kTransactions, height, [&](ledger::Transaction tx, ByteView bytes) {
          Digest hash = ledger::transaction_hash(params_.suite, bytes);
          block.transactions.push_back(std::make_shared<const ledger::AdmittedTx>(
              ledger::AdmittedTx{std::move(tx), std::make_shared<const Bytes>(bytes.begin(), bytes.end()),
                                 hash, {}}));
        });
    if (!s) return s.error();
    return block;
  }

  Result<CommitCertificate> certificate(std::uint64_t height) const override {
    return read_record<CommitCertificate>(*kv_, Column::kCertificates, height_key(height),
                                          [&] { return missing_block(height); });
  }

  Result<std::vector<Receipt>> receipts(std::uint64_t height) const override {
    if (auto header = read_header(*kv_, height); !header) return header.error();
    std::vector<Receipt> receipts;
    Status s = scan_block<Receipt>(*kv_, Column::kReceipts, height, [&](Receipt receipt, ByteView) {
      receipts.push_back(std::move(receipt));
    });
    if (!s) return s.error();
    return receipts;
  }

  Result<TxLocation> locate(const Digest& tx_hash) const override {
    return read_record<TxLocation>(*kv_, Column::kTxIndex, hash_key(tx_hash), [&] {
      return Error(ErrorCode::kNotFound, "transaction " + to_hex(tx_hash) + " is not committed");
    });
  }

  Result<StoredTransaction> transaction(const Digest& tx_hash) const override {
    auto location = locate(tx_hash);
    if (!location) return location.error();
    std::string key = tx_key(location->height, location->index);
    auto bytes = kv_->get(Column::kTransactions, key);
    if (!bytes) return bytes.error();
    if (!*bytes) return dangling_index(tx_hash, Column::kTransactions, key);
    // The index is checked against the bytes it leads to: a wrong pointer
    // must not make the store answer with another transaction.
    if (ledger::transaction_hash(params_.suite, **bytes) != tx_hash) {
      return corruption("tx_index entry of " + to_hex(tx_hash) + " leads to " +
                        describe_key(Column::kTransactions, key) +
                        ", which holds another transaction");
    }
    auto tx = decode_stored<ledger::Transaction>(**bytes, Column::kTransactions, key);
    if (!tx) return tx.error();
    return StoredTransaction{std::move(*tx), tx_hash, *location};
  }

  Result<Receipt> receipt(const Digest& tx_hash) const override {
    auto location = locate(tx_hash);
    if (!location) return location.error();
    auto receipt = receipt_at(*location);
    if (!receipt && receipt.error().code() == ErrorCode::kNotFound) {
      return dangling_index(tx_hash, Column::kReceipts, tx_key(location->height, location->index));
    }
    if (receipt && receipt->tx_hash != tx_hash) {
      return corruption("tx_index entry of " + to_hex(tx_hash) +
                        " leads to the receipt of another transaction");
    }
    return receipt;
  }

  Result<Receipt> receipt_at(const TxLocation& location) const override {
    std::string key = tx_key(location.height, location.index);
    auto receipt = read_record<Receipt>(*kv_, Column::kReceipts, key, [&] {
      return Error(ErrorCode::kNotFound, "no transaction at height " +
                                             std::to_string(location.height) + ", index " +
                                             std::to_string(location.index));
    });
    if (receipt && (receipt->height != location.height || receipt->index != location.index)) {
      return corruption(describe_key(Column::kReceipts, key) + " holds the receipt of height " +
                        std::to_string(receipt->height) + ", index " +
                        std::to_string(receipt->index));
    }
    return receipt;
  }

  const ledger::StateView& state() const override { return state_; }

  Result<std::unique_ptr<StateSnapshot>> snapshot() const override {
    std::unique_ptr<KvReader> reader = kv_->snapshot();
    // The height marker is written in the same batch as the state, so the
    // snapshot's own marker says which block its state belongs to.
    auto height = read_last_height(*reader);
    if (!height) return height.error();
    return std::make_unique<StateSnapshot>(std::move(reader), *height);
  }

  Result<ledger::ValidatorSet> validators_at(std::uint64_t height) const override {
    std::uint64_t tip_height = this->height();
    if (height == 0 || height > tip_height + 1) {
      return Error(ErrorCode::kNotFound, "no validator set signs height " +
                                             std::to_string(height) + " (the chain is at " +
                                             std::to_string(tip_height) + ")");
    }
    return read_validators_at(*kv_, height);
  }

  Result<std::vector<std::uint64_t>> validator_set_changes(std::uint64_t from, std::uint64_t to,
                                                           std::size_t limit) const override {
    std::vector<std::uint64_t> heights;
    if (from > to || limit == 0) return heights;
    // A change at height h is stored as the set that signs from h + 1.
    std::optional<Error> bad;
    Status scanned = kv_->scan(
        Column::kValidatorSets, height_key(from + 1), height_key(to + 2),
        [&](std::string_view key, ByteView) {
          auto first = parse_height_key(key);
          if (!first || *first == 0) {
            bad = corruption("validator_sets holds a malformed key");
            return false;
          }
          heights.push_back(*first - 1);
          return heights.size() < limit;
        });
    if (!scanned) return scanned.error();
    if (bad) return *bad;
    return heights;
  }

  Result<Digest> log_root(std::uint64_t size) const override {
    if (size == 0) return hasher_.empty_root();
    auto frontier = log_frontier(size);
    if (!frontier) return frontier.error();
    return frontier->root(hasher_);
  }

  Result<crypto::MerkleFrontier> log_frontier(std::uint64_t size) const override {
    if (Status s = check_committed_size(size); !s) return s.error();
    LogNodeStore nodes(*kv_);
    auto log = crypto::MerkleLog::open(hasher_.algorithm(), nodes, size);
    if (!log) return log.error();
    return log->frontier();
  }

  Result<InclusionProof> inclusion_proof(const Digest& tx_hash,
                                         std::uint64_t log_size) const override;

  Result<std::vector<Digest>> consistency_proof(std::uint64_t size1,
                                                std::uint64_t size2) const override {
    if (Status s = check_committed_size(size2); !s) return s.error();
    LogNodeStore nodes(*kv_);
    auto log = crypto::MerkleLog::open(hasher_.algorithm(), nodes, size2);
    if (!log) return log.error();
    return log->consistency_proof(size1, size2);
  }

  Status create_checkpoint(const std::filesystem::path& dir) const override {
    return kv_->checkpoint(dir);
  }

  Result<std::shared_ptr<const ledger::StateTree>> state_tree(
      std::uint64_t height) const override {
    if (!params_.state_tree) {
      return Error(ErrorCode::kUnsupported,
                   "chain '" + params_.chain_id +
                       "' does not commit to a state tree (its headers are of format 1)");
    }
    std::lock_guard lock(tip_mutex_);
    if (auto it = trees_.find(height); it != trees_.end()) return it->second;
    std::string held = trees_.empty() ? std::string("none")
                                      : std::to_string(trees_.begin()->first) + " to " +
                                            std::to_string(trees_.rbegin()->first);
    return Error(ErrorCode::kNotFound, "the state tree of height " + std::to_string(height) +
                                           " is not held (this node holds heights " + held +
                                           ")");
  }

 private:
  KvBlockStore(std::shared_ptr<KvStore> kv, const ledger::Genesis& genesis)
      : kv_(std::move(kv)),
        params_(ledger::chain_params(genesis)),
        hasher_(params_.hash_algorithm()),
        state_(*kv_),
        tip_(ledger::genesis_tip(genesis)) {}

  Status start(const ledger::Genesis& genesis, const StoreOptions& options);
  Status initialise(const ledger::Genesis& genesis);
  Status check_identity(const ledger::Genesis& genesis) const;
  Status load_tip(const ledger::Genesis& genesis, std::uint64_t last, std::uint64_t depth);
  Status check_nothing_above(std::uint64_t last, std::uint64_t log_size) const;
  Status check_block_contents(const BlockHeader& header) const;
  Status check_state_agrees(std::uint64_t last, const StoreOptions& options);
  // Keeps `tree` as the state tree of `height`, handing the oldest beyond
  // kHeldStateTrees to the releaser. Call with tip_mutex_ held.
  void retain_tree(std::uint64_t height, std::shared_ptr<const ledger::StateTree> tree) {
    if (!tree) return;
    trees_.insert_or_assign(height, std::move(tree));
    while (trees_.size() > kHeldStateTrees) {
      releaser_.release(std::move(trees_.begin()->second));
      trees_.erase(trees_.begin());
    }
  }
  Status prepare(const BlockHeader& header, const CommitCertificate& certificate,
                 const ExecutedBlock& executed, const ChainTip& tip,
                 const ledger::ValidatorSet& signers, KvBatch& batch,
                 crypto::MerkleFrontier& log_after) const;

  Error missing_block(std::uint64_t height) const {
    return Error(ErrorCode::kNotFound, "no block at height " + std::to_string(height) +
                                           " (the last committed height is " +
                                           std::to_string(this->height()) + ")");
  }

  static Error dangling_index(const Digest& tx_hash, Column column, const std::string& key) {
    return corruption("tx_index entry of " + to_hex(tx_hash) + " leads to " +
                      describe_key(column, key) + ", which is absent");
  }

  Status check_committed_size(std::uint64_t size) const {
    std::uint64_t committed = tip().log.size();
    if (size > committed) {
      return Error(ErrorCode::kNotFound, "log size " + std::to_string(size) +
                                             " is beyond the committed log (" +
                                             std::to_string(committed) + " leaves)");
    }
    return {};
  }

  template <ledger::Decodable T, typename Missing>
  static Result<T> read_record(const KvReader& reader, Column column, const std::string& key,
                               Missing&& missing) {
    auto bytes = reader.get(column, key);
    if (!bytes) return bytes.error();
    if (!*bytes) return missing();
    return decode_stored<T>(**bytes, column, key);
  }

  Result<BlockHeader> read_header(const KvReader& reader, std::uint64_t height) const {
    if (height == 0) {
      return Error(ErrorCode::kNotFound, "height 0 is the genesis, which has no header");
    }
    std::string key = height_key(height);
    auto header = read_record<BlockHeader>(reader, Column::kHeaders, key,
                                           [&] { return missing_block(height); });
    if (header && header->height != height) {
      return corruption(describe_key(Column::kHeaders, key) + " holds the header of height " +
                        std::to_string(header->height));
    }
    return header;
  }

  // Decodes the entries of one block in `column` (transactions or receipts),
  // checking that their indexes run 0, 1, 2, ... without a gap.
  template <ledger::Decodable T, typename Sink>
  static Status scan_block(const KvReader& reader, Column column, std::uint64_t height,
                           Sink&& sink) {
    std::uint32_t expected = 0;
    std::optional<Error> failure;
    Status s = reader.scan_prefix(column, height_key(height),
                                  [&](std::string_view key, ByteView value) {
                                    auto parts = parse_tx_key(key);
                                    if (!parts || parts->index != expected) {
                                      failure = corruption(
                                          "block " + std::to_string(height) + " lacks entry " +
                                          std::to_string(expected) + " in " +
                                          std::string(column_name(column)));
                                      return false;
                                    }
                                    auto item = decode_stored<T>(value, column, key);
                                    if (!item) {
                                      failure = item.error();
                                      return false;
                                    }
                                    sink(std::move(*item), value);
                                    ++expected;
                                    return true;
                                  });
    if (!s) return s;
    if (failure) return *failure;
    return {};
  }

  static Result<std::uint64_t> read_last_height(const KvReader& reader) {
    auto bytes = reader.get(Column::kMeta, meta::kLastHeight);
    if (!bytes) return bytes.error();
    if (!*bytes) return corruption("meta['last_height'] is missing");
    return decode_u64(**bytes, "meta['last_height']");
  }

  // The set that signs `height`: the latest change at or below it.
  static Result<ledger::ValidatorSet> read_validators_at(const KvReader& reader,
                                                         std::uint64_t height) {
    auto entry = reader.last_in_range(Column::kValidatorSets, "", height_key(height + 1));
    if (!entry) return entry.error();
    if (!*entry) {
      return corruption("validator_sets holds no set for height " + std::to_string(height));
    }
    return decode_stored<ledger::ValidatorSet>((*entry)->second, Column::kValidatorSets,
                                               (*entry)->first);
  }

  const std::shared_ptr<KvStore> kv_;
  const ledger::ChainParams params_;
  const crypto::MerkleHasher hasher_;
  const KvStateView state_;

  std::mutex commit_mutex_;  // one commit at a time
  std::optional<Error> write_failure_;  // guarded by commit_mutex_

  mutable std::mutex tip_mutex_;
  ChainTip tip_;                        // guarded by tip_mutex_
  ledger::ValidatorSet next_signers_;   // the set that signs tip_.height + 1; guarded by tip_mutex_
  // The state trees of the last few heights, for proofs at a snapshot that
  // a commit has just overtaken; guarded by tip_mutex_.
  static constexpr std::size_t kHeldStateTrees = 8;
  std::map<std::uint64_t, std::shared_ptr<const ledger::StateTree>> trees_;
  // Declared last, so that it is destroyed first: the versions it still
  // holds are freed before the store's other members go.
  ledger::StateTreeReleaser releaser_;
};

// --------------------------------------------------------------- opening

Status KvBlockStore::start(const ledger::Genesis& genesis, const StoreOptions& options) {
  auto schema = kv_->get(Column::kMeta, meta::kSchemaVersion);
  if (!schema) return schema.error();
  if (!*schema) {
    for (Column column : kAllColumns) {
      auto any = kv_->last_in_range(column, "", "");
      if (!any) return any.error();
      if (*any) {
        return corruption("the store has data in '" + std::string(column_name(column)) +
                          "' but no schema version: it is not a tracechain store");
      }
    }
    if (!options.initialise_if_empty) {
      return Error(ErrorCode::kNotFound, "the store is empty (no chain was initialised)");
    }
    if (Status s = initialise(genesis); !s) return s;
    schema = kv_->get(Column::kMeta, meta::kSchemaVersion);
    if (!schema) return schema.error();
  }
  auto version = decode_u32(**schema, "meta['schema_version']");
  if (!version) return version.error();
  if (*version != kSchemaVersion) {
    return Error(ErrorCode::kUnsupported,
                 "the store has schema version " + std::to_string(*version) +
                     "; this build reads version " + std::to_string(kSchemaVersion) +
                     " (use a build that matches the data, or restore a backup)");
  }
  if (Status s = check_identity(genesis); !s) return s;
  auto last = read_last_height(*kv_);
  if (!last) return last.error();
  try {
    if (Status s = load_tip(genesis, *last, options.verify_depth); !s) return s;
    return check_state_agrees(*last, options);
  } catch (const ledger::StateReadError& e) {
    return corruption(std::string("state cannot be read: ") + e.what());
  }
}

Status KvBlockStore::initialise(const ledger::Genesis& genesis) {
  KvBatch batch;
  batch.put(Column::kMeta, meta::kSchemaVersion, encode_u32(kSchemaVersion));
  batch.put(Column::kMeta, meta::kGenesis, ledger::encode(genesis));
  batch.put(Column::kMeta, meta::kLastHeight, encode_u64(0));
  for (const ledger::StateWrite& write : ledger::genesis_delta(genesis)) {
    if (write.value) {
      batch.put(Column::kState, write.key, *write.value);
    } else {
      batch.erase(Column::kState, write.key);
    }
  }
  batch.put(Column::kValidatorSets, height_key(1), ledger::encode(genesis.validators));
  if (Status s = kv_->write(batch, true); !s) {
    return s.error().with_context("writing the genesis state");
  }
  return {};
}

Status KvBlockStore::check_identity(const ledger::Genesis& genesis) const {
  auto bytes = kv_->get(Column::kMeta, meta::kGenesis);
  if (!bytes) return bytes.error();
  if (!*bytes) return corruption("meta['genesis'] is missing");
  auto stored = decode_stored<ledger::Genesis>(**bytes, Column::kMeta, meta::kGenesis);
  if (!stored) return stored.error();
  if (stored->chain_id != genesis.chain_id) {
    return Error(ErrorCode::kConflict, "the store holds chain '" + stored->chain_id +
                                           "', but the genesis given is for chain '" +
                                           genesis.chain_id + "'");
  }
  Digest stored_hash = ledger::genesis_hash(*stored);
  if (stored_hash != params_.genesis_hash) {
    return Error(ErrorCode::kConflict,
                 "the store was created from another genesis of chain '" + genesis.chain_id +
                     "' (stored genesis hash " + to_hex(stored_hash) + ", given " +
                     to_hex(params_.genesis_hash) + ")");
  }
  return {};
}

Status KvBlockStore::load_tip(const ledger::Genesis& genesis, std::uint64_t last,
                              std::uint64_t depth) {
  ChainTip tip = ledger::genesis_tip(genesis);
  if (last > 0) {
    std::uint64_t from = last >= depth ? last - depth + 1 : 1;
    Digest previous = params_.genesis_hash;
    if (from > 1) {
      auto before = read_header(*kv_, from - 1);
      if (!before) return before.error();
      previous = ledger::header_hash(hasher_.algorithm(), *before);
    }
    BlockHeader header;
    for (std::uint64_t h = from; h <= last; ++h) {
      auto read = read_header(*kv_, h);
      if (!read) {
        return read.error().code() == ErrorCode::kNotFound
                   ? corruption("the header of height " + std::to_string(h) +
                                " is missing below the last committed height " +
                                std::to_string(last))
                   : read.error();
      }
      header = std::move(*read);
      if (header.chain_id != params_.chain_id) {
        return corruption("the header of height " + std::to_string(h) + " is for chain '" +
                          header.chain_id + "'");
      }
      if (header.previous_hash != previous) {
        return corruption("the hash chain is broken at height " + std::to_string(h) +
                          ": its previous hash " + short_hex(header.previous_hash) +
                          " is not the hash of block " + std::to_string(h - 1) + " (" +
                          short_hex(previous) + ")");
      }
      previous = ledger::header_hash(hasher_.algorithm(), header);
      auto certificate = this->certificate(h);
      if (!certificate) {
        return corruption("block " + std::to_string(h) + " has no readable commit certificate: " +
                          certificate.error().message());
      }
      if (certificate->height != h || certificate->block_hash != previous) {
        return corruption("the commit certificate stored at height " + std::to_string(h) +
                          " is not for block " + std::to_string(h));
      }
    }
    if (Status s = check_block_contents(header); !s) return s;
    LogNodeStore nodes(*kv_);
    auto log = crypto::MerkleLog::open(hasher_.algorithm(), nodes, header.log_size);
    if (!log) {
      return corruption("the Merkle log of the tip (" + std::to_string(header.log_size) +
                        " leaves) cannot be read: " + log.error().message());
    }
    if (log->root() != header.log_root) {
      return corruption("the stored Merkle log nodes give root " + short_hex(log->root()) +
                        " at size " + std::to_string(header.log_size) +
                        ", but the tip's header says " + short_hex(header.log_root));
    }
    tip = ChainTip{last, previous, header.time_ms, header.state_root, log->frontier(), nullptr};
  }
  if (Status s = check_nothing_above(last, tip.log.size()); !s) return s;
  auto signers = read_validators_at(*kv_, last + 1);
  if (!signers) return signers.error();
  std::lock_guard lock(tip_mutex_);
  tip_ = std::move(tip);
  next_signers_ = std::move(*signers);
  return {};
}

// A batch is all or nothing, so anything above the height marker means the
// store was not written by commit(): refuse rather than serve half a block.
Status KvBlockStore::check_nothing_above(std::uint64_t last, std::uint64_t log_size) const {
  std::string above = height_key(last + 1);
  for (Column column : {Column::kHeaders, Column::kCertificates, Column::kTransactions,
                        Column::kReceipts}) {
    auto entry = kv_->last_in_range(column, above, "");
    if (!entry) return entry.error();
    if (*entry) {
      return corruption(describe_key(column, (*entry)->first) +
                        " exists above the last committed height " + std::to_string(last));
    }
  }
  auto leaf = kv_->last_in_range(Column::kLogNodes, node_key(0, log_size), node_key(1, 0));
  if (!leaf) return leaf.error();
  if (*leaf) {
    return corruption(describe_key(Column::kLogNodes, (*leaf)->first) +
                      " exists beyond the committed log size " + std::to_string(log_size));
  }
  return {};
}

// The tip block must be whole: its transactions and receipts re-derive the
// roots its header commits to, on top of the stored log before it.
Status KvBlockStore::check_block_contents(const BlockHeader& header) const {
  std::string where = "block " + std::to_string(header.height) + " (the tip)";
  auto block = admitted_block(header.height);
  if (!block) return block.error();
  auto receipts = this->receipts(header.height);
  if (!receipts) return receipts.error();
  std::vector<Digest> tx_hashes = block->tx_hashes();
  std::vector<Digest> receipt_hashes;
  for (const Receipt& receipt : *receipts) {
    receipt_hashes.push_back(ledger::receipt_hash(hasher_.algorithm(), receipt));
  }
  if (Status s = ledger::check_receipt_positions(tx_hashes, *receipts, header.height); !s) {
    return corruption(where + ": " + s.error().message());
  }
  std::uint64_t size_before = 0;
  if (header.height > 1) {
    auto before = read_header(*kv_, header.height - 1);
    if (!before) return before.error();
    size_before = before->log_size;
  }
  LogNodeStore nodes(*kv_);
  auto log_before = crypto::MerkleLog::open(hasher_.algorithm(), nodes, size_before);
  if (!log_before) {
    return corruption(where + ": the Merkle log before it (" + std::to_string(size_before) +
                      " leaves) cannot be read: " + log_before.error().message());
  }
  ledger::BlockRoots roots = ledger::derive_roots(hasher_, tx_hashes, receipt_hashes,
                                                  header.height, log_before->frontier());
  if (Status s = ledger::check_roots(header, roots); !s) {
    return corruption(where + ": " + s.error().message());
  }
  return {};
}

Status KvBlockStore::check_state_agrees(std::uint64_t last, const StoreOptions& options) {
  auto params = ledger::read_chain_params(state_);
  if (!params) return corruption("the state has no readable chain parameters: " +
                                 params.error().message());
  if (*params != params_) return corruption("the state's chain parameters are not the genesis's");
  auto validators = ledger::read_validators(state_);
  if (!validators) return validators.error();
  std::lock_guard lock(tip_mutex_);
  if (ledger::validator_set_hash(*validators) != ledger::validator_set_hash(next_signers_)) {
    return corruption("the validator set in the state differs from validator_sets at height " +
                      std::to_string(last + 1));
  }
  if (params_.state_tree) {
    // The tree is held in memory only: built again from the stored state, it
    // must give the root the tip's header committed to.
    std::function<void(std::size_t)> keys_read;
    if (options.progress) {
      keys_read = [&](std::size_t keys) {
        options.progress("building the state tree: " + std::to_string(keys) +
                         " state keys read");
      };
    }
    auto tree = std::make_shared<const ledger::StateTree>(
        ledger::StateTree::of(params_.hash_algorithm(), state_, keys_read));
    if (tree->root() != tip_.state_root) {
      return corruption("the stored state gives state root " + short_hex(tree->root()) +
                        ", but the header at height " + std::to_string(last) + " says " +
                        short_hex(tip_.state_root));
    }
    tip_.tree = tree;
    retain_tree(last, std::move(tree));
  }
  return {};
}

// ----------------------------------------------------------------- commit

Status KvBlockStore::commit(const BlockHeader& header, const CommitCertificate& certificate,
                            const ExecutedBlock& executed) {
  std::lock_guard commit_lock(commit_mutex_);
  std::string where = "block " + std::to_string(header.height);
  if (write_failure_) {
    return Error(ErrorCode::kIo, where + ": refused, because an earlier commit failed to write (" +
                                     write_failure_->message() +
                                     "); reopen the store to see what reached the disk");
  }
  ChainTip tip;
  ledger::ValidatorSet signers;
  {
    std::lock_guard lock(tip_mutex_);
    tip = tip_;
    signers = next_signers_;
  }
  KvBatch batch;
  crypto::MerkleFrontier log_after;
  if (Status s = prepare(header, certificate, executed, tip, signers, batch, log_after); !s) {
    return s.error().with_context(where);
  }
  if (Status s = kv_->write(batch, true); !s) {
    write_failure_ = s.error();
    return s.error().with_context(where + ": the commit failed to write; the store refuses "
                                          "further commits until it is reopened");
  }
  std::lock_guard lock(tip_mutex_);
  tip_ = ChainTip{header.height, certificate.block_hash, header.time_ms, header.state_root,
                  std::move(log_after), executed.tree};
  retain_tree(header.height, executed.tree);
  if (executed.next_validators) next_signers_ = *executed.next_validators;
  return {};
}

// Checks the block's linkage to the tip and its certificate, and that its
// header is the one its execution result calls for, filling `batch` with the
// block's writes: the encodings, hashes and log nodes execution made.
Status KvBlockStore::prepare(const BlockHeader& header, const CommitCertificate& certificate,
                             const ExecutedBlock& executed, const ChainTip& tip,
                             const ledger::ValidatorSet& signers, KvBatch& batch,
                             crypto::MerkleFrontier& log_after) const {
  const std::uint64_t height = header.height;
  auto invalid = [](const std::string& message) {
    return Error(ErrorCode::kInvalidInput, message);
  };
  if (header.chain_id != params_.chain_id) {
    return invalid("it is for chain '" + header.chain_id + "'; this store holds '" +
                   params_.chain_id + "'");
  }
  if (height != tip.height + 1) {
    return Error(ErrorCode::kConflict,
                 height <= tip.height
                     ? "this height is already committed (the last committed height is " +
                           std::to_string(tip.height) + ")"
                     : "it does not follow the last committed height " +
                           std::to_string(tip.height));
  }
  if (header.previous_hash != tip.header_hash) {
    return Error(ErrorCode::kConflict, "its previous hash " + short_hex(header.previous_hash) +
                                           " is not the hash of the last committed block (" +
                                           short_hex(tip.header_hash) + ")");
  }
  Digest hash = ledger::header_hash(hasher_.algorithm(), header);
  if (certificate.height != height || certificate.block_hash != hash) {
    return invalid("the commit certificate is for height " + std::to_string(certificate.height) +
                   ", block " + short_hex(certificate.block_hash) + ", not for this block (" +
                   short_hex(hash) + ")");
  }
  const std::size_t n = executed.tx_hashes.size();
  if (executed.tx_bytes.size() != n ||
      executed.receipts.size() != n || executed.receipt_bytes.size() != n ||
      executed.leaves.size() != n) {
    return invalid("the execution result has " + std::to_string(executed.tx_hashes.size()) +
                   " transaction hashes, " + std::to_string(executed.tx_bytes.size()) +
                   " encodings, " + std::to_string(executed.receipts.size()) + " receipts, " +
                   std::to_string(executed.receipt_bytes.size()) + " receipt encodings and " +
                   std::to_string(executed.leaves.size()) + " log leaves");
  }
  if (n > std::numeric_limits<std::uint32_t>::max()) return invalid("too many transactions");
  // The header must be the one the execution result calls for...
  struct Field {
    const char* name;
    bool matches;
  };
  for (const Field& field : {
           Field{"transactions root", header.transactions_root == executed.transactions_root},
           Field{"receipts root", header.receipts_root == executed.receipts_root},
           Field{"state root", header.state_root == executed.state_root},
           Field{"log size", header.log_size == executed.log.size()},
           Field{"log root", header.log_root == executed.log_root},
           Field{"validator set hash", header.validator_set_hash == executed.validator_set_hash},
       }) {
    if (!field.matches) {
      return invalid(std::string("the header's ") + field.name +
                     " does not match the execution result");
    }
  }

  // ...which execution derived from the encodings it hands over: they are
  // written as given. (Re-deriving every root from the stored bytes is for
  // the checks that do not trust the writer: open, verify_chain, the audit.)
  if (header.log_size != tip.log.size() + n) {
    return invalid("the header's log size does not follow from the tip's log and the block");
  }
  if (ledger::validator_set_hash(signers) != header.validator_set_hash) {
    return invalid("the header's validator set hash is not the hash of the set that signs it");
  }
  if (Status s = ledger::check_receipt_positions(executed.tx_hashes, executed.receipts, height);
      !s) {
    return invalid(s.error().message());
  }
  for (std::size_t i = 0; i < n; ++i) {
    TC_ASSERT(executed.tx_bytes[i] != nullptr);
    const auto index = static_cast<std::uint32_t>(i);
    std::string key = tx_key(height, index);
    batch.put(Column::kTransactions, key, *executed.tx_bytes[i]);
    batch.put(Column::kReceipts, key, executed.receipt_bytes[i]);
    batch.put(Column::kTxIndex, hash_key(executed.tx_hashes[i]),
              ledger::encode(TxLocation{height, index}));
  }
  LogNodeStore nodes(*kv_, &batch);
  for (const ledger::LogNode& node : executed.log_nodes) nodes.put(node.level, node.index, node.hash);

  for (const ledger::StateWrite& write : executed.delta) {
    if (write.value) {
      batch.put(Column::kState, write.key, *write.value);
    } else {
      batch.erase(Column::kState, write.key);
    }
  }
  if (executed.next_validators) {
    batch.put(Column::kValidatorSets, height_key(height + 1),
              ledger::encode(*executed.next_validators));
  }
  batch.put(Column::kHeaders, height_key(height), ledger::encode(header));
  batch.put(Column::kCertificates, height_key(height), ledger::encode(certificate));
  batch.put(Column::kMeta, meta::kLastHeight, encode_u64(height));
  log_after = executed.log;
  return {};
}

// ------------------------------------------------------------------ proofs

Result<InclusionProof> KvBlockStore::inclusion_proof(const Digest& tx_hash,
                                                     std::uint64_t log_size) const {
  if (Status s = check_committed_size(log_size); !s) return s.error();
  auto location = locate(tx_hash);
  if (!location) return location.error();
  std::uint64_t first_leaf = 0;  // of the transaction's block
  if (location->height > 1) {
    auto previous = header(location->height - 1);
    if (!previous) return previous.error();
    first_leaf = previous->log_size;
  }
  std::uint64_t leaf_index = first_leaf + location->index;
  if (leaf_index >= log_size) {
    return Error(ErrorCode::kInvalidInput,
                 "transaction " + to_hex(tx_hash) + " is leaf " + std::to_string(leaf_index) +
                     ", which a log of " + std::to_string(log_size) + " leaves does not contain");
  }
  auto receipt = this->receipt(tx_hash);
  if (!receipt) return receipt.error();
  ledger::LogLeaf leaf{tx_hash, ledger::receipt_hash(hasher_.algorithm(), *receipt),
                       location->height, location->index};
  LogNodeStore nodes(*kv_);
  auto stored_leaf = nodes.get(0, leaf_index);
  if (!stored_leaf) return stored_leaf.error();
  if (*stored_leaf != ledger::log_leaf_hash(hasher_, leaf)) {
    return corruption("log leaf " + std::to_string(leaf_index) + " is not the leaf of " +
                      to_hex(tx_hash) + " and its receipt");
  }
  auto log = crypto::MerkleLog::open(hasher_.algorithm(), nodes, log_size);
  if (!log) return log.error();
  auto path = log->inclusion_proof(leaf_index, log_size);
  if (!path) return path.error();
  return InclusionProof{leaf, leaf_index, log_size, std::move(*path)};
}

}  // namespace

Result<std::unique_ptr<BlockStore>> open_block_store(std::shared_ptr<KvStore> kv,
                                                     const ledger::Genesis& genesis,
                                                     const StoreOptions& options) {
  TC_ASSERT(kv != nullptr);
  return KvBlockStore::open(std::move(kv), genesis, options);
}

}  // namespace tracechain::storage
