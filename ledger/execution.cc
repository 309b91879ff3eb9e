#include "ledger/execution.h"

#include "ledger/follower.h"
#include "ledger/handlers.h"

namespace tracechain::ledger {

namespace {

using detail::Outcome;
using detail::TxContext;

Error refused(const std::string& message) {
  return Error(ErrorCode::kInvalidInput, message);
}

template <Decodable T>
Result<T> read_record(const StateView& state, std::string_view key) {
  auto bytes = state.get(key);
  if (!bytes) {
    return Error(ErrorCode::kCorruption,
                 "state has no '" + std::string(key) + "' entry; was genesis applied?");
  }
  auto value = decode<T>(*bytes);
  if (!value) return Error(ErrorCode::kCorruption, value.error().message());
  return value;
}

// Extends the history commitment of the record at `record_key` with `tx_hash`
// on a chain that keeps them (`histories`: its hash algorithm).
void commit_history(StateOverlay& state, std::optional<crypto::HashAlgorithm> histories,
                    std::string_view record_key, const Digest& tx_hash) {
  if (!histories) return;
  std::string key = keys::history(record_key);
  HistoryCommitment commitment =
      detail::load_record<HistoryCommitment>(state, key).value_or(HistoryCommitment{});
  state.put(key, encode(extend_history(*histories, commitment, tx_hash)));
}

// Appends a trail entry to a record's history (trade or asset) and bumps the
// record's history count.
template <typename Record>
void append_history(StateOverlay& state, std::optional<crypto::HashAlgorithm> histories,
                    Record& record, std::string_view record_key, const std::string& entry_key,
                    const TrailEntry& entry) {
  state.put(entry_key, encode(entry));
  ++record.history_count;
  state.put(record_key, encode(record));
  commit_history(state, histories, record_key, entry.tx_hash);
}

// Puts the transaction on the trail of the trade and the asset it concerns,
// and a trade's creation on the history of both its parties. Runs after the
// transaction's own writes were merged (or discarded), so a failed attempt is
// recorded on a record that exists.
void record_trail(StateOverlay& state, std::optional<crypto::HashAlgorithm> histories,
                  const Transaction& tx, const Payload& payload, const TrailEntry& entry) {
  bool ok = entry.status == TxStatus::kOk;

  // A failed trade.create names a trade that is not its own.
  bool touches_trade = tx.kind != TxKind::kTradeCreate || ok;
  if (auto trade_id = payload_trade_id(payload); trade_id && touches_trade) {
    std::string key = keys::trade(*trade_id);
    if (auto trade = detail::load_record<Trade>(state, key)) {
      append_history(state, histories, *trade, key,
                     keys::trade_history(*trade_id, trade->history_count), entry);
      if (tx.kind == TxKind::kTradeCreate) {
        std::string asset_key = keys::asset(trade->asset);
        if (auto asset = detail::load_record<Asset>(state, asset_key)) {
          append_history(state, histories, *asset, asset_key,
                         keys::asset_history(trade->asset, asset->history_count), entry);
        }
        commit_history(state, histories, keys::participant(trade->buyer), entry.tx_hash);
        commit_history(state, histories, keys::participant(trade->provider), entry.tx_hash);
      }
    }
  }

  // A failed asset.register names an asset that is not its own.
  auto asset_id = payload_asset_id(payload);
  if (asset_id && (tx.kind != TxKind::kAssetRegister || ok)) {
    std::string key = keys::asset(*asset_id);
    if (auto asset = detail::load_record<Asset>(state, key)) {
      append_history(state, histories, *asset, key,
                     keys::asset_history(*asset_id, asset->history_count), entry);
    }
  }
}

// Deletes replay-guard entries whose transactions expired before `height`:
// such transactions are refused as expired, so their nonces need no memory.
void prune_expired_nonces(StateOverlay& state, std::uint64_t height) {
  std::string limit = keys::nonce_expiry_prefix() + keys::number(height);
  std::vector<std::string> expired;
  state.scan(keys::nonce_expiry_prefix(), [&](std::string_view key, ByteView) {
    if (key >= limit) return false;
    expired.emplace_back(key);
    return true;
  });
  for (const std::string& key : expired) {
    // "nx/<expiry>/<sender>/<nonce>" -> "n/<sender>/<nonce>"
    std::string_view rest = std::string_view(key).substr(keys::nonce_expiry_prefix().size() + 17);
    state.erase(key);
    state.erase("n/" + std::string(rest));
  }
}

// Runs the transactions of one block in order on an overlay of the state.
class BlockExecutor {
 public:
  BlockExecutor(const StateView& base, const ChainTip& tip, const BlockContext& context,
                const SignatureChecker& checker)
      : base_(base), memo_(base), state_(&memo_), tip_(tip), context_(context), checker_(checker) {}

