// The RPC's rules without a network: who may read what along a trade's whole
// lifecycle (on an in-memory chain), the rate limiter with time as an input,
// the authenticator's window and replay memory, and /readiness of a node
// that is behind its peers (a fake backend).
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <catch2/catch.hpp>
#include <thread>

#include "ledger/payloads.h"
#include "node/rpc/access.h"
#include "node/rpc/rate_limiter.h"
#include "node/rpc/server.h"
#include "storage/block_store.h"
#include "tests/rpc/live_node.h"
#include "tests/support/test_chain.h"

using namespace tracechain;
using namespace tracechain::ledger;
using node::rpc::Access;
using node::rpc::Caller;
using test::label_hash;
using test::TestChain;

namespace {

std::vector<test::Member> members() {
  auto list = test::default_members();
  list.push_back({"arbitrator-2", test::roles({"arbitrator"})});
  return list;
}

std::optional<Caller> as(const TestChain& chain, const std::string& id) {
  auto participant = find_participant(chain.state(), id);
  REQUIRE(participant.ok());
  return Caller{id, participant->roles, participant->current_key()};
}

bool sees_trade(const TestChain& chain, const std::string& who, const std::string& trade) {
  auto caller = as(chain, who);
  auto record = find_trade(chain.state(), trade);
  REQUIRE(record.ok());
  return Access(chain.state(), caller).can_read_trade(*record);
}

Digest attest(TestChain& chain, const std::string& subject) {
  std::uint64_t year = 365ull * 24 * 3600 * 1000;
  Receipt r = chain.run("attestor-ca", TxKind::kIdentityAttest,
                        AttestPayload{subject, "legal-entity", label_hash("evidence " + subject),
                                      chain.genesis().time_ms, chain.genesis().time_ms + year});
  REQUIRE(r.ok());
  return r.tx_hash;
}

// Attestations of both parties, asset "feed" with an approving source
// review, and trade "t" requested by buyer-bank: an approval of the trade
// may follow at once.
TradeReviewPayload trade_awaiting_review(TestChain& chain, Transaction* create = nullptr) {
  TradeReviewPayload review;
  review.trade_id = "t";
  review.provider_attestation = attest(chain, "provider-acme");
  review.buyer_attestation = attest(chain, "buyer-bank");
  REQUIRE(chain.run("provider-acme", TxKind::kAssetRegister,
                    AssetRegisterPayload{"feed", label_hash("c"), label_hash("m"), 1,
                                         label_hash("s"), label_hash("l")})
              .ok());
  Receipt source = chain.run("reviewer-2", TxKind::kAssetReview,
                             AssetReviewPayload{"feed", SourceVerdict::kApprove,
                                                label_hash("report"), "rules-2026.1"});
  REQUIRE(source.ok());
  review.source_review = source.tx_hash;
  review.report_hash = label_hash("review");
  Transaction tx =
      chain.make("buyer-bank", TxKind::kTradeCreate, TradeCreatePayload{"t", "feed", {}});
  REQUIRE(chain.run(tx).ok());
  if (create) *create = tx;
  return review;
}

}  // namespace

TEST_CASE("access along a trade's lifecycle: parties, reviewers, arbitrators, operators",
          "[rpc][access]") {
  TestChain chain(members());
  Transaction create;
  TradeReviewPayload review = trade_awaiting_review(chain, &create);

  // Requested: the parties and auditors only.
  for (const char* who : {"buyer-bank", "provider-acme", "auditor-1", "regulator"}) {
    CHECK(sees_trade(chain, who, "t"));
  }
  for (const char* who : {"buyer-abroad", "reviewer-1", "arbitrator-1", "exchange"}) {
    CHECK_FALSE(sees_trade(chain, who, "t"));
  }

  // Agreed: every reviewer, since any may review it.
  REQUIRE(chain.run("provider-acme", TxKind::kTradeAccept, TradeAcceptPayload{"t"}).ok());
  CHECK(sees_trade(chain, "reviewer-1", "t"));
  CHECK(sees_trade(chain, "reviewer-2", "t"));

  // Approved: only the reviewer who reviewed it.
  Transaction review_tx = chain.make("reviewer-1", TxKind::kTradeReview, review);
  REQUIRE(chain.run(review_tx).ok());
  CHECK(sees_trade(chain, "reviewer-1", "t"));
  CHECK_FALSE(sees_trade(chain, "reviewer-2", "t"));

  // Disputed: every arbitrator; then only the one who resolved it.
  REQUIRE(chain.run("provider-acme", TxKind::kTradeDeliver,
                    TradeDeliverPayload{"t", label_hash("d"), DeliveryMethod::kApi})
              .ok());
  REQUIRE(chain.run("buyer-bank", TxKind::kTradeOpenDispute,
                    TradeOpenDisputePayload{"t", label_hash("why")})
              .ok());
  CHECK(sees_trade(chain, "arbitrator-1", "t"));
  CHECK(sees_trade(chain, "arbitrator-2", "t"));
  CHECK_FALSE(sees_trade(chain, "exchange", "t"));
  REQUIRE(chain.run("arbitrator-1", TxKind::kTradeResolveDispute,
                    TradeResolvePayload{"t", label_hash("ruling"), DisputeOutcome::kSplit})
              .ok());
  CHECK(sees_trade(chain, "arbitrator-1", "t"));
  CHECK_FALSE(sees_trade(chain, "arbitrator-2", "t"));
  // Resolved: the operator sees it, to settle what the ruling orders; once
  // settled the arbitrator still sees its ruling.
  CHECK(sees_trade(chain, "exchange", "t"));
  REQUIRE(chain.run("exchange", TxKind::kTradeSettle,
                    TradeSettlePayload{"t", label_hash("split payment"), 500, "CNY"})
              .ok());
  CHECK(sees_trade(chain, "exchange", "t"));
  CHECK(sees_trade(chain, "arbitrator-1", "t"));
  CHECK_FALSE(sees_trade(chain, "arbitrator-2", "t"));

  // Transactions follow the record they concern.
  auto caller = as(chain, "buyer-bank");
  CHECK(Access(chain.state(), caller).can_read_transaction(review_tx));
  CHECK(Access(chain.state(), caller).can_read_transaction(create));
  auto stranger = as(chain, "buyer-abroad");
  CHECK_FALSE(Access(chain.state(), stranger).can_read_transaction(review_tx));
  std::optional<Caller> anonymous;
  CHECK_FALSE(Access(chain.state(), anonymous).can_read_transaction(create));

  // Attestations: the subject and reviewers all, an attestor its own, others none.
  CHECK(Access(chain.state(), caller).attestations_of("buyer-bank") == Access::Attestations::kAll);
  CHECK(Access(chain.state(), as(chain, "reviewer-2")).attestations_of("buyer-bank") ==
        Access::Attestations::kAll);
  CHECK(Access(chain.state(), as(chain, "attestor-ca")).attestations_of("buyer-bank") ==
        Access::Attestations::kOwn);
  CHECK(Access(chain.state(), as(chain, "provider-acme")).attestations_of("buyer-bank") ==
        Access::Attestations::kNone);
}

