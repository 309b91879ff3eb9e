#include "ledger/payloads.h"

namespace tracechain::ledger {

namespace {

Error invalid(const std::string& message) { return Error(ErrorCode::kInvalidInput, message); }

Status check_enum(bool known, const char* what, unsigned value) {
  if (known) return {};
  return invalid("unknown " + std::string(what) + " " + std::to_string(value));
}

Status validate_text(const char* what, const std::string& text, std::size_t max) {
  if (text.empty() || text.size() > max) {
    return invalid(std::string(what) + " must be 1 to " + std::to_string(max) + " bytes");
  }
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
      return invalid(std::string(what) + " must be printable ASCII");
    }
  }
  return {};
}

// Decodes a payload of type P from bytes, naming the kind on failure.
template <typename P>
Result<Payload> decode_as(ByteView bytes) {
  auto payload = decode<P>(bytes);
  if (!payload) return payload.error();
  return Payload(std::move(*payload));
}

}  // namespace

Status validate(const ProposePayload& p) {
  if (Status s = validate_identifier("proposal id", p.proposal_id); !s) return s;
  // The change's shape is checked by decode_payload, which knows the suite.
  return {};
}

Status validate(const ApprovePayload& p) {
  return validate_identifier("proposal id", p.proposal_id);
}

Status validate(const AttestPayload& p) {
  if (Status s = validate_identifier("subject", p.subject); !s) return s;
  if (Status s = validate_identifier("claim type", p.claim_type); !s) return s;
  if (p.valid_from_ms >= p.valid_until_ms) {
    return invalid("validity window is empty: valid from " + std::to_string(p.valid_from_ms) +
                   " is not before valid until " + std::to_string(p.valid_until_ms));
  }
  return {};
}

Status validate(const RevokePayload&) { return {}; }

Status validate(const RotateKeyPayload& p) {
  if (p.new_public_key.empty() || p.new_public_key.size() > crypto::kMaxPublicKeySize) {
    return invalid("new public key must be 1 to 65 bytes");
  }
  return {};
}

Status validate(const AssetRegisterPayload& p) {
  if (Status s = validate_identifier("asset id", p.asset_id); !s) return s;
  if (p.level < kMinLevel || p.level > kMaxLevel) {
    return invalid("classification level must be 1 (L1 public) to 4 (L4 core), not " +
                   std::to_string(p.level));
  }
  return {};
}

Status validate(const AssetReviewPayload& p) {
  if (Status s = validate_identifier("asset id", p.asset_id); !s) return s;
  if (Status s = check_enum(source_verdict_name(p.verdict) != "unknown", "source verdict",
                            static_cast<unsigned>(p.verdict));
      !s) {
    return s;
  }
  return validate_text("rule set version", p.rule_set_version, 64);
}

Status validate(const TradeCreatePayload& p) {
  if (Status s = validate_identifier("trade id", p.trade_id); !s) return s;
  return validate_identifier("asset id", p.asset_id);
}

Status validate(const TradeStepPayload& p) { return validate_identifier("trade id", p.trade_id); }

Status validate(const TradeReviewPayload& p) {
  if (Status s = validate_identifier("trade id", p.trade_id); !s) return s;
  if (p.verdict != TradeVerdict::kApprove && p.verdict != TradeVerdict::kReject) {
    return invalid("unknown trade verdict " + std::to_string(static_cast<unsigned>(p.verdict)));
  }
  return {};
}

Status validate(const TradeDeliverPayload& p) {
  if (Status s = validate_identifier("trade id", p.trade_id); !s) return s;
  return check_enum(delivery_method_name(p.method) != "unknown", "delivery method",
                    static_cast<unsigned>(p.method));
}

Status validate(const TradeUsagePayload& p) {
  if (Status s = validate_identifier("trade id", p.trade_id); !s) return s;
  if (p.units == 0) return invalid("usage must record at least one unit");
  return {};
}

Status validate(const TradeSettlePayload& p) {
  if (Status s = validate_identifier("trade id", p.trade_id); !s) return s;
  bool currency_ok = p.currency.size() == 3;
  for (char c : p.currency) currency_ok = currency_ok && c >= 'A' && c <= 'Z';
  if (!currency_ok) {
    return invalid("currency '" + p.currency +
                   "' must be a three-letter ISO 4217 code in upper case, such as 'CNY'");
  }
  return {};
}

Status validate(const TradeReasonPayload& p) {
  return validate_identifier("trade id", p.trade_id);
}

Status validate(const TradeResolvePayload& p) {
  if (Status s = validate_identifier("trade id", p.trade_id); !s) return s;
  return check_enum(dispute_outcome_name(p.outcome) != "unknown", "dispute outcome",
                    static_cast<unsigned>(p.outcome));
}

