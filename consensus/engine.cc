#include "consensus/engine.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace tracechain::consensus {

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Equal apart from the signature: what a validator committed to.
bool same_content(const Message& a, const Message& b) {
  Message x = a;
  Message y = b;
  std::visit([](auto& m) { m.signature.clear(); }, x);
  std::visit([](auto& m) { m.signature.clear(); }, y);
  return x == y;
}

}  // namespace

Engine::Engine(Config config, crypto::PrivateKey key, SigningState persisted)
    : config_(std::move(config)), key_(std::move(key)), signing_state_(std::move(persisted)) {
  TC_ASSERT_MSG(validate(signing_state_).ok(), "the persisted signing state is inconsistent");
}

std::vector<Action> Engine::on(const Event& event) {
  actions_.clear();
  accepted_last_input_ = false;
  std::visit(Overloaded{
                 [&](const StartHeight& e) { on_start_height(e); },
                 [&](const ProposalReceived& e) { on_proposal(e.proposal); },
                 [&](const VoteReceived& e) { on_vote(e.vote); },
                 [&](const TimeoutFired& e) { on_timeout(e); },
                 [&](const BlockValidated& e) { on_block_validated(e); },
                 [&](const ValueReady& e) { on_value_ready(e); },
             },
             event);
  run_upon_rules();
  return std::exchange(actions_, {});
}

const ledger::Validator& Engine::proposer(std::uint32_t round) const {
  TC_ASSERT_MSG(started_, "proposer() before the first StartHeight");
  return validators_.validators[schedule_->proposer_index(height_, round)];
}

// --------------------------------------------------------------- events

void Engine::on_start_height(const StartHeight& event) {
  TC_ASSERT_MSG(!started_ || event.height > height_, "StartHeight must move to a higher height");
  if (!started_ || !(event.validators == validators_)) {
    // The node hands over the set it derived from the committed chain; a bad
    // one is a bug there, not input to tolerate.
    TC_ASSERT_MSG(ledger::validate(event.validators).ok(), "StartHeight with an invalid set");
    validators_ = event.validators;
    keys_.clear();
    for (const ledger::Validator& v : validators_.validators) {
      keys_.push_back(*crypto::PublicKey::from_bytes(validators_.suite, v.public_key));
    }
    schedule_.emplace(validators_);
    quorum_power_ = validators_.quorum_power();
    one_third_power_ = validators_.total_power() / 3 + 1;
  }
  my_index_.reset();
  if (const ledger::Validator* me = validators_.find(config_.validator_id);
      me != nullptr && keys_[static_cast<std::size_t>(me - validators_.validators.data())] ==
                           key_.public_key()) {
    my_index_ = static_cast<std::size_t>(me - validators_.validators.data());
  }

  // Line 53: a new height starts from the initial values and an empty log.
  started_ = true;
  height_ = event.height;
  round_ = 0;
  step_ = Step::kPropose;
  decision_.reset();
  locked_value_.reset();
  locked_round_.reset();
  valid_value_.reset();
  valid_round_.reset();
  awaiting_value_.reset();
  rounds_.clear();
  validity_.clear();
  evidence_.clear();
  round_proof_.clear();
  std::map<ledger::ParticipantId, std::vector<Message>> buffered = std::exchange(next_height_, {});

  resume_from_signing_state();

  for (const auto& [signer, messages] : buffered) {
    for (const Message& m : messages) {
      if (height_of(m) != height_) continue;
      std::visit(Overloaded{[&](const ledger::Proposal& p) { on_proposal(p); },
                            [&](const ledger::Vote& v) { on_vote(v); }},
                 m);
    }
  }
}

