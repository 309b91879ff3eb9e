// What a validator has signed, kept so that it never signs two conflicting
// messages, across restarts too.
//
// A validator signs at most one message per (height, round, step), and the
// engine only moves forward through (height, round, step). The signing state
// holds, for the latest height at which the validator signed anything, the
// last proposal, prevote and precommit it signed (the full signed messages,
// so that after a restart it can send them again instead of signing anew),
// its lock (lockedRound, lockedValue: the last precommit for a block) with
// the 2f+1 prevotes that made it lock, and the messages that made it enter
// the round it last signed in. So a restart forgets neither what the
// validator is locked on, nor how to justify proposing it (a proposal of
// validValue with validRound needs those prevotes, line 28), nor why it left
// the rounds before: peers still in those rounds may need exactly those
// messages to follow (a Byzantine validator may have sent its part to this
// validator only).
//
// check_signing() is the rule: a candidate message may be signed only if its
// (height, round, step) is beyond everything signed so far. If a message of
// the same type was already signed for the same height and round, that
// message is what goes out again, whatever the candidate says.
//
// The engine emits the updated state in a PersistSigningState action that the
// driver must execute, durably, before the broadcast action that follows it.
// SigningStateStore is where the driver keeps it; InMemorySigningStateStore is
// the twin used by tests and the simulator.
//
// SigningState encoding, format version 1 (ledger's canonical encoding):
//   u8 version, u64 height, optional Proposal, optional Vote prevote,
//   optional Vote precommit, optional u32 locked round,
//   optional digest locked value, list of Vote lock proof,
//   list of Vote round proof, optional Proposal round proof proposal
//
// Plain value types; a store belongs to one thread at a time.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "consensus/types.h"

namespace tracechain::consensus {

struct SigningState {
  static constexpr std::string_view kTypeName = "signing state";
  static constexpr std::uint8_t kFormatVersion = 1;

  // The height of the messages below; 0 when nothing was ever signed
  // (consensus starts at height 1, genesis being height 0).
  std::uint64_t height = 0;
  std::optional<ledger::Proposal> proposal;  // the last proposal signed at `height`
  std::optional<ledger::Vote> prevote;       // the last prevote signed at `height`
  std::optional<ledger::Vote> precommit;     // the last precommit signed at `height`
  // lockedRound / lockedValue at `height`: both set or both absent.
  std::optional<std::uint32_t> locked_round;
  std::optional<Digest> locked_value;
  // The prevotes for locked_value in locked_round that made this validator
  // lock (line 36); empty without a lock.
  std::vector<ledger::Vote> lock_proof;
  // How this validator entered the round of its latest signature: the 2f+1
  // precommits of the round before (lines 47, 65), or the f+1 messages of
  // that round (line 55, with at most one proposal among them); empty for
  // round 0.
  std::vector<ledger::Vote> round_proof;
  std::optional<ledger::Proposal> round_proof_proposal;

  template <class Archive>
  void serialize(Archive& ar) {
    ledger::FormatVersion version{kFormatVersion, "signing state"};
    ar(version, height, proposal, prevote, precommit, locked_round, locked_value, lock_proof,
       round_proof, round_proof_proposal);
  }

  bool operator==(const SigningState&) const = default;
};

// Every stored message is well formed, at `height`, of the right type; the
// lock is complete and its proof is prevotes for it; the proofs are no
// longer than a validator set allows. (Signatures are not checked: the state
// is our own.)
Status validate(const SigningState& state);

// The message of `message`'s type that `state` holds, if any.
std::optional<Message> signed_of_type(const SigningState& state, Step step);

enum class SigningVerdict {
  kSign,    // beyond everything signed: sign it
  kResend,  // a message of this type was signed for this height and round: send that one
  kRefuse,  // it would go back in (height, round, step): sign nothing
};

struct SigningCheck {
  SigningVerdict verdict = SigningVerdict::kRefuse;
  std::optional<Message> previous;  // with kResend: the message to send again
};

// Whether `candidate` (unsigned) may be signed given `state`; see above.
SigningCheck check_signing(const SigningState& state, const Message& candidate);

// Records the signed `message` in `state`: a new height starts a fresh state,
// and a precommit for a block becomes the lock (with an empty proof, for the
// caller to fill in). Asserts that check_signing() allowed it.
void record_signed(SigningState& state, const Message& message);

// Where the driver keeps the signing state. save() must be durable when it
// returns (the broadcast that follows relies on it).
class SigningStateStore {
 public:
  virtual ~SigningStateStore() = default;
  // The last saved state, or an empty one if nothing was ever saved.
  virtual Result<SigningState> load() = 0;
  virtual Status save(const SigningState& state) = 0;
};

class InMemorySigningStateStore final : public SigningStateStore {
 public:
  Result<SigningState> load() override { return state_; }
  Status save(const SigningState& state) override {
    state_ = state;
    return {};
  }

 private:
  SigningState state_;
};

}  // namespace tracechain::consensus
