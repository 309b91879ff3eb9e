#include "ledger/model.h"

#include "ledger/checkpoint.h"

#include <cstring>

#include <algorithm>
#include <cstdio>

namespace tracechain::ledger {

namespace {

Error invalid(const std::string& message) { return Error(ErrorCode::kInvalidInput, message); }

// Looks a name up in a table of (value, name) pairs.
template <typename E, std::size_t N>
Result<E> parse_name(const std::array<std::pair<E, std::string_view>, N>& table,
                     std::string_view name, const char* what) {
  for (const auto& [value, n] : table) {
    if (n == name) return value;
  }
  std::string choices;
  for (const auto& entry : table) {
    if (!choices.empty()) choices += ", ";
    choices += entry.second;
  }
  return invalid("unknown " + std::string(what) + " '" + std::string(name) + "' (expected " +
                 choices + ")");
}

template <typename E, std::size_t N>
std::string_view name_of(const std::array<std::pair<E, std::string_view>, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "unknown";
}

constexpr std::array<std::pair<Role, std::string_view>, 10> kRoleNames{{
    {Role::kGovernor, "governor"},
    {Role::kOperator, "operator"},
    {Role::kAttestor, "attestor"},
    {Role::kProvider, "provider"},
    {Role::kBuyer, "buyer"},
    {Role::kReviewer, "reviewer"},
    {Role::kArbitrator, "arbitrator"},
    {Role::kAuditor, "auditor"},
    {Role::kWitness, "witness"},
    {Role::kNode, "node"},
}};

constexpr std::array<std::pair<ChangeType, std::string_view>, 8> kChangeNames{{
    {ChangeType::kAdmitParticipant, "admit-participant"},
    {ChangeType::kGrantRoles, "grant-roles"},
    {ChangeType::kRevokeRoles, "revoke-roles"},
    {ChangeType::kSuspendParticipant, "suspend-participant"},
    {ChangeType::kReinstateParticipant, "reinstate-participant"},
    {ChangeType::kAddValidator, "add-validator"},
    {ChangeType::kRemoveValidator, "remove-validator"},
    {ChangeType::kChangePolicy, "change-policy"},
}};

constexpr std::array<std::pair<SourceVerdict, std::string_view>, 3> kSourceVerdictNames{{
    {SourceVerdict::kApprove, "approve"},
    {SourceVerdict::kApproveWithConditions, "approve-with-conditions"},
    {SourceVerdict::kReject, "reject"},
}};

constexpr std::array<std::pair<TradeState, std::string_view>, 11> kTradeStateNames{{
    {TradeState::kRequested, "requested"},
    {TradeState::kAgreed, "agreed"},
    {TradeState::kApproved, "approved"},
    {TradeState::kRejected, "rejected"},
    {TradeState::kDelivered, "delivered"},
    {TradeState::kAccepted, "accepted"},
    {TradeState::kSettled, "settled"},
    {TradeState::kDisputed, "disputed"},
    {TradeState::kResolved, "resolved"},
    {TradeState::kCancelled, "cancelled"},
    {TradeState::kDeclined, "declined"},
}};

constexpr std::array<std::pair<TradeVerdict, std::string_view>, 2> kTradeVerdictNames{{
    {TradeVerdict::kApprove, "approve"},
    {TradeVerdict::kReject, "reject"},
}};

constexpr std::array<std::pair<DeliveryMethod, std::string_view>, 3> kDeliveryMethodNames{{
    {DeliveryMethod::kDownload, "download"},
    {DeliveryMethod::kApi, "api"},
    {DeliveryMethod::kComputeInPlace, "compute-in-place"},
}};

constexpr std::array<std::pair<DisputeOutcome, std::string_view>, 3> kOutcomeNames{{
    {DisputeOutcome::kForBuyer, "for-buyer"},
    {DisputeOutcome::kForProvider, "for-provider"},
    {DisputeOutcome::kSplit, "split"},
}};

}  // namespace

// ------------------------------------------------------------------- names

std::string_view role_name(Role role) { return name_of(kRoleNames, role); }
Result<Role> parse_role(std::string_view name) { return parse_name(kRoleNames, name, "role"); }

std::string roles_to_string(RoleSet roles) {
  std::string out;
  for (const auto& [role, name] : kRoleNames) {
    if (!has_role(roles, role)) continue;
    if (!out.empty()) out += ",";
    out += name;
  }
  return out;
}

std::vector<Role> all_roles() {
  std::vector<Role> out;
  for (const auto& entry : kRoleNames) out.push_back(entry.first);
  return out;
}

std::string_view change_type_name(ChangeType type) { return name_of(kChangeNames, type); }
Result<ChangeType> parse_change_type(std::string_view name) {
  return parse_name(kChangeNames, name, "governance change");
}

std::string_view source_verdict_name(SourceVerdict verdict) {
  return name_of(kSourceVerdictNames, verdict);
}
Result<SourceVerdict> parse_source_verdict(std::string_view name) {
  return parse_name(kSourceVerdictNames, name, "source review verdict");
}

std::string_view trade_state_name(TradeState state) { return name_of(kTradeStateNames, state); }
Result<TradeState> parse_trade_state(std::string_view name) {
  return parse_name(kTradeStateNames, name, "trade state");
}

std::string_view trade_verdict_name(TradeVerdict verdict) {
  return name_of(kTradeVerdictNames, verdict);
}
Result<TradeVerdict> parse_trade_verdict(std::string_view name) {
  return parse_name(kTradeVerdictNames, name, "trade review verdict");
}

std::string_view delivery_method_name(DeliveryMethod method) {
  return name_of(kDeliveryMethodNames, method);
}
Result<DeliveryMethod> parse_delivery_method(std::string_view name) {
  return parse_name(kDeliveryMethodNames, name, "delivery method");
}

std::string_view dispute_outcome_name(DisputeOutcome outcome) {
  return name_of(kOutcomeNames, outcome);
}
Result<DisputeOutcome> parse_dispute_outcome(std::string_view name) {
  return parse_name(kOutcomeNames, name, "dispute outcome");
}

// -------------------------------------------------------------- validation

Status validate(const ChainParams& params) {
  if (Status s = validate_identifier("chain id", params.chain_id); !s) return s;
  if (auto suite = crypto::suite_from_byte(static_cast<std::uint8_t>(params.suite)); !suite) {
    return suite.error();
  }
  return {};
}

Status validate(const Policy& policy) {
  if (policy.governance_threshold == 0) return invalid("governance threshold must be at least 1");
  if (policy.max_transaction_lifetime == 0) {
    return invalid("max transaction lifetime must be at least 1 block");
  }
  if (policy.max_proposal_lifetime == 0) {
    return invalid("max proposal lifetime must be at least 1 block");
  }
  for (std::size_t i = 0; i < policy.levels.size(); ++i) {
    const LevelRule& rule = policy.levels[i];
    if (rule.required_reviews == 0 || rule.required_reviews > 16) {
      return invalid("level L" + std::to_string(i + 1) +
                     " needs between 1 and 16 reviews, not " +
                     std::to_string(rule.required_reviews));
    }
    const std::string level = "level L" + std::to_string(i + 1);
    if (rule.accepted_claims.size() > kMaxAcceptedClaims) {
      return invalid(level + " accepts " + std::to_string(rule.accepted_claims.size()) +
                     " claim types; at most " + std::to_string(kMaxAcceptedClaims));
    }
    for (std::size_t c = 0; c < rule.accepted_claims.size(); ++c) {
      if (Status s = validate_identifier("claim type", rule.accepted_claims[c]); !s) {
        return s.error().with_context(level);
      }
      if (c > 0 && rule.accepted_claims[c - 1] >= rule.accepted_claims[c]) {
        return invalid(level + " accepted claims must be sorted and distinct ('" +
                       rule.accepted_claims[c - 1] + "' then '" + rule.accepted_claims[c] + "')");
      }
    }
    if ((rule.attestor_roles & ~kAllRoles) != 0) {
      return invalid(level + " attestor roles name an unknown role bit");
    }
  }
  if (policy.witnesses.size() > kMaxPolicyWitnesses) {
    return invalid("the policy names " + std::to_string(policy.witnesses.size()) +
                   " witnesses; at most " + std::to_string(kMaxPolicyWitnesses));
  }
  for (std::size_t i = 0; i < policy.witnesses.size(); ++i) {
    const PolicyWitness& witness = policy.witnesses[i];
    const std::string where = "witness '" + witness.participant + "'";
    if (Status s = validate_identifier("witness participant", witness.participant); !s) return s;
    auto key = crypto::PublicKey::from_bytes(crypto::Suite::kEd25519Sha256, witness.key);
    if (!key) return key.error().with_context(where + ": its cosigning key");
    if (auto id = cosigner_key_id(witness.name, *key); !id) return id.error().with_context(where);
    for (std::size_t j = 0; j < i; ++j) {
      if (policy.witnesses[j].participant >= witness.participant) {
        return invalid("the policy's witnesses must be sorted by participant and distinct ('" +
                       policy.witnesses[j].participant + "' then '" + witness.participant + "')");
      }
      if (policy.witnesses[j].key == witness.key || policy.witnesses[j].name == witness.name) {
        return invalid(where + " shares its cosigning key or name with '" +
                       policy.witnesses[j].participant + "'");
      }
    }
  }
  return {};
}

bool LevelRule::accepts_claim(std::string_view claim) const {
  return accepted_claims.empty() ||
         std::binary_search(accepted_claims.begin(), accepted_claims.end(), claim);
}

Status validate_jurisdiction(std::string_view jurisdiction) {
  bool ok = jurisdiction.size() == 2 && jurisdiction[0] >= 'a' && jurisdiction[0] <= 'z' &&
            jurisdiction[1] >= 'a' && jurisdiction[1] <= 'z';
  if (!ok) {
    return invalid("jurisdiction '" + std::string(jurisdiction) +
                   "' must be a two-letter ISO 3166 code in lower case, such as 'cn'");
  }
  return {};
}

const Bytes* Participant::key_at(std::uint64_t height) const {
  const Bytes* key = nullptr;
  for (const KeyEpoch& epoch : keys) {
    if (epoch.from_height > height) break;
    key = &epoch.public_key;
  }
  return key;
}

Status validate(const Participant& participant) {
  if (Status s = validate_identifier("participant id", participant.id); !s) return s;
  if (participant.keys.empty()) return invalid("participant has no key");
  if ((participant.roles & ~kAllRoles) != 0) return invalid("unknown role bits");
  if (participant.status != ParticipantStatus::kActive &&
      participant.status != ParticipantStatus::kSuspended) {
    return invalid("unknown participant status");
  }
  return validate_jurisdiction(participant.jurisdiction);
}

Status validate(const Change& change, crypto::Suite suite) {
  auto unused = [&](bool key, bool roles, bool jurisdiction, bool power,
                    bool policy) -> Status {
    if (!key && !change.public_key.empty()) return invalid("this change takes no public key");
    if (!roles && change.roles != 0) return invalid("this change takes no roles");
    if (!jurisdiction && !change.jurisdiction.empty()) {
      return invalid("this change takes no jurisdiction");
    }
    if (!power && change.power != 0) return invalid("this change takes no power");
    if (!policy && change.policy) return invalid("this change takes no policy");
    return {};
  };
  auto check_key = [&]() -> Status {
    if (auto key = crypto::PublicKey::from_bytes(suite, change.public_key); !key) {
      return key.error().with_context("public key");
    }
    return {};
  };
  auto check_roles = [&]() -> Status {
    if (change.roles == 0 || (change.roles & ~kAllRoles) != 0) {
      return invalid("roles must name at least one known role");
    }
    return {};
  };

  switch (change.type) {
    case ChangeType::kAdmitParticipant:
      if (Status s = validate_identifier("participant id", change.subject); !s) return s;
      if (Status s = check_key(); !s) return s;
      if (Status s = check_roles(); !s) return s;
      if (Status s = validate_jurisdiction(change.jurisdiction); !s) return s;
      return unused(true, true, true, false, false);
    case ChangeType::kGrantRoles:
    case ChangeType::kRevokeRoles:
      if (Status s = validate_identifier("participant id", change.subject); !s) return s;
      if (Status s = check_roles(); !s) return s;
      return unused(false, true, false, false, false);
    case ChangeType::kSuspendParticipant:
    case ChangeType::kReinstateParticipant:
      if (Status s = validate_identifier("participant id", change.subject); !s) return s;
      return unused(false, false, false, false, false);
    case ChangeType::kAddValidator:
      if (Status s = validate_identifier("validator id", change.subject); !s) return s;
      if (Status s = check_key(); !s) return s;
      if (change.power == 0 || change.power > kMaxTotalVotingPower) {
        return invalid("validator power must be between 1 and 2^60");
      }
      return unused(true, false, false, true, false);
    case ChangeType::kRemoveValidator:
      if (Status s = validate_identifier("validator id", change.subject); !s) return s;
      return unused(false, false, false, false, false);
    case ChangeType::kChangePolicy:
      if (!change.subject.empty()) return invalid("a policy change has no subject");
      if (!change.policy) return invalid("a policy change needs the new policy");
      if (Status s = validate(*change.policy); !s) return s;
      return unused(false, false, false, false, true);
  }
  return invalid("unknown governance change type " +
                 std::to_string(static_cast<unsigned>(change.type)));
}

// -------------------------------------------------------------------- keys

namespace keys {

std::string number(std::uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof(buffer), "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

std::string participant(std::string_view id) { return "p/" + std::string(id); }
std::string proposal(std::string_view id) { return "gp/" + std::string(id); }

std::string nonce(std::string_view sender, std::uint64_t nonce) {
  return "n/" + std::string(sender) + "/" + number(nonce);
}

std::string nonce_expiry_prefix() { return "nx/"; }

std::string nonce_expiry(std::uint64_t expiry, std::string_view sender, std::uint64_t nonce) {
  return "nx/" + number(expiry) + "/" + std::string(sender) + "/" + number(nonce);
}

std::string attestation(const Digest& id) { return "a/" + to_hex(id); }

std::string subject_attestations_prefix(std::string_view subject) {
  return "as/" + std::string(subject) + "/";
}

std::string subject_attestation(std::string_view subject, const Digest& id) {
  return subject_attestations_prefix(subject) + to_hex(id);
}

std::string asset(std::string_view id) { return "asset/" + std::string(id); }
std::string source_review(const Digest& id) { return "sr/" + to_hex(id); }

std::string asset_history_prefix(std::string_view asset) {
  return "ah/" + std::string(asset) + "/";
}

std::string asset_history(std::string_view asset, std::uint64_t seq) {
  return asset_history_prefix(asset) + number(seq);
}

std::string trade(std::string_view id) { return "t/" + std::string(id); }

std::string trade_history_prefix(std::string_view trade) {
  return "th/" + std::string(trade) + "/";
}

std::string trade_history(std::string_view trade, std::uint64_t seq) {
  return trade_history_prefix(trade) + number(seq);
}

std::string participant_trades_prefix(std::string_view participant) {
  return "pt/" + std::string(participant) + "/";
}

std::string participant_trade(std::string_view participant, std::string_view trade) {
  return participant_trades_prefix(participant) + std::string(trade);
}

std::string asset_trades_prefix(std::string_view asset) {
  return "at/" + std::string(asset) + "/";
}

std::string asset_trade(std::string_view asset, std::string_view trade) {
  return asset_trades_prefix(asset) + std::string(trade);
}

std::string history(std::string_view record_key) { return "hc/" + std::string(record_key); }
std::string read_log(std::string_view participant) { return "rl/" + std::string(participant); }

}  // namespace keys

HistoryCommitment extend_history(crypto::HashAlgorithm algorithm,
                                 const HistoryCommitment& commitment, const Digest& tx_hash) {
  std::uint8_t buffer[1 + 2 * kDigestSize];
  buffer[0] = 0x02;
  std::memcpy(buffer + 1, commitment.head.data(), kDigestSize);
  std::memcpy(buffer + 1 + kDigestSize, tx_hash.data(), kDigestSize);
  return {commitment.count + 1, crypto::hash(algorithm, ByteView(buffer, sizeof(buffer)))};
}

}  // namespace tracechain::ledger

namespace tracechain::ledger {

HistoryCommitment history_of(crypto::HashAlgorithm algorithm, std::span<const Digest> tx_hashes) {
  HistoryCommitment commitment;
  for (const Digest& tx_hash : tx_hashes) commitment = extend_history(algorithm, commitment, tx_hash);
  return commitment;
}

Status check_history_complete(crypto::HashAlgorithm algorithm,
                              const HistoryCommitment& commitment,
                              std::span<const Digest> tx_hashes) {
  if (tx_hashes.size() != commitment.count) {
    const bool fewer = tx_hashes.size() < commitment.count;
    return Error(ErrorCode::kVerificationFailed,
                 std::to_string(tx_hashes.size()) + " entries, but the history commitment counts " +
                     std::to_string(commitment.count) + ": " +
                     std::to_string(fewer ? commitment.count - tx_hashes.size()
                                          : tx_hashes.size() - commitment.count) +
                     (fewer ? " missing" : " too many"));
  }
  HistoryCommitment found = history_of(algorithm, tx_hashes);
  if (found.head != commitment.head) {
    return Error(ErrorCode::kVerificationFailed,
                 "the entries chain to head " + to_hex(found.head) + ", not the committed " +
                     to_hex(commitment.head) +
                     ": an entry is another transaction, or out of order");
  }
  return {};
}

}  // namespace tracechain::ledger