void Engine::resume_from_signing_state() {
  // After a restart in the middle of this height, resume where the signing
  // state says this validator was, with its lock and its own messages.
  std::uint32_t first_round = 0;
  Step resumed_step = Step::kPropose;
  if (signing_state_.height == height_) {
    restore_signed_messages();
    for (Step s : {Step::kPropose, Step::kPrevote, Step::kPrecommit}) {
      if (auto m = signed_of_type(signing_state_, s);
          m && std::pair(round_of(*m), s) > std::pair(first_round, resumed_step)) {
        first_round = round_of(*m);
        resumed_step = s;
      }
    }
  }
  if (resumed_step == Step::kPropose) {
    start_round(first_round);  // line 10 (and line 54 for the heights after the first)
    return;
  }
  // Already past the propose step of that round: no new proposal, no
  // propose timeout; what was signed there goes out again.
  round_ = first_round;
  step_ = resumed_step;
  for (Step s : {Step::kPropose, Step::kPrevote, Step::kPrecommit}) {
    if (auto m = signed_of_type(signing_state_, s); m && round_of(*m) == first_round) send(*m);
  }
}

void Engine::restore_signed_messages() {
  locked_round_ = signing_state_.locked_round;
  locked_value_ = signing_state_.locked_value;
  // lockedRound <= validRound always holds; the lock is the best valid value
  // this validator knows of after forgetting the rest of the log.
  valid_round_ = locked_round_;
  valid_value_ = locked_value_;
  // The proof of lock (line 28 needs it to propose validValue again) and
  // this validator's own messages go back into the log. They were verified
  // when they were received or made.
  std::vector<ledger::Vote> votes = signing_state_.lock_proof;
  votes.insert(votes.end(), signing_state_.round_proof.begin(), signing_state_.round_proof.end());
  for (const auto& own : {signing_state_.prevote, signing_state_.precommit}) {
    if (own && my_index_) votes.push_back(*own);
  }
  // The messages that brought it to its round go out again to whoever asks
  // for that round (round_messages) and into its next signatures' state.
  for (const ledger::Vote& vote : signing_state_.round_proof) round_proof_.emplace_back(vote);
  if (signing_state_.round_proof_proposal) {
    round_proof_.emplace_back(*signing_state_.round_proof_proposal);
    if (validators_.find(signing_state_.round_proof_proposal->proposer) != nullptr) {
      record_proposal(*signing_state_.round_proof_proposal);
    }
  }
  for (const ledger::Vote& vote : votes) {
    const ledger::Validator* signer = validators_.find(vote.validator);
    if (signer == nullptr) continue;
    RoundState& rs = round_state(vote.round);
    VoteSet& set = vote.type == ledger::VoteType::kPrevote ? rs.prevotes : rs.precommits;
    const VoteSet::Admission admitted = set.admission(vote.validator, vote.block_hash);
    if (admitted != VoteSet::Admission::kNew && admitted != VoteSet::Admission::kConflicting) {
      continue;
    }
    (void)set.add(vote, signer->power);
    note_sender(vote.round, vote.validator);
  }
  if (signing_state_.proposal && my_index_) record_proposal(*signing_state_.proposal);
}

template <typename M>
const ledger::Validator* Engine::admit(const M& message) {
  if (!ledger::validate(message).ok() || message.chain_id != config_.chain_id) {
    ++stats_.malformed;
    return nullptr;
  }
  if (!started_ || message.height != height_ || decision_) {
    set_aside(message);
    return nullptr;
  }
  const ledger::Validator* signer = validators_.find(signer_of(message));
  if (signer == nullptr) {
    ++stats_.not_a_validator;
    return nullptr;
  }
  if (!admit_round(signer->id, message.round)) {
    ++stats_.beyond_limits;
    return nullptr;
  }
  return signer;
}

void Engine::set_aside(const Message& message) {
  if (!started_ || height_of(message) != height_ + 1) {
    ++stats_.wrong_height;
    return;
  }
  // Early messages of the next height: peers that decided first move on
  // while this node is still deciding. Keep them (unverified: the next set
  // is not known yet) for StartHeight to replay.
  if (validators_.find(signer_of(message)) == nullptr) {
    ++stats_.not_a_validator;
    return;
  }
  std::vector<Message>& kept = next_height_[signer_of(message)];
  if (std::find(kept.begin(), kept.end(), message) != kept.end()) {
    ++stats_.duplicate;
  } else if (kept.size() >= kMaxBufferedPerSigner) {
    ++stats_.beyond_limits;
  } else {
    kept.push_back(message);
    ++stats_.buffered;
  }
}

