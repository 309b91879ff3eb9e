// The payload of each transaction kind: one type per kind, each declaring
// what the rest of the system needs to know about its kind:
//   kKind     its TxKind
//   kName     its name, "trade.accept" (tx_kind_name, docs, the JSON shapes)
//   kRoles    the roles that may send it (authenticate)
//   kSubject  what it is about (access rules and trails)
//   fields()  its fields in encoding order, each with its JSON name, its
//             tracectl option and a line of help: the encoding, the JSON
//             shapes, tracectl's builder and its options all walk this.
// PayloadTypes lists every type; decoding, names, role checks and kind
// matching are generated from it, and a static_assert in payloads.cc fails
// when a TxKind has no type. docs/architecture.md lists the files a new kind
// touches.
//
// Encoding: each payload starts with its own u8 format version (1), then its
// fields in fields() order (docs/encoding.md, docs/ledger.md describe them).
// Plain value types; the functions are pure.
#pragma once

#include <type_traits>
#include <variant>

#include "ledger/model.h"

namespace tracechain::ledger {

// What a transaction is about, for the RPC's access rules and for trails.
enum class Subject : std::uint8_t {
  kProposal,     // a governance proposal: governors read it
  kAttestation,  // an attestation, read as its subject's attestations are
  kSigner,       // the sender's own record (a key rotation)
  kAsset,        // a data asset, named by `asset_id`
  kTrade,        // a trade, named by `trade_id`
};

// How tracectl reads a field when its type alone does not say.
enum class FieldInput : std::uint8_t {
  kPlain,    // by type: text, a number, a name, a digest (hex or @FILE)
  kTime,     // Unix milliseconds or a UTC date
  kKeyFile,  // a private key file whose public key is the value
  kLevel,    // a classification level, kMinLevel to kMaxLevel
};

// One field of a payload, as the JSON shapes and tracectl's options name it.
struct Field {
  std::string_view json;    // camelCase name in RPC answers
  std::string_view option;  // tracectl option, without "--"
  std::string_view help;
  FieldInput input = FieldInput::kPlain;
};

inline constexpr Field kTradeIdField{"tradeId", "trade", "Trade id"};

// Declares a payload type's kind, names, roles and subject, and derives its
// encoding and equality from fields().
#define TC_PAYLOAD(Type, kind, name, roles, subject)                          \
  static constexpr TxKind kKind = kind;                                       \
  static constexpr std::string_view kName = name;                             \
  static constexpr std::string_view kTypeName = name " payload";              \
  static constexpr std::uint8_t kFormatVersion = 1;                           \
  static constexpr RoleSet kRoles = roles;                                    \
  static constexpr Subject kSubject = subject;                                \
  template <class Archive>                                                    \
  void serialize(Archive& ar) {                                               \
    FormatVersion version{kFormatVersion, kTypeName.data()};                  \
    ar(version);                                                              \
    fields(*this, [&ar](const Field&, auto& value) { ar(value); });          \
  }                                                                           \
  bool operator==(const Type&) const = default;

struct ProposePayload {
  TC_PAYLOAD(ProposePayload, TxKind::kGovernancePropose, "governance.propose",
             role_bit(Role::kGovernor), Subject::kProposal)
  ProposalId proposal_id;
  Change change;
  std::uint64_t expiry_height = 0;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(Field{"proposalId", "proposal", "Proposal id (new, unique)"}, p.proposal_id);
    visit(Field{"change", "change", "The change proposed"}, p.change);
    visit(Field{"expiryHeight", "proposal-expiry",
                "Height after which the proposal lapses unapproved"},
          p.expiry_height);
  }
};

struct ApprovePayload {
  TC_PAYLOAD(ApprovePayload, TxKind::kGovernanceApprove, "governance.approve",
             role_bit(Role::kGovernor), Subject::kProposal)
  ProposalId proposal_id;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(Field{"proposalId", "proposal", "Proposal id"}, p.proposal_id);
  }
};

struct AttestPayload {
  TC_PAYLOAD(AttestPayload, TxKind::kIdentityAttest, "identity.attest", role_bit(Role::kAttestor),
             Subject::kAttestation)
  ParticipantId subject;
  std::string claim_type;
  Digest evidence_hash{};
  std::uint64_t valid_from_ms = 0;
  std::uint64_t valid_until_ms = 0;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(Field{"subject", "subject", "Participant the claim is about"}, p.subject);
    visit(Field{"claimType", "claim", "Claim type, e.g. legal-entity"}, p.claim_type);
    visit(Field{"evidenceHash", "evidence",
                "Salted hash of the evidence, never the evidence itself"},
          p.evidence_hash);
    visit(Field{"validFromMs", "valid-from",
                "Start of validity: Unix ms or 2026-01-01[T00:00:00Z]", FieldInput::kTime},
          p.valid_from_ms);
    visit(Field{"validUntilMs", "valid-until", "End of validity, same forms", FieldInput::kTime},
          p.valid_until_ms);
  }
};

