// Signed requests and who may read what, over HTTP against a live node.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "ledger/payloads.h"
#include "node/rpc/auth.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;

namespace {

int code_of(const Json& reply) {
  INFO(reply.dump());
  if (reply.contains("result")) return 0;
  return reply["error"]["code"].get<int>();
}

// The hex of the block after "<!-- golden:NAME -->" in docs/rpc.md, with
// the '#' comments and blanks removed.
Bytes rpc_doc_vector(const std::string& name) {
  std::ifstream in(std::string(TRACECHAIN_SOURCE_DIR) + "/docs/rpc.md");
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  std::size_t marker = doc.find("<!-- golden:" + name + " -->");
  REQUIRE(marker != std::string::npos);
  std::size_t open = doc.find("```hex\n", marker);
  std::size_t close = doc.find("```", open + 7);
  REQUIRE((open != std::string::npos && close != std::string::npos));
  std::stringstream lines(doc.substr(open + 7, close - open - 7));
  std::string line;
  std::string digits;
  while (std::getline(lines, line)) {
    for (char c : line.substr(0, line.find('#'))) {
      if (!std::isspace(static_cast<unsigned char>(c))) digits += c;
    }
  }
  auto bytes = from_hex(digits);
  REQUIRE(bytes.ok());
  return *bytes;
}

}  // namespace

TEST_CASE("the worked example of a signed request in docs/rpc.md", "[rpc][auth]") {
  node::rpc::RpcRequestAuth auth;
  auth.chain_id = "tracechain-local";
  auth.audience = "validator-0";
  auth.request = "POST /";
  auth.body_hash = crypto::hash(
      crypto::HashAlgorithm::kSha256,
      as_bytes(R"({"jsonrpc":"2.0","id":1,"method":"trade_get","params":{"tradeId":"trade-1"}})"));
  auth.timestamp_ms = 1767225600000;
  auth.participant = "buyer-bank";
  Bytes signing_bytes = node::rpc::request_signing_bytes(auth);
  CHECK(to_hex(signing_bytes) == to_hex(rpc_doc_vector("rpc.signing_bytes")));
  CHECK(to_hex(auth.body_hash) == to_hex(rpc_doc_vector("rpc.body_hash")));
  auto key =
      crypto::PublicKey::from_bytes(crypto::Suite::kP256Sha256, rpc_doc_vector("rpc.public_key"));
  REQUIRE(key.ok());
  CHECK(key->verify(signing_bytes, rpc_doc_vector("rpc.signature")).ok());
}