bool Engine::admit_round(const ledger::ParticipantId& signer, std::uint32_t round) {
  if (round <= round_) return true;
  std::size_t future_rounds = 0;
  for (auto it = rounds_.upper_bound(round_); it != rounds_.end(); ++it) {
    if (it->second.senders.count(signer) == 0) continue;
    if (it->first == round) return true;
    ++future_rounds;
  }
  return future_rounds < kMaxFutureRoundsPerSigner;
}

void Engine::note_sender(std::uint32_t round, const ledger::ParticipantId& signer) {
  RoundState& rs = round_state(round);
  if (!rs.senders.insert(signer).second) return;
  const ledger::Validator* v = validators_.find(signer);
  TC_ASSERT(v != nullptr);
  rs.sender_power += v->power;
}

void Engine::record_proposal(const ledger::Proposal& proposal) {
  RoundState& rs = round_state(proposal.round);
  for (const ledger::Proposal& known : rs.proposals) {
    if (same_content(known, proposal)) return;
  }
  rs.proposals.push_back(proposal);
  note_sender(proposal.round, proposal.proposer);
  request_validation(proposal);
}

void Engine::on_proposal(const ledger::Proposal& proposal) {
  const ledger::Validator* signer = admit(proposal);
  if (signer == nullptr) return;
  const auto index = static_cast<std::size_t>(signer - validators_.validators.data());
  if (schedule_->proposer_index(height_, proposal.round) != index) {
    ++stats_.not_the_proposer;
    return;
  }
  // Nothing is recorded, not even an empty round, before the signature checks out.
  if (const RoundState* rs = find_round(proposal.round)) {
    for (const ledger::Proposal& known : rs->proposals) {
      if (same_content(known, proposal)) {
        ++stats_.duplicate;
        return;
      }
    }
    // A proposer that equivocates gets two proposals into the log, no more.
    if (rs->proposals.size() >= VoteSet::kMaxValuesPerValidator) {
      ++stats_.beyond_limits;
      return;
    }
  }
  if (!ledger::verify_signature(proposal, keys_[index]).ok()) {
    ++stats_.bad_signature;
    return;
  }
  ++stats_.accepted;
  accepted_last_input_ = true;
  record_proposal(proposal);
}

void Engine::on_vote(const ledger::Vote& vote) {
  const ledger::Validator* signer = admit(vote);
  if (signer == nullptr) return;
  // Duplicates are recognised before the (costly) signature check, and
  // nothing is recorded, not even an empty round, before it passes.
  const bool proposed = vote.block_hash && is_proposed(*vote.block_hash);
  if (const RoundState* rs = find_round(vote.round)) {
    const VoteSet& set = vote.type == ledger::VoteType::kPrevote ? rs->prevotes : rs->precommits;
    switch (set.admission(vote.validator, vote.block_hash, proposed)) {
      case VoteSet::Admission::kDuplicate:
        ++stats_.duplicate;
        return;
      case VoteSet::Admission::kFull:
        ++stats_.beyond_limits;
        return;
      case VoteSet::Admission::kNew:
      case VoteSet::Admission::kConflicting:
        break;
    }
  }
  const auto index = static_cast<std::size_t>(signer - validators_.validators.data());
  if (!ledger::verify_signature(vote, keys_[index]).ok()) {
    ++stats_.bad_signature;
    return;
  }
  ++stats_.accepted;
  accepted_last_input_ = true;
  RoundState& rs = round_state(vote.round);
  VoteSet& set = vote.type == ledger::VoteType::kPrevote ? rs.prevotes : rs.precommits;
  if (std::optional<ledger::Vote> first = set.add(vote, signer->power, proposed)) {
    ++stats_.equivocations;
    Evidence evidence{*first, vote};
    evidence_.push_back(evidence);
    actions_.push_back(ReportEvidence{std::move(evidence)});
  }
  note_sender(vote.round, vote.validator);
}

