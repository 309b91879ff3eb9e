// The trade state machine: every allowed transition succeeds, every other
// one fails with the precise reason, and every review rule holds.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "tests/support/test_chain.h"

using namespace tracechain;
using namespace tracechain::ledger;
using test::label_hash;
using test::TestChain;

namespace {

std::vector<test::Member> members() {
  auto list = test::default_members();
  list.push_back({"provider-other", test::roles({"provider"})});
  list.push_back({"buyer-reviewer", test::roles({"buyer", "reviewer"})});
  list.push_back({"buyer-arbitrator", test::roles({"buyer", "arbitrator"})});
  return list;
}

constexpr std::uint64_t kYearMs = 365ull * 24 * 3600 * 1000;

// A chain with attested parties and approved assets at every level.
class World {
 public:
  explicit World(Policy policy = test::default_policy()) : chain(members(), std::move(policy)) {
    for (const char* who : {"provider-acme", "buyer-bank", "buyer-abroad", "buyer-reviewer",
                            "buyer-arbitrator", "provider-other"}) {
      attestations[who] = attest(who, chain.genesis().time_ms + kYearMs);
    }
    for (std::uint8_t level = 1; level <= 4; ++level) {
      std::string id = "asset-l" + std::to_string(level);
      register_asset(id, level, "provider-acme");
      source_reviews[id] = review_source(id, SourceVerdict::kApprove);
    }
  }

  Digest attest(const std::string& subject, std::uint64_t until_ms) {
    Receipt r = chain.run("attestor-ca", TxKind::kIdentityAttest,
                          AttestPayload{subject, "legal-entity", label_hash(subject),
                                        chain.genesis().time_ms, until_ms});
    REQUIRE(r.ok());
    return r.tx_hash;
  }

  void register_asset(const std::string& id, std::uint8_t level, const std::string& provider) {
    REQUIRE(chain.run(provider, TxKind::kAssetRegister,
                      AssetRegisterPayload{id, label_hash(id), label_hash("m"), level,
                                           label_hash("s"), label_hash("l")})
                .ok());
  }

  Digest review_source(const std::string& asset, SourceVerdict verdict) {
    Receipt r = chain.run("reviewer-2", TxKind::kAssetReview,
                          AssetReviewPayload{asset, verdict, label_hash("report"), "r1"});
    REQUIRE(r.ok());
    return r.tx_hash;
  }

  TradeReviewPayload approval(const std::string& trade_id) {
    auto found = find_trade(chain.state(), trade_id);
    Trade trade = found ? *found : Trade{};
    if (!found) {  // a trade that does not exist: cite the usual parties' records
      trade.asset = "asset-l2";
      trade.buyer = "buyer-bank";
      trade.provider = "provider-acme";
    }
    TradeReviewPayload p;
    p.trade_id = trade_id;
    p.verdict = TradeVerdict::kApprove;
    p.buyer_attestation = attestations.at(trade.buyer);
    p.provider_attestation = attestations.at(trade.provider);
    p.source_review = source_reviews.at(trade.asset);
    p.report_hash = label_hash("report " + trade_id);
    p.security_assessment_hash = label_hash("assessment");
    return p;
  }

  Receipt create(const std::string& trade_id, const std::string& asset = "asset-l2",
                 const std::string& buyer = "buyer-bank") {
    return chain.run(buyer, TxKind::kTradeCreate,
                     TradeCreatePayload{trade_id, asset, label_hash("terms")});
  }

