#include "node/replica.h"

#include <algorithm>

#include "ledger/follower.h"
#include "ledger/receipt.h"
#include "node/log.h"

namespace tracechain::node {

namespace {

std::string short_hash(const Digest& hash) { return to_hex(hash).substr(0, 12); }

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

consensus::Config engine_config(const ReplicaConfig& config) {
  consensus::Config c;
  c.chain_id = config.chain_id;
  c.validator_id = config.node_id;
  c.timeouts = config.timeouts;
  return c;
}

// Equivocation evidence kept in memory.
constexpr std::size_t kMaxEvidence = 1'000;

}  // namespace

Replica::Replica(ReplicaConfig config, crypto::PrivateKey validator_key,
                 consensus::SigningState signing_state, storage::BlockStore& store,
                 Mempool& mempool, ledger::VerifiedSignatures& verified,
                 consensus::SigningStateStore& signing_store, HeldBlockStore& held_store,
                 const Clock& clock, ReplicaEffects& effects)
    : config_(std::move(config)),
      store_(store),
      mempool_(mempool),
      verified_(verified),
      signing_store_(signing_store),
      held_store_(held_store),
      clock_(clock),
      effects_(effects),
      engine_(engine_config(config_), std::move(validator_key), std::move(signing_state)) {}

Replica::~Replica() = default;

// ------------------------------------------------------------------ lifecycle

void Replica::start() {
  if (started_ || stopped_) return;
  started_ = true;
  if (auto blocks = held_store_.load(); !blocks) {
    log::warn("consensus", "cannot read the held blocks: {}", blocks.error().message());
  } else {
    for (Bytes& encoded : *blocks) {
      auto block = ledger::decode<ledger::Block>(encoded);
      if (!block) {
        log::warn("consensus", "a held block does not decode: {}", block.error().message());
        continue;
      }
      Digest hash = ledger::header_hash(store_.params().hash_algorithm(), block->header);
      held_saved_.insert(hash);
      if (block->header.height > store_.height()) {
        held_.emplace(hash, HeldBlock{block->header.height, std::move(encoded)});
      }
    }
  }
  effects_.set_timer(kGossipIntervalMs, ReplicaTimer{ReplicaTimer::Kind::kGossip, {}, 0});
  start_height();
}

// --------------------------------------------------------------------- inputs

void Replica::on_message(const std::string& peer, const WireMessage& message,
                         const std::optional<Digest>& id) {
  if (!started_ || stopped_) return;
  std::visit(Overloaded{
                 [&](const ProposalMessage& m) { on_proposal(peer, m, id); },
                 [&](const VoteMessage& m) { on_vote(peer, m, id); },
                 [&](const StatusMessage& m) { on_status(peer, m); },
                 [&](const BlockRequest& m) { on_block_request(peer, m); },
                 [&](const BlockResponse& m) { on_block_response(peer, m); },
                 [&](const ProposalRequest& m) { on_proposal_request(peer, m); },
                 [&](const auto&) {},  // hello and transactions are the driver's
             },
             message);
}

void Replica::on_peer_connected(const std::string& peer) {
  if (!started_ || stopped_) return;
  effects_.send(peer, StatusMessage{store_.height()});
}

void Replica::on_peer_disconnected(const std::string& peer) {
  peer_heights_.erase(peer);
  request_budget_.erase(peer);
  if (!started_ || stopped_) return;
  if (sync_peer_ == peer) {
    // Its answer will never come: ask another peer that is ahead now.
    sync_peer_.reset();
    ++sync_generation_;
    request_sync_any();
  }
}

void Replica::on_timer(const ReplicaTimer& timer) {
  if (!started_ || stopped_) return;
  switch (timer.kind) {
    case ReplicaTimer::Kind::kConsensus:
      log::debug("consensus", {.height = timer.timeout.height, .round = timer.timeout.round},
                 "{} timeout", consensus::step_name(timer.timeout.step));
      feed(timer.timeout);
      return;
    case ReplicaTimer::Kind::kGossip:
      gossip();
      effects_.set_timer(kGossipIntervalMs, timer);
      return;
    case ReplicaTimer::Kind::kIdle:
      if (timer.generation == idle_generation_ && waiting_for_work_) start_height_now();
      return;
    case ReplicaTimer::Kind::kSync:
      if (timer.generation != sync_generation_ || !sync_peer_) return;
      log::info("sync", {.height = store_.height(), .peer = *sync_peer_},
                "no answer from {}; asking another peer", *sync_peer_);
      ++sync_failures_[*sync_peer_];
      sync_peer_.reset();
      request_sync_any();
      return;
  }
}

void Replica::on_transaction_waiting() {
  if (!started_ || stopped_) return;
  if (waiting_for_work_ && mempool_.size() > 0) start_height_now();
}

ReplicaStatus Replica::status() const {
  ReplicaStatus s;
  s.height = store_.height();
  s.consensus_height = engine_.started() ? engine_.height() : 0;
  s.consensus_round = engine_.started() ? engine_.round() : 0;
  s.best_peer_height = credible_peer_height();
  s.syncing = s.best_peer_height > s.height + 1;
  return s;
}

// ------------------------------------------------------------- messages in

const Replica::SignerSet* Replica::signers() {
  const std::uint64_t height = store_.height() + 1;
  if (signers_ && signers_->height == height) return &*signers_;
  auto validators = store_.validators();
  if (!validators) {
    log::error("consensus", {.height = height}, "no validator set: {}",
               validators.error().message());
    return nullptr;
  }
  SignerSet set;
  set.height = height;
  set.validators = std::move(*validators);
  set.schedule.emplace(set.validators);
  for (const ledger::Validator& v : set.validators.validators) {
    auto key = crypto::PublicKey::from_bytes(set.validators.suite, v.public_key);
    if (!key) {
      log::error("consensus", {.height = height}, "validator {} has an unusable key: {}", v.id,
                 key.error().message());
      return nullptr;
    }
    set.keys.push_back(std::move(*key));
  }
  signers_ = std::move(set);
  return &*signers_;
}

// The engine's own checks, made before the engine sees the proposal: well
// formed, this chain, from proposer(h, r) of the next height, and with
// `verify` its signature.
Status Replica::check_proposal(const ledger::Proposal& proposal, bool verify) {
  if (Status s = ledger::validate(proposal); !s) return s;
  if (proposal.chain_id != config_.chain_id) {
    return Error(ErrorCode::kInvalidInput, "a proposal for chain '" + proposal.chain_id + "'");
  }
  const SignerSet* set = signers();
  if (set == nullptr || proposal.height != set->height) {
    return Error(ErrorCode::kInvalidInput, "a proposal for another height");
  }
  const std::size_t index = set->schedule->proposer_index(proposal.height, proposal.round);
  if (set->validators.validators[index].id != proposal.proposer) {
    return Error(ErrorCode::kInvalidInput,
                 "a proposal from " + proposal.proposer + ", not from the round's proposer " +
                     set->validators.validators[index].id);
  }
  if (!verify) return {};
  if (Status s = ledger::verify_signature(proposal, set->keys[index]); !s) {
    return Error(ErrorCode::kVerificationFailed, "a proposal whose signature does not verify");
  }
  return {};
}

Status Replica::check_vote(const ledger::Vote& vote) {
  if (Status s = ledger::validate(vote); !s) return s;
  if (vote.chain_id != config_.chain_id) {
    return Error(ErrorCode::kInvalidInput, "a vote for chain '" + vote.chain_id + "'");
  }
  const SignerSet* set = signers();
  if (set == nullptr || vote.height != set->height) {
    return Error(ErrorCode::kInvalidInput, "a vote for another height");
  }
  const ledger::Validator* signer = set->validators.find(vote.validator);
  if (signer == nullptr) return Error(ErrorCode::kInvalidInput, "a vote from a non-validator");
  const auto index = static_cast<std::size_t>(signer - set->validators.validators.data());
  if (Status s = ledger::verify_signature(vote, set->keys[index]); !s) {
    return Error(ErrorCode::kVerificationFailed, "a vote whose signature does not verify");
  }
  return {};
}

bool Replica::over_quota(const std::string& peer) {
  auto it = bad_signatures_.find(peer);
  if (it == bad_signatures_.end() || it->second < kMaxBadSignaturesPerPeer) return false;
  if (it->second == kMaxBadSignaturesPerPeer) {
    log::warn("consensus", {.height = store_.height() + 1, .peer = peer},
              "peer={} sent {} messages with bad signatures; ignoring it until the next height",
              peer, it->second);
    ++it->second;  // log once
  }
  ++stats_.messages_ignored;
  return true;
}

bool Replica::within_request_budget(const std::string& peer) {
  const std::uint64_t second = clock_.now_ms() / 1000;
  auto& [window, count] = request_budget_[peer];
  if (window != second) {
    window = second;
    count = 0;
  }
  if (count >= kRequestsPerPeerPerSecond) {
    ++stats_.requests_throttled;
    return false;
  }
  ++count;
  return true;
}

void Replica::on_proposal(const std::string& peer, const ProposalMessage& m,
                          const std::optional<Digest>& id) {
  const std::uint64_t height = m.proposal.height;
  if (height <= store_.height()) return;  // decided already
  if (height > store_.height() + 1) {
    // Only a hint (unverified): the sync answer is checked block by block.
    note_ahead(peer, height - 1);
    return;
  }
  if (over_quota(peer)) return;
  // The engine verifies the signature before it records anything, so the
  // replica checks it itself only where it acts before the engine sees the
  // proposal: starting a height it was idling before.
  const bool starts_height = !engine_.started() || engine_.height() < height;
  if (Status s = check_proposal(m.proposal, starts_height); !s) {
    ++stats_.proposals_refused;
    if (s.error().code() == ErrorCode::kVerificationFailed) ++bad_signatures_[peer];
    log::debug("consensus", {.height = height, .peer = peer}, "peer={} proposal refused: {}", peer,
               s.error().message());
    return;
  }
  if (starts_height) start_height_now();
  if (stopped_) return;
  const std::uint64_t bad_before = engine_.stats().bad_signature;
  const bool accepted = feed(consensus::ProposalReceived{m.proposal});
  if (engine_.stats().bad_signature > bad_before) {
    ++stats_.proposals_refused;
    ++bad_signatures_[peer];
    return;
  }
  const Digest& hash = m.proposal.block_hash;
  // Nothing is decoded or kept for a proposal the engine did not take in,
  // unless the engine asked for its block.
  if (!accepted && requested_.count(hash) == 0) return;
  // The proposal is the proposer's own; the block beside it may still be
  // anyone's: it must decode, hash to what the proposal names and carry the
  // transactions its header commits to. If it does not, the engine fetches
  // the block by its hash.
  auto block = ledger::decode_block(m.block, store_.params().suite);
  if (!block) {
    log::warn("consensus", {.height = height, .peer = peer, .block = hash},
              "peer={} proposal with an undecodable block: {}", peer, block.error().message());
    return;
  }
  if (Digest h = ledger::header_hash(store_.params().hash_algorithm(), block->header);
      h != hash || block->header.height != height) {
    log::warn("consensus", {.height = height, .peer = peer, .block = hash},
              "peer={} proposal names block {} but carries {}", peer, short_hash(hash),
              short_hash(h));
    return;
  }
  crypto::MerkleHasher hasher(store_.params().hash_algorithm());
  if (ledger::digest_list_root(hasher, block->tx_hashes()) != block->header.transactions_root) {
    log::warn("consensus", {.height = height, .peer = peer, .block = hash},
              "peer={} block {} does not hold the transactions its header names", peer,
              short_hash(hash));
    return;
  }
  // Transactions relayed here before were decoded and verified at admission:
  // validation takes the mempool's values and does not decode them again.
  stats_.block_txs_reused += mempool_.reuse_admitted(block->transactions);
  PendingBlock pending{std::move(*block), m.block, m.proposal, std::nullopt, false,
                       m.proposal.round};
  if (!hold(hash, std::move(pending))) return;
  if (accepted) {
    ++stats_.relayed;
    effects_.broadcast(m, id, peer);
  }
  if (auto it = requested_.find(hash); it != requested_.end()) {
    std::optional<std::string> proposer = it->second;
    requested_.erase(it);
    validate_and_report(hash, proposer);
  }
}

void Replica::on_vote(const std::string& peer, const VoteMessage& m,
                      const std::optional<Digest>& id) {
  const std::uint64_t height = m.vote.height;
  if (height <= store_.height()) return;
  if (height > store_.height() + 1) {
    note_ahead(peer, height - 1);
    return;
  }
  if (over_quota(peer)) return;
  if (!engine_.started() || engine_.height() < height) {
    // A peer speaking about the next height starts it now, but only on a
    // vote that verifies: a forged one must not pace the chain.
    if (Status s = check_vote(m.vote); !s) {
      if (s.error().code() == ErrorCode::kVerificationFailed) ++bad_signatures_[peer];
      return;
    }
    start_height_now();
    if (stopped_) return;
  }
  const std::uint64_t bad_before = engine_.stats().bad_signature;
  const bool accepted = feed(consensus::VoteReceived{m.vote});
  if (engine_.stats().bad_signature > bad_before) ++bad_signatures_[peer];
  if (accepted && !stopped_) {
    ++stats_.relayed;
    effects_.broadcast(m, id, peer);
  }
}

void Replica::on_proposal_request(const std::string& peer, const ProposalRequest& m) {
  auto it = pending_.find(m.block_hash);
  if (it == pending_.end() || !it->second.proposal) return;
  // Each peer gets a block once per height: a block may be megabytes.
  if (!served_proposals_.emplace(peer, m.block_hash).second) return;
  if (!within_request_budget(peer)) return;
  effects_.send(peer, ProposalMessage{*it->second.proposal, it->second.encoded});
}

// ----------------------------------------------------------------- the engine

bool Replica::feed(consensus::Event event) {
  if (pumping_) {
    queue_.push_back(std::move(event));
    return false;
  }
  pumping_ = true;
  queue_.push_back(std::move(event));
  bool first = true;
  bool accepted = false;
  while (!queue_.empty() && !stopped_) {
    consensus::Event next = std::move(queue_.front());
    queue_.pop_front();
    std::vector<consensus::Action> actions = engine_.on(next);
    if (first) {
      accepted = engine_.accepted_last_input();
      first = false;
    }
    for (const consensus::Action& action : actions) {
      if (stopped_) break;
      execute(action);
    }
  }
  queue_.clear();
  pumping_ = false;
  return accepted;
}

void Replica::execute(const consensus::Action& action) {
  std::visit(
      Overloaded{
          [&](const consensus::PersistSigningState& a) { persist_signing_state(a.state); },
          [&](const consensus::BroadcastProposal& a) {
            auto it = pending_.find(a.proposal.block_hash);
            if (it == pending_.end()) {
              log::error("consensus",
                         {.height = a.proposal.height, .round = a.proposal.round,
                          .block = a.proposal.block_hash},
                         "proposing block {} that is not held", short_hash(a.proposal.block_hash));
              return;
            }
            it->second.proposal = a.proposal;
            log::info("consensus",
                      {.height = a.proposal.height, .round = a.proposal.round,
                       .block = a.proposal.block_hash},
                      "proposing block {} ({} txs)", short_hash(a.proposal.block_hash),
                      it->second.block.transactions.size());
            effects_.broadcast(ProposalMessage{a.proposal, it->second.encoded}, std::nullopt, {});
            if (a.proposal.valid_round) {
              // A re-proposed validValue is accepted only with the 2f+1
              // prevotes of its valid round (line 28); a peer that missed
              // one of them (an equivocator may have shown it another)
              // must not wait for the next gossip tick, which a short
              // round may not outlive.
              for (const consensus::Message& m : engine_.round_messages(*a.proposal.valid_round)) {
                const auto* vote = std::get_if<ledger::Vote>(&m);
                if (vote != nullptr && vote->type == ledger::VoteType::kPrevote &&
                    vote->block_hash == a.proposal.block_hash) {
                  effects_.broadcast(VoteMessage{*vote}, std::nullopt, {});
                }
              }
            }
          },
          [&](const consensus::BroadcastVote& a) {
            log::debug("consensus",
                       {.height = a.vote.height, .round = a.vote.round, .block = a.vote.block_hash},
                       "{} for {}", a.vote.type == ledger::VoteType::kPrevote ? "prevote" : "precommit",
                       a.vote.block_hash ? short_hash(*a.vote.block_hash) : "nil");
            effects_.broadcast(VoteMessage{a.vote}, std::nullopt, {});
          },
          [&](const consensus::ScheduleTimeout& a) {
            effects_.set_timer(a.duration_ms,
                               ReplicaTimer{ReplicaTimer::Kind::kConsensus,
                                            consensus::TimeoutFired{a.height, a.round, a.step},
                                            0});
          },
          [&](const consensus::CommitBlock& a) { commit_decided(a); },
          [&](const consensus::RequestBlock& a) {
            if (pending_.count(a.block_hash)) {
              validate_and_report(a.block_hash, std::nullopt);
              return;
            }
            requested_.emplace(a.block_hash, std::nullopt);
            log::info("consensus", {.height = a.height, .block = a.block_hash},
                      "asking peers for block {}", short_hash(a.block_hash));
            ProposalRequest request{a.height, a.block_hash};
            for (const std::string& peer : effects_.peers()) effects_.send(peer, request);
          },
          [&](const consensus::ValidateBlock& a) {
            // A fresh proposal's block must name its proposer; a re-proposed
            // validValue (line 28) keeps the header of whoever built it.
            std::optional<std::string> proposer;
            if (!a.proposal.valid_round) proposer = a.proposal.proposer;
            validate_and_report(a.proposal.block_hash, proposer);
          },
          [&](const consensus::GetValue& a) { propose_value(a); },
          [&](const consensus::ReportEvidence& a) {
            log::warn("consensus",
                      {.height = a.evidence.first.height, .round = a.evidence.first.round},
                      "validator {} signed conflicting {}s (evidence kept)",
                      a.evidence.first.validator,
                      a.evidence.first.type == ledger::VoteType::kPrevote ? "prevote"
                                                                          : "precommit");
            if (evidence_.size() >= kMaxEvidence) evidence_.erase(evidence_.begin());
            evidence_.push_back(a.evidence);
          },
      },
      action);
}

void Replica::persist_signing_state(const consensus::SigningState& state) {
  // The blocks this state depends on go to disk first: after a restart a
  // validator locked on a block must still hold it, to prevote it and to
  // propose it again (line 16), or the chain can halt at this height.
  std::set<Digest> needed;
  if (state.locked_value) needed.insert(*state.locked_value);
  if (state.proposal) needed.insert(state.proposal->block_hash);
  // Saved blocks that are no longer needed are harmless (a later height
  // ignores them), so the file is only rewritten to add one.
  if (!std::includes(held_saved_.begin(), held_saved_.end(), needed.begin(), needed.end())) {
    std::vector<Bytes> blocks;
    std::set<Digest> saved;
    for (const Digest& hash : needed) {
      if (auto it = pending_.find(hash); it != pending_.end()) {
        blocks.push_back(it->second.encoded);
      } else if (auto held = held_.find(hash); held != held_.end()) {
        blocks.push_back(held->second.encoded);
      } else {
        log::warn("consensus", {.height = state.height, .block = hash},
                  "signing for block {} that is not held", short_hash(hash));
        continue;
      }
      saved.insert(hash);
    }
    if (!saved.empty()) {
      if (Status s = held_store_.save(blocks); !s) {
        stopped_ = true;
        effects_.fatal("cannot save the blocks the signing state depends on: " +
                       s.error().message());
        return;
      }
      held_saved_ = std::move(saved);
    }
  }
  if (Status s = signing_store_.save(state); !s) {
    // Without a durable record we must not send what we signed.
    stopped_ = true;
    effects_.fatal("cannot save the signing state: " + s.error().message());
  }
}

bool Replica::hold(const Digest& hash, PendingBlock block) {
  if (auto it = pending_.find(hash); it != pending_.end()) {
    if (!it->second.proposal) it->second.proposal = std::move(block.proposal);
    return true;
  }
  if (pending_.size() >= kMaxHeldBlocks) {
    // Make room from the oldest round, never at the expense of what this
    // validator is locked on, proposes or has validated as validValue.
    auto victim = pending_.end();
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      const Digest& h = it->first;
      if (engine_.locked_value() == h || engine_.valid_value() == h || held_saved_.count(h) ||
          requested_.count(h)) {
        continue;
      }
      if (victim == pending_.end() || it->second.round < victim->second.round) victim = it;
    }
    if (victim == pending_.end() || victim->second.round >= block.round) return false;
    pending_.erase(victim);
    ++stats_.blocks_evicted;
  }
  pending_.emplace(hash, std::move(block));
  return true;
}