void Engine::on_timeout(const TimeoutFired& event) {
  // Lines 58, 62, 66: a timeout only acts in the height and round it was
  // scheduled for.
  if (!started_ || decision_ || event.height != height_ || event.round != round_) return;
  switch (event.step) {
    case Step::kPropose:  // lines 57-60
      if (step_ == Step::kPropose) {
        broadcast_vote(ledger::VoteType::kPrevote, std::nullopt);
        step_ = Step::kPrevote;
      }
      return;
    case Step::kPrevote:  // lines 61-64
      if (step_ == Step::kPrevote) {
        broadcast_vote(ledger::VoteType::kPrecommit, std::nullopt);
        step_ = Step::kPrecommit;
      }
      return;
    case Step::kPrecommit:  // lines 65-67
      if (round_ < std::numeric_limits<std::uint32_t>::max()) {
        // Entered on the 2f+1 precommits of this round (line 47).
        std::vector<Message> proof;
        for (const ledger::Vote* v : round_state(round_).precommits.all_votes()) {
          proof.emplace_back(*v);
        }
        enter_round(round_ + 1, std::move(proof));
      }
      return;
  }
}

void Engine::on_block_validated(const BlockValidated& event) {
  if (!started_ || decision_ || event.height != height_) return;
  validity_[event.block_hash] = event.valid ? Validity::kValid : Validity::kInvalid;
}

void Engine::on_value_ready(const ValueReady& event) {
  if (!started_ || decision_ || event.height != height_ || event.round != round_ ||
      step_ != Step::kPropose || awaiting_value_ != event.round) {
    return;
  }
  awaiting_value_.reset();
  // Line 19 with the value from getValue() (line 18): validValue is nil here,
  // so validRound is -1.
  broadcast_proposal(event.block_hash, std::nullopt);
}

// ----------------------------------------------------------- Algorithm 1

void Engine::enter_round(std::uint32_t round, std::vector<Message> proof) {
  round_proof_ = std::move(proof);
  start_round(round);
}

void Engine::start_round(std::uint32_t round) {
  round_ = round;           // line 12
  step_ = Step::kPropose;  // line 13
  awaiting_value_.reset();
  // Line 21, for the proposer as well: in the paper it always holds what it
  // needs to prevote its own proposal at once, but a proposer that restarted
  // may have lost the prevotes that justify its validRound (line 28), and a
  // slow getValue() or validation must not hold the round up either. The
  // timeout only ever leads to a nil prevote.
  schedule_timeout(Step::kPropose);
  if (!is_proposer(round)) return;
  // Line 14: this validator proposes.
  if (signing_state_.height == height_ && signing_state_.proposal &&
      signing_state_.proposal->round == round) {
    // Proposed before a restart: the same proposal goes out again.
    broadcast_proposal(signing_state_.proposal->block_hash, signing_state_.proposal->valid_round);
  } else if (valid_value_) {                           // line 15
    broadcast_proposal(*valid_value_, valid_round_);  // lines 16, 19
  } else {
    awaiting_value_ = round;  // line 18; line 19 runs on ValueReady
    actions_.push_back(GetValue{height_, round});
  }
}

void Engine::run_upon_rules() {
  // Every rule that fires moves (round, step) forward, decides, or sets a
  // "for the first time" flag, so this loop ends. The paper lets any enabled
  // rule go first; deciding first only saves work.
  while (started_ && !decision_) {
    if (upon_decision()) continue;
    if (upon_future_round()) continue;
    if (upon_proposal_in_propose_step()) continue;
    if (upon_prevote_quorum_any()) continue;
    if (upon_proposal_with_prevote_quorum()) continue;
    if (upon_prevote_quorum_nil()) continue;
    if (upon_precommit_quorum_any()) continue;
    break;
  }
}

