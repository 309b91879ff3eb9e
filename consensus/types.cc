#include "consensus/types.h"

#include <limits>

namespace tracechain::consensus {

std::string_view step_name(Step step) {
  switch (step) {
    case Step::kPropose:
      return "propose";
    case Step::kPrevote:
      return "prevote";
    case Step::kPrecommit:
      return "precommit";
  }
  return "unknown";
}

namespace {

std::uint64_t saturating_timeout(std::uint64_t base, std::uint64_t delta, std::uint32_t round) {
  constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
  if (round != 0 && delta > (kMax - base) / round) return kMax;
  return base + delta * round;
}

}  // namespace

std::uint64_t Timeouts::duration_ms(Step step, std::uint32_t round) const {
  switch (step) {
    case Step::kPropose:
      return saturating_timeout(propose_ms, propose_delta_ms, round);
    case Step::kPrevote:
      return saturating_timeout(prevote_ms, prevote_delta_ms, round);
    case Step::kPrecommit:
      return saturating_timeout(precommit_ms, precommit_delta_ms, round);
  }
  TC_ASSERT_MSG(false, "unknown step");
  return 0;
}

std::uint64_t height_of(const Message& message) {
  return std::visit([](const auto& m) { return m.height; }, message);
}

std::uint32_t round_of(const Message& message) {
  return std::visit([](const auto& m) { return m.round; }, message);
}

Step step_of(const Message& message) {
  if (const auto* vote = std::get_if<ledger::Vote>(&message)) {
    return vote->type == ledger::VoteType::kPrecommit ? Step::kPrecommit : Step::kPrevote;
  }
  return Step::kPropose;
}

const ledger::ParticipantId& signer_of(const Message& message) {
  if (const auto* vote = std::get_if<ledger::Vote>(&message)) return vote->validator;
  return std::get<ledger::Proposal>(message).proposer;
}

}  // namespace tracechain::consensus