TEST_CASE("an operator sees the trades it settles", "[rpc][access]") {
  TestChain chain;
  TradeReviewPayload review = trade_awaiting_review(chain);
  REQUIRE(chain.run("provider-acme", TxKind::kTradeAccept, TradeAcceptPayload{"t"}).ok());
  REQUIRE(chain.run("reviewer-1", TxKind::kTradeReview, review).ok());
  REQUIRE(chain.run("provider-acme", TxKind::kTradeDeliver,
                    TradeDeliverPayload{"t", label_hash("d"), DeliveryMethod::kApi})
              .ok());
  CHECK_FALSE(sees_trade(chain, "exchange", "t"));
  REQUIRE(chain.run("buyer-bank", TxKind::kTradeConfirm, TradeConfirmPayload{"t"}).ok());
  CHECK(sees_trade(chain, "exchange", "t"));
  auto asset = find_asset(chain.state(), "feed");
  REQUIRE(asset.ok());
  CHECK(Access(chain.state(), as(chain, "exchange")).can_list_trades_of_asset(*asset));
  CHECK_FALSE(Access(chain.state(), as(chain, "buyer-bank")).can_list_trades_of_asset(*asset));
  CHECK(Access(chain.state(), as(chain, "buyer-bank")).can_read_asset(*asset));
  CHECK_FALSE(Access(chain.state(), as(chain, "buyer-abroad")).can_read_asset(*asset));
}

