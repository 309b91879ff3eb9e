#include "consensus/proposer.h"

#include <algorithm>
#include <numeric>

namespace tracechain::consensus {

namespace {

// Total power is at most 2^60 (ledger::kMaxTotalVotingPower), so products of
// two values below it need 128 bits.
__extension__ typedef unsigned __int128 Uint128;

// floor(2^64 / phi), the 64-bit golden ratio constant.
constexpr std::uint64_t kGoldenRatio64 = 0x9E3779B97F4A7C15ull;

std::uint64_t multiply_mod(std::uint64_t a, std::uint64_t b, std::uint64_t modulus) {
  return static_cast<std::uint64_t>(Uint128{a} * b % modulus);
}

}  // namespace

ProposerSchedule::ProposerSchedule(const ledger::ValidatorSet& set) {
  TC_ASSERT_MSG(!set.validators.empty(), "a proposer schedule needs validators");
  cumulative_.reserve(set.validators.size());
  for (const ledger::Validator& v : set.validators) {
    TC_ASSERT(v.power >= 1 && v.power <= ledger::kMaxTotalVotingPower - total_power_);
    total_power_ += v.power;
    cumulative_.push_back(total_power_);
  }
  stride_ = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>((Uint128{total_power_} * kGoldenRatio64) >> 64));
  while (std::gcd(stride_, total_power_) != 1) ++stride_;
}

std::size_t ProposerSchedule::proposer_index(std::uint64_t height, std::uint32_t round) const {
  const std::uint64_t slot = (height % total_power_ + round % total_power_) % total_power_;
  const std::uint64_t x = multiply_mod(slot, stride_, total_power_);
  // The first validator whose cumulative power exceeds x owns x.
  auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), x);
  TC_ASSERT(it != cumulative_.end());
  return static_cast<std::size_t>(it - cumulative_.begin());
}

}  // namespace tracechain::consensus