  // One step of the lifecycle, sent by the party it belongs to (or `sender`).
  Receipt step(TxKind kind, const std::string& trade_id, std::string sender = "") {
    auto who = [&](const char* fallback) { return sender.empty() ? std::string(fallback) : sender; };
    switch (kind) {
      case TxKind::kTradeAccept:
        return chain.run(who("provider-acme"), kind, TradeAcceptPayload{trade_id});
      case TxKind::kTradeDecline:
        return chain.run(who("provider-acme"), kind, TradeDeclinePayload{trade_id});
      case TxKind::kTradeConfirm:
        return chain.run(who("buyer-bank"), kind, TradeConfirmPayload{trade_id});
      case TxKind::kTradeCancel:
        return chain.run(who("buyer-bank"), kind, TradeCancelPayload{trade_id, label_hash("r")});
      case TxKind::kTradeOpenDispute:
        return chain.run(who("buyer-bank"), kind,
                         TradeOpenDisputePayload{trade_id, label_hash("r")});
      case TxKind::kTradeReview:
        return chain.run(who("reviewer-1"), kind, approval(trade_id));
      case TxKind::kTradeDeliver:
        return chain.run(who("provider-acme"), kind,
                         TradeDeliverPayload{trade_id, label_hash("d"), DeliveryMethod::kDownload});
      case TxKind::kTradeRecordUsage:
        return chain.run(who("buyer-bank"), kind, TradeUsagePayload{trade_id, label_hash("u"), 3});
      case TxKind::kTradeSettle:
        return chain.run(who("exchange"), kind,
                         TradeSettlePayload{trade_id, label_hash("p"), 100, "CNY"});
      case TxKind::kTradeResolveDispute:
        return chain.run(who("arbitrator-1"), kind,
                         TradeResolvePayload{trade_id, label_hash("ruling"), DisputeOutcome::kSplit});
      default:
        FAIL("not a trade step");
        return {};
    }
  }

  // A fresh trade (asset L2, buyer-bank) driven along the legal path to `state`.
  std::string trade_in(TradeState state) {
    std::string id = "trade-" + std::to_string(++counter);
    REQUIRE(create(id).ok());
    auto go = [&](TxKind kind, std::string sender = "") {
      Receipt r = step(kind, id, std::move(sender));
      INFO(r.message);
      REQUIRE(r.ok());
    };
    switch (state) {
      case TradeState::kRequested:
        break;
      case TradeState::kDeclined:
        go(TxKind::kTradeDecline);
        break;
      case TradeState::kCancelled:
        go(TxKind::kTradeCancel);
        break;
      case TradeState::kRejected: {
        go(TxKind::kTradeAccept);
        TradeReviewPayload reject = approval(id);
        reject.verdict = TradeVerdict::kReject;
        REQUIRE(chain.run("reviewer-1", TxKind::kTradeReview, reject).ok());
        break;
      }
      case TradeState::kAgreed:
      case TradeState::kApproved:
      case TradeState::kDelivered:
      case TradeState::kAccepted:
      case TradeState::kSettled:
      case TradeState::kDisputed:
      case TradeState::kResolved:
        go(TxKind::kTradeAccept);
        if (state == TradeState::kAgreed) break;
        go(TxKind::kTradeReview);
        if (state == TradeState::kApproved) break;
        go(TxKind::kTradeDeliver);
        if (state == TradeState::kDelivered) break;
        if (state == TradeState::kDisputed || state == TradeState::kResolved) {
          go(TxKind::kTradeOpenDispute);
          if (state == TradeState::kResolved) go(TxKind::kTradeResolveDispute);
          break;
        }
        go(TxKind::kTradeConfirm);
        if (state == TradeState::kAccepted) break;
        go(TxKind::kTradeSettle);
        break;
    }
    REQUIRE(find_trade(chain.state(), id)->state == state);
    return id;
  }

  // A governance change, applied: the exchange proposes, the regulator
  // approves (threshold 2).
  void govern(const std::string& proposal, const Change& change) {
    Receipt proposed = chain.run("exchange", TxKind::kGovernancePropose,
                                 ProposePayload{proposal, change, chain.height() + 5});
    INFO(proposed.message);
    REQUIRE(proposed.ok());
    Receipt approved = chain.run("regulator", TxKind::kGovernanceApprove, ApprovePayload{proposal});
    INFO(approved.message);
    REQUIRE(approved.ok());
  }