  Status start() {
    auto params = read_chain_params(base_);
    if (!params) return params.error();
    params_ = *params;
    auto validators = read_validators(base_);
    if (!validators) return validators.error();
    validator_set_hash_ = validator_set_hash(*validators);
    if (context_.height != tip_.height + 1) {
      return refused("block height " + std::to_string(context_.height) +
                     " does not follow the last committed height " + std::to_string(tip_.height));
    }
    if (context_.time_ms < tip_.time_ms) {
      return refused("block time " + std::to_string(context_.time_ms) +
                     " is before the previous block's time " + std::to_string(tip_.time_ms));
    }
    if (Status s = validate_identifier("proposer", context_.proposer); !s) return s;
    prune_expired_nonces(state_, context_.height);
    return {};
  }

  // Authenticates and executes `tx` as the next transaction. An error means
  // authentication failed and nothing was written.
  Status add(const Transaction& tx, const Digest& tx_hash, std::shared_ptr<const Bytes> tx_bytes,
             const Payload* decoded = nullptr) {
    std::optional<Payload> own;
    const Payload* payload = decoded;
    if (decoded != nullptr) {
      if (Status s = authenticate(state_, context_.height, tx, tx_hash, checker_, *decoded); !s) {
        return s;
      }
    } else {
      auto fresh = authenticate(state_, context_.height, tx, tx_hash, checker_);
      if (!fresh) return fresh.error();
      own = std::move(*fresh);
      payload = &*own;
    }
    auto policy = read_policy(state_);
    if (!policy) return policy.error();
    auto sender_bytes = state_.get(keys::participant(tx.sender));
    TC_ASSERT(sender_bytes.has_value());  // authenticate() found it
    Participant sender = *decode<Participant>(*sender_bytes);

    // The nonce is spent whether or not the business rules accept the transaction.
    state_.put(keys::nonce(tx.sender, tx.nonce), encode(tx.expiry_height));
    state_.put(keys::nonce_expiry(tx.expiry_height, tx.sender, tx.nonce), Bytes{});

    auto index = static_cast<std::uint32_t>(receipts_.size());
    StateOverlay tx_state(&state_);
    TxContext ctx{tx_state, params_, *policy, context_, tx, tx_hash, sender};
    Outcome outcome = std::visit([&](const auto& p) { return detail::execute(ctx, p); }, *payload);
    if (outcome.ok()) tx_state.merge_into(state_);

    Receipt receipt;
    receipt.tx_hash = tx_hash;
    receipt.height = context_.height;
    receipt.index = index;
    receipt.status = outcome.ok() ? TxStatus::kOk : TxStatus::kFailed;
    receipt.reason = outcome.reason;
    receipt.message = std::move(outcome.message);
    receipt.events = std::move(outcome.events);

    TrailEntry entry{tx_hash, context_.height, index, tx.kind, tx.sender, receipt.status,
                     receipt.reason};
    record_trail(state_,
                 params_.state_tree ? std::optional(params_.hash_algorithm()) : std::nullopt, tx,
                 *payload, entry);

    tx_hashes_.push_back(tx_hash);
    tx_bytes_.push_back(std::move(tx_bytes));
    receipt_bytes_.push_back(encode(receipt));
    receipt_hashes_.push_back(crypto::hash(params_.hash_algorithm(), receipt_bytes_.back()));
    receipts_.push_back(std::move(receipt));
    return {};
  }

  const ChainParams& params() const { return params_; }

