// The ledger's domain: participants and roles, policy, governance proposals,
// identity attestations, data assets and their source reviews, trades, and
// the trail entries that link every record to the transactions that touched
// it. These are the values kept in state (canonically encoded, each with a
// format version) and their keys. docs/ledger.md explains them for people.
//
// State keys (ids are identifiers, so they never contain '/'; numbers are 16
// lower-case hex digits so that byte order is numeric order):
//   chain                         ChainParams
//   policy                        Policy
//   validators                    ValidatorSet
//   p/<participant>               Participant
//   gp/<proposal>                 GovernanceProposal
//   n/<sender>/<nonce>            u64 expiry height (replay guard)
//   nx/<expiry>/<sender>/<nonce>  empty (replay guard pruning index)
//   a/<attestation id hex>        Attestation
//   as/<subject>/<attestation id hex>   empty (attestations of a participant)
//   asset/<asset>                 Asset
//   sr/<review id hex>            SourceReview
//   ah/<asset>/<seq>              TrailEntry (asset history)
//   t/<trade>                     Trade
//   th/<trade>/<seq>              TrailEntry (trade history)
//   pt/<participant>/<trade>      empty (trades of a participant)
//   at/<asset>/<trade>            empty (trades of an asset)
//
// Plain value types; the functions are pure.
#pragma once

#include <array>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ledger/receipt.h"
#include "ledger/validators.h"

namespace tracechain::ledger {

// ------------------------------------------------------------------- roles

enum class Role : std::uint16_t {
  kGovernor = 1 << 0,
  kOperator = 1 << 1,
  kAttestor = 1 << 2,
  kProvider = 1 << 3,
  kBuyer = 1 << 4,
  kReviewer = 1 << 5,
  kArbitrator = 1 << 6,
  kAuditor = 1 << 7,
  // Cosigns the chain's checkpoints (docs/oversight.md); never a validator.
  kWitness = 1 << 8,
  // A node's own identity: commits the node's read log (docs/oversight.md).
  kNode = 1 << 9,
};

using RoleSet = std::uint16_t;
inline constexpr RoleSet kAllRoles = 0x3ff;

inline constexpr RoleSet role_bit(Role role) { return static_cast<RoleSet>(role); }
inline constexpr bool has_role(RoleSet roles, Role role) { return (roles & role_bit(role)) != 0; }

std::string_view role_name(Role role);
Result<Role> parse_role(std::string_view name);
// "governor,operator" style, in bit order.
std::string roles_to_string(RoleSet roles);
std::vector<Role> all_roles();

// ----------------------------------------------------------- chain, policy

// Format version 1 is a chain whose headers commit to a hash chain of state
// deltas (header format 1); version 2, the same fields, a chain whose headers
// commit to the state tree (ledger/state_tree.h, header format 2).
struct ChainParams {
  static constexpr std::string_view kTypeName = "chain parameters";
  static constexpr std::uint8_t kFormatVersion = 1;
  static constexpr std::uint8_t kStateTreeFormatVersion = 2;

  ChainId chain_id;
  crypto::Suite suite = crypto::kDefaultSuite;
  Digest genesis_hash{};
  bool state_tree = false;

  template <class Archive>
  void save(Archive& ar) const {
    const std::uint8_t version = state_tree ? kStateTreeFormatVersion : kFormatVersion;
    ar(version, chain_id, suite, genesis_hash);
  }

  template <class Archive>
  void load(Archive& ar) {
    state_tree = load_state_tree_version(ar, kTypeName);
    ar(chain_id, suite, genesis_hash);
  }

  crypto::HashAlgorithm hash_algorithm() const { return crypto::suite_hash(suite); }
  bool operator==(const ChainParams&) const = default;
};
Status validate(const ChainParams& params);

inline constexpr std::uint8_t kMinLevel = 1;  // L1 public
inline constexpr std::uint8_t kMaxLevel = 4;  // L4 core

// What policy says about one classification level.
struct LevelRule {
  bool tradable = false;
  std::uint8_t required_reviews = 1;     // distinct reviewer approvals for a trade
  bool cross_border_assessment = false;  // approvals of cross-border trades need one

