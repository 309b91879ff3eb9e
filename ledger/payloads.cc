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

Status validate_trade_id(const TradeId& id) { return validate_identifier("trade id", id); }

// The checks that need the chain's suite, beyond validate().
Status check_for_suite(const ProposePayload& p, crypto::Suite suite) {
  if (Status s = validate(p.change, suite); !s) {
    return s.error().with_context("governance.propose payload: change");
  }
  return {};
}
Status check_for_suite(const RotateKeyPayload& p, crypto::Suite suite) {
  if (auto key = crypto::PublicKey::from_bytes(suite, p.new_public_key); !key) {
    return key.error().with_context("identity.rotate-key payload: new public key");
  }
  return {};
}
template <typename P>
Status check_for_suite(const P&, crypto::Suite) {
  return {};
}

// Each TxKind has exactly one payload type.
template <class... P>
constexpr bool one_type_per_kind(std::type_identity<std::variant<P...>>) {
  for (TxKind kind : kAllTxKinds) {
    if (((P::kKind == kind ? 1 : 0) + ...) != 1) return false;
  }
  return sizeof...(P) == std::size(kAllTxKinds);
}
static_assert(one_type_per_kind(std::type_identity<Payload>{}),
              "every TxKind needs exactly one payload type in Payload, and every payload type "
              "a TxKind");

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

Status validate(const TradeAcceptPayload& p) { return validate_trade_id(p.trade_id); }
Status validate(const TradeDeclinePayload& p) { return validate_trade_id(p.trade_id); }
Status validate(const TradeConfirmPayload& p) { return validate_trade_id(p.trade_id); }

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

Status validate(const TradeOpenDisputePayload& p) { return validate_trade_id(p.trade_id); }
Status validate(const TradeCancelPayload& p) { return validate_trade_id(p.trade_id); }

Status validate(const TradeResolvePayload& p) {
  if (Status s = validate_identifier("trade id", p.trade_id); !s) return s;
  return check_enum(dispute_outcome_name(p.outcome) != "unknown", "dispute outcome",
                    static_cast<unsigned>(p.outcome));
}

Status validate(const AccessCheckpointPayload& p) {
  if (p.size == 0) return invalid("a read-log checkpoint needs at least one entry");
  if (p.consistency.size() > kMaxConsistencyProof) {
    return invalid("a consistency proof holds at most " + std::to_string(kMaxConsistencyProof) +
                   " hashes");
  }
  return {};
}

Result<Payload> decode_payload(TxKind kind, ByteView bytes, crypto::Suite suite) {
  std::optional<Result<Payload>> out;
  with_payload_type(kind, [&]<class P>(std::type_identity<P>) {
    auto payload = decode<P>(bytes);
    if (!payload) {
      out.emplace(payload.error());
    } else if (Status s = check_for_suite(*payload, suite); !s) {
      out.emplace(s.error());
    } else {
      out.emplace(Payload(std::move(*payload)));
    }
  });
  if (!out) {
    return invalid("unknown transaction kind " + std::to_string(static_cast<unsigned>(kind)));
  }
  return std::move(*out);
}

TxKind kind_of(const Payload& payload) {
  return std::visit([](const auto& p) { return std::decay_t<decltype(p)>::kKind; }, payload);
}

bool payload_matches_kind(const Payload& payload, TxKind kind) { return kind_of(payload) == kind; }

RoleSet roles_allowed(TxKind kind) {
  RoleSet roles = 0;
  with_payload_type(kind, [&]<class P>(std::type_identity<P>) { roles = P::kRoles; });
  return roles;
}

std::optional<std::string_view> payload_trade_id(const Payload& payload) {
  return std::visit(
      [](const auto& p) -> std::optional<std::string_view> {
        if constexpr (std::decay_t<decltype(p)>::kSubject == Subject::kTrade) {
          return std::string_view(p.trade_id);
        } else {
          return std::nullopt;
        }
      },
      payload);
}

std::optional<std::string_view> payload_asset_id(const Payload& payload) {
  return std::visit(
      [](const auto& p) -> std::optional<std::string_view> {
        if constexpr (std::decay_t<decltype(p)>::kSubject == Subject::kAsset) {
          return std::string_view(p.asset_id);
        } else {
          return std::nullopt;
        }
      },
      payload);
}

}  // namespace tracechain::ledger
