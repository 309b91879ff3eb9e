#include "consensus/vote_set.h"

#include <algorithm>

namespace tracechain::consensus {

VoteSet::Admission VoteSet::admission(const ledger::ParticipantId& validator,
                                      const Value& value, bool proposed) const {
  auto it = by_validator_.find(validator);
  if (it == by_validator_.end()) return Admission::kNew;
  const std::vector<ledger::Vote>& votes = it->second;
  if (std::any_of(votes.begin(), votes.end(),
                  [&](const ledger::Vote& v) { return v.block_hash == value; })) {
    return Admission::kDuplicate;
  }
  return votes.size() >= kMaxValuesPerValidator && !proposed ? Admission::kFull
                                                             : Admission::kConflicting;
}

std::optional<ledger::Vote> VoteSet::add(const ledger::Vote& vote, std::uint64_t power,
                                         bool proposed) {
  const Admission admitted = admission(vote.validator, vote.block_hash, proposed);
  TC_ASSERT_MSG(admitted == Admission::kNew || admitted == Admission::kConflicting,
                "VoteSet::add without admission");
  std::vector<ledger::Vote>& votes = by_validator_[vote.validator];
  votes.push_back(vote);
  power_by_value_[vote.block_hash] += power;
  if (admitted == Admission::kNew) {
    power_any_ += power;
    return std::nullopt;
  }
  return votes.front();
}

std::uint64_t VoteSet::power_for(const Value& value) const {
  auto it = power_by_value_.find(value);
  return it == power_by_value_.end() ? 0 : it->second;
}

std::vector<Digest> VoteSet::blocks_with_power(std::uint64_t threshold) const {
  std::vector<Digest> blocks;
  for (const auto& [value, power] : power_by_value_) {
    if (value && power >= threshold) blocks.push_back(*value);
  }
  return blocks;
}

std::vector<const ledger::Vote*> VoteSet::votes_for(const Value& value) const {
  std::vector<const ledger::Vote*> found;
  for (const auto& [validator, votes] : by_validator_) {
    for (const ledger::Vote& v : votes) {
      if (v.block_hash == value) found.push_back(&v);
    }
  }
  return found;
}

std::vector<const ledger::Vote*> VoteSet::all_votes() const {
  std::vector<const ledger::Vote*> all;
  for (const auto& [validator, votes] : by_validator_) {
    for (const ledger::Vote& v : votes) all.push_back(&v);
  }
  return all;
}

const ledger::Vote* VoteSet::first_vote_of(const ledger::ParticipantId& validator) const {
  auto it = by_validator_.find(validator);
  return it == by_validator_.end() ? nullptr : &it->second.front();
}

}  // namespace tracechain::consensus