// Validates a held block (re-executes it) and tells the engine; a block not
// held yet is validated when it arrives.
void Replica::validate_and_report(const Digest& hash,
                                  const std::optional<std::string>& proposer) {
  auto it = pending_.find(hash);
  if (it == pending_.end()) {
    requested_.emplace(hash, proposer);
    return;
  }
  PendingBlock& pending = it->second;
  if (!pending.executed && !pending.invalid) {
    const ledger::BlockHeader& header = pending.block.header;
    std::string problem;
    if (proposer && header.proposer != *proposer) {
      problem = "its header names proposer " + header.proposer + ", not " + *proposer;
    } else if (header.time_ms > clock_.now_ms() + kMaxClockAheadMs) {
      problem = "its time is more than 30 s ahead of this node's clock";
    } else {
      auto executed =
          ledger::validate_block(store_.state(), store_.tip(), pending.block, verified_);
      if (executed) {
        pending.executed = std::move(*executed);
      } else {
        problem = executed.error().message();
      }
    }
    if (!problem.empty()) {
      pending.invalid = true;
      log::warn("consensus", {.height = header.height, .block = hash}, "block {} is invalid: {}",
                short_hash(hash), problem);
    }
  }
  feed(consensus::BlockValidated{pending.block.header.height, hash, pending.executed.has_value()});
}

