#include "consensus/signing_state.h"

#include <tuple>

namespace tracechain::consensus {

namespace {

// Where a message sits in the order a validator signs in.
using Position = std::tuple<std::uint32_t, Step>;

Position position_of(const Message& message) { return {round_of(message), step_of(message)}; }

Status check_stored(const SigningState& state, const std::optional<Message>& message,
                    Step expected, std::string_view what) {
  if (!message) return {};
  Status valid = std::visit([](const auto& m) { return ledger::validate(m); }, *message);
  if (!valid) return valid.error().with_context(std::string(what));
  if (height_of(*message) != state.height) {
    return Error(ErrorCode::kCorruption, std::string(what) + " is for height " +
                                             std::to_string(height_of(*message)) +
                                             ", the state for height " +
                                             std::to_string(state.height));
  }
  if (step_of(*message) != expected) {
    return Error(ErrorCode::kCorruption, std::string(what) + " has the wrong vote type");
  }
  return {};
}

std::optional<Message> as_message(const std::optional<ledger::Proposal>& p) {
  if (!p) return std::nullopt;
  return Message{*p};
}

std::optional<Message> as_message(const std::optional<ledger::Vote>& v) {
  if (!v) return std::nullopt;
  return Message{*v};
}

}  // namespace

Status validate(const SigningState& state) {
  if (Status s = check_stored(state, as_message(state.proposal), Step::kPropose, "proposal"); !s) {
    return s;
  }
  if (Status s = check_stored(state, as_message(state.prevote), Step::kPrevote, "prevote"); !s) {
    return s;
  }
  if (Status s = check_stored(state, as_message(state.precommit), Step::kPrecommit, "precommit");
      !s) {
    return s;
  }
  if (state.locked_round.has_value() != state.locked_value.has_value()) {
    return Error(ErrorCode::kCorruption, "locked round and locked value must both be set or unset");
  }
  if (state.lock_proof.size() > ledger::kMaxValidators) {
    return Error(ErrorCode::kCorruption, "the lock proof has more votes than validators");
  }
  for (const ledger::Vote& vote : state.lock_proof) {
    if (Status s = check_stored(state, Message{vote}, Step::kPrevote, "lock proof"); !s) return s;
    if (!state.locked_round || vote.round != *state.locked_round ||
        vote.block_hash != state.locked_value) {
      return Error(ErrorCode::kCorruption, "the lock proof holds a prevote for something else");
    }
  }
  // Up to two votes per validator and type can stand in a round's log.
  if (state.round_proof.size() > 4 * ledger::kMaxValidators) {
    return Error(ErrorCode::kCorruption, "the round proof has more votes than a round can hold");
  }
  for (const ledger::Vote& vote : state.round_proof) {
    if (Status s = check_stored(state, Message{vote}, consensus::step_of(Message{vote}),
                                "round proof");
        !s) {
      return s;
    }
  }
  return check_stored(state, as_message(state.round_proof_proposal), Step::kPropose,
                      "round proof proposal");
}

std::optional<Message> signed_of_type(const SigningState& state, Step step) {
  switch (step) {
    case Step::kPropose:
      return as_message(state.proposal);
    case Step::kPrevote:
      return as_message(state.prevote);
    case Step::kPrecommit:
      return as_message(state.precommit);
  }
  return std::nullopt;
}

SigningCheck check_signing(const SigningState& state, const Message& candidate) {
  const std::uint64_t height = height_of(candidate);
  if (height < state.height) return {SigningVerdict::kRefuse, std::nullopt};
  if (height > state.height) return {SigningVerdict::kSign, std::nullopt};

  // One message per (height, round, step): whatever was signed there stands.
  if (auto same = signed_of_type(state, step_of(candidate));
      same && round_of(*same) == round_of(candidate)) {
    return {SigningVerdict::kResend, same};
  }
  const Position wanted = position_of(candidate);
  for (Step step : {Step::kPropose, Step::kPrevote, Step::kPrecommit}) {
    if (auto earlier = signed_of_type(state, step); earlier && !(position_of(*earlier) < wanted)) {
      return {SigningVerdict::kRefuse, std::nullopt};
    }
  }
  return {SigningVerdict::kSign, std::nullopt};
}

void record_signed(SigningState& state, const Message& message) {
  TC_ASSERT_MSG(check_signing(state, message).verdict == SigningVerdict::kSign,
                "recording a message the signing state does not allow");
  if (height_of(message) > state.height) {
    state = SigningState{};
    state.height = height_of(message);
  }
  if (const auto* proposal = std::get_if<ledger::Proposal>(&message)) {
    state.proposal = *proposal;
    return;
  }
  const auto& vote = std::get<ledger::Vote>(message);
  switch (vote.type) {
    case ledger::VoteType::kPrevote:
      state.prevote = vote;
      return;
    case ledger::VoteType::kPrecommit:
      state.precommit = vote;
      // Lines 38-40: the lock is set together with a precommit for a block.
      if (vote.block_hash) {
        state.locked_round = vote.round;
        state.locked_value = vote.block_hash;
        state.lock_proof.clear();
      }
      return;
  }
  TC_ASSERT_MSG(false, "unknown vote type");
}

}  // namespace tracechain::consensus