  TestChain chain;
  std::map<std::string, Digest> attestations;
  std::map<std::string, Digest> source_reviews;
  int counter = 0;
};

const std::vector<TradeState> kAllStates = {
    TradeState::kRequested, TradeState::kAgreed,   TradeState::kApproved,
    TradeState::kRejected,  TradeState::kDelivered, TradeState::kAccepted,
    TradeState::kSettled,   TradeState::kDisputed,  TradeState::kResolved,
    TradeState::kCancelled, TradeState::kDeclined};

const std::vector<TxKind> kSteps = {
    TxKind::kTradeAccept,  TxKind::kTradeDecline,      TxKind::kTradeCancel,
    TxKind::kTradeReview,  TxKind::kTradeDeliver,      TxKind::kTradeConfirm,
    TxKind::kTradeRecordUsage, TxKind::kTradeSettle,   TxKind::kTradeOpenDispute,
    TxKind::kTradeResolveDispute};

// Where each step may leave from, and where it leads (usage keeps the state).
struct Transition {
  TradeState from;
  TxKind kind;
  TradeState to;
};

const std::vector<Transition> kTransitions = {
    {TradeState::kRequested, TxKind::kTradeAccept, TradeState::kAgreed},
    {TradeState::kRequested, TxKind::kTradeDecline, TradeState::kDeclined},
    {TradeState::kRequested, TxKind::kTradeCancel, TradeState::kCancelled},
    {TradeState::kAgreed, TxKind::kTradeCancel, TradeState::kCancelled},
    {TradeState::kApproved, TxKind::kTradeCancel, TradeState::kCancelled},
    {TradeState::kAgreed, TxKind::kTradeReview, TradeState::kApproved},
    {TradeState::kApproved, TxKind::kTradeDeliver, TradeState::kDelivered},
    {TradeState::kDelivered, TxKind::kTradeConfirm, TradeState::kAccepted},
    {TradeState::kDelivered, TxKind::kTradeRecordUsage, TradeState::kDelivered},
    {TradeState::kAccepted, TxKind::kTradeRecordUsage, TradeState::kAccepted},
    {TradeState::kSettled, TxKind::kTradeRecordUsage, TradeState::kSettled},
    {TradeState::kAccepted, TxKind::kTradeSettle, TradeState::kSettled},
    {TradeState::kDelivered, TxKind::kTradeOpenDispute, TradeState::kDisputed},
    {TradeState::kAccepted, TxKind::kTradeOpenDispute, TradeState::kDisputed},
    {TradeState::kDisputed, TxKind::kTradeResolveDispute, TradeState::kResolved},
    {TradeState::kResolved, TxKind::kTradeSettle, TradeState::kSettled},
};

}  // namespace

TEST_CASE("exactly the lifecycle's transitions are allowed", "[ledger][trades]") {
  World world;
  std::set<std::pair<TradeState, TxKind>> allowed;
  for (const Transition& t : kTransitions) allowed.insert({t.from, t.kind});

  for (TradeState from : kAllStates) {
    for (TxKind kind : kSteps) {
      std::string id = world.trade_in(from);
      Receipt r = world.step(kind, id);
      INFO(trade_state_name(from) << " --" << *tx_kind_name(kind) << "--> : " << r.message);
      TradeState after = find_trade(world.chain.state(), id)->state;
      if (allowed.count({from, kind})) {
        CHECK(r.ok());
        auto t = std::find_if(kTransitions.begin(), kTransitions.end(), [&](const Transition& x) {
          return x.from == from && x.kind == kind;
        });
        CHECK(after == t->to);
      } else {
        CHECK(r.reason == Reason::kWrongState);
        CHECK_THAT(r.message, Catch::Contains(std::string("is ") +
                                              std::string(trade_state_name(from))));
        CHECK(after == from);
      }
    }
  }
}