struct RevokePayload {
  TC_PAYLOAD(RevokePayload, TxKind::kIdentityRevoke, "identity.revoke", role_bit(Role::kAttestor),
             Subject::kAttestation)
  Digest attestation_id{};
  Digest reason_hash{};
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(Field{"attestationId", "attestation", "Attestation id (the attest transaction's hash)"},
          p.attestation_id);
    visit(Field{"reasonHash", "reason", "Hash of the reason document"}, p.reason_hash);
  }
};

struct RotateKeyPayload {
  TC_PAYLOAD(RotateKeyPayload, TxKind::kIdentityRotateKey, "identity.rotate-key", kAllRoles,
             Subject::kSigner)
  Bytes new_public_key;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(Field{"newPublicKey", "new-key",
                "The new private key file (its public key goes on chain)", FieldInput::kKeyFile},
          p.new_public_key);
  }
};

struct AssetRegisterPayload {
  TC_PAYLOAD(AssetRegisterPayload, TxKind::kAssetRegister, "asset.register",
             role_bit(Role::kProvider), Subject::kAsset)
  AssetId asset_id;
  Digest content_hash{};
  Digest metadata_hash{};
  std::uint8_t level = kMinLevel;
  Digest source_declaration_hash{};
  Digest licence_terms_hash{};
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(Field{"assetId", "asset", "Asset id (new, unique)"}, p.asset_id);
    visit(Field{"contentHash", "content", "Content hash"}, p.content_hash);
    visit(Field{"metadataHash", "metadata", "Metadata hash"}, p.metadata_hash);
    visit(Field{"level", "level", "Classification level: 1 public … 4 core", FieldInput::kLevel},
          p.level);
    visit(Field{"sourceDeclarationHash", "source-declaration",
                "Hash of the data-source declaration"},
          p.source_declaration_hash);
    visit(Field{"licenceTermsHash", "licence", "Hash of the licence terms"}, p.licence_terms_hash);
  }
};

struct AssetReviewPayload {
  TC_PAYLOAD(AssetReviewPayload, TxKind::kAssetReview, "asset.review", role_bit(Role::kReviewer),
             Subject::kAsset)
  AssetId asset_id;
  SourceVerdict verdict = SourceVerdict::kApprove;
  Digest report_hash{};
  std::string rule_set_version;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(Field{"assetId", "asset", "Asset id"}, p.asset_id);
    visit(Field{"verdict", "verdict", "approve, approve-with-conditions or reject"}, p.verdict);
    visit(Field{"reportHash", "report", "Hash of the review report"}, p.report_hash);
    visit(Field{"ruleSetVersion", "rules", "Rule-set version applied, e.g. 2026.1"},
          p.rule_set_version);
  }
};

struct TradeCreatePayload {
  TC_PAYLOAD(TradeCreatePayload, TxKind::kTradeCreate, "trade.create", role_bit(Role::kBuyer),
             Subject::kTrade)
  TradeId trade_id;
  AssetId asset_id;
  Digest terms_hash{};
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(Field{"tradeId", "trade", "Trade id (new, unique)"}, p.trade_id);
    visit(Field{"assetId", "asset", "Asset id"}, p.asset_id);
    visit(Field{"termsHash", "terms", "Hash of the terms"}, p.terms_hash);
  }
};

struct TradeAcceptPayload {
  TC_PAYLOAD(TradeAcceptPayload, TxKind::kTradeAccept, "trade.accept", role_bit(Role::kProvider),
             Subject::kTrade)
  TradeId trade_id;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(kTradeIdField, p.trade_id);
  }
};

struct TradeDeclinePayload {
  TC_PAYLOAD(TradeDeclinePayload, TxKind::kTradeDecline, "trade.decline",
             role_bit(Role::kProvider), Subject::kTrade)
  TradeId trade_id;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(kTradeIdField, p.trade_id);
  }
};