bool Engine::upon_proposal_in_propose_step() {
  if (step_ != Step::kPropose) return false;
  for (const ledger::Proposal& proposal : round_state(round_).proposals) {
    const Digest v = proposal.block_hash;
    const Validity validity_of_v = validity(v);
    // valid(v) is the driver's answer; until it comes, no prevote for v (the
    // propose timeout may still fire and prevote nil).
    if (validity_of_v == Validity::kUnknown || validity_of_v == Validity::kPending) continue;
    const bool valid = validity_of_v == Validity::kValid;
    bool accept = false;
    if (!proposal.valid_round) {
      // Lines 22-23: <PROPOSAL, h_p, round_p, v, -1> while step_p = propose.
      accept = valid && (!locked_round_ || locked_value_ == v);
    } else {
      // Lines 28-29: <PROPOSAL, h_p, round_p, v, vr> AND 2f+1 <PREVOTE, h_p, vr, id(v)>
      // with 0 <= vr < round_p (ledger::validate guarantees vr < round).
      const std::uint32_t vr = *proposal.valid_round;
      const RoundState* proof = find_round(vr);
      if (proof == nullptr || proof->prevotes.power_for(v) < quorum_power()) continue;
      accept = valid && (!locked_round_ || *locked_round_ <= vr || locked_value_ == v);
    }
    // Lines 24/26 and 30/32, then 27/33.
    broadcast_vote(ledger::VoteType::kPrevote, accept ? Value{v} : std::nullopt);
    step_ = Step::kPrevote;
    return true;
  }
  return false;
}

bool Engine::upon_prevote_quorum_any() {
  // Lines 34-35: 2f+1 <PREVOTE, h_p, round_p, *> while step_p = prevote, first time.
  if (step_ != Step::kPrevote) return false;
  RoundState& rs = round_state(round_);
  if (rs.prevote_timeout_scheduled || rs.prevotes.power_any() < quorum_power()) return false;
  rs.prevote_timeout_scheduled = true;
  schedule_timeout(Step::kPrevote);
  return true;
}

bool Engine::upon_proposal_with_prevote_quorum() {
  // Lines 36-43: <PROPOSAL, h_p, round_p, v, *> AND 2f+1 <PREVOTE, h_p, round_p, id(v)>
  // while valid(v) and step_p >= prevote, for the first time.
  if (step_ < Step::kPrevote) return false;
  RoundState& rs = round_state(round_);
  if (rs.line_36_done) return false;
  for (const ledger::Proposal& proposal : rs.proposals) {
    const Digest v = proposal.block_hash;
    if (validity(v) != Validity::kValid || rs.prevotes.power_for(v) < quorum_power()) continue;
    rs.line_36_done = true;
    if (step_ == Step::kPrevote) {  // line 37
      locked_value_ = v;            // line 38
      locked_round_ = round_;       // line 39
      broadcast_vote(ledger::VoteType::kPrecommit, v);  // line 40
      step_ = Step::kPrecommit;                         // line 41
    }
    valid_value_ = v;       // line 42
    valid_round_ = round_;  // line 43
    return true;
  }
  return false;
}

bool Engine::upon_prevote_quorum_nil() {
  // Lines 44-46: 2f+1 <PREVOTE, h_p, round_p, nil> while step_p = prevote.
  if (step_ != Step::kPrevote) return false;
  if (round_state(round_).prevotes.power_for(std::nullopt) < quorum_power()) return false;
  broadcast_vote(ledger::VoteType::kPrecommit, std::nullopt);
  step_ = Step::kPrecommit;
  return true;
}

bool Engine::upon_precommit_quorum_any() {
  // Lines 47-48: 2f+1 <PRECOMMIT, h_p, round_p, *> for the first time.
  RoundState& rs = round_state(round_);
  if (rs.precommit_timeout_scheduled || rs.precommits.power_any() < quorum_power()) return false;
  rs.precommit_timeout_scheduled = true;
  schedule_timeout(Step::kPrecommit);
  return true;
}