void Replica::propose_value(const consensus::GetValue& a) {
  // Peers with more than a third of the power have committed this height:
  // a block built now could never be decided. Catch up instead; the
  // propose timeout moves the round on meanwhile.
  if (credible_peer_height() >= a.height) {
    ++stats_.proposals_not_built;
    log::info("consensus", {.height = a.height, .round = a.round},
              "peers have decided this height; syncing instead of proposing");
    request_sync_any();
    return;
  }
  auto candidates = mempool_.take_candidates(config_.max_block_transactions,
                                             config_.max_block_bytes);
  ledger::ChainTip tip = store_.tip();
  ledger::BlockContext context{a.height, std::max(clock_.now_ms(), tip.time_ms), config_.node_id};
  ledger::BlockLimits limits{config_.max_block_transactions, config_.max_block_bytes};
  auto built = ledger::build_block(store_.state(), tip, context, candidates, limits, verified_);
  if (!built) {
    log::error("consensus", {.height = a.height, .round = a.round}, "cannot build a block: {}",
               built.error().message());
    return;  // the propose timeout moves the round on
  }
  if (!built->dropped.empty()) {
    std::vector<Digest> drop;
    for (const auto& [index, error] : built->dropped) {
      drop.push_back(candidates[index]->hash);
      log::info("mempool", {.tx = drop.back()}, "dropping transaction {}: {}",
                short_hash(drop.back()), error.message());
    }
    mempool_.remove(drop);
  }
  Digest hash = ledger::header_hash(store_.params().hash_algorithm(), built->block.header);
  Bytes encoded = ledger::encode_block(built->block);
  pending_.erase(hash);
  // Our own block is never refused room: evict if we must.
  if (!hold(hash, PendingBlock{std::move(built->block), std::move(encoded), std::nullopt,
                               std::move(built->executed), false, a.round})) {
    log::error("consensus", {.height = a.height, .round = a.round}, "no room for our own block");
    return;
  }
  feed(consensus::ValueReady{a.height, a.round, hash});
}

