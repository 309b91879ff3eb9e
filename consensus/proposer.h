// proposer(h, round): weighted round-robin over a validator set.
//
// Every node must compute the same proposer from the same set, with no state
// carried between heights (a node that restarts or joins late needs only the
// set). The scheme:
//
//   P      = total voting power
//   k      = (h + round) mod P                      the slot
//   stride = the least s >= max(1, floor(P / phi)) with gcd(s, P) = 1
//   x      = k * stride mod P                       a permutation of 0..P-1
//   proposer = the validator whose interval of the cumulative powers, in the
//              set's order (sorted by id), contains x
//
// Because x runs through every value of 0..P-1 exactly once as k does, in any
// P consecutive slots each validator is proposer exactly `power` times: fair
// in proportion to power, over rounds of one height and over heights alike.
// The golden-ratio stride spreads a validator's slots through the cycle
// instead of giving it `power` consecutive turns.
//
// Immutable after construction; safe to share between threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "ledger/validators.h"

namespace tracechain::consensus {

class ProposerSchedule {
 public:
  // `set` must be a valid validator set (ledger::validate).
  explicit ProposerSchedule(const ledger::ValidatorSet& set);

  // Index into the set's validators of proposer(height, round).
  std::size_t proposer_index(std::uint64_t height, std::uint32_t round) const;

  std::uint64_t total_power() const { return total_power_; }
  std::uint64_t stride() const { return stride_; }

 private:
  std::vector<std::uint64_t> cumulative_;  // cumulative_[i] = power of validators 0..i
  std::uint64_t total_power_ = 0;
  std::uint64_t stride_ = 1;
};

}  // namespace tracechain::consensus
