// The Tendermint consensus engine: Algorithm 1 of Buchman, Kwon, Milosevic,
// "The latest gossip on BFT consensus" (arXiv:1807.04938), as a pure state
// machine. on(event) returns the actions the driver must execute, in order
// (events.h). The engine reads no clock, does no I/O, starts no thread and
// draws no randomness, so the same events always give the same actions.
//
// One engine per validator process. It signs with the validator key it is
// given, and verifies every incoming proposal and vote against the validator
// set of the height: input from non-members, for other heights or chains,
// with bad signatures or out of domain is counted (stats()) and otherwise
// ignored. Untrusted input never asserts.
//
// The engine is built from the last persisted SigningState: it resumes the
// height, round, step and lock it had signed at, with the messages that
// justify the lock and the round, resends what it had signed instead of
// signing anew, and never signs a message that conflicts with it.
//
// Deviations from the pseudo-code, all documented in docs/consensus.md:
//  - decisions (line 49) accept a block fetched by hash in place of the
//    PROPOSAL message: the 2f+1 precommits already name it;
//  - the next height starts when the driver sends StartHeight (lines 52-54),
//    since only the node knows the next validator set;
//  - the proposer schedules timeoutPropose too (line 21), so that a proposer
//    that cannot prevote its own proposal in time prevotes nil;
//  - the message log keeps at most two variants per signer and step (and
//    beyond them only votes for values a verified proposal names), and
//    future rounds only within a small allowance per signer, so a Byzantine
//    peer cannot make it grow without bound.
//
// Not thread-safe: one owner thread calls on() and the accessors.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <vector>

#include "consensus/events.h"
#include "consensus/proposer.h"
#include "consensus/vote_set.h"

namespace tracechain::consensus {

class Engine {
 public:
  // Future rounds (above round_p) in which one signer may have messages
  // recorded at a time; enough for the f+1 rule (line 55) to work.
  static constexpr std::size_t kMaxFutureRoundsPerSigner = 2;
  // Messages for the next height kept per signer until StartHeight for it
  // arrives (unverified, so a signer's quota bounds what anyone can park).
  static constexpr std::size_t kMaxBufferedPerSigner = 32;

  // `persisted` is what the SigningStateStore last saved (an empty state for
  // a validator that never signed). It must pass validate().
  Engine(Config config, crypto::PrivateKey key, SigningState persisted);

  std::vector<Action> on(const Event& event);

  // ------------------------------------------------ state, for drivers and tests
  std::uint64_t height() const { return height_; }
  std::uint32_t round() const { return round_; }
  Step step() const { return step_; }
  bool started() const { return started_; }
  // Whether this process signs at the current height (its id and key are in the set).
  bool is_validator() const { return my_index_.has_value(); }
  const std::optional<Digest>& decision() const { return decision_; }
  const std::optional<Digest>& locked_value() const { return locked_value_; }
  const std::optional<std::uint32_t>& locked_round() const { return locked_round_; }
  const std::optional<Digest>& valid_value() const { return valid_value_; }
  const std::optional<std::uint32_t>& valid_round() const { return valid_round_; }
  const ledger::ValidatorSet& validators() const { return validators_; }
  // proposer(h_p, round); requires started().
  const ledger::Validator& proposer(std::uint32_t round) const;
  const SigningState& signing_state() const { return signing_state_; }
  // Equivocations seen at the current height (each also went out as ReportEvidence).
  const std::vector<Evidence>& evidence() const { return evidence_; }
  const InputStats& stats() const { return stats_; }
  // Whether the last on() took in the proposal or vote it was given (it was
  // verified and recorded, not a duplicate and not ignored). A driver relays
  // a peer's message only when it was.
  bool accepted_last_input() const { return accepted_last_input_; }

  // ------------------------------------------------------------- gossip
  // The paper assumes gossip: a message one correct process received reaches
  // every correct process. Over a lossy network the driver re-sends, when a
  // height makes no progress, what gossip() returns: this process's own
  // messages of the current round and, when it proposes a validValue, the
  // 2f+1 prevotes of validRound that justify it (line 28).
  std::vector<Message> gossip() const;
  // This process's own proposal and votes in `round` of the current height.
  std::vector<Message> own_messages(std::uint32_t round) const;
  // Every proposal and vote in the log for `round` of the current height,
  // anyone's, for a peer that is still in that round: the paper's gossip
  // relays what one correct process received to all the others, including
  // what a Byzantine validator sent to some of them only.
  std::vector<Message> round_messages(std::uint32_t round) const;

 private:
  enum class Validity { kUnknown, kPending, kValid, kInvalid };