// -------------------------------------------------------------------- commits

void Replica::commit_decided(const consensus::CommitBlock& a) {
  auto it = pending_.find(a.block_hash);
  if (it == pending_.end() || !it->second.executed) {
    // Decided without the block here: sync fetches it with its certificate.
    log::warn("consensus", {.height = a.height, .block = a.block_hash},
              "decided block {} is not held; syncing", short_hash(a.block_hash));
    request_sync_any();
    return;
  }
  // The entry is erased by the commit: keep what it needs alive.
  PendingBlock decided = std::move(it->second);
  commit(decided.block, a.certificate, *decided.executed, "consensus");
}

bool Replica::commit(const ledger::AdmittedBlock& block, const ledger::CommitCertificate& certificate,
                     const ledger::ExecutedBlock& executed, const char* how) {
  if (Status s = store_.commit(block, certificate, executed); !s) {
    stopped_ = true;
    effects_.fatal("cannot commit height " + std::to_string(block.header.height) + ": " +
                   s.error().message());
    return false;
  }
  mempool_.remove(executed.tx_hashes);
  std::size_t failed = 0;
  for (const ledger::Receipt& r : executed.receipts) failed += !r.ok();
  log::info("consensus",
            {.height = block.header.height, .round = certificate.round,
             .block = certificate.block_hash},
            "committed block {} ({} txs, {} failed) via {}", short_hash(certificate.block_hash),
            block.transactions.size(), failed, how);
  if (executed.next_validators) {
    log::info("consensus", {.height = block.header.height},
              "validator set changes from height {}: {} validators", block.header.height + 1,
              executed.next_validators->validators.size());
  }
  effects_.committed(block, certificate, executed, how);
  pending_.clear();
  requested_.clear();
  served_proposals_.clear();
  bad_signatures_.clear();
  std::erase_if(held_, [&](const auto& entry) { return entry.second.height <= store_.height(); });
  effects_.broadcast(StatusMessage{store_.height()}, std::nullopt, {});
  if (!engine_.started() || engine_.height() <= store_.height()) start_height();
  return true;
}