Result<Payload> decode_payload(TxKind kind, ByteView bytes, crypto::Suite suite) {
  switch (kind) {
    case TxKind::kGovernancePropose: {
      auto payload = decode<ProposePayload>(bytes);
      if (!payload) return payload.error();
      if (Status s = validate(payload->change, suite); !s) {
        return s.error().with_context("governance.propose payload: change");
      }
      return Payload(std::move(*payload));
    }
    case TxKind::kGovernanceApprove:
      return decode_as<ApprovePayload>(bytes);
    case TxKind::kIdentityAttest:
      return decode_as<AttestPayload>(bytes);
    case TxKind::kIdentityRevoke:
      return decode_as<RevokePayload>(bytes);
    case TxKind::kIdentityRotateKey: {
      auto payload = decode<RotateKeyPayload>(bytes);
      if (!payload) return payload.error();
      if (auto key = crypto::PublicKey::from_bytes(suite, payload->new_public_key); !key) {
        return key.error().with_context("identity.rotate-key payload: new public key");
      }
      return Payload(std::move(*payload));
    }
    case TxKind::kAssetRegister:
      return decode_as<AssetRegisterPayload>(bytes);
    case TxKind::kAssetReview:
      return decode_as<AssetReviewPayload>(bytes);
    case TxKind::kTradeCreate:
      return decode_as<TradeCreatePayload>(bytes);
    case TxKind::kTradeAccept:
    case TxKind::kTradeDecline:
    case TxKind::kTradeConfirm:
      return decode_as<TradeStepPayload>(bytes);
    case TxKind::kTradeReview:
      return decode_as<TradeReviewPayload>(bytes);
    case TxKind::kTradeDeliver:
      return decode_as<TradeDeliverPayload>(bytes);
    case TxKind::kTradeRecordUsage:
      return decode_as<TradeUsagePayload>(bytes);
    case TxKind::kTradeSettle:
      return decode_as<TradeSettlePayload>(bytes);
    case TxKind::kTradeOpenDispute:
    case TxKind::kTradeCancel:
      return decode_as<TradeReasonPayload>(bytes);
    case TxKind::kTradeResolveDispute:
      return decode_as<TradeResolvePayload>(bytes);
  }
  return invalid("unknown transaction kind " + std::to_string(static_cast<unsigned>(kind)));
}

bool payload_matches_kind(const Payload& payload, TxKind kind) {
  switch (kind) {
    case TxKind::kGovernancePropose:
      return std::holds_alternative<ProposePayload>(payload);
    case TxKind::kGovernanceApprove:
      return std::holds_alternative<ApprovePayload>(payload);
    case TxKind::kIdentityAttest:
      return std::holds_alternative<AttestPayload>(payload);
    case TxKind::kIdentityRevoke:
      return std::holds_alternative<RevokePayload>(payload);
    case TxKind::kIdentityRotateKey:
      return std::holds_alternative<RotateKeyPayload>(payload);
    case TxKind::kAssetRegister:
      return std::holds_alternative<AssetRegisterPayload>(payload);
    case TxKind::kAssetReview:
      return std::holds_alternative<AssetReviewPayload>(payload);
    case TxKind::kTradeCreate:
      return std::holds_alternative<TradeCreatePayload>(payload);
    case TxKind::kTradeAccept:
    case TxKind::kTradeDecline:
    case TxKind::kTradeConfirm:
      return std::holds_alternative<TradeStepPayload>(payload);
    case TxKind::kTradeReview:
      return std::holds_alternative<TradeReviewPayload>(payload);
    case TxKind::kTradeDeliver:
      return std::holds_alternative<TradeDeliverPayload>(payload);
    case TxKind::kTradeRecordUsage:
      return std::holds_alternative<TradeUsagePayload>(payload);
    case TxKind::kTradeSettle:
      return std::holds_alternative<TradeSettlePayload>(payload);
    case TxKind::kTradeOpenDispute:
    case TxKind::kTradeCancel:
      return std::holds_alternative<TradeReasonPayload>(payload);
    case TxKind::kTradeResolveDispute:
      return std::holds_alternative<TradeResolvePayload>(payload);
  }
  return false;
}

std::optional<std::string_view> payload_trade_id(const Payload& payload) {
  return std::visit(
      [](const auto& p) -> std::optional<std::string_view> {
        if constexpr (requires { p.trade_id; }) {
          return std::string_view(p.trade_id);
        } else {
          return std::nullopt;
        }
      },
      payload);
}

}  // namespace tracechain::ledger