  // Identity rules (policy format version 2; at these defaults, version 1).
  // The claim types an approving review may rely on for either party,
  // sorted and distinct; empty accepts any claim.
  std::vector<std::string> accepted_claims;
  // Roles of which the attestor of a relied-on attestation must hold at least
  // one, and be active, when the review is recorded; 0 accepts any attestor.
  RoleSet attestor_roles = 0;
  // Whether delivery and settlement are refused once an attestation an
  // approval relied on has been revoked or has expired.
  bool identity_until_settlement = false;

  bool has_identity_rules() const {
    return !accepted_claims.empty() || attestor_roles != 0 || identity_until_settlement;
  }
  bool accepts_claim(std::string_view claim) const;
  bool operator==(const LevelRule&) const = default;
};

inline constexpr std::size_t kMaxAcceptedClaims = 16;

// A level rule without identity rules.
inline LevelRule level_rule(bool tradable, std::uint8_t required_reviews,
                            bool cross_border_assessment) {
  LevelRule rule;
  rule.tradable = tradable;
  rule.required_reviews = required_reviews;
  rule.cross_border_assessment = cross_border_assessment;
  return rule;
}

// Format version 1 carries each level's first three fields; version 2, used
// exactly when some level has identity rules, adds them. A version 2
// encoding without identity rules is refused, so a policy has one encoding.
// A witness the chain expects to cosign its checkpoints (docs/oversight.md):
// a participant with the witness role, and the Ed25519 key and name it
// cosigns with (c2sp.org/tlog-cosignature), which need not be its
// participant key: existing witness software keeps its own key.
struct PolicyWitness {
  ParticipantId participant;
  std::string name;  // the cosignature lines' key name
  Bytes key;         // 32-byte Ed25519 public key

  template <class Archive>
  void serialize(Archive& ar) {
    ar(participant, name, key);
  }
  bool operator==(const PolicyWitness&) const = default;
};

inline constexpr std::size_t kMaxPolicyWitnesses = 16;

struct Policy {
  static constexpr std::string_view kTypeName = "policy";
  static constexpr std::uint8_t kFormatVersion = 1;
  static constexpr std::uint8_t kIdentityFormatVersion = 2;
  // Version 2's fields and the witnesses; written only when some are named.
  static constexpr std::uint8_t kWitnessFormatVersion = 3;

  std::uint8_t governance_threshold = 1;  // M of the active governors
  std::uint64_t max_transaction_lifetime = 1000;  // blocks between inclusion and expiry
  std::uint64_t max_proposal_lifetime = 10000;    // blocks a governance proposal stays open
  std::array<LevelRule, kMaxLevel> levels{};      // L1 .. L4
  std::vector<PolicyWitness> witnesses;           // sorted by participant

  bool has_identity_rules() const {
    for (const LevelRule& rule : levels) {
      if (rule.has_identity_rules()) return true;
    }
    return false;
  }

  template <class Archive>
  void save(Archive& ar) const {
    const std::uint8_t version = !witnesses.empty()    ? kWitnessFormatVersion
                                 : has_identity_rules() ? kIdentityFormatVersion
                                                        : kFormatVersion;
    ar(version, governance_threshold, max_transaction_lifetime, max_proposal_lifetime);
    for (const LevelRule& rule : levels) {
      ar(rule.tradable, rule.required_reviews, rule.cross_border_assessment);
      if (version >= kIdentityFormatVersion) {
        ar(rule.accepted_claims, rule.attestor_roles, rule.identity_until_settlement);
      }
    }
    if (version == kWitnessFormatVersion) ar(witnesses);
  }