  struct RoundState {
    std::vector<ledger::Proposal> proposals;  // from proposer(h, r), verified; at most two
    VoteSet prevotes;
    VoteSet precommits;
    std::set<ledger::ParticipantId> senders;  // anyone with a recorded message (line 55)
    std::uint64_t sender_power = 0;
    bool prevote_timeout_scheduled = false;    // line 34, "for the first time"
    bool precommit_timeout_scheduled = false;  // line 47, "for the first time"
    bool line_36_done = false;                 // line 36, "for the first time"
  };

  // Event handlers.
  void on_start_height(const StartHeight& event);
  void on_proposal(const ledger::Proposal& proposal);
  void on_vote(const ledger::Vote& vote);
  void on_timeout(const TimeoutFired& event);
  void on_block_validated(const BlockValidated& event);
  void on_value_ready(const ValueReady& event);

  // The checks every incoming message passes before its type's own: well
  // formed, this chain, this height, a member, within the future-round
  // allowance. Returns the signer, or nullptr (and a count) when ignored.
  template <typename M>
  const ledger::Validator* admit(const M& message);
  // A message not for the height being decided: kept if it is for the next.
  void set_aside(const Message& message);
  bool admit_round(const ledger::ParticipantId& signer, std::uint32_t round);
  void note_sender(std::uint32_t round, const ledger::ParticipantId& signer);
  void record_proposal(const ledger::Proposal& proposal);

  // Algorithm 1.
  void start_round(std::uint32_t round);                 // lines 11-21
  // start_round, remembering the messages that justify the new round.
  void enter_round(std::uint32_t round, std::vector<Message> proof);
  void run_upon_rules();                                 // applies rules until none fires
  bool upon_proposal_in_propose_step();                  // lines 22-27 and 28-33
  bool upon_prevote_quorum_any();                        // lines 34-35
  bool upon_proposal_with_prevote_quorum();              // lines 36-43
  bool upon_prevote_quorum_nil();                        // lines 44-46
  bool upon_precommit_quorum_any();                      // lines 47-48
  bool upon_decision();                                  // lines 49-54
  bool upon_future_round();                              // lines 55-56
  void decide(std::uint32_t round, const Digest& value);  // lines 50-51

  // Outputs.
  void broadcast_proposal(const Digest& value, std::optional<std::uint32_t> valid_round);
  void broadcast_vote(ledger::VoteType type, const std::optional<Digest>& value);
  // Signs `candidate` if the signing state allows it, or resends what was
  // signed in its place; returns the message that went out, if any.
  std::optional<Message> sign_and_send(Message candidate);
  void send(const Message& message);  // a broadcast action for an already signed message
  void schedule_timeout(Step step);
  void request_validation(const ledger::Proposal& proposal);
  void resume_from_signing_state();
  void restore_signed_messages();

  RoundState& round_state(std::uint32_t round) { return rounds_[round]; }
  const RoundState* find_round(std::uint32_t round) const {
    auto it = rounds_.find(round);
    return it == rounds_.end() ? nullptr : &it->second;
  }
  Validity validity(const Digest& value) const;
  // Whether a verified proposal of this height names `value` (its votes are
  // never crowded out of a VoteSet by an equivocator's other votes).
  bool is_proposed(const Digest& value) const;
  std::uint64_t quorum_power() const { return quorum_power_; }
  bool is_proposer(std::uint32_t round) const;

  Config config_;
  crypto::PrivateKey key_;
  SigningState signing_state_;

  // Per height (reset by StartHeight, line 53).
  bool started_ = false;
  std::uint64_t height_ = 0;  // h_p
  std::uint32_t round_ = 0;   // round_p
  Step step_ = Step::kPropose;
  std::optional<Digest> decision_;  // decision_p[h_p]
  std::optional<Digest> locked_value_;
  std::optional<std::uint32_t> locked_round_;  // nullopt is the paper's -1
  std::optional<Digest> valid_value_;
  std::optional<std::uint32_t> valid_round_;
  std::optional<std::uint32_t> awaiting_value_;  // the round a GetValue is outstanding for
  // The messages that made this process enter round_p (2f+1 precommits of
  // the round before, or f+1 messages of round_p), kept in the signing state.
  std::vector<Message> round_proof_;

  ledger::ValidatorSet validators_;
  std::vector<crypto::PublicKey> keys_;  // parallel to validators_.validators
  std::optional<ProposerSchedule> schedule_;
  std::optional<std::size_t> my_index_;
  std::uint64_t quorum_power_ = 0;      // 2f+1: more than two thirds
  std::uint64_t one_third_power_ = 0;   // f+1: more than one third

  std::map<std::uint32_t, RoundState> rounds_;
  std::map<Digest, Validity> validity_;
  // Unverified, by claimed signer; replayed by the next StartHeight.
  std::map<ledger::ParticipantId, std::vector<Message>> next_height_;
  std::vector<Evidence> evidence_;
  InputStats stats_;
  bool accepted_last_input_ = false;

  std::vector<Action> actions_;  // the output of the event being handled
};

}  // namespace tracechain::consensus
