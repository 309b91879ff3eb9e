// The RPC methods: what each reads, who may call it (access.h) and the shape
// of its result (shapes.h). docs/rpc.md documents every one of them; keep
// the two in step.
#include <charconv>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>

#include "ledger/checkpoint.h"
#include "ledger/queries.h"
#include "node/build_info.h"
#include "node/wire.h"
#include "node/rpc/access.h"
#include "node/rpc/dispatcher.h"

namespace tracechain::node::rpc {

namespace {

// Pages of lists: the default and the most a caller may ask for.
constexpr std::uint64_t kDefaultPage = 100;
constexpr std::uint64_t kMaxPage = 1000;
// Changes one chain_getValidatorSetChanges call returns at most (each is a
// header, a certificate and a set: the call's work is bounded by this).
constexpr std::size_t kMaxValidatorChanges = 64;
// How long a submission may wait for the node's admission checks.
constexpr auto kSubmitTimeout = std::chrono::seconds(10);

crypto::HashAlgorithm algorithm(CallContext& c) { return c.store().params().hash_algorithm(); }

RpcFailure not_authorised(const std::string& what) {
  return RpcFailure(rpc_error::kNotAuthorised, "not authorised to read " + what);
}

RpcFailure not_found(const std::string& what) { return RpcFailure(rpc_error::kNotFound, what); }

std::uint64_t page_limit(const Params& p) {
  std::uint64_t limit = p.optional_u64("limit").value_or(kDefaultPage);
  if (limit == 0 || limit > kMaxPage) {
    throw invalid_param("limit", "must be 1 to " + std::to_string(kMaxPage));
  }
  return limit;
}

std::uint64_t tip_height(CallContext& c) { return c.store().height(); }

// A committed height from parameter `name`, the tip's when absent.
std::uint64_t height_param(const Params& p, CallContext& c, std::string_view name) {
  std::uint64_t tip = tip_height(c);
  std::uint64_t height = p.has(name) ? p.u64(name) : tip;
  if (height == 0) throw invalid_param(name, "genesis (height 0) has no header; blocks start at 1");
  if (height > tip) {
    throw not_found("no block at height " + std::to_string(height) + "; the chain is at height " +
                    std::to_string(tip));
  }
  return height;
}

ledger::BlockHeader header_at(CallContext& c, std::uint64_t height) {
  return unwrap(c.store().header(height));
}

// The first height whose header carries log size `size`, if any (log sizes
// never decrease with height, so a binary search finds it).
std::optional<std::uint64_t> height_with_log_size(CallContext& c, std::uint64_t size) {
  std::uint64_t low = 1;
  std::uint64_t high = tip_height(c);
  while (low < high) {
    std::uint64_t mid = low + (high - low) / 2;
    if (header_at(c, mid).log_size < size) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  if (high >= 1 && header_at(c, high).log_size == size) return high;
  return std::nullopt;
}

std::uint64_t tip_log_size(CallContext& c) {
  std::uint64_t tip = tip_height(c);
  return tip == 0 ? 0 : header_at(c, tip).log_size;
}

// A committed transaction the caller may read, with its location.
storage::StoredTransaction readable_transaction(const Params& p, CallContext& c) {
  Digest hash = p.digest("hash");
  auto stored = c.store().transaction(hash);
  if (!stored) {
    if (stored.error().code() == ErrorCode::kNotFound) {
      throw not_found("transaction " + to_hex(hash) +
                      " is not committed (unknown, or still waiting)");
    }
    throw failure_from(stored.error());
  }
  if (!Access(c.state(), c.caller()).can_read_transaction(stored->transaction)) {
    throw not_authorised("transaction " + to_hex(hash));
  }
  c.read("transaction", to_hex(hash), concerned_by(c.state(), stored->transaction));
  return std::move(*stored);
}

ledger::Trade readable_trade(const Params& p, CallContext& c) {
  std::string id = p.identifier("tradeId");
  ledger::Trade trade = unwrap(ledger::find_trade(c.state(), id), "tradeId");
  if (!Access(c.state(), c.caller()).can_read_trade(trade)) {
    throw not_authorised("trade '" + id + "'");
  }
  c.read("trade", trade.id, trade_parties(trade));
  return trade;
}

ledger::Asset asset_param(const Params& p, CallContext& c) {
  return unwrap(ledger::find_asset(c.state(), p.identifier("assetId")), "assetId");
}

Json with_receipt(Json record, const ledger::Receipt& receipt, crypto::HashAlgorithm algorithm) {
  record["receipt"] = receipt_json(receipt, algorithm);
  return record;
}

// ------------------------------------------------------------------ chain

Json get_status(const Params&, CallContext& c) {
  NodeStatus s = c.backend().status();
  const ledger::ChainParams& params = c.store().params();
  return {
      {"nodeId", s.node_id},
      {"chainId", s.chain_id},
      {"suite", crypto::suite_name(params.suite)},
      {"genesisHash", to_hex(params.genesis_hash)},
      {"height", s.height},
      {"tipHash", to_hex(s.tip_hash)},
      {"tipTimeMs", s.tip_time_ms},
      {"logSize", c.store().tip().log.size()},
      {"consensus", {{"height", s.consensus_height}, {"round", s.consensus_round}}},
      {"peers", s.peers},
      {"bestPeerHeight", s.best_peer_height},
      {"syncing", s.syncing},
      {"mempool", {{"transactions", s.mempool_transactions}, {"bytes", s.mempool_bytes}}},
      {"validators", validator_set_json(s.validators)},
  };
}

Json get_policy(const Params&, CallContext& c) {
  return policy_json(unwrap(ledger::read_policy(c.state())));
}

Json get_header(const Params& p, CallContext& c) {
  return header_json(header_at(c, height_param(p, c, "height")), algorithm(c));
}

Json get_certificate(const Params& p, CallContext& c) {
  return certificate_json(unwrap(c.store().certificate(height_param(p, c, "height"))));
}

Json get_checkpoint(const Params& p, CallContext& c) {
  const std::uint64_t height = height_param(p, c, "height");
  const ledger::BlockHeader header = header_at(c, height);
  const ledger::Checkpoint checkpoint = ledger::checkpoint_of(c.store().params(), header);
  Json out = {
      {"origin", checkpoint.origin},
      {"height", height},
      {"logSize", checkpoint.size},
      {"logRoot", to_hex(checkpoint.root)},
      {"checkpoint", ledger::checkpoint_text(checkpoint)},
      {"header", header_json(header, algorithm(c))},
      {"certificate", certificate_json(unwrap(c.store().certificate(height)))},
  };
  // The witnesses' cosignatures of this very checkpoint, if any was kept.
  Json cosignatures = Json::array();
  std::vector<ledger::NoteSignature> lines;
  for (const StoredCosignature& kept : c.backend().cosignatures()) {
    if (kept.size != checkpoint.size || kept.root != checkpoint.root) continue;
    cosignatures.push_back(cosignature_json(checkpoint.origin, kept));
    lines.push_back(kept.signature);
  }
  out["cosignatures"] = std::move(cosignatures);
  auto signed_checkpoint = c.backend().signed_checkpoint(height);
  if (signed_checkpoint) {
    ledger::SignedNote note = signed_checkpoint->note;
    note.signatures.insert(note.signatures.end(), lines.begin(), lines.end());
    out["signedNote"] = ledger::format_note(note);
    out["verifierKey"] = signed_checkpoint->verifier;
  } else {
    out["signedNote"] = nullptr;
    out["unsigned"] = signed_checkpoint.error().message();
  }
  return out;
}

// ------------------------------------------------------------ witnesses

std::vector<WitnessLag> witness_lags(CallContext& c) {
  return unwrap(node::witness_lags(c.store(), c.state(), c.backend().cosignatures()));
}

Json get_witnesses(const Params&, CallContext& c) {
  const std::string origin = ledger::checkpoint_origin(c.store().params());
  Json witnesses = Json::array();
  for (const WitnessLag& lag : witness_lags(c)) {
    witnesses.push_back({
        {"participant", lag.witness.participant},
        {"name", lag.witness.name},
        {"cosigningKey", ledger::cosigning_key_text(lag.witness)},
        {"latest", lag.latest ? cosignature_json(origin, *lag.latest) : Json(nullptr)},
        {"behind",
         {{"entries", lag.behind_entries},
          {"seconds", lag.behind_seconds ? Json(*lag.behind_seconds) : Json(nullptr)}}},
    });
  }
  return {{"logSize", tip_log_size(c)}, {"witnesses", std::move(witnesses)}};
}

// Anonymous: a cosignature authenticates itself, and the node checks it
// against its own log before keeping it.
Json add_cosignature(const Params& p, CallContext& c) {
  auto added = c.backend().add_cosignatures(p.string("note", ledger::kMaxNoteBytes));
  if (!added) {
    switch (added.error().code()) {
      case ErrorCode::kInvalidInput:
      case ErrorCode::kVerificationFailed:
      case ErrorCode::kConflict:
        throw invalid_param("note", added.error().message());
      default:
        throw failure_from(added.error());
    }
  }
  Json accepted = Json::array();
  for (const StoredCosignature& kept : *added) {
    accepted.push_back({{"participant", kept.participant}, {"logSize", kept.size}, {"time", kept.time}});
  }
  return {{"accepted", std::move(accepted)}};
}

Json get_block(const Params& p, CallContext& c) {
  if (!Access(c.state(), c.caller()).can_read_blocks()) {
    throw not_authorised("whole blocks (auditors only; use tx_get for single transactions)");
  }
  std::uint64_t height = height_param(p, c, "height");
  ledger::Block block = unwrap(c.store().block(height));
  auto receipts = unwrap(c.store().receipts(height));
  crypto::Suite suite = c.store().params().suite;
  Json transactions = Json::array();
  std::vector<std::string> senders;
  for (const ledger::Transaction& tx : block.transactions) {
    transactions.push_back(
        transaction_json(tx, ledger::transaction_hash(suite, ledger::encode(tx))));
    senders.push_back(tx.sender);
  }
  c.read("block", std::to_string(height), std::move(senders));
  Json receipt_list = Json::array();
  for (const ledger::Receipt& r : receipts) receipt_list.push_back(receipt_json(r, algorithm(c)));
  return {
      {"header", header_json(block.header, algorithm(c))},
      {"certificate", certificate_json(unwrap(c.store().certificate(height)))},
      {"transactions", std::move(transactions)},
      {"receipts", std::move(receipt_list)},
  };
}

Json get_consistency_proof(const Params& p, CallContext& c) {
  std::uint64_t tip_size = tip_log_size(c);
  std::uint64_t from = p.u64("fromSize");
  std::uint64_t to = p.optional_u64("toSize").value_or(tip_size);
  if (from == 0) {
    throw invalid_param("fromSize", "must be at least 1 (the empty log proves nothing)");
  }
  if (to > tip_size) {
    throw invalid_param("toSize", "the log holds " + std::to_string(tip_size) + " leaves");
  }
  if (from > to) {
    throw invalid_param("fromSize", "must not exceed toSize (" + std::to_string(to) + ")");
  }
  auto path = unwrap(c.store().consistency_proof(from, to), "fromSize");
  Json nodes = Json::array();
  for (const Digest& d : path) nodes.push_back(to_hex(d));
  auto height_of = [&](std::uint64_t size) {
    auto h = height_with_log_size(c, size);
    return h ? Json(*h) : Json(nullptr);
  };
  return {
      {"fromSize", from},
      {"toSize", to},
      {"fromRoot", to_hex(unwrap(c.store().log_root(from)))},
      {"toRoot", to_hex(unwrap(c.store().log_root(to)))},
      {"fromHeight", height_of(from)},
      {"toHeight", height_of(to)},
      {"path", std::move(nodes)},
  };
}

Json get_validator_set_changes(const Params& p, CallContext& c) {
  std::uint64_t tip = tip_height(c);
  std::uint64_t from = p.optional_u64("fromHeight").value_or(1);
  if (from == 0) throw invalid_param("fromHeight", "blocks start at height 1");
  if (from > tip) {
    throw not_found("no block at height " + std::to_string(from) + "; the chain is at height " +
                    std::to_string(tip));
  }
  std::uint64_t requested_to = std::min(p.optional_u64("toHeight").value_or(tip), tip);
  if (requested_to < from) throw invalid_param("toHeight", "must not be below fromHeight");
  // One more than a page is asked for, to know whether the page is the last.
  std::vector<std::uint64_t> heights =
      unwrap(c.store().validator_set_changes(from, requested_to, kMaxValidatorChanges + 1));
  bool more = heights.size() > kMaxValidatorChanges;
  if (more) heights.resize(kMaxValidatorChanges);
  std::uint64_t to = more ? heights.back() : requested_to;

  Json changes = Json::array();
  for (std::uint64_t h : heights) {
    ledger::BlockHeader header = header_at(c, h);
    ledger::ValidatorSet next = unwrap(c.store().validators_at(h + 1));
    changes.push_back({
        {"height", h},
        {"header", header_json(header, algorithm(c))},
        {"certificate", certificate_json(unwrap(c.store().certificate(h)))},
        {"nextValidatorSet", validator_set_json(next)},
    });
  }
  return {
      {"fromHeight", from},
      {"toHeight", to},
      {"next", more ? Json(to + 1) : Json(nullptr)},
      {"initialValidatorSet", validator_set_json(unwrap(c.store().validators_at(from)))},
      {"changes", std::move(changes)},
  };
}

// ------------------------------------------------------------ transactions

// What the node's admission answer means to the caller.
Outcome submission_outcome(const Result<Digest>& result) {
  if (result) return Json{{"hash", to_hex(*result)}};
  const Error& error = result.error();
  switch (error.code()) {
    case ErrorCode::kResourceExhausted:
      return RpcFailure(rpc_error::kMempoolFull, error.message(),
                        Json{{"reason", "mempool_full"}, {"retry", true}});
    case ErrorCode::kConflict:
      return RpcFailure(rpc_error::kTransactionRejected, "transaction rejected: " + error.message(),
                        Json{{"reason", "duplicate"}, {"message", error.message()}});
    case ErrorCode::kInvalidInput:
    case ErrorCode::kVerificationFailed:
    case ErrorCode::kNotFound:
    case ErrorCode::kUnsupported:
      return RpcFailure(rpc_error::kTransactionRejected, "transaction rejected: " + error.message(),
                        Json{{"reason", "invalid"}, {"message", error.message()}});
    case ErrorCode::kIo:
    case ErrorCode::kCorruption:
    case ErrorCode::kUnavailable:
      break;
  }
  return failure_from(error);
}

// Every tx_submit of a batch in one hand-off to the node, and one wait: a
// wait per entry cost a round trip between an RPC worker and the
// verification pool per transaction.
std::vector<Outcome> submit_all(std::span<const Params> calls, CallContext& c) {
  std::vector<std::optional<Outcome>> outcomes(calls.size());
  std::vector<Bytes> encoded;
  std::vector<std::size_t> positions;  // of encoded's entries in calls
  for (std::size_t i = 0; i < calls.size(); ++i) {
    try {
      encoded.push_back(calls[i].hex("tx", ledger::kMaxTransactionSize));
      positions.push_back(i);
    } catch (const RpcFailure& failure) {
      outcomes[i] = failure;
    }
  }
  if (!encoded.empty()) {
    auto done = std::make_shared<std::promise<std::vector<Result<Digest>>>>();
    auto answer = done->get_future();
    c.backend().submit_batch(std::move(encoded), [done](std::vector<Result<Digest>> results) {
      done->set_value(std::move(results));
    });
    if (answer.wait_for(kSubmitTimeout) != std::future_status::ready) {
      for (std::size_t i : positions) {
        outcomes[i] = RpcFailure(rpc_error::kInternal,
                                 "the node did not answer in time; it may be stopping");
      }
    } else {
      std::vector<Result<Digest>> results = answer.get();
      TC_ASSERT_MSG(results.size() == positions.size(), "one admission result per transaction");
      for (std::size_t j = 0; j < positions.size(); ++j) {
        outcomes[positions[j]] = submission_outcome(results[j]);
      }
    }
  }
  std::vector<Outcome> out;
  out.reserve(calls.size());
  for (std::optional<Outcome>& outcome : outcomes) out.push_back(std::move(*outcome));
  return out;
}

Json submit(const Params& p, CallContext& c) {
  Outcome outcome = std::move(submit_all(std::span(&p, 1), c).front());
  if (auto* failure = std::get_if<RpcFailure>(&outcome)) throw std::move(*failure);
  return std::move(std::get<Json>(outcome));
}

Json get_transaction(const Params& p, CallContext& c) {
  storage::StoredTransaction stored = readable_transaction(p, c);
  Json out = transaction_json(stored.transaction, stored.hash);
  out["height"] = stored.location.height;
  out["index"] = stored.location.index;
  return out;
}

// Anonymous: whether a transaction is committed, and where. Its hash is
// known only to whoever holds the transaction; the answer names no one.
Json get_transaction_status(const Params& p, CallContext& c) {
  auto location = c.store().locate(p.digest("hash"));
  if (!location) {
    if (location.error().code() != ErrorCode::kNotFound) throw failure_from(location.error());
    return {{"committed", false}};
  }
  return {{"committed", true}, {"height", location->height}, {"index", location->index}};
}

Json get_receipt(const Params& p, CallContext& c) {
  storage::StoredTransaction stored = readable_transaction(p, c);
  return receipt_json(unwrap(c.store().receipt_at(stored.location)), algorithm(c));
}

Json get_inclusion_proof(const Params& p, CallContext& c) {
  storage::StoredTransaction stored = readable_transaction(p, c);
  std::uint64_t size = p.optional_u64("logSize").value_or(tip_log_size(c));
  auto proof = unwrap(c.store().inclusion_proof(stored.hash, size), "logSize");
  Json out = inclusion_proof_json(proof, crypto::MerkleHasher(algorithm(c)));
  out["logRoot"] = to_hex(unwrap(c.store().log_root(size)));
  auto height = height_with_log_size(c, size);
  out["height"] = height ? Json(*height) : Json(nullptr);
  return out;
}

// For each witness's latest cosigned checkpoint that holds the transaction:
// the cosigned note and the transaction's inclusion proof to its size.
Json witnessed_inclusions(CallContext& c, const Digest& tx_hash) {
  const std::string origin = ledger::checkpoint_origin(c.store().params());
  crypto::MerkleHasher hasher(algorithm(c));
  Json out = Json::array();
  for (const WitnessLag& lag : witness_lags(c)) {
    if (!lag.latest) continue;
    auto proof = c.store().inclusion_proof(tx_hash, lag.latest->size);
    if (!proof) continue;  // cosigned before the transaction was committed
    out.push_back({{"participant", lag.witness.participant},
                   {"note", ledger::format_note(cosigned_note(origin, *lag.latest))},
                   {"inclusionProof", inclusion_proof_json(*proof, hasher)}});
  }
  return out;
}

// tx_getVerifiableReceipt's answer for a committed transaction, against the
// header at `height` (at or above the transaction's).
Json verifiable_receipt(CallContext& c, const storage::StoredTransaction& stored,
                        std::uint64_t height, bool witnessed) {
  ledger::BlockHeader header = header_at(c, height);
  ledger::Receipt receipt = unwrap(c.store().receipt_at(stored.location));
  storage::InclusionProof proof = unwrap(c.store().inclusion_proof(stored.hash, header.log_size));
  crypto::MerkleHasher hasher(algorithm(c));
  // The store derives every piece from committed data; a proof that does not
  // verify here means the store contradicts itself, never a client error.
  if (Status s = storage::verify_inclusion_proof(hasher, proof, header.log_root); !s) {
    throw failure_from(Error(ErrorCode::kCorruption, s.error().message()));
  }
  const ledger::ChainParams& params = c.store().params();
  // The key the sender signed with: the one in force at the transaction's
  // height (a rotation in block h takes effect at h + 1).
  Json sender_key = nullptr;
  if (auto sender = ledger::find_participant(c.state(), stored.transaction.sender)) {
    std::uint64_t from_height = 0;
    const Bytes* key = nullptr;
    for (const ledger::KeyEpoch& epoch : sender->keys) {
      if (epoch.from_height > stored.location.height) break;
      from_height = epoch.from_height;
      key = &epoch.public_key;
    }
    if (key) sender_key = {{"publicKey", to_hex(*key)}, {"fromHeight", from_height}};
  }
  return {
      {"format", "tracechain-verifiable-receipt/1"},
      {"chainId", params.chain_id},
      {"suite", crypto::suite_name(params.suite)},
      {"genesisHash", to_hex(params.genesis_hash)},
      {"transaction", transaction_json(stored.transaction, stored.hash)},
      {"receipt", receipt_json(receipt, hasher.algorithm())},
      {"inclusionProof", inclusion_proof_json(proof, hasher)},
      {"header", header_json(header, hasher.algorithm())},
      {"certificate", certificate_json(unwrap(c.store().certificate(height)))},
      {"validatorSet", validator_set_json(unwrap(c.store().validators_at(height)))},
      {"senderKey", std::move(sender_key)},
      {"witnessed", witnessed ? witnessed_inclusions(c, stored.hash) : Json(nullptr)},
  };
}

Json get_verifiable_receipt(const Params& p, CallContext& c) {
  storage::StoredTransaction stored = readable_transaction(p, c);
  std::uint64_t height = p.optional_u64("height").value_or(stored.location.height);
  if (height < stored.location.height) {
    throw invalid_param("height", "the transaction was committed at height " +
                                      std::to_string(stored.location.height) +
                                      "; a header below it cannot prove it");
  }
  if (height > tip_height(c)) {
    throw not_found("no block at height " + std::to_string(height));
  }
  return verifiable_receipt(c, stored, height, p.optional_boolean("witnessed").value_or(false));
}

// ------------------------------------------------------------ state proofs

// Longest state key a proof is asked for (ids are at most 128 bytes).
constexpr std::size_t kMaxStateKey = 512;
// Most trades a participant's history answer lists.
constexpr std::size_t kMaxParticipantHistory = 10000;

// The proof of `key`'s value, or of its absence, at the request's snapshot
// against that height's certified header; checked here before it leaves.
Json state_proof(CallContext& c, const std::string& key) {
  std::uint64_t height = c.state_height();
  if (height == 0) {
    throw not_found("no block is committed yet: a state proof needs a certified header");
  }
  auto tree = c.store().state_tree(height);
  if (!tree) {
    if (tree.error().code() == ErrorCode::kUnsupported) throw not_found(tree.error().message());
    throw failure_from(tree.error());
  }
  std::optional<Bytes> value = c.state().get(key);
  ledger::StateTreeProof proof = (*tree)->prove(key);
  ledger::BlockHeader header = header_at(c, height);
  if (Status s = ledger::verify_state_proof(algorithm(c), header.state_root, key, value, proof);
      !s) {
    throw failure_from(Error(ErrorCode::kCorruption, "the state tree contradicts the header of "
                                                     "height " + std::to_string(height) + ": " +
                                                         s.error().message()));
  }
  return state_proof_json(c.store().params(), key, value, proof, header,
                          unwrap(c.store().certificate(height)),
                          unwrap(c.store().validators_at(height)));
}

bool proof_asked(const Params& p) { return p.optional_boolean("proof").value_or(false); }

Json get_state_proof(const Params& p, CallContext& c) {
  std::string key = p.string("key", kMaxStateKey);
  if (!Access(c.state(), c.caller()).can_read_state_key(key)) {
    throw not_authorised("state key '" + key + "'");
  }
  c.read("state", key, concerned_by_key(c.state(), key));
  return state_proof(c, key);
}

// ----------------------------------------------------------------- trades

Json get_trade(const Params& p, CallContext& c) {
  ledger::Trade trade = readable_trade(p, c);
  Json out = trade_json(trade);
  if (proof_asked(p)) out["stateProof"] = state_proof(c, ledger::keys::trade(trade.id));
  return out;
}

Json get_trade_trail(const Params& p, CallContext& c) {
  ledger::Trade trade = readable_trade(p, c);
  // The trail is read at the request's snapshot, the height its proofs are of.
  const auto* snapshot = dynamic_cast<const storage::StateSnapshot*>(&c.state());
  storage::TradeTrailReceipts t =
      unwrap(snapshot ? c.store().trade_trail(*snapshot, trade.id) : c.store().trade_trail(trade.id),
             "tradeId");
  crypto::HashAlgorithm a = algorithm(c);
  Json steps = Json::array();
  for (std::size_t i = 0; i < t.trail.steps.size(); ++i) {
    steps.push_back(with_receipt(trail_entry_json(t.trail.steps[i]), t.steps[i], a));
  }
  Json reviews = Json::array();
  for (std::size_t i = 0; i < t.trail.source_reviews.size(); ++i) {
    reviews.push_back(
        with_receipt(source_review_json(t.trail.source_reviews[i]), t.source_reviews[i], a));
  }
  Json attestations = Json::array();
  for (std::size_t i = 0; i < t.trail.attestations.size(); ++i) {
    attestations.push_back(
        with_receipt(attestation_json(t.trail.attestations[i]), t.attestations[i], a));
  }
  Json out = {
      {"height", t.height},
      {"trade", trade_json(t.trail.trade)},
      {"asset", asset_json(t.trail.asset)},
      {"registration", with_receipt(trail_entry_json(t.trail.registration), t.registration, a)},
      {"steps", std::move(steps)},
      {"sourceReviews", std::move(reviews)},
      {"attestations", std::move(attestations)},
  };
  if (proof_asked(p)) {
    if (t.height != c.state_height()) {
      // Only when the request's view is not a store snapshot.
      throw failure_from(Error(ErrorCode::kUnavailable, "the chain moved on while the trail was "
                                                        "read; ask again"));
    }
    std::string key = ledger::keys::trade(trade.id);
    out["stateProof"] = state_proof(c, key);
    out["historyProof"] = state_proof(c, ledger::keys::history(key));
  }
  return out;
}

// A page of the trades `ids` (up to `limit` scanned): only those the caller
// may read directly (the same Access rule as trade_get), so a list never
// shows what a direct read refuses. `next` continues after the last trade
// scanned, shown or not.
Json trade_page(CallContext& c, const std::vector<std::string>& ids, std::uint64_t limit) {
  Access access(c.state(), c.caller());
  Json trades = Json::array();
  for (const std::string& id : ids) {
    ledger::Trade trade = unwrap(ledger::find_trade(c.state(), id));
    if (!access.can_read_trade(trade)) continue;
    c.read("trade", trade.id, trade_parties(trade));
    trades.push_back(trade_json(trade));
  }
  return {{"trades", std::move(trades)},
          {"next", ids.size() == limit ? Json(ids.back()) : Json(nullptr)}};
}

// A page of records as JSON under `field`: those `shape` gives a value for,
// and the page's `next` (the last record read, shown or not).
template <typename T, typename Shape>
Json page_json(const ledger::RecordPage<T>& page, const char* field, Shape&& shape) {
  Json records = Json::array();
  for (const T& record : page.records) {
    if (std::optional<Json> json = shape(record)) records.push_back(std::move(*json));
  }
  return {{field, std::move(records)}, {"next", page.next ? Json(*page.next) : Json(nullptr)}};
}

// Every trade, or those in `state`: a page of `limit` trades scanned in id
// order, of which the caller sees those it may read (a reviewer's queue is
// state "agreed", an arbitrator's "disputed", an operator's "accepted").
Json list_trades(const Params& p, CallContext& c) {
  std::optional<ledger::TradeState> state;
  if (auto name = p.optional_string("state", 32)) {
    auto parsed = ledger::parse_trade_state(*name);
    if (!parsed) throw invalid_param("state", parsed.error().message());
    state = *parsed;
  }
  std::string after = p.optional_identifier("startAfter").value_or("");
  std::uint64_t limit = page_limit(p);
  if (!c.caller()) throw not_authorised("the list of trades");
  auto page = unwrap(ledger::trades_page(c.state(), after, limit));
  Access access(c.state(), c.caller());
  return page_json(page, "trades", [&](const ledger::Trade& trade) -> std::optional<Json> {
    if ((state && trade.state != *state) || !access.can_read_trade(trade)) return std::nullopt;
    c.read("trade", trade.id, trade_parties(trade));
    return trade_json(trade);
  });
}

Json list_trades_by_participant(const Params& p, CallContext& c) {
  std::string participant = p.identifier("participant");
  std::string after = p.optional_identifier("startAfter").value_or("");
  std::uint64_t limit = page_limit(p);
  if (!Access(c.state(), c.caller()).can_list_trades_of_participant(participant)) {
    throw not_authorised("the trades of '" + participant + "'");
  }
  return trade_page(c, ledger::trades_of_participant(c.state(), participant, after, limit), limit);
}

Json list_trades_by_asset(const Params& p, CallContext& c) {
  ledger::Asset asset = asset_param(p, c);
  std::string after = p.optional_identifier("startAfter").value_or("");
  std::uint64_t limit = page_limit(p);
  if (!Access(c.state(), c.caller()).can_list_trades_of_asset(asset)) {
    throw not_authorised("the trades of asset '" + asset.id + "'");
  }
  return trade_page(c, ledger::trades_of_asset(c.state(), asset.id, after, limit), limit);
}

// ----------------------------------------------------------------- assets

Json get_asset(const Params& p, CallContext& c) {
  ledger::Asset asset = asset_param(p, c);
  if (!Access(c.state(), c.caller()).can_read_asset(asset)) {
    throw not_authorised("asset '" + asset.id + "'");
  }
  c.read("asset", asset.id, {asset.provider});
  Json out = asset_json(asset);
  if (proof_asked(p)) out["stateProof"] = state_proof(c, ledger::keys::asset(asset.id));
  return out;
}

// Entries are read straight from the asset's history index, a page at a
// time, so that a popular asset's history never has to fit in memory.
Json get_asset_history(const Params& p, CallContext& c) {
  ledger::Asset asset = asset_param(p, c);
  std::uint64_t after = p.optional_u64("startAfter").value_or(0);
  std::uint64_t limit = page_limit(p);
  if (!Access(c.state(), c.caller()).can_read_asset_history(asset)) {
    throw not_authorised("the history of asset '" + asset.id + "'");
  }
  auto page = unwrap(ledger::asset_history_page(
      c.state(), asset.id, p.has("startAfter") ? std::optional(after) : std::nullopt, limit));
  // The history shows who sent each step (buyers' requests among them).
  std::vector<std::string> senders{asset.provider};
  for (const auto& [seq, entry] : page.entries) senders.push_back(entry.sender);
  c.read("asset", asset.id, std::move(senders));
  Json entries = Json::array();
  for (const auto& [seq, entry] : page.entries) {
    Json item = trail_entry_json(entry);
    item["seq"] = seq;
    if (entry.kind == ledger::TxKind::kAssetReview && entry.status == ledger::TxStatus::kOk) {
      item["review"] =
          source_review_json(unwrap(ledger::find_source_review(c.state(), entry.tx_hash)));
    }
    entries.push_back(std::move(item));
  }
  Json out = {{"asset", asset_json(asset)},
              {"entries", std::move(entries)},
              {"next", page.next ? Json(*page.next) : Json(nullptr)}};
  if (proof_asked(p)) {
    // Histories only grow: the first `count` entries, gathered over pages
    // read at any later height, are the ones this commitment covers.
    out["historyProof"] = state_proof(c, ledger::keys::history(ledger::keys::asset(asset.id)));
  }
  return out;
}

// ------------------------------------------------------------ participants

// A page of the assets (in id order, `limit` scanned), those the caller may read.
Json list_assets(const Params& p, CallContext& c) {
  std::string after = p.optional_identifier("startAfter").value_or("");
  std::uint64_t limit = page_limit(p);
  if (!c.caller()) throw not_authorised("the list of assets");
  auto page = unwrap(ledger::assets_page(c.state(), after, limit));
  Access access(c.state(), c.caller());
  return page_json(page, "assets", [&](const ledger::Asset& asset) -> std::optional<Json> {
    if (!access.can_read_asset(asset)) return std::nullopt;
    c.read("asset", asset.id, {asset.provider});
    return asset_json(asset);
  });
}

// ------------------------------------------------------------- governance

Json list_proposals(const Params& p, CallContext& c) {
  std::string after = p.optional_identifier("startAfter").value_or("");
  std::uint64_t limit = page_limit(p);
  const bool open_only = p.optional_boolean("open").value_or(false);
  if (!Access(c.state(), c.caller()).can_read_proposals()) {
    throw not_authorised("governance proposals");
  }
  auto page = unwrap(ledger::proposals_page(c.state(), after, limit));
  const std::uint64_t next_height = tip_height(c) + 1;
  return page_json(page, "proposals",
                   [&](const ledger::GovernanceProposal& proposal) -> std::optional<Json> {
                     Json json = proposal_json(proposal, next_height);
                     if (open_only && json["status"] != "open") return std::nullopt;
                     c.read("proposal", proposal.id);
                     return json;
                   });
}

Json get_proposal(const Params& p, CallContext& c) {
  std::string id = p.identifier("proposalId");
  if (!Access(c.state(), c.caller()).can_read_proposals()) {
    throw not_authorised("governance proposals");
  }
  ledger::GovernanceProposal proposal = unwrap(ledger::find_proposal(c.state(), id), "proposalId");
  c.read("proposal", proposal.id);
  return proposal_json(proposal, tip_height(c) + 1);
}

Json get_participant(const Params& p, CallContext& c) {
  std::string id = p.identifier("participantId");
  ledger::Participant participant =
      unwrap(ledger::find_participant(c.state(), id), "participantId");
  if (!Access(c.state(), c.caller()).can_read_participant(id)) {
    throw not_authorised("participant '" + id + "'");
  }
  c.read("participant", id, {id});
  Json out = participant_json(participant);
  if (proof_asked(p)) out["stateProof"] = state_proof(c, ledger::keys::participant(id));
  return out;
}

// The creation of every trade the participant is a party to, in chain order,
// with the proof of the participant's history commitment at the same height.
Json get_participant_history(const Params& p, CallContext& c) {
  std::string id = p.identifier("participantId");
  unwrap(ledger::find_participant(c.state(), id), "participantId");
  if (!Access(c.state(), c.caller()).can_list_trades_of_participant(id)) {
    throw not_authorised("the trades of '" + id + "'");
  }
  auto creations = ledger::participant_history(c.state(), id, kMaxParticipantHistory);
  if (!creations && creations.error().code() == ErrorCode::kResourceExhausted) {
    throw RpcFailure(rpc_error::kLimitExceeded, creations.error().message());
  }
  Json entries = Json::array();
  c.read("participant", id, {id});
  for (const ledger::PartyTradeCreation& creation : unwrap(std::move(creations))) {
    auto trade = ledger::find_trade(c.state(), creation.trade_id);
    c.read("trade", creation.trade_id,
           trade ? trade_parties(*trade) : std::vector<std::string>{creation.entry.sender});
    Json item = trail_entry_json(creation.entry);
    item["tradeId"] = creation.trade_id;
    entries.push_back(std::move(item));
  }
  Json out = {{"participantId", id}, {"height", c.state_height()}, {"entries", std::move(entries)}};
  if (p.optional_boolean("proof").value_or(true)) {
    out["historyProof"] = state_proof(c, ledger::keys::history(ledger::keys::participant(id)));
  }
  return out;
}

Json get_attestations(const Params& p, CallContext& c) {
  std::string id = p.identifier("participantId");
  unwrap(ledger::find_participant(c.state(), id), "participantId");
  std::optional<Digest> after;
  if (p.has("startAfter")) after = p.digest("startAfter");
  std::uint64_t limit = page_limit(p);
  auto scope = Access(c.state(), c.caller()).attestations_of(id);
  if (scope == Access::Attestations::kNone) {
    throw not_authorised("the attestations of '" + id + "'");
  }
  c.read("attestations", id, {id});
  // A page of `limit` attestations scanned, of which an attestor sees its
  // own: the work per request is bounded whatever the caller may see.
  auto page = unwrap(ledger::attestations_page(c.state(), id, after, limit));
  const bool with_proofs = proof_asked(p);
  Json list = Json::array();
  for (const ledger::Attestation& a : page.attestations) {
    if (scope == Access::Attestations::kOwn && a.attestor != c.caller()->id) continue;
    Json item = attestation_json(a);
    if (with_proofs) item["stateProof"] = state_proof(c, ledger::keys::attestation(a.id));
    list.push_back(std::move(item));
  }
  return {{"attestations", std::move(list)},
          {"next", page.next ? Json(to_hex(*page.next)) : Json(nullptr)}};
}

// --------------------------------------------------------------- read log

Json read_entry_json(const ledger::ReadEntry& entry) {
  Json subjects = Json::array();
  for (const ledger::ReadSubject& subject : entry.subjects) {
    subjects.push_back({{"kind", subject.kind}, {"id", subject.id}});
  }
  return {{"node", entry.node},     {"timeMs", entry.time_ms},  {"reader", entry.reader},
          {"method", entry.method}, {"subjects", std::move(subjects)}, {"about", entry.about},
          {"requestHash", to_hex(entry.request_hash)}};
}

// Who read records about a participant, through this node: a page of its
// read log's entries, each with its inclusion proof to the node's latest
// checkpoint on chain (none yet for entries after it), and that
// checkpoint's verifiable receipt. Participants see the reads about
// themselves and their own; auditors see all. This read is recorded too.
Json list_reads(const Params& p, CallContext& c) {
  ReadLog* log = c.backend().read_log();
  if (!log) throw not_found("this node keeps no read log");
  std::optional<std::string> about = p.optional_identifier("about");
  std::optional<std::string> reader = p.optional_identifier("reader");
  const std::uint64_t from = p.optional_u64("from").value_or(0);
  const std::uint64_t limit = page_limit(p);
  const Caller& caller = *c.caller();
  if (!caller.has(ledger::Role::kAuditor)) {
    if (!about && !reader) about = caller.id;
    const bool own = about ? *about == caller.id : *reader == caller.id;
    if (!own) {
      throw not_authorised("the reads about others (auditors only; ask for about = yourself)");
    }
  }
  const ReadLog::Page page = unwrap(log->page(about, reader, from, limit));

  const std::string& participant = log->owner().participant;
  std::optional<ledger::ReadLogCheckpoint> checkpoint;
  if (!participant.empty()) checkpoint = unwrap(read_log_checkpoint(c.state(), participant));
  Json checkpoint_json = nullptr;
  Json checkpoint_receipt = nullptr;
  if (checkpoint) {
    if (unwrap(log->root_at(checkpoint->size)) != checkpoint->root) {
      throw failure_from(Error(ErrorCode::kCorruption,
                               "this node's read log contradicts its checkpoint on chain"));
    }
    checkpoint_json = {{"size", checkpoint->size},
                       {"root", to_hex(checkpoint->root)},
                       {"height", checkpoint->height},
                       {"txHash", to_hex(checkpoint->tx_hash)}};
    storage::StoredTransaction stored = unwrap(c.store().transaction(checkpoint->tx_hash));
    checkpoint_receipt = verifiable_receipt(c, stored, stored.location.height, false);
  }
  Json entries = Json::array();
  for (std::uint64_t index : page.indices) {
    Bytes bytes = unwrap(log->entry(index));
    auto entry = ledger::decode<ledger::ReadEntry>(bytes);
    if (!entry) throw failure_from(Error(ErrorCode::kCorruption, entry.error().message()));
    Json item = read_entry_json(*entry);
    item["index"] = index;
    item["hex"] = to_hex(bytes);
    Json proof = nullptr;
    if (checkpoint && index < checkpoint->size) {
      proof = Json::array();
      for (const Digest& d : unwrap(log->inclusion_proof(index, checkpoint->size))) {
        proof.push_back(to_hex(d));
      }
    }
    item["inclusionProof"] = std::move(proof);
    entries.push_back(std::move(item));
  }
  // This answer is a read too: of the reads about `about` (or of all).
  c.read("reads", about.value_or("*"), about ? std::vector<std::string>{*about}
                                             : std::vector<std::string>{});
  if (reader) c.read("reads-by", *reader, {*reader});
  return {{"node", log->owner().node},
          {"participant", participant.empty() ? Json(nullptr) : Json(participant)},
          {"logSize", log->size()},
          {"checkpoint", std::move(checkpoint_json)},
          {"checkpointReceipt", std::move(checkpoint_receipt)},
          {"entries", std::move(entries)},
          {"next", page.next ? Json(*page.next) : Json(nullptr)}};
}

// ------------------------------------------------------------------- misc

Json who_am_i(const Params&, CallContext& c) {
  if (!c.caller()) return {{"authenticated", false}};
  return {{"authenticated", true},
          {"participant", c.caller()->id},
          {"roles", roles_json(c.caller()->roles)}};
}

Json get_version(const Params&, CallContext&) {
  // Every suite this build signs and verifies with: the suite numbers the
  // decoders accept, so a suite added there is listed here.
  Json suites = Json::array();
  for (unsigned number = 0; number <= 0xff; ++number) {
    if (auto suite = crypto::suite_from_byte(static_cast<std::uint8_t>(number))) {
      suites.push_back(crypto::suite_name(*suite));
    }
  }
  return {{"version", build_version()},
          {"commit", build_commit()},
          {"protocol", kProtocolVersion},
          {"suites", std::move(suites)}};
}

Subscriptions& websocket(CallContext& c) {
  if (!c.subscriptions()) {
    throw RpcFailure(rpc_error::kWebSocketOnly,
                     "subscriptions need a WebSocket connection (GET /ws)");
  }
  return *c.subscriptions();
}

Json subscribe(const Params& p, CallContext& c) {
  Subscriptions& subscriptions = websocket(c);
  std::string topic = p.string("topic", 32);
  if (topic == "newBlocks") return subscriptions.subscribe(Subscriptions::Topic::kNewBlocks);
  if (topic == "tradeEvents") {
    if (!c.caller()) {
      throw RpcFailure(rpc_error::kNotAuthorised,
                       "tradeEvents delivers the caller's own trades: sign the upgrade request");
    }
    return subscriptions.subscribe(Subscriptions::Topic::kTradeEvents);
  }
  if (topic == "receipts") {
    if (!c.caller()) {
      throw RpcFailure(rpc_error::kNotAuthorised,
                       "receipts delivers the receipts of the caller's own transactions: sign "
                       "the upgrade request");
    }
    return subscriptions.subscribe(Subscriptions::Topic::kReceipts);
  }
  throw invalid_param("topic", "expected \"newBlocks\", \"tradeEvents\" or \"receipts\"");
}

Json unsubscribe(const Params& p, CallContext& c) {
  return websocket(c).unsubscribe(p.string("subscription", 32));
}

}  // namespace

// Backends without a batch path (test doubles) admit one at a time.
void Backend::submit_batch(std::vector<Bytes> encoded,
                           std::function<void(std::vector<Result<Digest>>)> done) {
  struct Pending {
    std::mutex mutex;
    std::vector<std::optional<Result<Digest>>> results;
    std::size_t left = 0;
    std::function<void(std::vector<Result<Digest>>)> done;
  };
  if (encoded.empty()) {
    done({});
    return;
  }
  auto pending = std::make_shared<Pending>();
  pending->results.resize(encoded.size());
  pending->left = encoded.size();
  pending->done = std::move(done);
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    submit(std::move(encoded[i]), [pending, i](Result<Digest> result) {
      std::vector<Result<Digest>> all;
      {
        std::lock_guard lock(pending->mutex);
        pending->results[i] = std::move(result);
        if (--pending->left > 0) return;
        for (auto& r : pending->results) all.push_back(std::move(*r));
      }
      pending->done(std::move(all));
    });
  }
}

const std::vector<Method>& all_methods() {
  static const std::vector<Method> methods = {
      {"chain_getStatus", false, {}, get_status},
      {"chain_getPolicy", false, {}, get_policy},
      {"chain_getHeader", false, {"height"}, get_header},
      {"chain_getCertificate", false, {"height"}, get_certificate},
      {"chain_getCheckpoint", false, {"height"}, get_checkpoint},
      {"chain_getBlock", true, {"height"}, get_block},
      {"chain_getConsistencyProof", false, {"fromSize", "toSize"}, get_consistency_proof},
      {"chain_getWitnesses", false, {}, get_witnesses},
      {"witness_addCosignature", false, {"note"}, add_cosignature},
      {"chain_getValidatorSetChanges",
       false,
       {"fromHeight", "toHeight"},
       get_validator_set_changes},
      {"tx_submit", false, {"tx"}, submit, submit_all},
      {"tx_get", true, {"hash"}, get_transaction},
      {"tx_getStatus", false, {"hash"}, get_transaction_status},
      {"tx_getReceipt", true, {"hash"}, get_receipt},
      {"tx_getInclusionProof", true, {"hash", "logSize"}, get_inclusion_proof},
      {"tx_getVerifiableReceipt", true, {"hash", "height", "witnessed"}, get_verifiable_receipt},
      {"state_getProof", true, {"key"}, get_state_proof},
      {"trade_get", true, {"tradeId", "proof"}, get_trade},
      {"trade_list", true, {"state", "startAfter", "limit"}, list_trades},
      {"trade_getTrail", true, {"tradeId", "proof"}, get_trade_trail},
      {"trade_listByParticipant",
       true,
       {"participant", "startAfter", "limit"},
       list_trades_by_participant},
      {"trade_listByAsset", true, {"assetId", "startAfter", "limit"}, list_trades_by_asset},
      {"asset_get", true, {"assetId", "proof"}, get_asset},
      {"asset_list", true, {"startAfter", "limit"}, list_assets},
      {"asset_getHistory", true, {"assetId", "startAfter", "limit", "proof"}, get_asset_history},
      {"participant_get", true, {"participantId", "proof"}, get_participant},
      {"participant_getHistory", true, {"participantId", "proof"}, get_participant_history},
      {"access_listReads", true, {"about", "reader", "from", "limit"}, list_reads},
      {"participant_getAttestations",
       true,
       {"participantId", "startAfter", "limit", "proof"},
       get_attestations},
      {"governance_listProposals", true, {"open", "startAfter", "limit"}, list_proposals},
      {"governance_getProposal", true, {"proposalId"}, get_proposal},
      {"auth_whoAmI", false, {}, who_am_i},
      {"node_getVersion", false, {}, get_version},
      {"events_subscribe", false, {"topic"}, subscribe},
      {"events_unsubscribe", false, {"subscription"}, unsubscribe},
  };
  return methods;
}

}  // namespace tracechain::node::rpc