TEST_CASE("each step belongs to its party", "[ledger][trades]") {
  World world;
  struct Case {
    TradeState from;
    TxKind kind;
    const char* intruder;
  };
  const Case cases[] = {
      {TradeState::kRequested, TxKind::kTradeAccept, "provider-other"},
      {TradeState::kRequested, TxKind::kTradeDecline, "provider-other"},
      {TradeState::kRequested, TxKind::kTradeCancel, "buyer-abroad"},
      {TradeState::kAgreed, TxKind::kTradeCancel, "provider-other"},
      {TradeState::kApproved, TxKind::kTradeDeliver, "provider-other"},
      {TradeState::kDelivered, TxKind::kTradeConfirm, "buyer-abroad"},
      {TradeState::kDelivered, TxKind::kTradeRecordUsage, "buyer-abroad"},
      {TradeState::kDelivered, TxKind::kTradeOpenDispute, "buyer-abroad"},
  };
  for (const Case& c : cases) {
    std::string id = world.trade_in(c.from);
    Receipt r = world.step(c.kind, id, c.intruder);
    INFO(*tx_kind_name(c.kind) << " by " << c.intruder << ": " << r.message);
    CHECK(r.reason == Reason::kWrongParty);
    CHECK(find_trade(world.chain.state(), id)->state == c.from);
  }
  // The provider may cancel and dispute too.
  CHECK(world.step(TxKind::kTradeCancel, world.trade_in(TradeState::kAgreed), "provider-acme").ok());
  CHECK(world.step(TxKind::kTradeOpenDispute, world.trade_in(TradeState::kAccepted),
                   "provider-acme")
            .ok());

  // Reviewers and arbitrators must not be parties to the trade.
  std::string own = "own-review";
  REQUIRE(world.create(own, "asset-l2", "buyer-reviewer").ok());
  REQUIRE(world.step(TxKind::kTradeAccept, own).ok());
  Receipt self_review = world.chain.run("buyer-reviewer", TxKind::kTradeReview, world.approval(own));
  CHECK(self_review.reason == Reason::kWrongParty);

  std::string arbitrated = "own-dispute";
  REQUIRE(world.create(arbitrated, "asset-l2", "buyer-arbitrator").ok());
  REQUIRE(world.step(TxKind::kTradeAccept, arbitrated).ok());
  REQUIRE(world.step(TxKind::kTradeReview, arbitrated).ok());
  REQUIRE(world.step(TxKind::kTradeDeliver, arbitrated).ok());
  REQUIRE(world.step(TxKind::kTradeOpenDispute, arbitrated, "buyer-arbitrator").ok());
  CHECK(world.step(TxKind::kTradeResolveDispute, arbitrated, "buyer-arbitrator").reason ==
        Reason::kWrongParty);
}

TEST_CASE("creating a trade checks the asset, its level and its source", "[ledger][trades]") {
  World world;
  REQUIRE(world.create("t").ok());
  CHECK(world.create("t").reason == Reason::kAlreadyExists);
  CHECK(world.create("t2", "no-asset").reason == Reason::kNotFound);

  Receipt l4 = world.create("t3", "asset-l4");
  CHECK(l4.reason == Reason::kNotTradable);
  CHECK_THAT(l4.message, Catch::Contains("level L4"));

  world.review_source("asset-l1", SourceVerdict::kReject);
  Receipt rejected_source = world.create("t4", "asset-l1");
  CHECK(rejected_source.reason == Reason::kSourceReviewInvalid);

  // A participant that provides an asset cannot also buy it.
  world.register_asset("own-asset", 1, "provider-other");
  Change grant;
  grant.type = ChangeType::kGrantRoles;
  grant.subject = "provider-other";
  grant.roles = test::roles({"buyer"});
  world.govern("g", grant);
  CHECK(world.create("t5", "own-asset", "provider-other").reason == Reason::kWrongParty);

  // A suspended provider's assets cannot be traded.
  Change suspend;
  suspend.type = ChangeType::kSuspendParticipant;
  suspend.subject = "provider-acme";
  world.govern("s", suspend);
  Receipt suspended = world.create("t6", "asset-l2");
  CHECK(suspended.reason == Reason::kWrongParty);
  CHECK_THAT(suspended.message, Catch::Contains("suspended"));
}