// Starts the next height now if there is work, otherwise when the idle
// interval passes, a transaction arrives or a peer moves on.
void Replica::start_height() {
  if (stopped_) return;
  if (mempool_.size() > 0 || config_.idle_block_interval_ms == 0) {
    start_height_now();
    return;
  }
  waiting_for_work_ = true;
  effects_.set_timer(config_.idle_block_interval_ms,
                     ReplicaTimer{ReplicaTimer::Kind::kIdle, {}, ++idle_generation_});
}

void Replica::start_height_now() {
  const std::uint64_t height = store_.height() + 1;
  if (engine_.started() && engine_.height() >= height) return;
  waiting_for_work_ = false;
  ++idle_generation_;
  const SignerSet* set = signers();
  if (set == nullptr) return;
  // A block this validator locked on or proposed before a restart is a
  // candidate again.
  for (const auto& [hash, held] : held_) {
    if (held.height != height) continue;
    auto block = ledger::decode_block(held.encoded, store_.params().suite);
    if (!block) continue;
    stats_.block_txs_reused += mempool_.reuse_admitted(block->transactions);
    hold(hash, PendingBlock{std::move(*block), held.encoded, std::nullopt, std::nullopt, false, 0});
  }
  log::debug("consensus", {.height = height, .round = 0}, "starting");
  feed(consensus::StartHeight{height, set->validators});
}

