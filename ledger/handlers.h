// Internal to ledger/: the business rules of each transaction kind, run by
// execution.cc after a transaction has authenticated. A handler reads and
// writes through its TxContext's overlay; if it returns a failure, the
// executor discards the overlay, so a handler may write before it fails.
#pragma once

#include <string>
#include <vector>

#include "ledger/execution.h"

namespace tracechain::ledger::detail {

// How a transaction ended: reason kNone and the events it emitted, or a
// failure reason with a message saying precisely what was wrong.
struct Outcome {
  Reason reason = Reason::kNone;
  std::string message;
  std::vector<Event> events;

  bool ok() const { return reason == Reason::kNone; }
};

inline Outcome fail(Reason reason, std::string message) {
  return Outcome{reason, std::move(message), {}};
}
inline Outcome done(std::vector<Event> events) { return Outcome{Reason::kNone, {}, std::move(events)}; }

// Reads a record the ledger wrote; a record that no longer decodes means the
// state is corrupt, which no transaction can fix.
template <Decodable T>
std::optional<T> load_record(const StateView& state, std::string_view key) {
  auto bytes = state.get(key);
  if (!bytes) return std::nullopt;
  auto value = decode<T>(*bytes);
  if (!value) {
    throw StateReadError("state entry '" + std::string(key) +
                         "' is corrupt: " + value.error().message());
  }
  return std::move(*value);
}

// Everything a handler may use; an aggregate of references that outlive it.
struct TxContext {
  // The same transaction against another overlay (for dry runs).
  TxContext with_state(StateOverlay& other) const {
    return TxContext{other, params, policy, block, tx, tx_hash, sender};
  }

  template <Decodable T>
  std::optional<T> load(std::string_view key) const {
    return load_record<T>(state, key);
  }

  template <typename T>
  void store(std::string_view key, const T& value) {
    state.put(key, encode(value));
  }

  // Writes an empty index entry.
  void mark(std::string_view key) { state.put(key, Bytes{}); }
  bool exists(std::string_view key) const { return state.get(key).has_value(); }

  StateOverlay& state;
  const ChainParams& params;
  const Policy& policy;
  const BlockContext& block;
  const Transaction& tx;
  const Digest& tx_hash;
  const Participant& sender;
};

// governance
Outcome execute(TxContext& ctx, const ProposePayload& payload);
Outcome execute(TxContext& ctx, const ApprovePayload& payload);
// identity
Outcome execute(TxContext& ctx, const AttestPayload& payload);
Outcome execute(TxContext& ctx, const RevokePayload& payload);
Outcome execute(TxContext& ctx, const RotateKeyPayload& payload);
// assets
Outcome execute(TxContext& ctx, const AssetRegisterPayload& payload);
Outcome execute(TxContext& ctx, const AssetReviewPayload& payload);
// trades
Outcome execute(TxContext& ctx, const TradeCreatePayload& payload);
Outcome execute(TxContext& ctx, const TradeAcceptPayload& payload);
Outcome execute(TxContext& ctx, const TradeDeclinePayload& payload);
Outcome execute(TxContext& ctx, const TradeReviewPayload& payload);
Outcome execute(TxContext& ctx, const TradeDeliverPayload& payload);
Outcome execute(TxContext& ctx, const TradeConfirmPayload& payload);
Outcome execute(TxContext& ctx, const TradeUsagePayload& payload);
Outcome execute(TxContext& ctx, const TradeSettlePayload& payload);
Outcome execute(TxContext& ctx, const TradeOpenDisputePayload& payload);
Outcome execute(TxContext& ctx, const TradeResolvePayload& payload);
Outcome execute(TxContext& ctx, const TradeCancelPayload& payload);
// read logs
Outcome execute(TxContext& ctx, const AccessCheckpointPayload& payload);

}  // namespace tracechain::ledger::detail