bool Engine::upon_decision() {
  // Lines 49-50: <PROPOSAL, h_p, r, v, *> AND 2f+1 <PRECOMMIT, h_p, r, id(v)>
  // while decision_p[h_p] = nil, if valid(v). The proposal brings v; a node
  // that missed it fetches v by the hash the precommits name (RequestBlock)
  // and learns valid(v) from the driver all the same.
  for (auto& [r, rs] : rounds_) {
    for (const Digest& v : rs.precommits.blocks_with_power(quorum_power())) {
      switch (validity(v)) {
        case Validity::kValid:
          decide(r, v);
          return true;
        case Validity::kUnknown:
          validity_[v] = Validity::kPending;
          actions_.push_back(RequestBlock{height_, v});
          break;
        case Validity::kPending:  // the driver has not answered yet
        case Validity::kInvalid:  // valid(v) is false: line 50 does not decide
          break;
      }
    }
  }
  return false;
}

void Engine::decide(std::uint32_t round, const Digest& value) {
  decision_ = value;  // line 51
  ledger::CommitCertificate certificate;
  certificate.height = height_;
  certificate.round = round;
  certificate.block_hash = value;
  for (const ledger::Vote* vote : round_state(round).precommits.votes_for(value)) {
    certificate.signatures.push_back({vote->validator, vote->signature});
  }
  // Lines 52-54 follow when the driver sends StartHeight(h_p + 1) with the
  // validator set the committed block leads to.
  actions_.push_back(CommitBlock{height_, value, std::move(certificate)});
}

bool Engine::upon_future_round() {
  // Lines 55-56: f+1 <*, h_p, round, *, *> with round > round_p. Of several
  // such rounds the highest is taken: any of them satisfies the rule.
  std::optional<std::uint32_t> target;
  for (auto it = rounds_.upper_bound(round_); it != rounds_.end(); ++it) {
    if (it->second.sender_power >= one_third_power_) target = it->first;
  }
  if (!target) return false;
  enter_round(*target, round_messages(*target));
  return true;
}

// --------------------------------------------------------------- outputs

void Engine::broadcast_proposal(const Digest& value, std::optional<std::uint32_t> valid_round) {
  ledger::Proposal proposal;
  proposal.chain_id = config_.chain_id;
  proposal.height = height_;
  proposal.round = round_;
  proposal.block_hash = value;
  proposal.valid_round = valid_round;
  proposal.proposer = config_.validator_id;
  if (std::optional<Message> sent = sign_and_send(std::move(proposal))) {
    record_proposal(std::get<ledger::Proposal>(*sent));
  }
}

void Engine::broadcast_vote(ledger::VoteType type, const std::optional<Digest>& value) {
  ledger::Vote vote;
  vote.chain_id = config_.chain_id;
  vote.type = type;
  vote.height = height_;
  vote.round = round_;
  vote.block_hash = value;
  vote.validator = config_.validator_id;
  std::optional<Message> sent = sign_and_send(std::move(vote));
  if (!sent) return;
  // Sent messages are part of the log (the paper's processes receive their
  // own broadcasts).
  const auto& own = std::get<ledger::Vote>(*sent);
  RoundState& rs = round_state(own.round);
  VoteSet& set = own.type == ledger::VoteType::kPrevote ? rs.prevotes : rs.precommits;
  if (set.admission(own.validator, own.block_hash) == VoteSet::Admission::kNew) {
    (void)set.add(own, validators_.validators[*my_index_].power);
  }
  note_sender(own.round, own.validator);
}