TEST_CASE("an approving review must rely on valid attestations and a valid source review",
          "[ledger][trades]") {
  World world;
  std::string id = world.trade_in(TradeState::kAgreed);
  auto refuse = [&](TradeReviewPayload payload, Reason reason, const std::string& text) {
    Receipt r = world.chain.run("reviewer-1", TxKind::kTradeReview, payload);
    INFO(r.message);
    CHECK(r.reason == reason);
    CHECK_THAT(r.message, Catch::Contains(text));
    CHECK(find_trade(world.chain.state(), id)->state == TradeState::kAgreed);
    CHECK(find_trade(world.chain.state(), id)->reviews.empty());
  };

  TradeReviewPayload missing = world.approval(id);
  missing.buyer_attestation.reset();
  refuse(missing, Reason::kAttestationInvalid, "must name the buyer's attestation");

  TradeReviewPayload unknown = world.approval(id);
  unknown.provider_attestation = label_hash("no such attestation");
  refuse(unknown, Reason::kAttestationInvalid, "does not exist");

  TradeReviewPayload swapped = world.approval(id);
  std::swap(swapped.buyer_attestation, swapped.provider_attestation);
  refuse(swapped, Reason::kAttestationInvalid, "not the buyer 'buyer-bank'");

  // An attestation whose validity window closes before this block's time.
  Digest short_lived = world.attest("buyer-bank", world.chain.next_time_ms() + 1000);
  REQUIRE(world.chain.commit({}).ok());
  REQUIRE(world.chain.commit({}).ok());
  TradeReviewPayload expired = world.approval(id);
  expired.buyer_attestation = short_lived;
  refuse(expired, Reason::kAttestationInvalid, "is outside it");

  TradeReviewPayload no_source = world.approval(id);
  no_source.source_review.reset();
  refuse(no_source, Reason::kSourceReviewInvalid, "must name the asset's source review");

  TradeReviewPayload other_asset = world.approval(id);
  other_asset.source_review = world.source_reviews.at("asset-l1");
  refuse(other_asset, Reason::kSourceReviewInvalid, "is of asset 'asset-l1'");

  Digest rejecting = world.review_source("asset-l2", SourceVerdict::kReject);
  TradeReviewPayload rejected = world.approval(id);
  rejected.source_review = rejecting;
  refuse(rejected, Reason::kSourceReviewInvalid, "rejected the asset's source");
  // The earlier approving review no longer suffices once a later one rejects.
  refuse(world.approval(id), Reason::kSourceReviewInvalid, "latest source review");

  world.source_reviews["asset-l2"] = world.review_source("asset-l2", SourceVerdict::kApproveWithConditions);
  CHECK(world.chain.run("reviewer-1", TxKind::kTradeReview, world.approval(id)).ok());
  CHECK(find_trade(world.chain.state(), id)->state == TradeState::kApproved);
}

namespace {

Receipt revoke(World& world, const Digest& attestation) {
  return world.chain.run("attestor-ca", TxKind::kIdentityRevoke,
                         RevokePayload{attestation, label_hash("revoked")});
}

// The governors adopt `policy`.
void change_policy(World& world, const std::string& proposal, const Policy& policy) {
  Change change;
  change.type = ChangeType::kChangePolicy;
  change.policy = policy;
  world.govern(proposal, change);
  REQUIRE(read_policy(world.chain.state()).value() == policy);
}

}  // namespace

TEST_CASE("policy names the claim types and attestors an approval may rely on, per level",
          "[ledger][trades][identity]") {
  World world;
  // Without identity rules any claim of any attestor will do.
  std::string before = world.trade_in(TradeState::kAgreed);
  Digest colour = world.chain.run("attestor-ca", TxKind::kIdentityAttest,
                                  AttestPayload{"buyer-bank", "favourite-colour", label_hash("blue"),
                                                world.chain.genesis().time_ms,
                                                world.chain.genesis().time_ms + kYearMs})
                      .tx_hash;
  TradeReviewPayload relies_on_colour = world.approval(before);
  relies_on_colour.buyer_attestation = colour;
  CHECK(world.chain.run("reviewer-1", TxKind::kTradeReview, relies_on_colour).ok());

  // Governance adopts rules: L2 accepts only legal-entity or licensed-broker
  // claims; L1 only attestations made by a governor.
  Policy strict = test::default_policy();
  strict.levels[1].accepted_claims = {"legal-entity", "licensed-broker"};
  strict.levels[0].attestor_roles = test::roles({"governor"});
  change_policy(world, "identity-rules", strict);

  std::string l2 = world.trade_in(TradeState::kAgreed);
  relies_on_colour = world.approval(l2);
  relies_on_colour.buyer_attestation = colour;
  Receipt refused = world.chain.run("reviewer-1", TxKind::kTradeReview, relies_on_colour);
  INFO(refused.message);
  CHECK(refused.reason == Reason::kAttestationInvalid);
  CHECK_THAT(refused.message,
             Catch::Contains("attests 'favourite-colour'; policy for level L2 accepts only "
                             "'legal-entity', 'licensed-broker'"));
  CHECK(find_trade(world.chain.state(), l2)->state == TradeState::kAgreed);
  CHECK(world.chain.run("reviewer-1", TxKind::kTradeReview, world.approval(l2)).ok());
  CHECK(find_trade(world.chain.state(), l2)->state == TradeState::kApproved);

  REQUIRE(world.create("l1", "asset-l1").ok());
  REQUIRE(world.step(TxKind::kTradeAccept, "l1").ok());
  Receipt by_attestor = world.chain.run("reviewer-1", TxKind::kTradeReview, world.approval("l1"));
  INFO(by_attestor.message);
  CHECK(by_attestor.reason == Reason::kAttestationInvalid);
  CHECK_THAT(by_attestor.message,
             Catch::Contains("was made by 'attestor-ca', who holds none of the roles policy "
                             "accepts of level L1 attestors (governor)"));
  // Once the attestor is also a governor, its attestations count at L1.
  Change grant;
  grant.type = ChangeType::kGrantRoles;
  grant.subject = "attestor-ca";
  grant.roles = test::roles({"governor"});
  world.govern("ca-governs", grant);
  CHECK(world.chain.run("reviewer-1", TxKind::kTradeReview, world.approval("l1")).ok());
  CHECK(find_trade(world.chain.state(), "l1")->state == TradeState::kApproved);

  // A suspended attestor's attestations do not count where roles are named.
  Change suspend;
  suspend.type = ChangeType::kSuspendParticipant;
  suspend.subject = "attestor-ca";
  world.govern("ca-suspended", suspend);
  REQUIRE(world.create("l1-after", "asset-l1").ok());
  REQUIRE(world.step(TxKind::kTradeAccept, "l1-after").ok());
  Receipt suspended = world.chain.run("reviewer-1", TxKind::kTradeReview, world.approval("l1-after"));
  CHECK(suspended.reason == Reason::kAttestationInvalid);
  CHECK_THAT(suspended.message, Catch::Contains("who is suspended"));
}

