// The trade lifecycle (docs/ledger.md has the diagram):
//
//   requested --accept--> agreed --review(approve) x N--> approved --deliver--> delivered
//   requested --decline--> declined      agreed --review(reject)--> rejected
//   requested|agreed|approved --cancel--> cancelled
//   delivered --confirm--> accepted       delivered|accepted --dispute--> disputed
//   accepted|resolved --settle--> settled disputed --resolve--> resolved
//   usage is metered in delivered, accepted, settled
//
// Every step first checks that the sender is the party the step belongs to,
// then that the trade is in a state the step leaves from; any other
// transition fails with the trade's state and the states it needed.
#include <initializer_list>

#include "ledger/handlers.h"

namespace tracechain::ledger::detail {

namespace {

std::string states_text(std::initializer_list<TradeState> states) {
  std::string out;
  std::size_t i = 0;
  for (TradeState state : states) {
    if (i > 0) out += i + 1 == states.size() ? " or " : ", ";
    out += trade_state_name(state);
    ++i;
  }
  return out;
}

// The trade named by a payload, or the failure to report.
struct TradeRef {
  std::optional<Trade> trade;
  Outcome failure;
};

TradeRef load_trade(const TxContext& ctx, const std::string& trade_id) {
  auto trade = ctx.load<Trade>(keys::trade(trade_id));
  if (!trade) return {std::nullopt, fail(Reason::kNotFound, "trade '" + trade_id + "' does not exist")};
  return {std::move(trade), {}};
}

std::string kind_name(const TxContext& ctx) { return std::string(*tx_kind_name(ctx.tx.kind)); }

Outcome require_state(const TxContext& ctx, const Trade& trade,
                      std::initializer_list<TradeState> allowed) {
  for (TradeState state : allowed) {
    if (trade.state == state) return done({});
  }
  return fail(Reason::kWrongState, "trade '" + trade.id + "' is " +
                                       std::string(trade_state_name(trade.state)) + "; " +
                                       kind_name(ctx) + " needs it " + states_text(allowed));
}

enum class Party { kBuyer, kProvider, kEither };

Outcome require_party(const TxContext& ctx, const Trade& trade, Party party) {
  const std::string& sender = ctx.tx.sender;
  bool ok = (party != Party::kProvider && sender == trade.buyer) ||
            (party != Party::kBuyer && sender == trade.provider);
  if (ok) return done({});
  std::string who = party == Party::kBuyer      ? "its buyer '" + trade.buyer + "'"
                    : party == Party::kProvider ? "its provider '" + trade.provider + "'"
                                                : "its buyer or provider";
  return fail(Reason::kWrongParty, "'" + sender + "' is not " + who + "; only " +
                                       (party == Party::kEither ? "they" : "that party") +
                                       " may send " + kind_name(ctx) + " for trade '" +
                                       trade.id + "'");
}

// Sets the trade's new state, stores it and reports the event.
Outcome move_to(TxContext& ctx, Trade& trade, TradeState next, const char* event) {
  trade.state = next;
  ctx.store(keys::trade(trade.id), trade);
  return done({{event, trade.id}});
}

std::string level_name(std::uint8_t level) { return "level L" + std::to_string(level); }

// Why an attestation no longer holds at this block, or "" while it does.
std::string lapsed(const TxContext& ctx, const Attestation& attestation) {
  if (attestation.revoked_height) {
    return "was revoked at height " + std::to_string(*attestation.revoked_height);
  }
  std::uint64_t now = ctx.block.time_ms;
  if (now < attestation.valid_from_ms || now > attestation.valid_until_ms) {
    return "is valid from " + std::to_string(attestation.valid_from_ms) + " to " +
           std::to_string(attestation.valid_until_ms) + " ms; the block time " +
           std::to_string(now) + " is outside it";
  }
  return {};
}

// An approval's citation of a party's attestation: it must exist, be about
// that party, hold now, and meet the level's identity rules.
Outcome check_attestation(const TxContext& ctx, const LevelRule& rule, std::uint8_t level,
                          const std::optional<Digest>& id, const std::string& party,
                          const char* role) {
  if (!id) {
    return fail(Reason::kAttestationInvalid,
                std::string("an approving review must name the ") + role + "'s attestation");
  }
  auto attestation = ctx.load<Attestation>(keys::attestation(*id));
  std::string name = "attestation " + to_hex(*id);
  if (!attestation) return fail(Reason::kAttestationInvalid, name + " does not exist");
  if (attestation->subject != party) {
    return fail(Reason::kAttestationInvalid, name + " is about '" + attestation->subject +
                                                 "', not the " + role + " '" + party + "'");
  }
  if (std::string why = lapsed(ctx, *attestation); !why.empty()) {
    return fail(Reason::kAttestationInvalid, name + " " + why);
  }
  if (!rule.accepts_claim(attestation->claim_type)) {
    std::string accepted;
    for (const std::string& claim : rule.accepted_claims) {
      accepted += (accepted.empty() ? "'" : ", '") + claim + "'";
    }
    return fail(Reason::kAttestationInvalid,
                name + " attests '" + attestation->claim_type + "'; policy for " +
                    level_name(level) + " accepts only " + accepted);
  }
  if (rule.attestor_roles != 0) {
    auto attestor = ctx.load<Participant>(keys::participant(attestation->attestor));
    TC_ASSERT(attestor.has_value());
    std::string by = name + " was made by '" + attestor->id + "', ";
    if (!attestor->active()) return fail(Reason::kAttestationInvalid, by + "who is suspended");
    if ((attestor->roles & rule.attestor_roles) == 0) {
      return fail(Reason::kAttestationInvalid,
                  by + "who holds none of the roles policy accepts of " + level_name(level) +
                      " attestors (" + roles_to_string(rule.attestor_roles) + ")");
    }
  }
  return done({});
}

// Under a level's identity_until_settlement rule, every attestation an
// approval relied on must still hold when the trade is delivered or settled.
Outcome check_identity_in_force(const TxContext& ctx, const Trade& trade) {
  auto asset = ctx.load<Asset>(keys::asset(trade.asset));
  TC_ASSERT(asset.has_value());
  if (!ctx.policy.level(asset->level).identity_until_settlement) return done({});
  for (const TradeReviewRecord& review : trade.reviews) {
    if (review.verdict != TradeVerdict::kApprove) continue;
    for (const auto& [id, party] : {std::pair{review.buyer_attestation, "buyer"},
                                    std::pair{review.provider_attestation, "provider"}}) {
      TC_ASSERT(id.has_value());
      auto attestation = ctx.load<Attestation>(keys::attestation(*id));
      TC_ASSERT(attestation.has_value());
      if (std::string why = lapsed(ctx, *attestation); !why.empty()) {
        return fail(Reason::kAttestationInvalid,
                    "attestation " + to_hex(*id) + " of the " + party + " '" +
                        attestation->subject + "', which the approval by '" + review.reviewer +
                        "' relied on, " + why + "; policy for " + level_name(asset->level) +
                        " requires the parties' attestations in force until settlement");
      }
    }
  }
  return done({});
}

Outcome check_source_review(const TxContext& ctx, const Trade& trade,
                            const std::optional<Digest>& id) {
  if (!id) {
    return fail(Reason::kSourceReviewInvalid,
                "an approving review must name the asset's source review");
  }
  auto review = ctx.load<SourceReview>(keys::source_review(*id));
  std::string name = "source review " + to_hex(*id);
  if (!review) return fail(Reason::kSourceReviewInvalid, name + " does not exist");
  if (review->asset != trade.asset) {
    return fail(Reason::kSourceReviewInvalid, name + " is of asset '" + review->asset +
                                                  "', not '" + trade.asset + "'");
  }
  if (review->verdict == SourceVerdict::kReject) {
    return fail(Reason::kSourceReviewInvalid, name + " rejected the asset's source");
  }
  auto asset = ctx.load<Asset>(keys::asset(trade.asset));
  TC_ASSERT(asset.has_value());
  if (asset->latest_verdict == SourceVerdict::kReject) {
    return fail(Reason::kSourceReviewInvalid,
                "the asset's latest source review " + to_hex(*asset->latest_review) +
                    " rejected its source");
  }
  return done({});
}

}  // namespace

Outcome execute(TxContext& ctx, const TradeCreatePayload& payload) {
  std::string key = keys::trade(payload.trade_id);
  if (ctx.exists(key)) {
    return fail(Reason::kAlreadyExists, "trade '" + payload.trade_id + "' already exists");
  }
  auto asset = ctx.load<Asset>(keys::asset(payload.asset_id));
  if (!asset) return fail(Reason::kNotFound, "asset '" + payload.asset_id + "' does not exist");
  if (asset->provider == ctx.tx.sender) {
    return fail(Reason::kWrongParty, "'" + ctx.tx.sender + "' provides asset '" + asset->id +
                                         "' and cannot buy it");
  }
  const LevelRule& rule = ctx.policy.level(asset->level);
  if (!rule.tradable) {
    return fail(Reason::kNotTradable, "policy does not allow trading level L" +
                                          std::to_string(asset->level) + " assets such as '" +
                                          asset->id + "'");
  }
  if (asset->latest_verdict == SourceVerdict::kReject) {
    return fail(Reason::kSourceReviewInvalid,
                "the source of asset '" + asset->id + "' was rejected by review " +
                    to_hex(*asset->latest_review));
  }
  auto provider = ctx.load<Participant>(keys::participant(asset->provider));
  TC_ASSERT(provider.has_value());
  if (!provider->active()) {
    return fail(Reason::kWrongParty, "the provider '" + provider->id + "' is suspended");
  }

  Trade trade;
  trade.id = payload.trade_id;
  trade.asset = asset->id;
  trade.buyer = ctx.tx.sender;
  trade.provider = asset->provider;
  trade.terms_hash = payload.terms_hash;
  trade.cross_border = ctx.sender.jurisdiction != provider->jurisdiction;
  trade.created_height = ctx.block.height;
  ctx.store(key, trade);
  ctx.mark(keys::participant_trade(trade.buyer, trade.id));
  ctx.mark(keys::participant_trade(trade.provider, trade.id));
  ctx.mark(keys::asset_trade(trade.asset, trade.id));
  return done({{"trade.requested", trade.id}});
}

namespace {

// One party moves a trade from one state to the next, with nothing else to
// record: accept, decline and confirm.
struct Step {
  Party party;
  TradeState from;
  TradeState to;
  const char* event;
};

Outcome take_step(TxContext& ctx, const TradeId& trade_id, const Step& step) {
  auto ref = load_trade(ctx, trade_id);
  if (!ref.trade) return ref.failure;
  Trade& trade = *ref.trade;
  if (Outcome o = require_party(ctx, trade, step.party); !o.ok()) return o;
  if (Outcome o = require_state(ctx, trade, {step.from}); !o.ok()) return o;
  return move_to(ctx, trade, step.to, step.event);
}

}  // namespace

Outcome execute(TxContext& ctx, const TradeAcceptPayload& payload) {
  return take_step(ctx, payload.trade_id,
                   {Party::kProvider, TradeState::kRequested, TradeState::kAgreed, "trade.agreed"});
}

Outcome execute(TxContext& ctx, const TradeDeclinePayload& payload) {
  return take_step(
      ctx, payload.trade_id,
      {Party::kProvider, TradeState::kRequested, TradeState::kDeclined, "trade.declined"});
}

Outcome execute(TxContext& ctx, const TradeConfirmPayload& payload) {
  return take_step(
      ctx, payload.trade_id,
      {Party::kBuyer, TradeState::kDelivered, TradeState::kAccepted, "trade.accepted"});
}

Outcome execute(TxContext& ctx, const TradeReviewPayload& payload) {
  auto ref = load_trade(ctx, payload.trade_id);
  if (!ref.trade) return ref.failure;
  Trade& trade = *ref.trade;
  if (ctx.tx.sender == trade.buyer || ctx.tx.sender == trade.provider) {
    return fail(Reason::kWrongParty, "'" + ctx.tx.sender + "' is a party to trade '" +
                                         trade.id + "' and cannot review it");
  }
  if (Outcome o = require_state(ctx, trade, {TradeState::kAgreed}); !o.ok()) return o;
  for (const TradeReviewRecord& earlier : trade.reviews) {
    if (earlier.reviewer == ctx.tx.sender) {
      return fail(Reason::kDuplicateReview, "'" + ctx.tx.sender + "' already reviewed trade '" +
                                                trade.id + "' at height " +
                                                std::to_string(earlier.height));
    }
  }

  auto asset = ctx.load<Asset>(keys::asset(trade.asset));
  TC_ASSERT(asset.has_value());
  const LevelRule& rule = ctx.policy.level(asset->level);
  if (payload.verdict == TradeVerdict::kApprove) {
    // An approval vouches for both identities and the data source at this
    // height: every reference must hold now.
    if (Outcome o = check_attestation(ctx, rule, asset->level, payload.buyer_attestation,
                                      trade.buyer, "buyer");
        !o.ok()) {
      return o;
    }
    if (Outcome o = check_attestation(ctx, rule, asset->level, payload.provider_attestation,
                                      trade.provider, "provider");
        !o.ok()) {
      return o;
    }
    if (Outcome o = check_source_review(ctx, trade, payload.source_review); !o.ok()) return o;
    if (trade.cross_border && rule.cross_border_assessment &&
        !payload.security_assessment_hash) {
      return fail(Reason::kAssessmentMissing,
                  "trade '" + trade.id + "' crosses borders and policy requires a security "
                                         "assessment for level L" +
                      std::to_string(asset->level) + " approvals");
    }
  }

  TradeReviewRecord record;
  record.reviewer = ctx.tx.sender;
  record.verdict = payload.verdict;
  record.buyer_attestation = payload.buyer_attestation;
  record.provider_attestation = payload.provider_attestation;
  record.source_review = payload.source_review;
  record.report_hash = payload.report_hash;
  record.security_assessment_hash = payload.security_assessment_hash;
  record.height = ctx.block.height;
  record.tx_hash = ctx.tx_hash;
  trade.reviews.push_back(record);

  if (payload.verdict == TradeVerdict::kReject) {
    return move_to(ctx, trade, TradeState::kRejected, "trade.rejected");
  }
  std::size_t approvals = 0;
  for (const TradeReviewRecord& r : trade.reviews) approvals += r.verdict == TradeVerdict::kApprove;
  if (approvals >= rule.required_reviews) {
    return move_to(ctx, trade, TradeState::kApproved, "trade.approved");
  }
  ctx.store(keys::trade(trade.id), trade);
  return done({{"trade.reviewed", trade.id}});
}

Outcome execute(TxContext& ctx, const TradeDeliverPayload& payload) {
  auto ref = load_trade(ctx, payload.trade_id);
  if (!ref.trade) return ref.failure;
  Trade& trade = *ref.trade;
  if (Outcome o = require_party(ctx, trade, Party::kProvider); !o.ok()) return o;
  if (Outcome o = require_state(ctx, trade, {TradeState::kApproved}); !o.ok()) return o;
  if (Outcome o = check_identity_in_force(ctx, trade); !o.ok()) return o;
  trade.delivery = Delivery{payload.delivery_hash, payload.method};
  return move_to(ctx, trade, TradeState::kDelivered, "trade.delivered");
}

Outcome execute(TxContext& ctx, const TradeUsagePayload& payload) {
  auto ref = load_trade(ctx, payload.trade_id);
  if (!ref.trade) return ref.failure;
  Trade& trade = *ref.trade;
  if (Outcome o = require_party(ctx, trade, Party::kBuyer); !o.ok()) return o;
  if (Outcome o = require_state(
          ctx, trade, {TradeState::kDelivered, TradeState::kAccepted, TradeState::kSettled});
      !o.ok()) {
    return o;
  }
  if (payload.units > UINT64_MAX - trade.usage_units) {
    return fail(Reason::kWrongState, "usage of trade '" + trade.id + "' would overflow");
  }
  trade.usage_units += payload.units;
  ctx.store(keys::trade(trade.id), trade);
  return done({{"trade.usage-recorded", trade.id}});
}

Outcome execute(TxContext& ctx, const TradeSettlePayload& payload) {
  auto ref = load_trade(ctx, payload.trade_id);
  if (!ref.trade) return ref.failure;
  Trade& trade = *ref.trade;
  // After acceptance the payment; after a ruling, whatever the ruling
  // orders (a refund, the payment, a split): every dispute can end settled.
  if (Outcome o = require_state(ctx, trade, {TradeState::kAccepted, TradeState::kResolved});
      !o.ok()) {
    return o;
  }
  if (Outcome o = check_identity_in_force(ctx, trade); !o.ok()) return o;
  trade.settlement = Settlement{payload.payment_reference_hash, payload.amount, payload.currency};
  return move_to(ctx, trade, TradeState::kSettled, "trade.settled");
}

Outcome execute(TxContext& ctx, const TradeCancelPayload& payload) {
  auto ref = load_trade(ctx, payload.trade_id);
  if (!ref.trade) return ref.failure;
  Trade& trade = *ref.trade;
  if (Outcome o = require_party(ctx, trade, Party::kEither); !o.ok()) return o;
  // Until delivery nothing has changed hands: an approved trade may still be
  // called off (for one, when an identity it relied on lapses).
  if (Outcome o = require_state(
          ctx, trade, {TradeState::kRequested, TradeState::kAgreed, TradeState::kApproved});
      !o.ok()) {
    return o;
  }
  return move_to(ctx, trade, TradeState::kCancelled, "trade.cancelled");
}

Outcome execute(TxContext& ctx, const TradeOpenDisputePayload& payload) {
  auto ref = load_trade(ctx, payload.trade_id);
  if (!ref.trade) return ref.failure;
  Trade& trade = *ref.trade;
  if (Outcome o = require_party(ctx, trade, Party::kEither); !o.ok()) return o;
  if (Outcome o = require_state(ctx, trade, {TradeState::kDelivered, TradeState::kAccepted});
      !o.ok()) {
    return o;
  }
  trade.dispute = Dispute{ctx.tx.sender, payload.reason_hash, std::nullopt, std::nullopt};
  return move_to(ctx, trade, TradeState::kDisputed, "trade.disputed");
}

Outcome execute(TxContext& ctx, const TradeResolvePayload& payload) {
  auto ref = load_trade(ctx, payload.trade_id);
  if (!ref.trade) return ref.failure;
  Trade& trade = *ref.trade;
  if (ctx.tx.sender == trade.buyer || ctx.tx.sender == trade.provider) {
    return fail(Reason::kWrongParty, "'" + ctx.tx.sender + "' is a party to trade '" +
                                         trade.id + "' and cannot arbitrate it");
  }
  if (Outcome o = require_state(ctx, trade, {TradeState::kDisputed}); !o.ok()) return o;
  trade.dispute->ruling_hash = payload.ruling_hash;
  trade.dispute->outcome = payload.outcome;
  return move_to(ctx, trade, TradeState::kResolved, "trade.resolved");
}

}  // namespace tracechain::ledger::detail
