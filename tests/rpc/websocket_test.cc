// WebSocket subscriptions against a live node: new blocks for anyone, trade
// events only for the parties of the trade, receipts only for their sender;
// and the receipt waiter tracectl uses, listening or, without a WebSocket,
// polling the anonymous tx_getStatus.
#include <catch2/catch.hpp>

#include "ledger/encoding.h"
#include "ledger/payloads.h"
#include "node/rpc/client.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;

namespace {

Json subscribe(WsClient& ws, const std::string& topic) {
  Json reply = ws.call({{"jsonrpc", "2.0"},
                        {"id", topic},
                        {"method", "events_subscribe"},
                        {"params", {{"topic", topic}}}});
  INFO(reply.dump());
  REQUIRE(reply.contains("result"));
  return reply["result"];
}

// Notifications of `topic` until one satisfies `done` (or the wait runs out).
std::vector<Json> notifications_until(WsClient& ws, const std::string& topic,
                                      const std::function<bool(const Json&)>& done) {
  std::vector<Json> seen;
  for (int i = 0; i < 200; ++i) {
    auto message = ws.receive(std::chrono::seconds(10));
    REQUIRE(message.has_value());
    Json m = Json::parse(*message);
    REQUIRE(m["method"] == "events_notification");
    if (m["params"]["topic"] != topic) continue;
    seen.push_back(m["params"]["result"]);
    if (done(seen.back())) return seen;
  }
  FAIL("the awaited notification never came");
  return seen;
}

// What an unsigned connection's subscription to `topic` is answered.
Json subscribe_anonymously(LiveNode& live, const std::string& topic) {
  WsClient anonymous(live.rpc_port());
  return anonymous.call({{"jsonrpc", "2.0"},
                         {"id", 1},
                         {"method", "events_subscribe"},
                         {"params", {{"topic", topic}}}});
}

}  // namespace

TEST_CASE("WebSocket: JSON-RPC calls and new-block notifications", "[rpc][websocket]") {
  LiveNode live;
  WsClient ws(live.rpc_port());
  Json status = ws.call({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "chain_getStatus"}});
  CHECK(status["result"]["chainId"] == live.chain_id());
  Json bad = ws.call({{"jsonrpc", "2.0"},
                      {"id", 2},
                      {"method", "events_subscribe"},
                      {"params", {{"topic", "everything"}}}});
  CHECK(bad["error"]["code"] == -32602);
  Json parse_error = [&] {
    ws.send("{not json");
    return Json::parse(*ws.receive());
  }();
  CHECK(parse_error["error"]["code"] == -32700);

  std::string id = subscribe(ws, "newBlocks");
  ledger::AssetRegisterPayload asset;
  asset.asset_id = "asset-w";
  Digest hash = live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, asset));
  auto location = live.node().store().locate(hash);
  REQUIRE(location.ok());
  auto blocks = notifications_until(
      ws, "newBlocks", [&](const Json& block) { return block["height"] == location->height; });
  CHECK(blocks.back()["transactionCount"] == 1);
  CHECK(blocks.back()["hash"].get<std::string>().size() == 64);

  Json gone = ws.call({{"jsonrpc", "2.0"},
                       {"id", 3},
                       {"method", "events_unsubscribe"},
                       {"params", {{"subscription", id}}}});
  CHECK(gone["result"] == true);
  Json again = ws.call({{"jsonrpc", "2.0"},
                        {"id", 4},
                        {"method", "events_unsubscribe"},
                        {"params", {{"subscription", id}}}});
  CHECK(again["result"] == false);
}