  template <class Archive>
  void load(Archive& ar) {
    std::uint8_t version = 0;
    ar(version);
    if (version != kFormatVersion && version != kIdentityFormatVersion &&
        version != kWitnessFormatVersion) {
      throw DecodeError("policy format version " + std::to_string(version) +
                        " is not supported (this build reads versions 1 to 3)");
    }
    ar(governance_threshold, max_transaction_lifetime, max_proposal_lifetime);
    for (LevelRule& rule : levels) {
      ar(rule.tradable, rule.required_reviews, rule.cross_border_assessment);
      if (version >= kIdentityFormatVersion) {
        ar(rule.accepted_claims, rule.attestor_roles, rule.identity_until_settlement);
      }
    }
    if (version == kWitnessFormatVersion) {
      ar(witnesses);
      if (witnesses.empty()) {
        throw DecodeError(
            "policy format version 3 without witnesses (such a policy is written as version 1 "
            "or 2)");
      }
      return;
    }
    if (version == kIdentityFormatVersion && !has_identity_rules()) {
      throw DecodeError(
          "policy format version 2 without identity rules (such a policy is written as version 1)");
    }
  }

  const LevelRule& level(std::uint8_t level) const { return levels.at(level - 1); }
  bool operator==(const Policy&) const = default;
};
Status validate(const Policy& policy);

// ------------------------------------------------------------ participants

enum class ParticipantStatus : std::uint8_t {
  kActive = 1,
  kSuspended = 2,
};

// A participant key and the height from which it signs; the last entry is
// the current key. Earlier keys stay for auditors verifying old signatures.
struct KeyEpoch {
  std::uint64_t from_height = 0;
  Bytes public_key;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(from_height, public_key);
  }

  bool operator==(const KeyEpoch&) const = default;
};

struct Participant {
  static constexpr std::string_view kTypeName = "participant";
  static constexpr std::uint8_t kFormatVersion = 1;

  ParticipantId id;
  RoleSet roles = 0;
  std::string jurisdiction;  // ISO 3166-1 alpha-2, lower case ("cn", "sg")
  ParticipantStatus status = ParticipantStatus::kActive;
  std::uint64_t admitted_height = 0;
  std::vector<KeyEpoch> keys;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, id, roles, jurisdiction, status, admitted_height, keys);
  }

  const Bytes& current_key() const { return keys.back().public_key; }
  // The key that signs at `height`, or nullptr before admission. A rotation
  // recorded in block h takes effect at h + 1.
  const Bytes* key_at(std::uint64_t height) const;
  bool active() const { return status == ParticipantStatus::kActive; }
  bool operator==(const Participant&) const = default;
};
Status validate(const Participant& participant);
Status validate_jurisdiction(std::string_view jurisdiction);

// -------------------------------------------------------------- governance

enum class ChangeType : std::uint8_t {
  kAdmitParticipant = 1,
  kGrantRoles = 2,
  kRevokeRoles = 3,
  kSuspendParticipant = 4,
  kReinstateParticipant = 5,
  kAddValidator = 6,
  kRemoveValidator = 7,
  kChangePolicy = 8,
};

std::string_view change_type_name(ChangeType type);
Result<ChangeType> parse_change_type(std::string_view name);

// A governance change. Fields a change type does not use must be empty, so
// every change has exactly one encoding.
struct Change {
  ChangeType type = ChangeType::kAdmitParticipant;
  ParticipantId subject;  // participant or validator id
  Bytes public_key;       // admit, add validator
  RoleSet roles = 0;      // admit, grant, revoke
  std::string jurisdiction;  // admit
  std::uint64_t power = 0;   // add validator
  std::optional<Policy> policy;  // change policy

  template <class Archive>
  void serialize(Archive& ar) {
    ar(type, subject, public_key, roles, jurisdiction, power, policy);
  }

  bool operator==(const Change&) const = default;
};
// Field shape only (which fields are set, value ranges); checks against
// state happen when the change is proposed and when it applies.
Status validate(const Change& change, crypto::Suite suite);

enum class ProposalStatus : std::uint8_t {
  kOpen = 1,
  kApplied = 2,
};

