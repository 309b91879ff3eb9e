// The votes of one type (prevote or precommit) in one round of one height,
// tallied by voting power: the "2f+1 <PREVOTE, h, r, id(v)>" conditions of
// Algorithm 1 read from here.
//
// The paper counts messages whose senders' aggregate power reaches the
// threshold. A Byzantine validator may sign several values in one round; its
// power then counts once toward each value it signed (the paper's message
// log holds all of them), and once toward "any value". That is safe: two
// quorums for different values intersect in more than a third of the power,
// so in at least one correct validator, which never signs two values. To
// bound memory, at most kMaxValuesPerValidator distinct values are kept per
// validator; the second one is already the evidence. A vote for a value
// that a verified proposal of the height names is admitted beyond that
// bound (`proposed`): otherwise an equivocator that shows a validator two
// other values first keeps the vote that completes a proof of lock (line
// 28) out of its log for good. Proposals are bounded per round, so this is
// bounded too.
//
// Callers verify signatures before add(); admission() lets them skip the
// verification of duplicates. Single-threaded value type.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "ledger/block.h"

namespace tracechain::consensus {

// A block hash, or nil (std::nullopt).
using Value = std::optional<Digest>;

class VoteSet {
 public:
  static constexpr std::size_t kMaxValuesPerValidator = 2;

  enum class Admission {
    kNew,          // first vote of this validator here
    kConflicting,  // the validator already voted for another value: equivocation
    kDuplicate,    // the validator already voted for this value
    kFull,         // the validator already has kMaxValuesPerValidator values here
  };

  Admission admission(const ledger::ParticipantId& validator, const Value& value,
                      bool proposed = false) const;
  // Records a verified vote of a validator with `power`; admission() (with
  // the same `proposed`) must have said kNew or kConflicting. Returns the
  // validator's first vote when this one conflicts with it.
  std::optional<ledger::Vote> add(const ledger::Vote& vote, std::uint64_t power,
                                  bool proposed = false);

  // Aggregate power of the validators that voted for `value`.
  std::uint64_t power_for(const Value& value) const;
  // Aggregate power of the validators that voted at all.
  std::uint64_t power_any() const { return power_any_; }
  // Block hashes (not nil) whose power is at least `threshold`.
  std::vector<Digest> blocks_with_power(std::uint64_t threshold) const;
  // The votes for `value`, one per validator, ordered by validator id.
  std::vector<const ledger::Vote*> votes_for(const Value& value) const;
  // Every vote recorded here, conflicting ones included, by validator id.
  std::vector<const ledger::Vote*> all_votes() const;
  // The first vote `validator` cast here, if any.
  const ledger::Vote* first_vote_of(const ledger::ParticipantId& validator) const;

 private:
  std::map<ledger::ParticipantId, std::vector<ledger::Vote>> by_validator_;
  std::map<Value, std::uint64_t> power_by_value_;
  std::uint64_t power_any_ = 0;
};

}  // namespace tracechain::consensus