TEST_CASE("the rate limiter: bursts, refill, and a bounded table", "[rpc][limits]") {
  using Clock = node::rpc::RateLimiter::Clock;
  Clock::time_point t0{};
  auto at = [&](int ms) { return t0 + std::chrono::milliseconds(ms); };
  node::rpc::RateLimiter limiter(10, 3, 2);  // 10 per second, bursts of 3, two clients kept
  CHECK(limiter.take("a", 3, at(0)));
  CHECK_FALSE(limiter.take("a", 1, at(0)));
  CHECK(limiter.take("b", 1, at(0)));  // buckets are per client
  CHECK(limiter.take("a", 1, at(100)));  // 100 ms refill one
  CHECK_FALSE(limiter.take("a", 1, at(100)));
  // The table is full; "b" has refilled (idle) and makes room for "c".
  CHECK(limiter.take("c", 1, at(100)));
  // Nobody idle now: "d" and "e" share one overflow bucket.
  CHECK(limiter.take("d", 1, at(100)));
  CHECK_FALSE(limiter.take("e", 3, at(100)));
  // Later everyone has refilled: "e" gets its own bucket, never above the burst.
  CHECK(limiter.take("e", 1, at(10'000)));
  CHECK_FALSE(limiter.take("a", 4, at(10'000)));
  node::rpc::RateLimiter unlimited(0, 0);
  for (int i = 0; i < 1000; ++i) CHECK(unlimited.take("x", 100, t0));
}

TEST_CASE("the authenticator: window edges and replays", "[rpc][auth]") {
  TestChain chain;
  std::uint64_t now = 1'800'000'000'000;
  node::rpc::Authenticator authenticator(chain.params(), "node0", 1000, now - 1000, 2);
  const std::string body = "{}";
  auto credentials = [&](std::uint64_t ts, const std::string& audience = "node0") {
    auto h = test::sign_request(chain.key("buyer-bank"), "buyer-bank", chain.params().chain_id,
                                audience, "POST /", body, ts);
    return node::rpc::Credentials{h["X-Tracechain-Participant"], h["X-Tracechain-Timestamp"],
                                  h["X-Tracechain-Signature"]};
  };
  auto edge = credentials(now - 1000);
  CHECK(authenticator.verify(edge, "POST /", body, chain.state(), now).ok());
  CHECK_FALSE(authenticator.verify(edge, "POST /", body, chain.state(), now).ok());  // replay
  CHECK_FALSE(authenticator.verify(credentials(now - 1001), "POST /", body, chain.state(), now).ok());
  CHECK_FALSE(authenticator.verify(credentials(now + 1001), "POST /", body, chain.state(), now).ok());
  auto caller = authenticator.verify(credentials(now + 1000), "POST /", body, chain.state(), now);
  REQUIRE(caller.ok());
  CHECK(caller->id == "buyer-bank");
  CHECK(caller->has(Role::kBuyer));
  // Remembered signatures are forgotten once their window has passed.
  auto later = credentials(now + 5000);
  CHECK(authenticator.verify(later, "POST /", body, chain.state(), now + 5000).ok());
  CHECK_FALSE(authenticator.verify(later, "POST /", body, chain.state(), now + 5000).ok());
  // A request signed for another node is refused here.
  auto elsewhere = credentials(now + 6000, "node1");
  CHECK_FALSE(authenticator.verify(elsewhere, "POST /", body, chain.state(), now + 6000).ok());
}

TEST_CASE("the authenticator refuses requests signed before the node started", "[rpc][auth]") {
  // The replay cache starts empty at each start: a request captured within
  // the window before a restart must not pass after it.
  TestChain chain;
  const std::string body = "{}";
  std::uint64_t signed_at = 1'800'000'000'000;
  auto h = test::sign_request(chain.key("buyer-bank"), "buyer-bank", chain.params().chain_id,
                              "node0", "POST /", body, signed_at);
  node::rpc::Credentials captured{h["X-Tracechain-Participant"], h["X-Tracechain-Timestamp"],
                                  h["X-Tracechain-Signature"]};
  node::rpc::Authenticator before(chain.params(), "node0", 60'000, signed_at - 10);
  CHECK(before.verify(captured, "POST /", body, chain.state(), signed_at + 5).ok());
  node::rpc::Authenticator restarted(chain.params(), "node0", 60'000, signed_at + 20);
  auto replayed = restarted.verify(captured, "POST /", body, chain.state(), signed_at + 30);
  REQUIRE_FALSE(replayed.ok());
  CHECK_THAT(replayed.error().message(), Catch::Contains("earlier than this node's start"));
}

namespace {

// A node that is behind its peers, as far as /readiness can tell.
class LaggingBackend final : public node::rpc::Backend {
 public:
  explicit LaggingBackend(const Genesis& genesis)
      : store_(std::move(*storage::open_memory_block_store(genesis))) {}
  node::NodeStatus status() const override {
    node::NodeStatus s;
    s.height = 3;
    s.best_peer_height = 10;
    s.syncing = true;
    s.peers = {"validator-1"};
    return s;
  }
  const storage::BlockStore& store() const override { return *store_; }
  void submit(Bytes, std::function<void(Result<Digest>)> done) override {
    done(Error(ErrorCode::kResourceExhausted, "busy, retry"));
  }

 private:
  std::unique_ptr<storage::BlockStore> store_;
};

}  // namespace

TEST_CASE("readiness answers 503 with the reason while the node is behind", "[rpc][protocol]") {
  TestChain chain;
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  node::RpcSection config;
  config.listen = {"127.0.0.1", 0};
  config.metrics_listen = {"127.0.0.1", 0};
  {
    node::rpc::Server server(io, std::make_unique<LaggingBackend>(chain.genesis()), config);
    REQUIRE(server.start().ok());
    std::uint16_t port = server.rpc_endpoint().port;
    test::HttpReply behind = test::http_request(port, "GET", "/readiness?maxBlocksBehind=5");
    CHECK(behind.status == 503);
    CHECK(behind.json()["ready"] == false);
    CHECK(behind.json()["blocksBehind"] == 7);
    CHECK(behind.json()["reason"].get<std::string>().find("7 blocks behind") != std::string::npos);
    CHECK(test::http_request(port, "GET", "/readiness?maxBlocksBehind=7").status == 200);
    CHECK(test::http_request(port, "GET", "/readiness").status == 503);  // default: 2
    CHECK(test::http_request(port, "GET", "/health").status == 200);
    // Admission that refuses for load is "mempool full, retry" to a client.
    test::HttpReply busy = test::http_request(
        port, "POST", "/", R"({"jsonrpc":"2.0","id":1,"method":"tx_submit","params":{"tx":"00"}})");
    CHECK(busy.json()["error"]["code"] == -32003);
    server.stop();
  }
  work.reset();
  runner.join();
}