TEST_CASE("signed requests: bad signatures, stale timestamps and replays are refused",
          "[rpc][auth]") {
  LiveNode live([](node::NodeConfig& c) { c.rpc.auth_window_ms = 5'000; });
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"auth_whoAmI"})";

  Json anonymous = live.post(body).json();
  CHECK(anonymous["result"]["authenticated"] == false);

  auto headers =
      sign_request(live.key("buyer-bank"), "buyer-bank", live.chain_id(), live.node_id(), "POST /", body);
  HttpReply signed_reply = http_request(live.rpc_port(), "POST", "/", body, headers);
  REQUIRE(signed_reply.status == 200);
  CHECK(signed_reply.json()["result"]["participant"] == "buyer-bank");
  CHECK(signed_reply.json()["result"]["roles"] == Json::array({"buyer"}));

  auto refused = [&](const std::map<std::string, std::string>& h, const std::string& b,
                     const std::string& why) {
    HttpReply reply = http_request(live.rpc_port(), "POST", "/", b, h);
    INFO(why << ": " << reply.body);
    CHECK(reply.status == 401);
    CHECK(reply.json()["error"]["code"] == -32004);
  };
  refused(headers, body, "the same signed request again (replay)");

  auto fresh = sign_request(live.key("buyer-bank"), "buyer-bank", live.chain_id(), live.node_id(), "POST /", body);
  refused(fresh, body + " ", "a body other than the one signed");

  auto other_key =
      sign_request(live.key("buyer-abroad"), "buyer-bank", live.chain_id(), live.node_id(), "POST /", body);
  refused(other_key, body, "signed by another participant's key");

  auto stale = sign_request(live.key("buyer-bank"), "buyer-bank", live.chain_id(), live.node_id(), "POST /", body,
                            now_ms() - 60'000);
  refused(stale, body, "a timestamp outside the window");

  auto future = sign_request(live.key("buyer-bank"), "buyer-bank", live.chain_id(), live.node_id(), "POST /", body,
                             now_ms() + 60'000);
  refused(future, body, "a timestamp ahead of the window");

  auto other_chain =
      sign_request(live.key("buyer-bank"), "buyer-bank", "another-chain", live.node_id(), "POST /", body);
  refused(other_chain, body, "signed for another chain");

  auto other_path =
      sign_request(live.key("buyer-bank"), "buyer-bank", live.chain_id(), live.node_id(), "GET /ws", body);
  refused(other_path, body, "signed for another request");

  auto stranger = sign_request(live.key("buyer-bank"), "nobody", live.chain_id(), live.node_id(), "POST /", body);
  refused(stranger, body, "an unknown participant");

  auto partial =
      sign_request(live.key("buyer-bank"), "buyer-bank", live.chain_id(), live.node_id(), "POST /", body);
  partial.erase(std::string(node::rpc::kSignatureHeader));
  refused(partial, body, "a missing signature header");

  auto garbage =
      sign_request(live.key("buyer-bank"), "buyer-bank", live.chain_id(), live.node_id(), "POST /", body);
  garbage[std::string(node::rpc::kSignatureHeader)] = "zz";
  refused(garbage, body, "a signature that is not hex");

  auto other_node =
      sign_request(live.key("buyer-bank"), "buyer-bank", live.chain_id(), "node-elsewhere", "POST /", body);
  refused(other_node, body, "signed for another node (a captured request replayed here)");
}

TEST_CASE("a failed authentication tells nothing about participants", "[rpc][auth]") {
  LiveNode live;
  ledger::Change suspend;
  suspend.type = ledger::ChangeType::kSuspendParticipant;
  suspend.subject = "buyer-abroad";
  live.govern(suspend);
  const std::string body = R"({"jsonrpc":"2.0","id":1,"method":"auth_whoAmI"})";
  auto stranger_key = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  REQUIRE(stranger_key.ok());
  // The reply's message with the participant's name taken out.
  auto answer = [&](const crypto::PrivateKey& key, const std::string& as) {
    HttpReply reply = http_request(
        live.rpc_port(), "POST", "/", body,
        sign_request(key, as, live.chain_id(), live.node_id(), "POST /", body));
    INFO(as << ": " << reply.body);
    CHECK(reply.status == 401);
    std::string message = reply.json()["error"]["message"].get<std::string>();
    for (auto at = message.find(as); at != std::string::npos; at = message.find(as)) {
      message.replace(at, as.size(), "X");
    }
    return message;
  };
  std::string unknown = answer(*stranger_key, "nobody");
  CHECK(answer(*stranger_key, "regulator") == unknown);       // known, wrong key
  CHECK(answer(live.key("buyer-abroad"), "buyer-abroad") == unknown);  // suspended
  CHECK_THAT(unknown, !Catch::Contains("is suspended") && !Catch::Contains("not known"));

  // Submitting: a forged transaction from a known participant who lacks the
  // role says no more than one from nobody.
  auto submit_answer = [&](const std::string& sender) {
    ledger::Transaction tx = live.make("regulator", ledger::TxKind::kAssetRegister,
                                       ledger::AssetRegisterPayload{"asset-z", {}, {}, 1, {}, {}});
    tx.sender = sender;
    tx.signature = stranger_key->sign(ledger::signing_bytes(tx));
    Json reply = live.call("tx_submit", {{"tx", to_hex(ledger::encode(tx))}});
    INFO(reply.dump());
    std::string message = reply["error"]["message"].get<std::string>();
    for (auto at = message.find(sender); at != std::string::npos; at = message.find(sender)) {
      message.replace(at, sender.size(), "X");
    }
    return message;
  };
  std::string forged = submit_answer("regulator");
  CHECK(forged == submit_answer("nobody"));
  CHECK_THAT(forged, !Catch::Contains("governor") && !Catch::Contains("role"));
}

TEST_CASE("who may read what: a buyer cannot read another buyer's trade", "[rpc][access]") {
  LiveNode live;
  live.trade_scenario();

  SECTION("a list shows only what the direct read would") {
    // The operator reads trades to settle (accepted, settled); trade-1 is
    // agreed and trade-2 requested, so neither is the operator's to read.
    CHECK(code_of(live.call("trade_get", {{"tradeId", "trade-2"}}, "exchange")) == -32002);
    Json listed = live.call("trade_listByAsset", {{"assetId", "asset-1"}}, "exchange");
    REQUIRE(code_of(listed) == 0);
    for (const Json& trade : listed["result"]["trades"]) {
      std::string id = trade["tradeId"].get<std::string>();
      INFO(id);
      CHECK(code_of(live.call("trade_get", {{"tradeId", id}}, "exchange")) == 0);
    }
    CHECK(listed["result"]["trades"].empty());
    // The provider reads all of its asset's trades, and lists them all.
    Json provider = live.call("trade_listByAsset", {{"assetId", "asset-1"}}, "provider-acme");
    CHECK(provider["result"]["trades"].size() == 2);
    // Pages hold at most `limit` trades scanned; `next` continues after the
    // last one scanned even when it was not shown.
    Json page = live.call("trade_listByAsset", {{"assetId", "asset-1"}, {"limit", 1}}, "exchange");
    CHECK(page["result"]["trades"].empty());
    CHECK(page["result"]["next"] == "trade-1");
  }
  SECTION("unsigned callers read nothing of trades, assets or participants") {
    CHECK(code_of(live.call("trade_get", {{"tradeId", "trade-1"}})) == -32002);
    CHECK(code_of(live.call("asset_get", {{"assetId", "asset-1"}})) == -32002);
    CHECK(code_of(live.call("participant_get", {{"participantId", "buyer-bank"}})) == -32002);
    CHECK(code_of(live.call("tx_get", {{"hash", to_hex(live.trade1_create_tx)}})) == -32002);
  }
  SECTION("buyers see their own trades only") {
    Json own = live.call("trade_get", {{"tradeId", "trade-1"}}, "buyer-bank");
    REQUIRE(code_of(own) == 0);
    CHECK(own["result"]["buyer"] == "buyer-bank");
    CHECK(own["result"]["state"] == "agreed");
    CHECK(code_of(live.call("trade_get", {{"tradeId", "trade-2"}}, "buyer-bank")) == -32002);
    CHECK(code_of(live.call("trade_getTrail", {{"tradeId", "trade-2"}}, "buyer-bank")) == -32002);
    CHECK(code_of(live.call("trade_get", {{"tradeId", "trade-1"}}, "buyer-abroad")) == -32002);
    CHECK(code_of(live.call("trade_get", {{"tradeId", "trade-9"}}, "buyer-bank")) == -32001);

    Json mine = live.call("trade_listByParticipant", {{"participant", "buyer-bank"}}, "buyer-bank");
    REQUIRE(code_of(mine) == 0);
    REQUIRE(mine["result"]["trades"].size() == 1);
    CHECK(mine["result"]["trades"][0]["id"] == "trade-1");
    CHECK(code_of(live.call("trade_listByParticipant", {{"participant", "buyer-abroad"}},
                            "buyer-bank")) == -32002);
    // Its own transactions yes, another buyer's no.
    CHECK(code_of(live.call("tx_get", {{"hash", to_hex(live.trade1_create_tx)}}, "buyer-bank")) ==
          0);
    CHECK(code_of(live.call("tx_get", {{"hash", to_hex(live.trade1_create_tx)}}, "buyer-abroad")) ==
          -32002);
    // The asset it trades, but not the asset's history (other buyers' requests).
    CHECK(code_of(live.call("asset_get", {{"assetId", "asset-1"}}, "buyer-bank")) == 0);
    CHECK(code_of(live.call("asset_getHistory", {{"assetId", "asset-1"}}, "buyer-bank")) == -32002);
    CHECK(code_of(live.call("participant_get", {{"participantId", "buyer-bank"}}, "buyer-bank")) ==
          0);
    CHECK(code_of(live.call("participant_get", {{"participantId", "buyer-abroad"}},
                            "buyer-bank")) == -32002);
    CHECK(code_of(live.call("chain_getBlock", {{"height", 1}}, "buyer-bank")) == -32002);
  }
  SECTION("the provider sees both trades of its asset") {
    CHECK(code_of(live.call("trade_get", {{"tradeId", "trade-1"}}, "provider-acme")) == 0);
    CHECK(code_of(live.call("trade_get", {{"tradeId", "trade-2"}}, "provider-acme")) == 0);
    Json trades = live.call("trade_listByAsset", {{"assetId", "asset-1"}}, "provider-acme");
    REQUIRE(code_of(trades) == 0);
    CHECK(trades["result"]["trades"].size() == 2);
    Json history =
        live.call("asset_getHistory", {{"assetId", "asset-1"}, {"limit", 2}}, "provider-acme");
    REQUIRE(code_of(history) == 0);
    CHECK(history["result"]["entries"].size() == 2);
    REQUIRE(!history["result"]["next"].is_null());
    Json rest = live.call("asset_getHistory",
                          {{"assetId", "asset-1"}, {"startAfter", history["result"]["next"]}},
                          "provider-acme");
    REQUIRE(code_of(rest) == 0);
    CHECK(rest["result"]["entries"].size() == 1);  // registration + two requests in all
    CHECK(rest["result"]["next"].is_null());
  }
  SECTION("a reviewer sees the agreed trade that awaits review, not the requested one") {
    CHECK(code_of(live.call("trade_get", {{"tradeId", "trade-1"}}, "reviewer-1")) == 0);
    CHECK(code_of(live.call("trade_get", {{"tradeId", "trade-2"}}, "reviewer-1")) == -32002);
    CHECK(code_of(live.call("asset_get", {{"assetId", "asset-1"}}, "reviewer-1")) == 0);
    CHECK(code_of(live.call("participant_getAttestations", {{"participantId", "buyer-bank"}},
                            "reviewer-1")) == 0);
  }
  SECTION("an arbitrator sees no trade that is not disputed") {
    CHECK(code_of(live.call("trade_get", {{"tradeId", "trade-1"}}, "arbitrator-1")) == -32002);
    CHECK(code_of(live.call("asset_get", {{"assetId", "asset-1"}}, "arbitrator-1")) == -32002);
  }
  SECTION("auditors and regulators read everything") {
    for (const char* auditor : {"auditor-1", "regulator"}) {
      CHECK(code_of(live.call("trade_get", {{"tradeId", "trade-2"}}, auditor)) == 0);
      CHECK(code_of(live.call("trade_listByParticipant", {{"participant", "buyer-abroad"}},
                              auditor)) == 0);
      CHECK(code_of(live.call("asset_getHistory", {{"assetId", "asset-1"}}, auditor)) == 0);
      Json block = live.call("chain_getBlock", {{"height", 2}}, auditor);
      REQUIRE(code_of(block) == 0);
      CHECK(block["result"]["transactions"].size() == block["result"]["receipts"].size());
      CHECK(code_of(live.call("participant_get", {{"participantId", "buyer-abroad"}}, auditor)) ==
            0);
    }
  }
}

TEST_CASE("lists: proposals for governors, assets and trades as each caller may read them",
          "[rpc][access]") {
  LiveNode live;
  live.trade_scenario();
  // Two approvals from now on (tracectl init's chain needs one), so that a
  // proposal stays open until a second governor approves it.
  auto policy = ledger::read_policy(live.node().store().state());
  REQUIRE(policy.ok());
  policy->governance_threshold = 2;
  ledger::Change stricter;
  stricter.type = ledger::ChangeType::kChangePolicy;
  stricter.policy = *policy;
  live.commit(live.make("exchange", ledger::TxKind::kGovernancePropose,
                        ledger::ProposePayload{"two-approvals", stricter,
                                               live.node().store().height() + 50}));
  // An open proposal: the exchange proposes, the threshold (2) is not met.
  ledger::Change suspend;
  suspend.type = ledger::ChangeType::kSuspendParticipant;
  suspend.subject = "buyer-abroad";
  live.commit(live.make("exchange", ledger::TxKind::kGovernancePropose,
                        ledger::ProposePayload{"suspend-abroad", suspend,
                                               live.node().store().height() + 50}));

  Json proposals = live.call("governance_listProposals", {{"open", true}}, "member-bank");
  REQUIRE(proposals.contains("result"));
  REQUIRE(proposals["result"]["proposals"].size() == 1);
  const Json& open = proposals["result"]["proposals"][0];
  CHECK(open["id"] == "suspend-abroad");
  CHECK(open["status"] == "open");
  CHECK(open["change"]["type"] == "suspend-participant");
  REQUIRE(open["approvals"].size() == 1);
  CHECK(open["approvals"][0]["governor"] == "exchange");
  CHECK(live.call("governance_getProposal", {{"proposalId", "suspend-abroad"}}, "auditor-1")
            ["result"]["expiryHeight"] == open["expiryHeight"]);
  Json applied = live.call("governance_getProposal", {{"proposalId", "two-approvals"}}, "exchange");
  CHECK(applied["result"]["status"] == "applied");
  CHECK(applied["result"]["change"]["policy"]["governanceThreshold"] == 2);
  CHECK(live.call("governance_listProposals", Json::object(), "regulator")["result"]["proposals"].size() == 2);
  CHECK(live.call("governance_listProposals", Json::object(), "buyer-bank")["error"]["code"] == -32002);
  CHECK(live.call("governance_getProposal", {{"proposalId", "none"}}, "exchange")["error"]["code"] ==
        -32001);

  // Assets: a buyer sees the asset it trades; an auditor every asset.
  ledger::AssetRegisterPayload other;
  other.asset_id = "asset-2";
  other.level = 1;
  live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, other));
  CHECK(live.call("asset_list", Json::object(), "auditor-1")["result"]["assets"].size() == 2);
  Json buyer_assets = live.call("asset_list", Json::object(), "buyer-bank")["result"]["assets"];
  REQUIRE(buyer_assets.size() == 1);
  CHECK(buyer_assets[0]["id"] == "asset-1");
  Json paged = live.call("asset_list", {{"limit", 1}}, "auditor-1")["result"];
  CHECK(paged["assets"].size() == 1);
  CHECK(paged["next"] == "asset-1");
  CHECK(live.call("asset_list", {{"startAfter", "asset-1"}}, "auditor-1")["result"]["assets"][0]
            ["id"] == "asset-2");

  // Work queues: trade-1 is agreed (awaits review), trade-2 requested.
  Json queue = live.call("trade_list", {{"state", "agreed"}}, "reviewer-1")["result"]["trades"];
  REQUIRE(queue.size() == 1);
  CHECK(queue[0]["id"] == "trade-1");
  CHECK(live.call("trade_list", Json::object(), "buyer-bank")["result"]["trades"].size() == 1);
  CHECK(live.call("trade_list", Json::object(), "auditor-1")["result"]["trades"].size() == 2);
  CHECK(live.call("trade_list", {{"state", "shipped"}}, "auditor-1")["error"]["code"] == -32602);
  CHECK(live.call("trade_list")["error"]["code"] == -32002);
}