TEST_CASE("WebSocket: trade events reach the trade's parties only", "[rpc][websocket]") {
  LiveNode live;
  ledger::AssetRegisterPayload asset;
  asset.asset_id = "asset-1";
  asset.level = 2;
  live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, asset));

  // Unsigned connections may not ask for trade events.
  CHECK(subscribe_anonymously(live, "tradeEvents")["error"]["code"] == -32002);

  auto signed_headers = [&](const std::string& who) {
    return sign_request(live.key(who), who, live.chain_id(), live.node_id(), "GET /ws", "");
  };
  WsClient bank(live.rpc_port(), signed_headers("buyer-bank"));
  WsClient abroad(live.rpc_port(), signed_headers("buyer-abroad"));
  // Browsers pass the same credentials in the query.
  auto query = signed_headers("provider-acme");
  WsClient provider(live.rpc_port(), {},
                    "/ws?participant=provider-acme&timestamp=" + query["X-Tracechain-Timestamp"] +
                        "&signature=" + query["X-Tracechain-Signature"]);
  subscribe(bank, "tradeEvents");
  subscribe(abroad, "tradeEvents");
  subscribe(provider, "tradeEvents");
  subscribe(abroad, "newBlocks");

  live.commit(live.make("buyer-bank", ledger::TxKind::kTradeCreate,
                        ledger::TradeCreatePayload{"trade-b", "asset-1", {}}));
  Digest second = live.commit(live.make("buyer-abroad", ledger::TxKind::kTradeCreate,
                                        ledger::TradeCreatePayload{"trade-a", "asset-1", {}}));

  auto bank_events = notifications_until(bank, "tradeEvents",
                                         [](const Json& e) { return e["tradeId"] == "trade-b"; });
  CHECK(bank_events.back()["event"] == "trade.requested");
  CHECK(bank_events.back()["sender"] == "buyer-bank");

  auto provider_events = notifications_until(
      provider, "tradeEvents", [](const Json& e) { return e["tradeId"] == "trade-a"; });
  CHECK(provider_events.size() == 2);  // both trades are the provider's

  // buyer-abroad sees its own trade-a, and never trade-b: by the block that
  // holds trade-a, any trade-b event would already have arrived.
  auto abroad_events = notifications_until(abroad, "tradeEvents",
                                           [](const Json& e) { return e["tradeId"] == "trade-a"; });
  for (const Json& e : abroad_events) CHECK(e["tradeId"] == "trade-a");
  auto location = live.node().store().locate(second);
  REQUIRE(location.ok());
  CHECK(abroad_events.back()["height"] == location->height);

  // A failed signature on the upgrade is a 401, not a connection.
  auto stale = sign_request(live.key("buyer-bank"), "buyer-bank", live.chain_id(), live.node_id(), "GET /ws", "",
                            now_ms() - 600'000);
  CHECK_THROWS(WsClient(live.rpc_port(), stale));
}

TEST_CASE("a WebSocket closes when its caller's roles, status or key change", "[rpc][websocket]") {
  LiveNode live;
  auto open = [&](const std::string& who) {
    auto ws = std::make_unique<WsClient>(
        live.rpc_port(), sign_request(live.key(who), who, live.chain_id(), live.node_id(),
                                      "GET /ws", ""));
    Json me = ws->call({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "auth_whoAmI"}});
    REQUIRE(me["result"]["participant"] == who);
    return ws;
  };
  // Reads until the node closes the connection; its close reason.
  auto closed_because = [](WsClient& ws) {
    for (int i = 0; i < 100; ++i) {
      if (!ws.receive(std::chrono::seconds(10))) break;
    }
    CHECK(ws.close_code() == 1008);
    return ws.close_reason();
  };
  auto auditor = open("regulator");
  auto buyer = open("buyer-abroad");
  auto provider = open("provider-acme");
  auto bystander = open("buyer-bank");

  ledger::Change revoke;
  revoke.type = ledger::ChangeType::kRevokeRoles;
  revoke.subject = "regulator";  // stays a governor
  revoke.roles = ledger::role_bit(ledger::Role::kAuditor);
  live.govern(revoke);
  CHECK(closed_because(*auditor) == "roles changed; sign anew");

  ledger::Change suspend;
  suspend.type = ledger::ChangeType::kSuspendParticipant;
  suspend.subject = "buyer-abroad";
  live.govern(suspend);
  CHECK(closed_because(*buyer) == "participant suspended");

  auto next_key = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  REQUIRE(next_key.ok());
  live.commit(live.make("provider-acme", ledger::TxKind::kIdentityRotateKey,
                        ledger::RotateKeyPayload{next_key->public_key().bytes()}));
  CHECK(closed_because(*provider) == "key rotated; sign anew");

  // A caller whose standing did not change keeps its connection.
  Json still = bystander->call({{"jsonrpc", "2.0"}, {"id", 2}, {"method", "auth_whoAmI"}});
  CHECK(still["result"]["participant"] == "buyer-bank");
}

TEST_CASE("subscriptions need a WebSocket", "[rpc][websocket]") {
  LiveNode live;
  Json reply = live.call("events_subscribe", {{"topic", "newBlocks"}});
  CHECK(reply["error"]["code"] == -32007);
}

