// Whole stories as an auditor would look them up afterwards: a trade that
// runs its full lifecycle, one that ends in a dispute, and one refused at
// review; each checked through its trail.
#include <catch2/catch.hpp>

#include <algorithm>

#include "ledger/queries.h"
#include "tests/support/test_chain.h"

using namespace tracechain;
using namespace tracechain::ledger;
using test::label_hash;
using test::TestChain;

namespace {

// The common prelude: attestations of the provider and the buyer, an asset
// and an approving source review. Returns the ids the reviews will cite.
struct Prelude {
  Digest provider_attestation{};
  Digest buyer_attestation{};
  Digest source_review{};
};

Digest attest(TestChain& chain, const std::string& subject, std::uint64_t valid_until_ms) {
  AttestPayload payload{subject, "legal-entity", label_hash("evidence " + subject),
                        chain.genesis().time_ms, valid_until_ms};
  Transaction tx = chain.make("attestor-ca", TxKind::kIdentityAttest, payload);
  Receipt receipt = chain.run(tx);
  REQUIRE(receipt.ok());
  return receipt.tx_hash;
}

Prelude prelude(TestChain& chain, const std::string& asset_id, std::uint8_t level,
                const std::string& buyer) {
  Prelude p;
  std::uint64_t year = 365ull * 24 * 3600 * 1000;
  p.provider_attestation = attest(chain, "provider-acme", chain.genesis().time_ms + year);
  p.buyer_attestation = attest(chain, buyer, chain.genesis().time_ms + year);
  AssetRegisterPayload asset{asset_id,
                             label_hash("content " + asset_id),
                             label_hash("metadata " + asset_id),
                             level,
                             label_hash("source declaration " + asset_id),
                             label_hash("licence " + asset_id)};
  REQUIRE(chain.run("provider-acme", TxKind::kAssetRegister, asset).ok());
  AssetReviewPayload review{asset_id, SourceVerdict::kApprove, label_hash("report"), "rules-2026.1"};
  Receipt reviewed = chain.run("reviewer-2", TxKind::kAssetReview, review);
  REQUIRE(reviewed.ok());
  p.source_review = reviewed.tx_hash;
  return p;
}

TradeReviewPayload approval(const std::string& trade_id, const Prelude& p) {
  TradeReviewPayload review;
  review.trade_id = trade_id;
  review.verdict = TradeVerdict::kApprove;
  review.buyer_attestation = p.buyer_attestation;
  review.provider_attestation = p.provider_attestation;
  review.source_review = p.source_review;
  review.report_hash = label_hash("trade review " + trade_id);
  return review;
}

std::vector<TxKind> kinds(const std::vector<TrailEntry>& steps) {
  std::vector<TxKind> out;
  for (const TrailEntry& step : steps) out.push_back(step.kind);
  return out;
}

}  // namespace

