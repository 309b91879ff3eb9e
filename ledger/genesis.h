// Genesis: the chain's founding document — chain id, signature suite, policy,
// the first participants with their roles and keys, and the first validators.
//
// Operators write it as JSON (config/genesis.json, see docs/ledger.md). JSON is
// never hashed: the parsed document is turned into the canonical Genesis
// encoding, whose hash is the chain's genesis hash (block 1's "previous
// header hash") and whose writes form the state before block 1.
//
// Genesis, format version 1:
//   u8 version, text chain id, u8 suite, u64 time (ms), Policy,
//   list<(text id, bytes public key, u16 roles, text jurisdiction)>, ValidatorSet
//
// Pure functions, except load_genesis() which reads a file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/json_fields.h"
#include "ledger/model.h"
#include "ledger/state.h"

namespace tracechain::ledger {

struct GenesisParticipant {
  ParticipantId id;
  Bytes public_key;
  RoleSet roles = 0;
  std::string jurisdiction;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(id, public_key, roles, jurisdiction);
  }

  bool operator==(const GenesisParticipant&) const = default;
};

// Format version 1 starts a chain whose headers commit to a hash chain of
// state deltas; version 2, the same fields, a chain whose headers commit to
// the state tree and whose records carry history commitments.
struct Genesis {
  static constexpr std::string_view kTypeName = "genesis";
  static constexpr std::uint8_t kFormatVersion = 1;
  static constexpr std::uint8_t kStateTreeFormatVersion = 2;

  ChainId chain_id;
  crypto::Suite suite = crypto::kDefaultSuite;
  std::uint64_t time_ms = 0;
  Policy policy;
  std::vector<GenesisParticipant> participants;
  ValidatorSet validators;
  bool state_tree = false;

  template <class Archive>
  void save(Archive& ar) const {
    const std::uint8_t version = state_tree ? kStateTreeFormatVersion : kFormatVersion;
    ar(version, chain_id, suite, time_ms, policy, participants, validators);
  }

  template <class Archive>
  void load(Archive& ar) {
    state_tree = load_state_tree_version(ar, kTypeName);
    ar(chain_id, suite, time_ms, policy, participants, validators);
  }

  bool operator==(const Genesis&) const = default;
};

// Unique ids, keys of the chain's suite, known roles, enough active governors
// for the threshold, a valid validator set of the same suite.
Status validate(const Genesis& genesis);
Digest genesis_hash(const Genesis& genesis);
// The parameters of the chain `genesis` starts.
ChainParams chain_params(const Genesis& genesis);

// The state writes genesis makes, in key order, and the state root after them.
StateDelta genesis_delta(const Genesis& genesis);
Digest genesis_state_root(const Genesis& genesis);

// JSON form. Errors name `source` and the field, e.g.
// "genesis.json: participants[2].public_key: not hex".
Result<Genesis> parse_genesis_json(std::string_view text, std::string_view source);
std::string genesis_to_json(const Genesis& genesis);
// Role names in bit order, as genesis.json and the RPC list them:
// ["governor", "operator"].
Json roles_json(RoleSet roles);

// A policy alone, in genesis.json's "policy" form (for a change-policy
// proposal).
Result<Policy> parse_policy_json(std::string_view text, std::string_view source);
Result<Genesis> load_genesis(const std::filesystem::path& path);

}  // namespace tracechain::ledger