struct TradeReviewPayload {
  TC_PAYLOAD(TradeReviewPayload, TxKind::kTradeReview, "trade.review", role_bit(Role::kReviewer),
             Subject::kTrade)
  TradeId trade_id;
  TradeVerdict verdict = TradeVerdict::kApprove;
  std::optional<Digest> buyer_attestation;
  std::optional<Digest> provider_attestation;
  std::optional<Digest> source_review;
  Digest report_hash{};
  std::optional<Digest> security_assessment_hash;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(kTradeIdField, p.trade_id);
    visit(Field{"verdict", "verdict", "approve or reject"}, p.verdict);
    visit(Field{"buyerAttestation", "buyer-attestation", "Attestation id of the buyer relied on"},
          p.buyer_attestation);
    visit(Field{"providerAttestation", "provider-attestation",
                "Attestation id of the provider relied on"},
          p.provider_attestation);
    visit(Field{"sourceReview", "source-review", "Source review id of the asset relied on"},
          p.source_review);
    visit(Field{"reportHash", "report", "Hash of the review report"}, p.report_hash);
    visit(Field{"securityAssessmentHash", "security-assessment",
                "Hash of the security assessment (cross-border)"},
          p.security_assessment_hash);
  }
};

struct TradeDeliverPayload {
  TC_PAYLOAD(TradeDeliverPayload, TxKind::kTradeDeliver, "trade.deliver",
             role_bit(Role::kProvider), Subject::kTrade)
  TradeId trade_id;
  Digest delivery_hash{};
  DeliveryMethod method = DeliveryMethod::kDownload;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(kTradeIdField, p.trade_id);
    visit(Field{"deliveryHash", "delivery", "Hash of the delivery manifest"}, p.delivery_hash);
    visit(Field{"method", "method", "download, api or compute-in-place"}, p.method);
  }
};

struct TradeConfirmPayload {
  TC_PAYLOAD(TradeConfirmPayload, TxKind::kTradeConfirm, "trade.confirm", role_bit(Role::kBuyer),
             Subject::kTrade)
  TradeId trade_id;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(kTradeIdField, p.trade_id);
  }
};

struct TradeUsagePayload {
  TC_PAYLOAD(TradeUsagePayload, TxKind::kTradeRecordUsage, "trade.record-usage",
             role_bit(Role::kBuyer), Subject::kTrade)
  TradeId trade_id;
  Digest usage_report_hash{};
  std::uint64_t units = 0;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(kTradeIdField, p.trade_id);
    visit(Field{"usageReportHash", "report", "Hash of the usage report"}, p.usage_report_hash);
    visit(Field{"units", "units", "Units used"}, p.units);
  }
};

struct TradeSettlePayload {
  TC_PAYLOAD(TradeSettlePayload, TxKind::kTradeSettle, "trade.settle", role_bit(Role::kOperator),
             Subject::kTrade)
  TradeId trade_id;
  Digest payment_reference_hash{};
  std::uint64_t amount = 0;
  std::string currency;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(kTradeIdField, p.trade_id);
    visit(Field{"paymentReferenceHash", "payment-reference", "Hash of the payment reference"},
          p.payment_reference_hash);
    visit(Field{"amount", "amount", "Amount in the currency's minor unit"}, p.amount);
    visit(Field{"currency", "currency", "ISO 4217 code, e.g. CNY"}, p.currency);
  }
};

struct TradeOpenDisputePayload {
  TC_PAYLOAD(TradeOpenDisputePayload, TxKind::kTradeOpenDispute, "trade.open-dispute",
             role_bit(Role::kBuyer) | role_bit(Role::kProvider), Subject::kTrade)
  TradeId trade_id;
  Digest reason_hash{};
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(kTradeIdField, p.trade_id);
    visit(Field{"reasonHash", "reason", "Hash of the complaint"}, p.reason_hash);
  }
};

struct TradeResolvePayload {
  TC_PAYLOAD(TradeResolvePayload, TxKind::kTradeResolveDispute, "trade.resolve-dispute",
             role_bit(Role::kArbitrator), Subject::kTrade)
  TradeId trade_id;
  Digest ruling_hash{};
  DisputeOutcome outcome = DisputeOutcome::kSplit;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(kTradeIdField, p.trade_id);
    visit(Field{"rulingHash", "ruling", "Hash of the ruling"}, p.ruling_hash);
    visit(Field{"outcome", "outcome", "for-buyer, for-provider or split"}, p.outcome);
  }
};

struct TradeCancelPayload {
  TC_PAYLOAD(TradeCancelPayload, TxKind::kTradeCancel, "trade.cancel",
             role_bit(Role::kBuyer) | role_bit(Role::kProvider), Subject::kTrade)
  TradeId trade_id;
  Digest reason_hash{};
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(kTradeIdField, p.trade_id);
    visit(Field{"reasonHash", "reason", "Hash of the reason"}, p.reason_hash);
  }
};