TEST_CASE("under identity-until-settlement a lapsed attestation stops delivery and settlement",
          "[ledger][trades][identity]") {
  Policy policy = test::default_policy();
  policy.levels[1].identity_until_settlement = true;  // L2
  World world(policy);

  // Revoked after approval: delivery is refused, on the record; the trade can
  // still be called off.
  world.attestations["buyer-bank"] = world.attest("buyer-bank", world.chain.genesis().time_ms + kYearMs);
  std::string approved = world.trade_in(TradeState::kApproved);
  Digest buyer = world.attestations["buyer-bank"];
  REQUIRE(revoke(world, buyer).ok());
  std::uint64_t revoked_at = world.chain.height();
  Receipt deliver = world.step(TxKind::kTradeDeliver, approved);
  INFO(deliver.message);
  CHECK(deliver.reason == Reason::kAttestationInvalid);
  CHECK_THAT(deliver.message,
             Catch::Contains("attestation " + to_hex(buyer) + " of the buyer 'buyer-bank', which "
                             "the approval by 'reviewer-1' relied on, was revoked at height " +
                             std::to_string(revoked_at) +
                             "; policy for level L2 requires the parties' attestations in force "
                             "until settlement"));
  CHECK(find_trade(world.chain.state(), approved)->state == TradeState::kApproved);
  CHECK(world.step(TxKind::kTradeCancel, approved).ok());
  CHECK(find_trade(world.chain.state(), approved)->state == TradeState::kCancelled);

  // Revoked after delivery: the buyer can still confirm, but not be paid out,
  // neither directly nor after a ruling.
  world.attestations["buyer-bank"] = world.attest("buyer-bank", world.chain.genesis().time_ms + kYearMs);
  world.attestations["provider-acme"] =
      world.attest("provider-acme", world.chain.genesis().time_ms + kYearMs);
  std::string accepted = world.trade_in(TradeState::kAccepted);
  std::string resolved = world.trade_in(TradeState::kResolved);
  REQUIRE(revoke(world, world.attestations["provider-acme"]).ok());
  for (const std::string& id : {accepted, resolved}) {
    Receipt settle = world.step(TxKind::kTradeSettle, id);
    INFO(id << ": " << settle.message);
    CHECK(settle.reason == Reason::kAttestationInvalid);
    CHECK_THAT(settle.message, Catch::Contains("of the provider 'provider-acme'"));
    CHECK(find_trade(world.chain.state(), id)->settlement == std::nullopt);
  }

  // Expired rather than revoked: the same.
  world.attestations["provider-acme"] =
      world.attest("provider-acme", world.chain.genesis().time_ms + kYearMs);
  world.attestations["buyer-bank"] = world.attest("buyer-bank", world.chain.next_time_ms() + 30'000);
  std::string expiring = world.trade_in(TradeState::kApproved);
  for (int i = 0; i < 40; ++i) REQUIRE(world.chain.commit({}).ok());  // a second each
  Receipt late = world.step(TxKind::kTradeDeliver, expiring);
  CHECK(late.reason == Reason::kAttestationInvalid);
  CHECK_THAT(late.message, Catch::Contains("is outside it"));

  // A level without the rule goes on as before: L1 delivers after a revocation.
  world.attestations["buyer-bank"] = world.attest("buyer-bank", world.chain.genesis().time_ms + kYearMs);
  REQUIRE(world.create("l1", "asset-l1").ok());
  REQUIRE(world.step(TxKind::kTradeAccept, "l1").ok());
  REQUIRE(world.step(TxKind::kTradeReview, "l1").ok());
  REQUIRE(revoke(world, world.attestations["buyer-bank"]).ok());
  CHECK(world.step(TxKind::kTradeDeliver, "l1").ok());
}

TEST_CASE("policy sets how many distinct reviewers must approve", "[ledger][trades]") {
  World world;
  REQUIRE(world.create("l3", "asset-l3").ok());
  REQUIRE(world.step(TxKind::kTradeAccept, "l3").ok());
  Receipt first = world.chain.run("reviewer-1", TxKind::kTradeReview, world.approval("l3"));
  REQUIRE(first.ok());
  CHECK(first.events == std::vector<Event>{{"trade.reviewed", "l3"}});
  CHECK(find_trade(world.chain.state(), "l3")->state == TradeState::kAgreed);
  Receipt repeat = world.chain.run("reviewer-1", TxKind::kTradeReview, world.approval("l3"));
  CHECK(repeat.reason == Reason::kDuplicateReview);
  Receipt second = world.chain.run("reviewer-2", TxKind::kTradeReview, world.approval("l3"));
  REQUIRE(second.ok());
  CHECK(second.events == std::vector<Event>{{"trade.approved", "l3"}});
  auto trade = find_trade(world.chain.state(), "l3");
  CHECK(trade->state == TradeState::kApproved);
  REQUIRE(trade->reviews.size() == 2);
  CHECK(trade->reviews[0].reviewer == "reviewer-1");
  CHECK(trade->reviews[1].reviewer == "reviewer-2");
}

TEST_CASE("cross-border approvals need a security assessment where policy says so",
          "[ledger][trades]") {
  World world;
  REQUIRE(world.create("abroad", "asset-l3", "buyer-abroad").ok());
  CHECK(find_trade(world.chain.state(), "abroad")->cross_border);
  REQUIRE(world.step(TxKind::kTradeAccept, "abroad").ok());
  TradeReviewPayload bare = world.approval("abroad");
  bare.security_assessment_hash.reset();
  Receipt refused = world.chain.run("reviewer-1", TxKind::kTradeReview, bare);
  CHECK(refused.reason == Reason::kAssessmentMissing);
  CHECK(world.chain.run("reviewer-1", TxKind::kTradeReview, world.approval("abroad")).ok());

  // A domestic trade at the same level needs none; a cross-border one at L2 neither.
  REQUIRE(world.create("home", "asset-l3").ok());
  CHECK_FALSE(find_trade(world.chain.state(), "home")->cross_border);
  REQUIRE(world.step(TxKind::kTradeAccept, "home").ok());
  TradeReviewPayload home = world.approval("home");
  home.security_assessment_hash.reset();
  CHECK(world.chain.run("reviewer-1", TxKind::kTradeReview, home).ok());
  REQUIRE(world.create("abroad-l2", "asset-l2", "buyer-abroad").ok());
  REQUIRE(world.step(TxKind::kTradeAccept, "abroad-l2").ok());
  TradeReviewPayload l2 = world.approval("abroad-l2");
  l2.security_assessment_hash.reset();
  CHECK(world.chain.run("reviewer-1", TxKind::kTradeReview, l2).ok());
}

TEST_CASE("steps on a trade that does not exist fail as not found", "[ledger][trades]") {
  World world;
  for (TxKind kind : kSteps) {
    Receipt r = world.step(kind, "ghost");
    INFO(*tx_kind_name(kind));
    CHECK(r.reason == Reason::kNotFound);
    CHECK(r.message == "trade 'ghost' does not exist");
  }
  // Failed attempts on an unknown trade leave no trail to attach to.
  CHECK_FALSE(trade_trail(world.chain.state(), "ghost").ok());
}