TEST_CASE("WebSocket: receipts reach their sender only", "[rpc][websocket]") {
  LiveNode live;
  CHECK(subscribe_anonymously(live, "receipts")["error"]["code"] == -32002);

  auto open = [&](const std::string& who) {
    return std::make_unique<WsClient>(
        live.rpc_port(),
        sign_request(live.key(who), who, live.chain_id(), live.node_id(), "GET /ws", ""));
  };
  auto provider = open("provider-acme");
  auto bank = open("buyer-bank");
  subscribe(*provider, "receipts");
  subscribe(*bank, "receipts");

  ledger::AssetRegisterPayload asset;
  asset.asset_id = "asset-r";
  Digest registered = live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, asset));
  Digest traded = live.commit(live.make("buyer-bank", ledger::TxKind::kTradeCreate,
                                        ledger::TradeCreatePayload{"trade-r", "asset-r", {}}));

  auto mine = notifications_until(*provider, "receipts", [&](const Json& r) {
    return r["txHash"] == to_hex(registered);
  });
  CHECK(mine.size() == 1);
  // The same receipt a signed read returns.
  CHECK(mine.back() ==
        live.call("tx_getReceipt", {{"hash", to_hex(registered)}}, "provider-acme")["result"]);
  // The bank hears of its own transaction, and of nothing the provider sent
  // (which committed first).
  auto theirs = notifications_until(*bank, "receipts",
                                    [&](const Json& r) { return r["txHash"] == to_hex(traded); });
  CHECK(theirs.size() == 1);
  CHECK(theirs.back()["status"] == "ok");
}

TEST_CASE("tx_getStatus tells anyone whether a transaction is committed, and where",
          "[rpc][receipts]") {
  LiveNode live;
  ledger::AssetRegisterPayload asset;
  asset.asset_id = "asset-s";
  Digest hash = live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, asset));
  auto location = live.node().store().locate(hash);
  REQUIRE(location.ok());
  Json committed = live.call("tx_getStatus", {{"hash", to_hex(hash)}})["result"];  // unsigned
  CHECK(committed == Json{{"committed", true}, {"height", location->height}, {"index", location->index}});
  Json unknown = live.call("tx_getStatus", {{"hash", std::string(64, '0')}})["result"];
  CHECK(unknown == Json{{"committed", false}});
  Json bad = live.post(R"({"jsonrpc":"2.0","id":1,"method":"tx_getStatus","params":{"hash":"00"}})").json();
  CHECK(bad["error"]["code"] == -32602);
}

TEST_CASE("a receipt waiter listens on the WebSocket, and asks when it cannot", "[rpc][websocket]") {
  auto submit = [](node::rpc::Client& client, LiveNode& live, const std::string& id) {
    ledger::AssetRegisterPayload asset;
    asset.asset_id = id;
    ledger::Transaction tx = live.make("provider-acme", ledger::TxKind::kAssetRegister, asset);
    auto hash = client.call("tx_submit", {{"tx", to_hex(ledger::encode(tx))}});
    REQUIRE(hash.ok());
    return (*hash)["hash"].get<std::string>();
  };
  SECTION("listening: two transactions, their receipts in either order") {
    LiveNode live;
    node::rpc::Client client(node::rpc::Url{"127.0.0.1", live.rpc_port()});
    client.authenticate("provider-acme", live.key("provider-acme"));
    node::rpc::ReceiptWaiter waiter(client);
    CHECK(waiter.polling_because().empty());
    std::string first = submit(client, live, "asset-1");
    std::string second = submit(client, live, "asset-2");
    auto later = waiter.wait(second, std::chrono::seconds(15));
    REQUIRE(later.ok());
    CHECK((*later)["txHash"] == second);
    auto earlier = waiter.wait(first, std::chrono::seconds(15));
    REQUIRE(earlier.ok());
    CHECK(*earlier == *client.call("tx_getReceipt", {{"hash", first}}));
    CHECK(waiter.polling_because().empty());

    auto never = waiter.wait(std::string(64, 'a'), std::chrono::milliseconds(300));
    REQUIRE(!never.ok());
    CHECK(never.error().code() == ErrorCode::kUnavailable);
    CHECK_THAT(never.error().message(), Catch::Contains("not committed in time"));
  }
  SECTION("no WebSocket to be had: it polls the anonymous status") {
    // One connection per address: the client's own keeps the WebSocket out.
    LiveNode live([](node::NodeConfig& config) { config.rpc.max_connections_per_address = 1; });
    node::rpc::Client client(node::rpc::Url{"127.0.0.1", live.rpc_port()});
    client.authenticate("provider-acme", live.key("provider-acme"));
    REQUIRE(client.status().ok());  // the HTTP connection is open
    node::rpc::ReceiptWaiter waiter(client);
    CHECK(!waiter.polling_because().empty());
    std::string hash = submit(client, live, "asset-3");
    auto receipt = waiter.wait(hash, std::chrono::seconds(15));
    REQUIRE(receipt.ok());
    CHECK((*receipt)["txHash"] == hash);
  }
}
