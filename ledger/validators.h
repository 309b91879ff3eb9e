// The validator set and commit-certificate verification.
//
// ValidatorSet, format version 1:
//   u8 version, u8 suite, list of (text id, bytes public key, u64 power)
// Validators are sorted by id, ids are unique, every power is at least 1 and
// the total power at most 2^60 (so sums never overflow). The set's hash (the
// chain hash of this encoding) goes into every block header it signs.
//
// A commit certificate is valid for a set when its signatures come from
// distinct members, each verifies on the precommit it stands for, and their
// power is more than two thirds of the set's total.
//
// Plain value types; the functions are pure and thread-safe.
#pragma once

#include <optional>
#include <vector>

#include "ledger/block.h"

namespace tracechain::ledger {

inline constexpr std::uint64_t kMaxTotalVotingPower = std::uint64_t{1} << 60;

struct Validator {
  ParticipantId id;
  Bytes public_key;
  std::uint64_t power = 1;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(id, public_key, power);
  }

  bool operator==(const Validator&) const = default;
};

struct ValidatorSet {
  static constexpr std::string_view kTypeName = "validator set";
  static constexpr std::uint8_t kFormatVersion = 1;

  crypto::Suite suite = crypto::kDefaultSuite;
  std::vector<Validator> validators;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, suite, validators);
  }

  bool operator==(const ValidatorSet&) const = default;

  const Validator* find(std::string_view id) const;
  std::uint64_t total_power() const;
  // The least power that is more than two thirds of the total.
  std::uint64_t quorum_power() const { return total_power() * 2 / 3 + 1; }
};

// Sorted, unique, non-empty, powers in range, every key a valid point.
Status validate(const ValidatorSet& set);
Digest validator_set_hash(const ValidatorSet& set);

// Checks `certificate` against `set` on chain `chain_id` (see above); on
// failure the message names the validator or the shortfall.
Status verify_certificate(const ChainId& chain_id, const ValidatorSet& set,
                          const CommitCertificate& certificate);

}  // namespace tracechain::ledger