  ExecutedBlock finish() {
    crypto::MerkleHasher hasher(params_.hash_algorithm());
    ExecutedBlock executed;
    executed.delta = state_.delta();
    if (params_.state_tree) {
      TC_ASSERT_MSG(tip_.tree != nullptr, "a state tree chain executes on a tip with its tree");
      executed.tree = std::make_shared<const StateTree>(tip_.tree->apply(executed.delta));
      executed.state_root = executed.tree->root();
    } else {
      executed.state_root =
          next_state_root(params_.hash_algorithm(), tip_.state_root, executed.delta);
    }
    BlockRoots roots = derive_roots(
        hasher, tx_hashes_, receipt_hashes_, context_.height, tip_.log,
        [&](std::uint32_t level, std::uint64_t index, const Digest& node) {
          executed.log_nodes.push_back({level, index, node});
        });
    executed.transactions_root = roots.transactions_root;
    executed.receipts_root = roots.receipts_root;
    executed.log = std::move(roots.log);
    executed.log_root = roots.log_root;
    executed.leaves = std::move(roots.leaves);
    executed.validator_set_hash = validator_set_hash_;
    executed.next_validator_set_hash = validator_set_hash_;
    for (const StateWrite& write : executed.delta) {
      if (write.key == keys::kValidators && write.value) {
        executed.next_validators = *decode<ValidatorSet>(*write.value);
        executed.next_validator_set_hash = validator_set_hash(*executed.next_validators);
      }
    }
    executed.tx_hashes = std::move(tx_hashes_);
    executed.tx_bytes = std::move(tx_bytes_);
    executed.receipts = std::move(receipts_);
    executed.receipt_bytes = std::move(receipt_bytes_);
    return executed;
  }

 private:
  const StateView& base_;
  MemoizedView memo_;
  StateOverlay state_;
  const ChainTip& tip_;
  const BlockContext& context_;
  const SignatureChecker& checker_;
  ChainParams params_;
  Digest validator_set_hash_{};
  std::vector<Digest> tx_hashes_;
  std::vector<std::shared_ptr<const Bytes>> tx_bytes_;
  std::vector<Digest> receipt_hashes_;
  std::vector<Receipt> receipts_;
  std::vector<Bytes> receipt_bytes_;
};

// Runs `body` and turns a StateReadError (the state could not be read) into
// an Error instead of letting it escape.
template <typename F>
auto guard_state_reads(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const StateReadError& e) {
    return Error(ErrorCode::kCorruption, std::string("state could not be read: ") + e.what());
  }
}

}  // namespace

Status SignatureChecker::check(const Transaction& tx, const Digest&,
                               const crypto::PublicKey& key) const {
  return verify_signature(tx, key);
}

const SignatureChecker& default_signature_checker() {
  static const SignatureChecker checker;
  return checker;
}

ChainTip genesis_tip(const Genesis& genesis) {
  ChainTip tip;
  tip.height = 0;
  tip.header_hash = genesis_hash(genesis);
  tip.time_ms = genesis.time_ms;
  if (genesis.state_tree) {
    tip.tree = std::make_shared<const StateTree>(
        StateTree(crypto::suite_hash(genesis.suite)).apply(genesis_delta(genesis)));
    tip.state_root = tip.tree->root();
  } else {
    tip.state_root = genesis_state_root(genesis);
  }
  return tip;
}

Result<ChainParams> read_chain_params(const StateView& state) {
  return read_record<ChainParams>(state, keys::kChain);
}

Result<Policy> read_policy(const StateView& state) {
  return read_record<Policy>(state, keys::kPolicy);
}

Result<ValidatorSet> read_validators(const StateView& state) {
  return read_record<ValidatorSet>(state, keys::kValidators);
}

