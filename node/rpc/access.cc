#include "node/rpc/access.h"

#include <variant>

#include "ledger/payloads.h"
#include "ledger/queries.h"

namespace tracechain::node::rpc {

namespace {

// How many of a buyer's trades are searched for one of an asset before the
// asset is refused; keeps the check bounded for buyers with huge histories.
constexpr std::size_t kMaxTradesSearched = 10'000;

}  // namespace

bool Access::is_party(const ledger::Trade& trade) const {
  return is(trade.buyer) || is(trade.provider);
}

bool Access::can_read_trade(const ledger::Trade& trade) const {
  if (auditor() || is_party(trade)) return true;
  using ledger::TradeState;
  if (has(ledger::Role::kReviewer)) {
    if (trade.state == TradeState::kAgreed) return true;
    for (const ledger::TradeReviewRecord& review : trade.reviews) {
      if (is(review.reviewer)) return true;
    }
  }
  if (has(ledger::Role::kArbitrator)) {
    if (trade.state == TradeState::kDisputed) return true;
    // Its ruling stays readable once the ruling is settled too.
    if (trade.dispute && trade.dispute->outcome && resolved_by_caller(trade)) return true;
  }
  if (has(ledger::Role::kOperator)) {
    // To settle: accepted trades, and resolved disputes (what the ruling orders).
    if (trade.state == TradeState::kAccepted || trade.state == TradeState::kResolved ||
        trade.state == TradeState::kSettled) {
      return true;
    }
  }
  return false;
}

bool Access::resolved_by_caller(const ledger::Trade& trade) const {
  bool found = false;
  state_.scan(ledger::keys::trade_history_prefix(trade.id), [&](std::string_view, ByteView value) {
    auto entry = ledger::decode<ledger::TrailEntry>(value);
    found = entry && entry->kind == ledger::TxKind::kTradeResolveDispute &&
            entry->status == ledger::TxStatus::kOk && is(entry->sender);
    return !found;
  });
  return found;
}

bool Access::trades_asset(const ledger::Asset& asset) const {
  if (!caller_) return false;
  for (const std::string& trade :
       ledger::trades_of_participant(state_, caller_->id, {}, kMaxTradesSearched)) {
    if (state_.get(ledger::keys::asset_trade(asset.id, trade))) return true;
  }
  return false;
}

bool Access::can_read_asset(const ledger::Asset& asset) const {
  if (can_read_asset_history(asset)) return true;
  return has(ledger::Role::kBuyer) && trades_asset(asset);
}

bool Access::can_read_asset_history(const ledger::Asset& asset) const {
  return auditor() || is(asset.provider) || has(ledger::Role::kReviewer) ||
         has(ledger::Role::kOperator);
}

bool Access::can_list_trades_of_participant(std::string_view participant) const {
  return auditor() || is(participant);
}

bool Access::can_list_trades_of_asset(const ledger::Asset& asset) const {
  return auditor() || is(asset.provider) || has(ledger::Role::kOperator);
}

bool Access::can_read_participant(std::string_view participant) const {
  return auditor() || is(participant) || has(ledger::Role::kGovernor) ||
         has(ledger::Role::kAttestor) || has(ledger::Role::kReviewer);
}

Access::Attestations Access::attestations_of(std::string_view subject) const {
  if (auditor() || is(subject) || has(ledger::Role::kReviewer)) return Attestations::kAll;
  if (has(ledger::Role::kAttestor)) return Attestations::kOwn;
  return Attestations::kNone;
}

bool Access::can_read_state_key(std::string_view key) const {
  if (auditor()) return true;
  if (key == ledger::keys::kChain || key == ledger::keys::kPolicy ||
      key == ledger::keys::kValidators) {
    return true;
  }
  const bool history = key.starts_with("hc/");
  std::string_view record = history ? key.substr(3) : key;
  auto id_after = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (!record.starts_with(prefix)) return std::nullopt;
    return record.substr(prefix.size());
  };
  if (auto id = id_after("t/")) {
    auto trade = ledger::find_trade(state_, *id);
    return trade && can_read_trade(*trade);
  }
  if (auto id = id_after("p/")) {
    return ledger::find_participant(state_, *id) && can_read_participant(*id);
  }
  if (auto id = id_after("asset/")) {
    auto asset = ledger::find_asset(state_, *id);
    return asset && (history ? can_read_asset_history(*asset) : can_read_asset(*asset));
  }
  if (auto id = id_after("a/"); id && !history) {
    auto digest = digest_from_hex(*id);
    if (!digest) return false;
    auto attestation = ledger::find_attestation(state_, *digest);
    if (!attestation) return false;
    Attestations scope = attestations_of(attestation->subject);
    return scope == Attestations::kAll ||
           (scope == Attestations::kOwn && is(attestation->attestor));
  }
  return false;
}