TEST_CASE("a trade runs its whole lifecycle and its trail shows every step",
          "[ledger][scenario]") {
  TestChain chain;
  Prelude p = prelude(chain, "weather-2026", 2, "buyer-bank");

  Receipt created = chain.run("buyer-bank", TxKind::kTradeCreate,
                              TradeCreatePayload{"trade-1", "weather-2026", label_hash("terms")});
  REQUIRE(created.ok());
  CHECK(created.events == std::vector<Event>{{"trade.requested", "trade-1"}});
  REQUIRE(chain.run("provider-acme", TxKind::kTradeAccept, TradeAcceptPayload{"trade-1"}).ok());
  Receipt approved = chain.run("reviewer-1", TxKind::kTradeReview, approval("trade-1", p));
  REQUIRE(approved.ok());
  CHECK(approved.events == std::vector<Event>{{"trade.approved", "trade-1"}});
  REQUIRE(chain.run("provider-acme", TxKind::kTradeDeliver,
                    TradeDeliverPayload{"trade-1", label_hash("delivery"), DeliveryMethod::kApi})
              .ok());
  REQUIRE(chain.run("buyer-bank", TxKind::kTradeRecordUsage,
                    TradeUsagePayload{"trade-1", label_hash("usage 1"), 40})
              .ok());
  REQUIRE(chain.run("buyer-bank", TxKind::kTradeConfirm, TradeConfirmPayload{"trade-1"}).ok());
  REQUIRE(chain.run("exchange", TxKind::kTradeSettle,
                    TradeSettlePayload{"trade-1", label_hash("payment"), 125000, "CNY"})
              .ok());
  REQUIRE(chain.run("buyer-bank", TxKind::kTradeRecordUsage,
                    TradeUsagePayload{"trade-1", label_hash("usage 2"), 2})
              .ok());

  auto trail = trade_trail(chain.state(), "trade-1");
  REQUIRE(trail.ok());
  CHECK(trail->trade.state == TradeState::kSettled);
  CHECK(trail->trade.usage_units == 42);
  CHECK(trail->trade.settlement->amount == 125000);
  CHECK(trail->trade.delivery->method == DeliveryMethod::kApi);
  CHECK(kinds(trail->steps) ==
        std::vector<TxKind>{TxKind::kTradeCreate, TxKind::kTradeAccept, TxKind::kTradeReview,
                            TxKind::kTradeDeliver, TxKind::kTradeRecordUsage,
                            TxKind::kTradeConfirm, TxKind::kTradeSettle,
                            TxKind::kTradeRecordUsage});
  for (const TrailEntry& step : trail->steps) {
    CHECK(step.status == TxStatus::kOk);
    // Every step's receipt is the one the chain committed, at that height.
    const Receipt& receipt = chain.receipt_of(step.tx_hash);
    CHECK(receipt.height == step.height);
    CHECK(receipt.index == step.index);
  }
  CHECK(trail->asset.id == "weather-2026");
  CHECK(trail->registration.kind == TxKind::kAssetRegister);
  CHECK(trail->registration.tx_hash == trail->asset.registration_tx);
  {
    // The registration is read as the asset history's first entry; a state
    // where it is not (corrupt) says so instead of showing another entry.
    MemoryState damaged;
    StateDelta copy;
    chain.state().scan("", [&](std::string_view key, ByteView value) {
      copy.push_back({std::string(key), Bytes(value.begin(), value.end())});
      return true;
    });
    TrailEntry other = trail->steps[0];
    copy.push_back({keys::asset_history("weather-2026", 0), encode(other)});
    damaged.apply(copy);
    auto refused = trade_trail(damaged, "trade-1");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code() == ErrorCode::kCorruption);
    CHECK_THAT(refused.error().message(),
               Catch::Contains("the first entry of its history is not its registration"));
  }
  REQUIRE(trail->source_reviews.size() == 1);
  CHECK(trail->source_reviews[0].id == p.source_review);
  REQUIRE(trail->attestations.size() == 2);
  CHECK(trail->attestations[0].id == p.buyer_attestation);
  CHECK(trail->attestations[1].id == p.provider_attestation);

  CHECK(trades_of_participant(chain.state(), "buyer-bank") == std::vector<std::string>{"trade-1"});
  CHECK(trades_of_participant(chain.state(), "provider-acme") ==
        std::vector<std::string>{"trade-1"});
  CHECK(trades_of_asset(chain.state(), "weather-2026") == std::vector<std::string>{"trade-1"});
  auto history = asset_history(chain.state(), "weather-2026");
  REQUIRE(history.ok());
  CHECK(kinds(history->entries) == std::vector<TxKind>{TxKind::kAssetRegister,
                                                        TxKind::kAssetReview,
                                                        TxKind::kTradeCreate});
  CHECK(attestations_page(chain.state(), "buyer-bank", std::nullopt, 100)->attestations.size() == 1);
}