namespace {

// Every check of authenticate(). Decodes the payload unless `decoded` is
// given (the payload admission decoded and validated): then nothing is
// returned in its place.
Result<std::optional<Payload>> authenticate_with(const StateView& state, std::uint64_t height,
                                                 const Transaction& tx, const Digest& tx_hash,
                                                 const SignatureChecker& checker,
                                                 const Payload* decoded) {
  return guard_state_reads([&]() -> Result<std::optional<Payload>> {
    if (Status s = validate(tx); !s) return s.error();
    auto params = read_chain_params(state);
    if (!params) return params.error();
    if (tx.chain_id != params->chain_id) {
      return refused("transaction is for chain '" + tx.chain_id + "', this is '" +
                     params->chain_id + "'");
    }
    if (tx.suite != params->suite) {
      return refused("transaction uses suite " + std::string(crypto::suite_name(tx.suite)) +
                     "; this chain uses " + std::string(crypto::suite_name(params->suite)));
    }
    if (tx.expiry_height < height) {
      return refused("transaction expired at height " + std::to_string(tx.expiry_height) +
                     "; the chain is at height " + std::to_string(height));
    }
    auto policy = read_policy(state);
    if (!policy) return policy.error();
    if (tx.expiry_height - height > policy->max_transaction_lifetime) {
      return refused("expiry height " + std::to_string(tx.expiry_height) + " is more than " +
                     std::to_string(policy->max_transaction_lifetime) +
                     " blocks ahead of height " + std::to_string(height));
    }
    std::optional<Payload> payload;
    if (decoded == nullptr) {
      auto fresh = decode_payload(tx.kind, tx.payload, params->suite);
      if (!fresh) return fresh.error();
      payload = std::move(*fresh);
    } else {
      TC_ASSERT(payload_matches_kind(*decoded, tx.kind));
    }
    // Until the signature verifies, the answer says nothing about the sender
    // (whether it exists, its status or roles): anyone may submit.
    // (Not even why the signature failed: that would tell an unknown sender
    // from a known one.)
    auto not_verified = [&] {
      return refused("signature of sender '" + tx.sender +
                     "' does not verify (an unknown sender, or not signed by its key at height " +
                     std::to_string(height) + ")");
    };
    auto sender_bytes = state.get(keys::participant(tx.sender));
    if (!sender_bytes) return not_verified();
    auto sender = decode<Participant>(*sender_bytes);
    if (!sender) return Error(ErrorCode::kCorruption, sender.error().message());
    const Bytes* key_bytes = sender->key_at(height);
    if (key_bytes == nullptr) return not_verified();
    auto key = crypto::PublicKey::from_bytes(params->suite, *key_bytes);
    if (!key) return Error(ErrorCode::kCorruption, key.error().message());
    if (Status s = checker.check(tx, tx_hash, *key); !s) return not_verified();
    if (!sender->active()) return refused("sender '" + tx.sender + "' is suspended");
    if ((sender->roles & roles_allowed(tx.kind)) == 0) {
      return refused("sender '" + tx.sender + "' (" + roles_to_string(sender->roles) +
                     ") has no role that may send " + std::string(*tx_kind_name(tx.kind)) +
                     " (" + roles_to_string(roles_allowed(tx.kind)) + ")");
    }
    if (state.get(keys::nonce(tx.sender, tx.nonce))) {
      return refused("nonce " + std::to_string(tx.nonce) + " of '" + tx.sender +
                     "' was already used (replay)");
    }
    return payload;
  });
}

}  // namespace

Result<Payload> authenticate(const StateView& state, std::uint64_t height, const Transaction& tx,
                             const Digest& tx_hash, const SignatureChecker& checker) {
  auto payload = authenticate_with(state, height, tx, tx_hash, checker, nullptr);
  if (!payload) return payload.error();
  return std::move(**payload);
}

Status authenticate(const StateView& state, std::uint64_t height, const Transaction& tx,
                    const Digest& tx_hash, const SignatureChecker& checker,
                    const Payload& decoded) {
  auto checked = authenticate_with(state, height, tx, tx_hash, checker, &decoded);
  if (!checked) return checked.error();
  return {};
}

Result<ExecutedBlock> execute_block(const StateView& state, const ChainTip& tip,
                                    const BlockContext& context,
                                    std::span<const AdmittedTxPtr> transactions,
                                    const SignatureChecker& checker) {
  return guard_state_reads([&]() -> Result<ExecutedBlock> {
    BlockExecutor executor(state, tip, context, checker);
    if (Status s = executor.start(); !s) return s.error();
    for (std::size_t i = 0; i < transactions.size(); ++i) {
      const AdmittedTx& tx = *transactions[i];
      const Payload* decoded = tx.payload ? &*tx.payload : nullptr;
      if (Status s = executor.add(tx.tx, tx.hash, tx.bytes, decoded); !s) {
        return s.error().with_context("transaction " + std::to_string(i) + " (" +
                                      to_hex(tx.hash) + ")");
      }
    }
    return executor.finish();
  });
}

namespace {

// Each of `transactions` as an AdmittedTx, encoded and hashed for the suite
// `state` records.
Result<std::vector<AdmittedTxPtr>> admit_built(const StateView& state,
                                               std::span<const Transaction> transactions) {
  auto params = guard_state_reads([&] { return read_chain_params(state); });
  if (!params) return params.error();
  std::vector<AdmittedTxPtr> admitted;
  admitted.reserve(transactions.size());
  for (const Transaction& tx : transactions) {
    admitted.push_back(AdmittedTx::from_transaction(tx, params->suite));
  }
  return admitted;
}

}  // namespace

Result<ExecutedBlock> execute_block(const StateView& state, const ChainTip& tip,
                                    const BlockContext& context,
                                    std::span<const Transaction> transactions,
                                    const SignatureChecker& checker) {
  auto admitted = admit_built(state, transactions);
  if (!admitted) return admitted.error();
  return execute_block(state, tip, context, *admitted, checker);
}

