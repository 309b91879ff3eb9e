// The vocabulary of the consensus engine: steps, timeouts, configuration,
// signed messages and equivocation evidence.
//
// Names follow Buchman, Kwon, Milosevic, "The latest gossip on BFT consensus"
// (arXiv:1807.04938), Algorithm 1: a height h, a round, a step in
// {propose, prevote, precommit}, timeoutPropose/timeoutPrevote/timeoutPrecommit.
// docs/consensus.md maps the algorithm's lines to the code.
//
// Plain value types; no shared state.
#pragma once

#include <cstdint>
#include <string_view>
#include <variant>

#include "ledger/block.h"

namespace tracechain::consensus {

// The step of a round. Ordered: a process only moves forward within a round,
// which the double-sign protection relies on.
enum class Step : std::uint8_t {
  kPropose = 0,
  kPrevote = 1,
  kPrecommit = 2,
};

std::string_view step_name(Step step);

// timeoutX(r) = initTimeoutX + r * timeoutDelta (the paper's Section 3), per
// step. The values are inputs: the engine reads no clock, it only tells the
// driver how long to wait.
struct Timeouts {
  std::uint64_t propose_ms = 3000;
  std::uint64_t propose_delta_ms = 500;
  std::uint64_t prevote_ms = 1000;
  std::uint64_t prevote_delta_ms = 500;
  std::uint64_t precommit_ms = 1000;
  std::uint64_t precommit_delta_ms = 500;

  // The timeout of `step` in `round`; saturates instead of overflowing.
  std::uint64_t duration_ms(Step step, std::uint32_t round) const;
};

struct Config {
  ledger::ChainId chain_id;
  // This process's validator id. While the id is absent from a height's
  // validator set, or listed there with another key, the engine follows the
  // height without signing anything.
  ledger::ParticipantId validator_id;
  Timeouts timeouts;
};

// A signed consensus message as it travels between validators.
using Message = std::variant<ledger::Proposal, ledger::Vote>;

std::uint64_t height_of(const Message& message);
std::uint32_t round_of(const Message& message);
// kPropose for a proposal, kPrevote / kPrecommit for votes.
Step step_of(const Message& message);
const ledger::ParticipantId& signer_of(const Message& message);

// Two signed votes by one validator for the same height, round and type but
// different block hashes (a block and nil count as different). Both
// signatures have been verified against the validator set of that height, so
// anyone holding the set can check the evidence.
struct Evidence {
  ledger::Vote first;
  ledger::Vote second;

  bool operator==(const Evidence&) const = default;
};

// Counts of input the engine refused or set aside, for logs and metrics.
// Nothing counted here changes the engine's state.
struct InputStats {
  std::uint64_t accepted = 0;          // verified and recorded
  std::uint64_t duplicate = 0;         // the same content was already recorded
  std::uint64_t malformed = 0;         // out of domain, or another chain's
  std::uint64_t wrong_height = 0;      // not for the height being decided
  std::uint64_t not_a_validator = 0;   // signer absent from the validator set
  std::uint64_t not_the_proposer = 0;  // a proposal from someone else than proposer(h, r)
  std::uint64_t bad_signature = 0;     // the signature does not verify
  std::uint64_t beyond_limits = 0;     // too many future rounds or variants from one signer
  std::uint64_t buffered = 0;          // kept for the next height
  std::uint64_t equivocations = 0;     // conflicting votes (evidence recorded)
  std::uint64_t refused_signatures = 0;  // messages the signing state did not allow
};

}  // namespace tracechain::consensus
