#include "ledger/validators.h"

#include <algorithm>
#include <set>

namespace tracechain::ledger {

const Validator* ValidatorSet::find(std::string_view id) const {
  auto it = std::lower_bound(validators.begin(), validators.end(), id,
                             [](const Validator& v, std::string_view key) { return v.id < key; });
  return it != validators.end() && it->id == id ? &*it : nullptr;
}

std::uint64_t ValidatorSet::total_power() const {
  std::uint64_t total = 0;
  for (const Validator& v : validators) total += v.power;
  return total;
}

Status validate(const ValidatorSet& set) {
  if (auto suite = crypto::suite_from_byte(static_cast<std::uint8_t>(set.suite)); !suite) {
    return suite.error();
  }
  if (set.validators.empty()) return Error(ErrorCode::kInvalidInput, "has no validators");
  if (set.validators.size() > kMaxValidators) {
    return Error(ErrorCode::kInvalidInput, "has " + std::to_string(set.validators.size()) +
                                               " validators, more than the " +
                                               std::to_string(kMaxValidators) + " allowed");
  }
  std::uint64_t total = 0;
  for (std::size_t i = 0; i < set.validators.size(); ++i) {
    const Validator& v = set.validators[i];
    if (Status s = validate_identifier("validator id", v.id); !s) return s;
    if (i > 0 && !(set.validators[i - 1].id < v.id)) {
      return Error(ErrorCode::kInvalidInput,
                   "validators must be sorted by id without repeats; '" + v.id + "' is out of place");
    }
    if (v.power == 0 || v.power > kMaxTotalVotingPower - total) {
      return Error(ErrorCode::kInvalidInput,
                   "validator '" + v.id + "' has power " + std::to_string(v.power) +
                       "; powers are at least 1 and total at most 2^60");
    }
    total += v.power;
    if (auto key = crypto::PublicKey::from_bytes(set.suite, v.public_key); !key) {
      return key.error().with_context("validator '" + v.id + "' public key");
    }
  }
  return {};
}

Digest validator_set_hash(const ValidatorSet& set) {
  return crypto::hash(crypto::suite_hash(set.suite), encode(set));
}

Status verify_certificate(const ChainId& chain_id, const ValidatorSet& set,
                          const CommitCertificate& certificate) {
  auto fail = [&](const std::string& what) {
    return Error(ErrorCode::kVerificationFailed,
                 "commit certificate for height " + std::to_string(certificate.height) + ": " +
                     what);
  };
  std::set<std::string_view> signers;
  std::uint64_t power = 0;
  for (const CommitSignature& entry : certificate.signatures) {
    const Validator* validator = set.find(entry.validator);
    if (validator == nullptr) {
      return fail("'" + entry.validator + "' is not in the validator set");
    }
    if (!signers.insert(entry.validator).second) {
      return fail("'" + entry.validator + "' signed more than once");
    }
    auto key = crypto::PublicKey::from_bytes(set.suite, validator->public_key);
    if (!key) return fail("validator '" + entry.validator + "' has an unusable key");
    Vote precommit = precommit_of(chain_id, certificate, entry);
    if (Status s = verify_signature(precommit, *key); !s) {
      return fail("signature of '" + entry.validator + "': " + s.error().message());
    }
    power += validator->power;
  }
  if (power < set.quorum_power()) {
    return fail("signers hold power " + std::to_string(power) + " of " +
                std::to_string(set.total_power()) + "; more than two thirds (" +
                std::to_string(set.quorum_power()) + ") is needed");
  }
  return {};
}

}  // namespace tracechain::ledger