struct Approval {
  ParticipantId governor;
  Digest tx_hash{};
  std::uint64_t height = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(governor, tx_hash, height);
  }

  bool operator==(const Approval&) const = default;
};

struct GovernanceProposal {
  static constexpr std::string_view kTypeName = "governance proposal";
  static constexpr std::uint8_t kFormatVersion = 1;

  ProposalId id;
  ParticipantId proposer;
  Change change;
  std::uint64_t expiry_height = 0;
  std::uint64_t proposed_height = 0;
  std::vector<Approval> approvals;  // distinct governors, in order; the proposer first
  ProposalStatus status = ProposalStatus::kOpen;
  std::uint64_t applied_height = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, id, proposer, change, expiry_height, proposed_height, approvals, status,
       applied_height);
  }

  bool operator==(const GovernanceProposal&) const = default;
};
inline Status validate(const GovernanceProposal&) { return {}; }

// ---------------------------------------------------------------- identity

struct Attestation {
  static constexpr std::string_view kTypeName = "attestation";
  static constexpr std::uint8_t kFormatVersion = 1;

  Digest id{};  // hash of the attesting transaction
  ParticipantId attestor;
  ParticipantId subject;
  std::string claim_type;  // identifier, e.g. "legal-entity"
  Digest evidence_hash{};  // a salted hash of the evidence; never the evidence
  std::uint64_t valid_from_ms = 0;
  std::uint64_t valid_until_ms = 0;
  std::uint64_t height = 0;
  std::optional<std::uint64_t> revoked_height;
  std::optional<Digest> revocation_tx;
  Digest revocation_reason_hash{};

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, id, attestor, subject, claim_type, evidence_hash, valid_from_ms, valid_until_ms,
       height, revoked_height, revocation_tx, revocation_reason_hash);
  }

  bool operator==(const Attestation&) const = default;
};
inline Status validate(const Attestation&) { return {}; }

// ------------------------------------------------------------------ assets

enum class SourceVerdict : std::uint8_t {
  kApprove = 1,
  kApproveWithConditions = 2,
  kReject = 3,
};
std::string_view source_verdict_name(SourceVerdict verdict);
Result<SourceVerdict> parse_source_verdict(std::string_view name);

struct Asset {
  static constexpr std::string_view kTypeName = "asset";
  static constexpr std::uint8_t kFormatVersion = 1;

  AssetId id;
  ParticipantId provider;
  Digest content_hash{};
  Digest metadata_hash{};
  std::uint8_t level = kMinLevel;
  Digest source_declaration_hash{};
  Digest licence_terms_hash{};
  std::uint64_t registered_height = 0;
  Digest registration_tx{};
  std::optional<Digest> latest_review;  // id of the latest source review
  std::optional<SourceVerdict> latest_verdict;
  std::uint32_t history_count = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, id, provider, content_hash, metadata_hash, level, source_declaration_hash,
       licence_terms_hash, registered_height, registration_tx, latest_review, latest_verdict,
       history_count);
  }

  bool operator==(const Asset&) const = default;
};
inline Status validate(const Asset&) { return {}; }

struct SourceReview {
  static constexpr std::string_view kTypeName = "source review";
  static constexpr std::uint8_t kFormatVersion = 1;

  Digest id{};  // hash of the reviewing transaction
  AssetId asset;
  ParticipantId reviewer;
  SourceVerdict verdict = SourceVerdict::kApprove;
  Digest report_hash{};
  std::string rule_set_version;
  std::uint64_t height = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, id, asset, reviewer, verdict, report_hash, rule_set_version, height);
  }

  bool operator==(const SourceReview&) const = default;
};
inline Status validate(const SourceReview&) { return {}; }

// ------------------------------------------------------------------ trades

enum class TradeState : std::uint8_t {
  kRequested = 1,
  kAgreed = 2,
  kApproved = 3,
  kRejected = 4,
  kDelivered = 5,
  kAccepted = 6,
  kSettled = 7,
  kDisputed = 8,
  kResolved = 9,
  kCancelled = 10,
  kDeclined = 11,
};
std::string_view trade_state_name(TradeState state);
Result<TradeState> parse_trade_state(std::string_view name);