void Replica::gossip() {
  if (engine_.started() && engine_.height() > store_.height()) {
    // Our own messages of this round, every tick: peers that connected or
    // reconnected since get them (the network's per-peer known sets skip
    // the others). When the height has not moved for a whole interval,
    // also everything we hold of this round and the one before, anyone's:
    // a peer that restarted in an earlier round needs the precommits that
    // moved us on (line 47) or f+1 messages of our round (line 55), and
    // those validators may only gossip their own newer messages.
    std::vector<consensus::Message> messages = engine_.gossip();
    const auto position = std::pair(engine_.height(), engine_.round());
    if (position == last_gossip_position_) {
      for (consensus::Message& m : engine_.round_messages(engine_.round())) {
        messages.push_back(std::move(m));
      }
      if (engine_.round() > 0) {
        for (consensus::Message& m : engine_.round_messages(engine_.round() - 1)) {
          messages.push_back(std::move(m));
        }
      }
    }
    last_gossip_position_ = position;
    for (const consensus::Message& m : messages) {
      std::visit(Overloaded{
                     [&](const ledger::Proposal& p) {
                       auto it = pending_.find(p.block_hash);
                       if (it == pending_.end()) return;
                       effects_.broadcast(ProposalMessage{p, it->second.encoded}, std::nullopt,
                                          {});
                     },
                     [&](const ledger::Vote& v) {
                       effects_.broadcast(VoteMessage{v}, std::nullopt, {});
                     },
                 },
                 m);
    }
  }
  if (credible_peer_height() > store_.height()) request_sync_any();
}