BlockHeader make_header(const ChainParams& params, const ChainTip& tip,
                        const BlockContext& context, const ExecutedBlock& executed) {
  BlockHeader header;
  header.format =
      params.state_tree ? BlockHeader::kStateTreeFormatVersion : BlockHeader::kFormatVersion;
  header.chain_id = params.chain_id;
  header.height = context.height;
  header.previous_hash = tip.header_hash;
  header.time_ms = context.time_ms;
  header.proposer = context.proposer;
  header.transactions_root = executed.transactions_root;
  header.receipts_root = executed.receipts_root;
  header.state_root = executed.state_root;
  header.log_size = executed.log.size();
  header.log_root = executed.log_root;
  header.validator_set_hash = executed.validator_set_hash;
  header.next_validator_set_hash = executed.next_validator_set_hash;
  return header;
}

ChainTip next_tip(const ChainParams& params, const BlockHeader& header,
                  const ExecutedBlock& executed) {
  ChainTip tip;
  tip.height = header.height;
  tip.header_hash = header_hash(params.hash_algorithm(), header);
  tip.time_ms = header.time_ms;
  tip.state_root = executed.state_root;
  tip.log = executed.log;
  tip.tree = executed.tree;
  return tip;
}

Result<ExecutedBlock> validate_block(const StateView& state, const ChainTip& tip,
                                     const AdmittedBlock& block, const SignatureChecker& checker) {
  const BlockHeader& header = block.header;
  BlockContext context{header.height, header.time_ms, header.proposer};
  auto executed = execute_block(state, tip, context, block.transactions, checker);
  if (!executed) return executed.error();
  auto params = read_chain_params(state);
  if (!params) return params.error();
  BlockHeader expected = make_header(*params, tip, context, *executed);
  auto mismatch = [&](const char* field) {
    return Error(ErrorCode::kVerificationFailed,
                 "block " + std::to_string(header.height) + ": " + field +
                     " in the header does not match re-execution");
  };
  if (header.format != expected.format) return mismatch("header format");
  if (header.chain_id != expected.chain_id) return mismatch("chain id");
  if (header.previous_hash != expected.previous_hash) return mismatch("previous header hash");
  if (header.transactions_root != expected.transactions_root) {
    return mismatch("transactions root");
  }
  if (header.receipts_root != expected.receipts_root) return mismatch("receipts root");
  if (header.state_root != expected.state_root) return mismatch("state root");
  if (header.log_size != expected.log_size) return mismatch("log size");
  if (header.log_root != expected.log_root) return mismatch("log root");
  if (header.validator_set_hash != expected.validator_set_hash) {
    return mismatch("validator set hash");
  }
  if (header.next_validator_set_hash != expected.next_validator_set_hash) {
    return mismatch("next validator set hash");
  }
  TC_ASSERT(header == expected);
  return executed;
}

Result<ExecutedBlock> validate_block(const StateView& state, const ChainTip& tip,
                                     const Block& block, const SignatureChecker& checker) {
  auto admitted = admit_built(state, block.transactions);
  if (!admitted) return admitted.error();
  return validate_block(state, tip, AdmittedBlock{block.header, std::move(*admitted)}, checker);
}

Result<BuiltBlock> build_block(const StateView& state, const ChainTip& tip,
                               const BlockContext& context,
                               std::span<const AdmittedTxPtr> candidates,
                               const BlockLimits& limits, const SignatureChecker& checker) {
  return guard_state_reads([&]() -> Result<BuiltBlock> {
    BlockExecutor executor(state, tip, context, checker);
    if (Status s = executor.start(); !s) return s.error();
    BuiltBlock built;
    std::size_t bytes = 0;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      if (built.block.transactions.size() >= limits.max_transactions) break;
      const AdmittedTx& candidate = *candidates[i];
      const std::size_t size = candidate.bytes->size();
      if (bytes + size > limits.max_bytes) break;
      built.considered = i + 1;
      const Payload* decoded = candidate.payload ? &*candidate.payload : nullptr;
      if (Status s = executor.add(candidate.tx, candidate.hash, candidate.bytes, decoded); !s) {
        built.dropped.emplace_back(i, s.error());
        continue;
      }
      bytes += size;
      built.block.transactions.push_back(candidates[i]);
    }
    built.executed = executor.finish();
    built.block.header = make_header(executor.params(), tip, context, built.executed);
    return built;
  });
}