enum class TradeVerdict : std::uint8_t {
  kApprove = 1,
  kReject = 2,
};
std::string_view trade_verdict_name(TradeVerdict verdict);
Result<TradeVerdict> parse_trade_verdict(std::string_view name);

enum class DeliveryMethod : std::uint8_t {
  kDownload = 1,
  kApi = 2,
  kComputeInPlace = 3,  // the buyer receives a computed result, not the data
};
std::string_view delivery_method_name(DeliveryMethod method);
Result<DeliveryMethod> parse_delivery_method(std::string_view name);

enum class DisputeOutcome : std::uint8_t {
  kForBuyer = 1,
  kForProvider = 2,
  kSplit = 3,
};
std::string_view dispute_outcome_name(DisputeOutcome outcome);
Result<DisputeOutcome> parse_dispute_outcome(std::string_view name);

// One reviewer's review of a trade, with exactly what it relied on.
struct TradeReviewRecord {
  ParticipantId reviewer;
  TradeVerdict verdict = TradeVerdict::kApprove;
  std::optional<Digest> buyer_attestation;
  std::optional<Digest> provider_attestation;
  std::optional<Digest> source_review;
  Digest report_hash{};
  std::optional<Digest> security_assessment_hash;
  std::uint64_t height = 0;
  Digest tx_hash{};

  template <class Archive>
  void serialize(Archive& ar) {
    ar(reviewer, verdict, buyer_attestation, provider_attestation, source_review, report_hash,
       security_assessment_hash, height, tx_hash);
  }

  bool operator==(const TradeReviewRecord&) const = default;
};

struct Delivery {
  Digest delivery_hash{};
  DeliveryMethod method = DeliveryMethod::kDownload;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(delivery_hash, method);
  }

  bool operator==(const Delivery&) const = default;
};

struct Settlement {
  Digest payment_reference_hash{};
  std::uint64_t amount = 0;  // in the currency's minor unit (e.g. fen, cents)
  std::string currency;      // ISO 4217, upper case

  template <class Archive>
  void serialize(Archive& ar) {
    ar(payment_reference_hash, amount, currency);
  }

  bool operator==(const Settlement&) const = default;
};

struct Dispute {
  ParticipantId opened_by;
  Digest reason_hash{};
  std::optional<Digest> ruling_hash;
  std::optional<DisputeOutcome> outcome;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(opened_by, reason_hash, ruling_hash, outcome);
  }

  bool operator==(const Dispute&) const = default;
};

struct Trade {
  static constexpr std::string_view kTypeName = "trade";
  static constexpr std::uint8_t kFormatVersion = 1;

  TradeId id;
  AssetId asset;
  ParticipantId buyer;
  ParticipantId provider;
  TradeState state = TradeState::kRequested;
  Digest terms_hash{};
  bool cross_border = false;
  std::uint64_t created_height = 0;
  std::vector<TradeReviewRecord> reviews;
  std::optional<Delivery> delivery;
  std::uint64_t usage_units = 0;
  std::optional<Settlement> settlement;
  std::optional<Dispute> dispute;
  std::uint32_t history_count = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, id, asset, buyer, provider, state, terms_hash, cross_border, created_height,
       reviews, delivery, usage_units, settlement, dispute, history_count);
  }

  bool operator==(const Trade&) const = default;
};
inline Status validate(const Trade&) { return {}; }

// A transaction's mark on a record's history: which transaction, where it is,
// and how it ended.
struct TrailEntry {
  static constexpr std::string_view kTypeName = "trail entry";
  static constexpr std::uint8_t kFormatVersion = 1;

  Digest tx_hash{};
  std::uint64_t height = 0;
  std::uint32_t index = 0;
  TxKind kind{};
  ParticipantId sender;
  TxStatus status = TxStatus::kOk;
  Reason reason = Reason::kNone;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, tx_hash, height, index, kind, sender, status, reason);
  }

  bool operator==(const TrailEntry&) const = default;
};
inline Status validate(const TrailEntry&) { return {}; }