std::optional<Message> Engine::sign_and_send(Message candidate) {
  if (!my_index_) return std::nullopt;  // not a validator at this height: sign nothing
  SigningCheck check = check_signing(signing_state_, candidate);
  switch (check.verdict) {
    case SigningVerdict::kSign:
      std::visit([&](auto& m) { ledger::sign(m, key_); }, candidate);
      record_signed(signing_state_, candidate);
      if (const auto* vote = std::get_if<ledger::Vote>(&candidate);
          vote != nullptr && vote->type == ledger::VoteType::kPrecommit && vote->block_hash) {
        // Locking (lines 38-40): keep the prevotes that justify the lock.
        for (const ledger::Vote* prevote :
             round_state(vote->round).prevotes.votes_for(vote->block_hash)) {
          signing_state_.lock_proof.push_back(*prevote);
        }
      }
      // And why this validator is in this round at all.
      signing_state_.round_proof.clear();
      signing_state_.round_proof_proposal.reset();
      for (const Message& m : round_proof_) {
        if (const auto* vote = std::get_if<ledger::Vote>(&m)) {
          signing_state_.round_proof.push_back(*vote);
        } else if (!signing_state_.round_proof_proposal) {
          signing_state_.round_proof_proposal = std::get<ledger::Proposal>(m);
        }
      }
      // Persisted before it leaves: the driver executes actions in order.
      actions_.push_back(PersistSigningState{signing_state_});
      break;
    case SigningVerdict::kResend:
      if (!same_content(*check.previous, candidate)) ++stats_.refused_signatures;
      candidate = std::move(*check.previous);
      break;
    case SigningVerdict::kRefuse:
      ++stats_.refused_signatures;
      return std::nullopt;
  }
  send(candidate);
  return candidate;
}

void Engine::send(const Message& message) {
  std::visit(Overloaded{[&](const ledger::Proposal& p) {
                          actions_.push_back(BroadcastProposal{p});
                        },
                        [&](const ledger::Vote& v) { actions_.push_back(BroadcastVote{v}); }},
             message);
}

void Engine::schedule_timeout(Step step) {
  actions_.push_back(
      ScheduleTimeout{height_, round_, step, config_.timeouts.duration_ms(step, round_)});
}

void Engine::request_validation(const ledger::Proposal& proposal) {
  if (validity_.count(proposal.block_hash) != 0) return;
  validity_[proposal.block_hash] = Validity::kPending;
  actions_.push_back(ValidateBlock{proposal});
}

bool Engine::is_proposed(const Digest& value) const {
  for (const auto& [round, rs] : rounds_) {
    for (const ledger::Proposal& p : rs.proposals) {
      if (p.block_hash == value) return true;
    }
  }
  return false;
}

Engine::Validity Engine::validity(const Digest& value) const {
  auto it = validity_.find(value);
  return it == validity_.end() ? Validity::kUnknown : it->second;
}

bool Engine::is_proposer(std::uint32_t round) const {
  return my_index_ && schedule_->proposer_index(height_, round) == *my_index_;
}

// ---------------------------------------------------------------- gossip

std::vector<Message> Engine::own_messages(std::uint32_t round) const {
  std::vector<Message> own;
  if (!started_ || !my_index_) return own;
  auto it = rounds_.find(round);
  if (it == rounds_.end()) return own;
  const RoundState& rs = it->second;
  for (const ledger::Proposal& p : rs.proposals) {
    if (p.proposer == config_.validator_id) own.emplace_back(p);
  }
  for (const VoteSet* set : {&rs.prevotes, &rs.precommits}) {
    if (const ledger::Vote* v = set->first_vote_of(config_.validator_id)) own.emplace_back(*v);
  }
  return own;
}

std::vector<Message> Engine::round_messages(std::uint32_t round) const {
  std::vector<Message> log;
  auto it = rounds_.find(round);
  if (!started_ || it == rounds_.end()) return log;
  const RoundState& rs = it->second;
  for (const ledger::Proposal& p : rs.proposals) log.emplace_back(p);
  for (const VoteSet* set : {&rs.prevotes, &rs.precommits}) {
    for (const ledger::Vote* v : set->all_votes()) log.emplace_back(*v);
  }
  return log;
}

std::vector<Message> Engine::gossip() const {
  if (!started_ || decision_) return {};
  std::vector<Message> out = own_messages(round_);
  // Line 28 needs the 2f+1 prevotes of validRound at every correct process.
  if (is_proposer(round_) && valid_round_ && valid_value_) {
    if (auto it = rounds_.find(*valid_round_); it != rounds_.end()) {
      for (const ledger::Vote* v : it->second.prevotes.votes_for(*valid_value_)) {
        out.emplace_back(*v);
      }
    }
  }
  return out;
}

}  // namespace tracechain::consensus