// ----------------------------------------------------------------- block sync

void Replica::on_status(const std::string& peer, const StatusMessage& m) {
  peer_heights_[peer] = m.height;
  // Whom to ask is chosen among every peer ahead: a peer that claims a
  // height it never serves is not asked first again.
  if (m.height > store_.height()) request_sync_any();
}

std::uint64_t Replica::credible_peer_height() const {
  const ledger::ValidatorSet* validators = engine_.started() ? &engine_.validators() : nullptr;
  if (validators == nullptr) return 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> claims;  // (height, power)
  for (const auto& [peer, height] : peer_heights_) {
    if (const ledger::Validator* v = validators->find(peer)) claims.emplace_back(height, v->power);
  }
  std::sort(claims.begin(), claims.end(), std::greater<>());
  const std::uint64_t needed = validators->total_power() / 3 + 1;
  std::uint64_t power = 0;
  for (const auto& [height, p] : claims) {
    power += p;
    if (power >= needed) return height;
  }
  return 0;
}

void Replica::note_ahead(const std::string& peer, std::uint64_t height) {
  std::uint64_t& claimed = peer_heights_[peer];
  claimed = std::max(claimed, height);
  request_sync_any();
}

void Replica::request_sync_any() {
  // The peer that is ahead and has failed us least often; ties by id, so
  // the choice is deterministic.
  const std::string* best = nullptr;
  std::uint64_t best_failures = 0;
  for (const auto& [peer, height] : peer_heights_) {
    if (height <= store_.height()) continue;
    auto failed = sync_failures_.find(peer);
    const std::uint64_t failures = failed == sync_failures_.end() ? 0 : failed->second;
    if (best == nullptr || failures < best_failures) {
      best = &peer;
      best_failures = failures;
    }
  }
  if (best != nullptr) request_sync(*best);
}