// The commitment to a record's whole history, on a chain that commits to the
// state tree: how many transactions touched the record and the head of a hash
// chain over their hashes, in order,
//   head(0) = 0^32,  head(n) = H(0x02 || head(n-1) || tx hash n)
// A history answer proven complete at height H is one whose transactions
// give this count and head (docs/audit.md). Kept under keys::history(record
// key) for trades and assets (every transaction on their trail) and for
// participants (the trade.create of each trade they are a party to).
struct HistoryCommitment {
  static constexpr std::string_view kTypeName = "history commitment";
  static constexpr std::uint8_t kFormatVersion = 1;

  std::uint64_t count = 0;
  Digest head{};

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, count, head);
  }

  bool operator==(const HistoryCommitment&) const = default;
};
inline Status validate(const HistoryCommitment&) { return {}; }

// The commitment after one more transaction.
HistoryCommitment extend_history(crypto::HashAlgorithm algorithm,
                                 const HistoryCommitment& commitment, const Digest& tx_hash);

// The commitment a history of these transactions (in order) comes to.
HistoryCommitment history_of(crypto::HashAlgorithm algorithm, std::span<const Digest> tx_hashes);

// Whether `tx_hashes`, in order, are the whole history `commitment` commits
// to: kVerificationFailed saying how they differ (entries missing or added,
// or the same number but another order or another transaction).
Status check_history_complete(crypto::HashAlgorithm algorithm,
                              const HistoryCommitment& commitment,
                              std::span<const Digest> tx_hashes);

// ------------------------------------------------------------ read logs

// The latest read-log checkpoint a node committed (access.checkpoint), kept
// under keys::read_log(sender): the next one must extend it.
struct ReadLogCheckpoint {
  static constexpr std::string_view kTypeName = "read-log checkpoint";
  static constexpr std::uint8_t kFormatVersion = 1;

  ParticipantId node;
  std::uint64_t size = 0;
  Digest root{};
  std::uint64_t height = 0;
  Digest tx_hash{};

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, node, size, root, height, tx_hash);
  }

  bool operator==(const ReadLogCheckpoint&) const = default;
};
inline Status validate(const ReadLogCheckpoint&) { return {}; }

// --------------------------------------------------------------- state keys

namespace keys {

inline constexpr std::string_view kChain = "chain";
inline constexpr std::string_view kPolicy = "policy";
inline constexpr std::string_view kValidators = "validators";

std::string number(std::uint64_t value);  // 16 lower-case hex digits
std::string participant(std::string_view id);
std::string proposal(std::string_view id);
std::string nonce(std::string_view sender, std::uint64_t nonce);
std::string nonce_expiry_prefix();
std::string nonce_expiry(std::uint64_t expiry, std::string_view sender, std::uint64_t nonce);
std::string attestation(const Digest& id);
std::string subject_attestations_prefix(std::string_view subject);
std::string subject_attestation(std::string_view subject, const Digest& id);
std::string asset(std::string_view id);
std::string source_review(const Digest& id);
std::string asset_history_prefix(std::string_view asset);
std::string asset_history(std::string_view asset, std::uint64_t seq);
std::string trade(std::string_view id);
std::string trade_history_prefix(std::string_view trade);
std::string trade_history(std::string_view trade, std::uint64_t seq);
std::string participant_trades_prefix(std::string_view participant);
std::string participant_trade(std::string_view participant, std::string_view trade);
std::string asset_trades_prefix(std::string_view asset);
std::string asset_trade(std::string_view asset, std::string_view trade);
// The history commitment of the record at `record_key` ("hc/t/<trade>",
// "hc/asset/<asset>", "hc/p/<participant>").
std::string history(std::string_view record_key);
// The latest read-log checkpoint of a node's participant ("rl/<participant>").
std::string read_log(std::string_view participant);

}  // namespace keys

}  // namespace tracechain::ledger