TEST_CASE("a disputed trade is resolved by an arbitrator, failed attempts on record",
          "[ledger][scenario]") {
  TestChain chain;
  Prelude p = prelude(chain, "traffic-feed", 1, "buyer-bank");
  REQUIRE(chain.run("buyer-bank", TxKind::kTradeCreate,
                    TradeCreatePayload{"trade-2", "traffic-feed", label_hash("terms")})
              .ok());
  REQUIRE(chain.run("provider-acme", TxKind::kTradeAccept, TradeAcceptPayload{"trade-2"}).ok());
  REQUIRE(chain.run("reviewer-1", TxKind::kTradeReview, approval("trade-2", p)).ok());
  REQUIRE(chain.run("provider-acme", TxKind::kTradeDeliver,
                    TradeDeliverPayload{"trade-2", label_hash("d"), DeliveryMethod::kDownload})
              .ok());
  // The provider tries to settle: not an operator, refused at authentication.
  CHECK_FALSE(chain.commit({chain.make("provider-acme", TxKind::kTradeSettle,
                                       TradeSettlePayload{"trade-2", label_hash("x"), 1, "CNY"})})
                  .ok());
  // The buyer disputes; the provider's attempt to confirm on the buyer's behalf fails.
  REQUIRE(chain.run("buyer-bank", TxKind::kTradeOpenDispute,
                    TradeOpenDisputePayload{"trade-2", label_hash("incomplete data")})
              .ok());
  Receipt premature = chain.run("exchange", TxKind::kTradeSettle,
                                TradeSettlePayload{"trade-2", label_hash("pay"), 10, "CNY"});
  CHECK(premature.reason == Reason::kWrongState);
  Receipt resolved =
      chain.run("arbitrator-1", TxKind::kTradeResolveDispute,
                TradeResolvePayload{"trade-2", label_hash("ruling"), DisputeOutcome::kForBuyer});
  REQUIRE(resolved.ok());

  auto trail = trade_trail(chain.state(), "trade-2");
  REQUIRE(trail.ok());
  CHECK(trail->trade.state == TradeState::kResolved);
  CHECK(trail->trade.dispute->opened_by == "buyer-bank");
  CHECK(trail->trade.dispute->outcome == DisputeOutcome::kForBuyer);
  CHECK(kinds(trail->steps) ==
        std::vector<TxKind>{TxKind::kTradeCreate, TxKind::kTradeAccept, TxKind::kTradeReview,
                            TxKind::kTradeDeliver, TxKind::kTradeOpenDispute,
                            TxKind::kTradeSettle, TxKind::kTradeResolveDispute});
  CHECK(trail->steps[5].status == TxStatus::kFailed);
  CHECK(trail->steps[5].reason == Reason::kWrongState);

  // The ruling is carried out and recorded: the operator settles what it
  // orders (here the buyer's refund), and the trade ends settled.
  Receipt refund = chain.run("exchange", TxKind::kTradeSettle,
                             TradeSettlePayload{"trade-2", label_hash("refund"), 10, "CNY"});
  REQUIRE(refund.ok());
  auto settled = find_trade(chain.state(), "trade-2");
  REQUIRE(settled.ok());
  CHECK(settled->state == TradeState::kSettled);
  CHECK(settled->dispute->outcome == DisputeOutcome::kForBuyer);
  CHECK(settled->settlement->amount == 10);
  CHECK(chain.run("exchange", TxKind::kTradeSettle,
                  TradeSettlePayload{"trade-2", label_hash("again"), 10, "CNY"})
            .reason == Reason::kWrongState);
}