Result<BuiltBlock> build_block(const StateView& state, const ChainTip& tip,
                               const BlockContext& context,
                               std::span<const Transaction> candidates,
                               const BlockLimits& limits, const SignatureChecker& checker) {
  auto admitted = admit_built(state, candidates);
  if (!admitted) return admitted.error();
  return build_block(state, tip, context, *admitted, limits, checker);
}

Result<AdmittedTx> AdmittedTx::from_bytes(Bytes encoded, crypto::Suite suite) {
  if (encoded.size() > kMaxTransactionSize) {
    return Error(ErrorCode::kInvalidInput, "transaction of " + std::to_string(encoded.size()) +
                                               " bytes is larger than the " +
                                               std::to_string(kMaxTransactionSize) + " allowed");
  }
  auto tx = decode<Transaction>(encoded);
  if (!tx) return tx.error();
  Digest hash = transaction_hash(suite, encoded);
  return AdmittedTx{std::move(*tx), std::make_shared<const Bytes>(std::move(encoded)), hash, {}};
}

AdmittedTxPtr AdmittedTx::from_transaction(Transaction tx, crypto::Suite suite) {
  auto bytes = std::make_shared<const Bytes>(encode(tx));
  Digest hash = transaction_hash(suite, *bytes);
  return std::make_shared<const AdmittedTx>(AdmittedTx{std::move(tx), std::move(bytes), hash, {}});
}

std::vector<Digest> AdmittedBlock::tx_hashes() const {
  std::vector<Digest> hashes;
  hashes.reserve(transactions.size());
  for (const AdmittedTxPtr& tx : transactions) hashes.push_back(tx->hash);
  return hashes;
}

Block AdmittedBlock::to_block() const {
  Block block{header, {}};
  block.transactions.reserve(transactions.size());
  for (const AdmittedTxPtr& tx : transactions) block.transactions.push_back(tx->tx);
  return block;
}

AdmittedBlock AdmittedBlock::from_block(const Block& block, crypto::Suite suite) {
  AdmittedBlock admitted{block.header, {}};
  admitted.transactions.reserve(block.transactions.size());
  for (const Transaction& tx : block.transactions) {
    admitted.transactions.push_back(AdmittedTx::from_transaction(tx, suite));
  }
  return admitted;
}

Result<AdmittedBlock> decode_block(ByteView encoded, crypto::Suite suite) {
  const std::string type_name(Block::kTypeName);
  AdmittedBlock block;
  try {
    CanonicalInputArchive ar(encoded);
    FormatVersion version{Block::kFormatVersion, Block::kTypeName.data()};
    ar(version, block.header);
    const std::size_t count = ar.read_length("list count");
    // As decode<Block>: growth follows the transactions actually decoded.
    for (std::size_t i = 0; i < count; ++i) {
      const std::size_t start = encoded.size() - ar.remaining();
      Transaction tx;
      ar(tx);
      ByteView bytes = encoded.subspan(start, encoded.size() - ar.remaining() - start);
      Digest hash = transaction_hash(suite, bytes);
      block.transactions.push_back(std::make_shared<const AdmittedTx>(AdmittedTx{
          std::move(tx), std::make_shared<const Bytes>(bytes.begin(), bytes.end()), hash, {}}));
    }
    if (ar.remaining() != 0) {
      return Error(ErrorCode::kInvalidInput, type_name + ": " + std::to_string(ar.remaining()) +
                                                 " trailing bytes after the encoding");
    }
  } catch (const cereal::Exception& e) {
    return Error(ErrorCode::kInvalidInput, type_name + ": " + e.what());
  }
  auto valid = [&]() -> Status {
    if (Status s = validate(block.header); !s) return s;
    for (std::size_t i = 0; i < block.transactions.size(); ++i) {
      if (Status s = validate(block.transactions[i]->tx); !s) {
        return s.error().with_context("transaction " + std::to_string(i));
      }
    }
    return {};
  };
  if (Status s = valid(); !s) return s.error().with_context(type_name);
  return block;
}

Bytes encode_block(const AdmittedBlock& block) {
  std::size_t size = 0;
  for (const AdmittedTxPtr& tx : block.transactions) size += tx->bytes->size();
  Bytes out;
  out.reserve(size + 512);
  CanonicalOutputArchive ar(out);
  FormatVersion version{Block::kFormatVersion, Block::kTypeName.data()};
  ar(version, block.header);
  write_length(ar, block.transactions.size());
  for (const AdmittedTxPtr& tx : block.transactions) ar.write(tx->bytes->data(), tx->bytes->size());
  return out;
}

}  // namespace tracechain::ledger
