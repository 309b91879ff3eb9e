// The payload of each transaction kind: the fields its sender signs, in the
// canonical encoding, each payload starting with its own u8 format version (1).
// docs/ledger.md describes every field; decode_payload() parses and validates
// untrusted payload bytes for a kind.
//
// Plain value types; the functions are pure.
#pragma once

#include <variant>

#include "ledger/model.h"

namespace tracechain::ledger {

#define TC_PAYLOAD_VERSION(name)                      \
  static constexpr std::string_view kTypeName = name; \
  static constexpr std::uint8_t kFormatVersion = 1;

struct ProposePayload {
  TC_PAYLOAD_VERSION("governance.propose payload")
  ProposalId proposal_id;
  Change change;
  std::uint64_t expiry_height = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, proposal_id, change, expiry_height);
  }
  bool operator==(const ProposePayload&) const = default;
};

struct ApprovePayload {
  TC_PAYLOAD_VERSION("governance.approve payload")
  ProposalId proposal_id;
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, proposal_id);
  }
  bool operator==(const ApprovePayload&) const = default;
};

struct AttestPayload {
  TC_PAYLOAD_VERSION("identity.attest payload")
  ParticipantId subject;
  std::string claim_type;
  Digest evidence_hash{};
  std::uint64_t valid_from_ms = 0;
  std::uint64_t valid_until_ms = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, subject, claim_type, evidence_hash, valid_from_ms, valid_until_ms);
  }
  bool operator==(const AttestPayload&) const = default;
};

struct RevokePayload {
  TC_PAYLOAD_VERSION("identity.revoke payload")
  Digest attestation_id{};
  Digest reason_hash{};
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, attestation_id, reason_hash);
  }
  bool operator==(const RevokePayload&) const = default;
};

struct RotateKeyPayload {
  TC_PAYLOAD_VERSION("identity.rotate-key payload")
  Bytes new_public_key;
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, new_public_key);
  }
  bool operator==(const RotateKeyPayload&) const = default;
};

struct AssetRegisterPayload {
  TC_PAYLOAD_VERSION("asset.register payload")
  AssetId asset_id;
  Digest content_hash{};
  Digest metadata_hash{};
  std::uint8_t level = kMinLevel;
  Digest source_declaration_hash{};
  Digest licence_terms_hash{};
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, asset_id, content_hash, metadata_hash, level, source_declaration_hash,
       licence_terms_hash);
  }
  bool operator==(const AssetRegisterPayload&) const = default;
};

struct AssetReviewPayload {
  TC_PAYLOAD_VERSION("asset.review payload")
  AssetId asset_id;
  SourceVerdict verdict = SourceVerdict::kApprove;
  Digest report_hash{};
  std::string rule_set_version;
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, asset_id, verdict, report_hash, rule_set_version);
  }
  bool operator==(const AssetReviewPayload&) const = default;
};

struct TradeCreatePayload {
  TC_PAYLOAD_VERSION("trade.create payload")
  TradeId trade_id;
  AssetId asset_id;
  Digest terms_hash{};
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, trade_id, asset_id, terms_hash);
  }
  bool operator==(const TradeCreatePayload&) const = default;
};

// trade.accept, trade.decline and trade.confirm carry only the trade id.
struct TradeStepPayload {
  TC_PAYLOAD_VERSION("trade step payload")
  TradeId trade_id;
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, trade_id);
  }
  bool operator==(const TradeStepPayload&) const = default;
};

struct TradeReviewPayload {
  TC_PAYLOAD_VERSION("trade.review payload")
  TradeId trade_id;
  TradeVerdict verdict = TradeVerdict::kApprove;
  std::optional<Digest> buyer_attestation;
  std::optional<Digest> provider_attestation;
  std::optional<Digest> source_review;
  Digest report_hash{};
  std::optional<Digest> security_assessment_hash;
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, trade_id, verdict, buyer_attestation, provider_attestation, source_review,
       report_hash, security_assessment_hash);
  }
  bool operator==(const TradeReviewPayload&) const = default;
};

struct TradeDeliverPayload {
  TC_PAYLOAD_VERSION("trade.deliver payload")
  TradeId trade_id;
  Digest delivery_hash{};
  DeliveryMethod method = DeliveryMethod::kDownload;
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, trade_id, delivery_hash, method);
  }
  bool operator==(const TradeDeliverPayload&) const = default;
};

struct TradeUsagePayload {
  TC_PAYLOAD_VERSION("trade.record-usage payload")
  TradeId trade_id;
  Digest usage_report_hash{};
  std::uint64_t units = 0;
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, trade_id, usage_report_hash, units);
  }
  bool operator==(const TradeUsagePayload&) const = default;
};

struct TradeSettlePayload {
  TC_PAYLOAD_VERSION("trade.settle payload")
  TradeId trade_id;
  Digest payment_reference_hash{};
  std::uint64_t amount = 0;
  std::string currency;
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, trade_id, payment_reference_hash, amount, currency);
  }
  bool operator==(const TradeSettlePayload&) const = default;
};

// trade.open-dispute and trade.cancel carry a trade id and a reason hash.
struct TradeReasonPayload {
  TC_PAYLOAD_VERSION("trade reason payload")
  TradeId trade_id;
  Digest reason_hash{};
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, trade_id, reason_hash);
  }
  bool operator==(const TradeReasonPayload&) const = default;
};

struct TradeResolvePayload {
  TC_PAYLOAD_VERSION("trade.resolve-dispute payload")
  TradeId trade_id;
  Digest ruling_hash{};
  DisputeOutcome outcome = DisputeOutcome::kSplit;
  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, trade_id, ruling_hash, outcome);
  }
  bool operator==(const TradeResolvePayload&) const = default;
};

#undef TC_PAYLOAD_VERSION

Status validate(const ProposePayload& p);
Status validate(const ApprovePayload& p);
Status validate(const AttestPayload& p);
Status validate(const RevokePayload& p);
Status validate(const RotateKeyPayload& p);
Status validate(const AssetRegisterPayload& p);
Status validate(const AssetReviewPayload& p);
Status validate(const TradeCreatePayload& p);
Status validate(const TradeStepPayload& p);
Status validate(const TradeReviewPayload& p);
Status validate(const TradeDeliverPayload& p);
Status validate(const TradeUsagePayload& p);
Status validate(const TradeSettlePayload& p);
Status validate(const TradeReasonPayload& p);
Status validate(const TradeResolvePayload& p);

using Payload =
    std::variant<ProposePayload, ApprovePayload, AttestPayload, RevokePayload, RotateKeyPayload,
                 AssetRegisterPayload, AssetReviewPayload, TradeCreatePayload, TradeStepPayload,
                 TradeReviewPayload, TradeDeliverPayload, TradeUsagePayload, TradeSettlePayload,
                 TradeReasonPayload, TradeResolvePayload>;

// Parses and validates the payload of `kind`. Suite-dependent fields (public
// keys) are checked against `suite`.
Result<Payload> decode_payload(TxKind kind, ByteView bytes, crypto::Suite suite);

// The payload type a kind carries, for builders.
bool payload_matches_kind(const Payload& payload, TxKind kind);

// The trade a trade-kind payload names, if any.
std::optional<std::string_view> payload_trade_id(const Payload& payload);

}  // namespace tracechain::ledger