// A node's read-log checkpoint (docs/oversight.md): the size and root of the
// RFC 9162 log of the reads the sending node's RPC served, and the proof that
// it extends the sender's previous checkpoint, which execution checks.
struct AccessCheckpointPayload {
  TC_PAYLOAD(AccessCheckpointPayload, TxKind::kAccessCheckpoint, "access.checkpoint",
             role_bit(Role::kNode), Subject::kSigner)
  std::uint64_t size = 0;
  Digest root{};
  std::vector<Digest> consistency;
  template <class Self, class Visit>
  static void fields(Self& p, Visit&& visit) {
    visit(Field{"size", "size", "Entries in the node's read log"}, p.size);
    visit(Field{"root", "root", "Root of the read log at that size"}, p.root);
    visit(Field{"consistency", "consistency",
                "Consistency proof from the sender's previous checkpoint (comma-separated "
                "hashes; none for the first)"},
          p.consistency);
  }
};

// The most hashes a consistency proof of a log of up to 2^63 entries holds.
inline constexpr std::size_t kMaxConsistencyProof = 128;

#undef TC_PAYLOAD

// Every payload type. Adding a kind: its TxKind in transaction.h, its type
// above and here, validate() and its handler.
using Payload =
    std::variant<ProposePayload, ApprovePayload, AttestPayload, RevokePayload, RotateKeyPayload,
                 AssetRegisterPayload, AssetReviewPayload, TradeCreatePayload, TradeAcceptPayload,
                 TradeDeclinePayload, TradeReviewPayload, TradeDeliverPayload, TradeConfirmPayload,
                 TradeUsagePayload, TradeSettlePayload, TradeOpenDisputePayload,
                 TradeResolvePayload, TradeCancelPayload, AccessCheckpointPayload>;

// Calls f(std::type_identity<P>{}) with the payload type of `kind` and
// returns true; false (f not called) when no type declares `kind`.
template <class F>
bool with_payload_type(TxKind kind, F&& f) {
  return [&]<class... P>(std::type_identity<std::variant<P...>>) {
    return ((P::kKind == kind ? (f(std::type_identity<P>{}), true) : false) || ...);
  }(std::type_identity<Payload>{});
}

// Calls f(std::type_identity<P>{}) for every payload type, in order.
template <class F>
void for_each_payload_type(F&& f) {
  [&]<class... P>(std::type_identity<std::variant<P...>>) {
    (f(std::type_identity<P>{}), ...);
  }(std::type_identity<Payload>{});
}

// Field shape and ranges; decode() applies it. Suite-dependent fields (the
// change's and the rotation's public keys) are checked by decode_payload.
Status validate(const ProposePayload& p);
Status validate(const ApprovePayload& p);
Status validate(const AttestPayload& p);
Status validate(const RevokePayload& p);
Status validate(const RotateKeyPayload& p);
Status validate(const AssetRegisterPayload& p);
Status validate(const AssetReviewPayload& p);
Status validate(const TradeCreatePayload& p);
Status validate(const TradeAcceptPayload& p);
Status validate(const TradeDeclinePayload& p);
Status validate(const TradeReviewPayload& p);
Status validate(const TradeDeliverPayload& p);
Status validate(const TradeConfirmPayload& p);
Status validate(const TradeUsagePayload& p);
Status validate(const TradeSettlePayload& p);
Status validate(const TradeOpenDisputePayload& p);
Status validate(const TradeResolvePayload& p);
Status validate(const TradeCancelPayload& p);
Status validate(const AccessCheckpointPayload& p);

// Parses and validates the payload of `kind`. Suite-dependent fields (public
// keys) are checked against `suite`.
Result<Payload> decode_payload(TxKind kind, ByteView bytes, crypto::Suite suite);

// Whether `payload` is the type `kind` carries.
bool payload_matches_kind(const Payload& payload, TxKind kind);

// The kind a payload belongs to.
TxKind kind_of(const Payload& payload);

// The roles that may send `kind`; none for an unknown kind.
RoleSet roles_allowed(TxKind kind);

// The trade a payload is about (Subject::kTrade), if any.
std::optional<std::string_view> payload_trade_id(const Payload& payload);

// The asset a payload is about (Subject::kAsset), if any.
std::optional<std::string_view> payload_asset_id(const Payload& payload);

}  // namespace tracechain::ledger