void Replica::request_sync(const std::string& peer) {
  if (sync_peer_) return;  // one request at a time
  sync_peer_ = peer;
  log::info("sync", {.height = store_.height(), .peer = peer}, "asking {} for blocks from {}",
            peer, store_.height() + 1);
  effects_.send(peer, BlockRequest{store_.height() + 1, kSyncBatch});
  effects_.set_timer(kSyncTimeoutMs, ReplicaTimer{ReplicaTimer::Kind::kSync, {}, ++sync_generation_});
}

void Replica::on_block_request(const std::string& peer, const BlockRequest& m) {
  if (!within_request_budget(peer)) return;
  BlockResponse response;
  response.peer_height = store_.height();
  const std::uint64_t count = std::min<std::uint64_t>(m.max_blocks, kSyncBatch);
  std::size_t bytes = 0;
  for (std::uint64_t h = m.from_height; h <= store_.height() && h - m.from_height < count; ++h) {
    if (h == 0) continue;
    auto block = store_.block(h);
    auto certificate = store_.certificate(h);
    if (!block || !certificate) break;
    Bytes encoded = ledger::encode(*block);
    bytes += encoded.size();
    if (!response.blocks.empty() && bytes > config_.max_frame_bytes / 2) break;
    response.blocks.push_back({std::move(encoded), std::move(*certificate)});
  }
  effects_.send(peer, response);
}

void Replica::on_block_response(const std::string& peer, const BlockResponse& m) {
  if (sync_peer_ != peer) return;  // unasked: nothing of it is trusted or kept
  sync_peer_.reset();
  ++sync_generation_;
  peer_heights_[peer] = std::max(peer_heights_[peer], m.peer_height);
  std::size_t committed = 0;
  bool refused = false;
  for (std::size_t i = 0; i < m.blocks.size() && i < kSyncBatch && !stopped_; ++i) {
    const CommittedBlock& entry = m.blocks[i];
    auto block = ledger::decode_block(entry.block, store_.params().suite);
    if (!block) {
      log::warn("sync", {.peer = peer}, "peer={} sent an undecodable block: {}", peer,
                block.error().message());
      refused = true;
      break;
    }
    const std::uint64_t height = block->header.height;
    if (height <= store_.height()) continue;
    if (height != store_.height() + 1) {
      log::warn("sync", {.peer = peer}, "peer={} sent height {} when {} was asked for", peer,
                height, store_.height() + 1);
      refused = true;
      break;
    }
    stats_.block_txs_reused += mempool_.reuse_admitted(block->transactions);
    auto executed = ledger::apply_certified_block(store_.state(), store_.tip(), *block,
                                                  entry.certificate, verified_);
    if (!executed) {
      log::warn("sync", {.height = height, .peer = peer}, "peer={} block refused: {}", peer,
                executed.error().message());
      refused = true;
      break;
    }
    if (!commit(*block, entry.certificate, *executed, "sync")) return;
    ++committed;
  }
  if (stopped_) return;
  if (refused || (committed == 0 && m.peer_height > store_.height())) {
    ++stats_.sync_refused;
    ++sync_failures_[peer];
    request_sync_any();
    return;
  }
  if (committed > 0 && engine_.started() && engine_.height() <= store_.height()) {
    start_height_now();
  }
  if (m.peer_height > store_.height()) request_sync(peer);
}

}  // namespace tracechain::node