bool Access::can_read_transaction(const ledger::Transaction& tx) const {
  if (!caller_) return false;
  if (auditor() || is(tx.sender)) return true;
  auto payload = ledger::decode_payload(tx.kind, tx.payload, tx.suite);
  if (!payload) return false;
  auto trade = [&](const std::string& id) {
    auto record = ledger::find_trade(state_, id);
    return record && can_read_trade(*record);
  };
  auto asset = [&](const std::string& id) {
    auto record = ledger::find_asset(state_, id);
    return record && can_read_asset(*record);
  };
  return std::visit(
      [&](const auto& p) -> bool {
        using P = std::decay_t<decltype(p)>;
        using ledger::Subject;
        if constexpr (P::kSubject == Subject::kProposal) {
          return has(ledger::Role::kGovernor);
        } else if constexpr (P::kSubject == Subject::kSigner) {
          return can_read_participant(tx.sender);
        } else if constexpr (P::kSubject == Subject::kAsset) {
          return asset(p.asset_id);
        } else if constexpr (P::kSubject == Subject::kTrade) {
          return trade(p.trade_id);
        } else if constexpr (std::is_same_v<P, ledger::AttestPayload>) {
          return attestations_of(p.subject) == Attestations::kAll;
        } else {
          static_assert(std::is_same_v<P, ledger::RevokePayload>,
                        "a new attestation payload needs its access rule here");
          auto attestation = ledger::find_attestation(state_, p.attestation_id);
          if (!attestation) return false;
          auto scope = attestations_of(attestation->subject);
          return scope == Attestations::kAll ||
                 (scope == Attestations::kOwn && is(attestation->attestor));
        }
      },
      *payload);
}

std::vector<std::string> trade_parties(const ledger::Trade& trade) {
  return {trade.buyer, trade.provider};
}

std::vector<std::string> concerned_by(const ledger::StateView& state, const ledger::Transaction& tx) {
  std::vector<std::string> out{tx.sender};
  auto payload = ledger::decode_payload(tx.kind, tx.payload, tx.suite);
  if (!payload) return out;
  auto add = [&](std::vector<std::string> more) {
    out.insert(out.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
  };
  if (auto trade = ledger::payload_trade_id(*payload)) {
    add(concerned_by_key(state, ledger::keys::trade(*trade)));
  } else if (auto asset = ledger::payload_asset_id(*payload)) {
    add(concerned_by_key(state, ledger::keys::asset(*asset)));
  } else if (const auto* attest = std::get_if<ledger::AttestPayload>(&*payload)) {
    out.push_back(attest->subject);
  } else if (const auto* revoke = std::get_if<ledger::RevokePayload>(&*payload)) {
    add(concerned_by_key(state, ledger::keys::attestation(revoke->attestation_id)));
  }
  return out;
}

std::vector<std::string> concerned_by_key(const ledger::StateView& state, std::string_view key) {
  std::string_view record = key.starts_with("hc/") ? key.substr(3) : key;
  auto id_after = [&](std::string_view prefix) -> std::optional<std::string_view> {
    if (!record.starts_with(prefix)) return std::nullopt;
    return record.substr(prefix.size());
  };
  if (auto id = id_after("t/")) {
    if (auto trade = ledger::find_trade(state, *id)) return trade_parties(*trade);
  } else if (auto participant = id_after("p/")) {
    return {std::string(*participant)};
  } else if (auto asset_id = id_after("asset/")) {
    if (auto asset = ledger::find_asset(state, *asset_id)) return {asset->provider};
  } else if (auto attestation_id = id_after("a/")) {
    if (auto digest = digest_from_hex(*attestation_id)) {
      if (auto attestation = ledger::find_attestation(state, *digest)) return {attestation->subject};
    }
  }
  return {};
}

}  // namespace tracechain::node::rpc