TEST_CASE("a trade is refused at review when an attestation has been revoked",
          "[ledger][scenario]") {
  TestChain chain;
  Prelude p = prelude(chain, "credit-scores", 2, "buyer-bank");
  REQUIRE(chain.run("buyer-bank", TxKind::kTradeCreate,
                    TradeCreatePayload{"trade-3", "credit-scores", label_hash("terms")})
              .ok());
  REQUIRE(chain.run("provider-acme", TxKind::kTradeAccept, TradeAcceptPayload{"trade-3"}).ok());
  REQUIRE(chain.run("attestor-ca", TxKind::kIdentityRevoke,
                    RevokePayload{p.buyer_attestation, label_hash("licence withdrawn")})
              .ok());

  Receipt refused = chain.run("reviewer-1", TxKind::kTradeReview, approval("trade-3", p));
  CHECK(refused.reason == Reason::kAttestationInvalid);
  CHECK_THAT(refused.message, Catch::Contains("was revoked at height"));

  TradeReviewPayload rejection = approval("trade-3", p);
  rejection.verdict = TradeVerdict::kReject;
  Receipt rejected = chain.run("reviewer-2", TxKind::kTradeReview, rejection);
  REQUIRE(rejected.ok());
  CHECK(rejected.events == std::vector<Event>{{"trade.rejected", "trade-3"}});

  auto trail = trade_trail(chain.state(), "trade-3");
  REQUIRE(trail.ok());
  CHECK(trail->trade.state == TradeState::kRejected);
  CHECK(kinds(trail->steps) == std::vector<TxKind>{TxKind::kTradeCreate, TxKind::kTradeAccept,
                                                   TxKind::kTradeReview, TxKind::kTradeReview});
  CHECK(trail->steps[2].status == TxStatus::kFailed);
  CHECK(trail->steps[2].reason == Reason::kAttestationInvalid);
  CHECK(trail->steps[3].status == TxStatus::kOk);
  // Only the recorded (rejecting) review counts as relied upon; it cited the
  // revoked attestation, which the trail shows with its revocation.
  REQUIRE(trail->trade.reviews.size() == 1);
  bool revoked_shown = false;
  for (const Attestation& a : trail->attestations) {
    if (a.id == p.buyer_attestation) revoked_shown = a.revoked_height.has_value();
  }
  CHECK(revoked_shown);
}

TEST_CASE("an asset's history and a participant's attestations come in pages",
          "[ledger][queries]") {
  TestChain chain;
  const std::uint64_t year = 365ull * 24 * 3600 * 1000;
  std::vector<Digest> attested;
  for (int i = 0; i < 5; ++i) attested.push_back(attest(chain, "buyer-bank", chain.genesis().time_ms + year));
  std::sort(attested.begin(), attested.end());  // the index is in id order

  std::vector<Digest> seen;
  std::optional<Digest> after;
  int pages = 0;
  do {
    auto page = attestations_page(chain.state(), "buyer-bank", after, 2);
    REQUIRE(page.ok());
    CHECK(page->attestations.size() <= 2);
    for (const Attestation& a : page->attestations) seen.push_back(a.id);
    after = page->next;
    ++pages;
  } while (after && pages < 10);
  CHECK(pages == 3);
  CHECK(seen == attested);
  // A page that ends exactly at the last one says no more follow.
  auto whole = attestations_page(chain.state(), "buyer-bank", std::nullopt, 5);
  REQUIRE(whole.ok());
  CHECK(whole->attestations.size() == 5);
  CHECK(!whole->next);
  CHECK(attestations_page(chain.state(), "nobody", std::nullopt, 5)->attestations.empty());

  prelude(chain, "asset-p", 2, "buyer-bank");  // registration and a source review
  auto first = asset_history_page(chain.state(), "asset-p", std::nullopt, 1);
  REQUIRE(first.ok());
  REQUIRE(first->entries.size() == 1);
  CHECK(first->entries[0].second.kind == TxKind::kAssetRegister);
  REQUIRE(first->next);
  auto second = asset_history_page(chain.state(), "asset-p", first->next, 1);
  REQUIRE(second.ok());
  REQUIRE(second->entries.size() == 1);
  CHECK(second->entries[0].second.kind == TxKind::kAssetReview);
  CHECK(second->entries[0].first > first->entries[0].first);
  CHECK(!second->next);  // nothing after the review
  CHECK(asset_history_page(chain.state(), "asset-p", second->entries[0].first, 1)->entries.empty());
}
