// State proofs and complete histories against a live node: a record read
// with proof: true verifies offline from its hex (tracectl's verifier and the
// JavaScript client), and a history answer with one entry removed, added or
// moved, or a proof of a stale value, is refused by both.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "cli/verify.h"
#include "ledger/payloads.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;

namespace {

struct Verifier {
  ledger::Genesis genesis;
  cli::ValidatorHistory validators;

  explicit Verifier(ledger::Genesis g) : genesis(std::move(g)), validators(genesis) {}

  cli::StateProofVerification state(const Json& proof) const {
    return cli::verify_state_proof(proof, genesis, validators);
  }

  Status history(const Json& proof, const std::string& record_key, const Json& entries,
                 bool allow_later = false) const {
    std::vector<Digest> hashes;
    for (const Json& entry : entries) {
      auto hash = digest_from_hex(entry["txHash"].get<std::string>());
      REQUIRE(hash.ok());
      hashes.push_back(*hash);
    }
    auto complete =
        cli::verify_history(proof, record_key, hashes, genesis, validators, allow_later);
    if (!complete) return complete.error();
    return {};
  }
};

Verifier verifier_of(LiveNode& live) {
  auto genesis = ledger::load_genesis(live.config().genesis_file());
  REQUIRE(genesis.ok());
  REQUIRE(genesis->state_tree);
  return Verifier(std::move(*genesis));
}

std::string failure_of(const cli::StateProofVerification& v) {
  const cli::Check* failure = v.first_failure();
  return failure ? failure->name + ": " + failure->detail : std::string();
}


}  // namespace

TEST_CASE("a record read with proof: true verifies offline, and an altered one does not",
          "[rpc][state]") {
  LiveNode live;
  live.trade_scenario();
  Verifier verifier = verifier_of(live);

  SECTION("trades, participants and assets, present or absent") {
    Json trade = result_of(live.call("trade_get", {{"tradeId", "trade-1"}, {"proof", true}},
                                     "buyer-bank"));
    auto v = verifier.state(trade["stateProof"]);
    INFO(failure_of(v));
    REQUIRE(v.ok());
    CHECK(v.key == "t/trade-1");
    CHECK(v.record["state"] == "agreed");
    CHECK(v.height == trade["stateProof"]["height"]);
    CHECK(trade["stateProof"]["header"]["format"] == 2);

    Json participant = result_of(live.call(
        "participant_get", {{"participantId", "buyer-bank"}, {"proof", true}}, "buyer-bank"));
    CHECK(verifier.state(participant["stateProof"]).ok());
    Json asset = result_of(
        live.call("asset_get", {{"assetId", "asset-1"}, {"proof", true}}, "provider-acme"));
    CHECK(verifier.state(asset["stateProof"]).ok());

    Json absent =
        result_of(live.call("state_getProof", {{"key", "t/trade-404"}}, "auditor-1"));
    auto none = verifier.state(absent);
    INFO(failure_of(none));
    REQUIRE(none.ok());
    CHECK_FALSE(none.value.has_value());
    // Without proof: true, a read is what it was.
    CHECK_FALSE(result_of(live.call("trade_get", {{"tradeId", "trade-1"}}, "buyer-bank"))
                    .contains("stateProof"));
  }
  SECTION("a proof is given only to whoever may read the record") {
    CHECK(live.call("state_getProof", {{"key", "t/trade-1"}}, "buyer-abroad")["error"]["code"] ==
          -32002);
    CHECK(live.call("state_getProof", {{"key", "t/trade-404"}}, "buyer-bank")["error"]["code"] ==
          -32002);
    CHECK(live.call("state_getProof", {{"key", "nx/"}}, "buyer-bank")["error"]["code"] == -32002);
    CHECK(live.call("state_getProof", {{"key", "hc/t/trade-1"}}, "buyer-abroad")["error"]["code"] ==
          -32002);
    CHECK(live.call("state_getProof", {{"key", "policy"}}, "buyer-abroad").contains("result"));
    CHECK(live.call("state_getProof", {{"key", "t/trade-1"}}, "buyer-bank").contains("result"));
    CHECK(live.call("state_getProof", {{"key", "t/trade-1"}})["error"]["code"] == -32002);
  }
  SECTION("a changed value, a changed proof or a stale value is refused") {
    Json before = result_of(live.call("state_getProof", {{"key", "t/trade-2"}}, "auditor-1"));
    REQUIRE(verifier.state(before).ok());
    live.commit(live.make("provider-acme", ledger::TxKind::kTradeAccept,
                          ledger::TradeAcceptPayload{"trade-2"}));
    Json after = result_of(live.call("state_getProof", {{"key", "t/trade-2"}}, "auditor-1"));
    REQUIRE(verifier.state(after).ok());
    REQUIRE(before["value"]["hex"] != after["value"]["hex"]);

    // The old value and its proof under the new certified header.
    Json stale = after;
    stale["value"] = before["value"];
    stale["proof"] = before["proof"];
    auto v = verifier.state(stale);
    CHECK_FALSE(v.ok());
    CHECK_THAT(failure_of(v), Catch::Contains("state proof"));
    // The new value with the old proof.
    Json mixed = after;
    mixed["proof"] = before["proof"];
    CHECK_FALSE(verifier.state(mixed).ok());
    // The value's hex altered (its record then contradicts it).
    Json altered = after;
    std::string value_hex = altered["value"]["hex"];
    value_hex[value_hex.size() - 1] = value_hex.back() == '0' ? '1' : '0';
    altered["value"]["hex"] = value_hex;
    CHECK_FALSE(verifier.state(altered).ok());
    // A sibling of the proof altered.
    Json bent = after;
    std::string proof_hex = bent["proof"]["hex"];
    REQUIRE(proof_hex.size() > 80);
    proof_hex[20] = proof_hex[20] == 'f' ? 'e' : 'f';
    bent["proof"]["hex"] = proof_hex;
    auto bent_v = verifier.state(bent);
    CHECK_FALSE(bent_v.ok());
    // The value claimed absent.
    Json hidden = after;
    hidden["value"] = nullptr;
    CHECK_THAT(failure_of(verifier.state(hidden)), Catch::Contains("has a value"));
  }
}

TEST_CASE("histories are proven complete, and a list with one entry removed, added or moved "
          "is refused",
          "[rpc][state]") {
  LiveNode live;
  live.trade_scenario();
  Json trade2_before = result_of(live.call("state_getProof", {{"key", "t/trade-2"}}, "auditor-1"));
  live.commit(live.make("provider-acme", ledger::TxKind::kTradeAccept,
                        ledger::TradeAcceptPayload{"trade-2"}));
  // A failed attempt (trade-1 is agreed already) stays on the trail and in
  // the history.
  live.commit(live.make("provider-acme", ledger::TxKind::kTradeAccept,
                        ledger::TradeAcceptPayload{"trade-1"}));
  Json trade2_after = result_of(live.call("state_getProof", {{"key", "t/trade-2"}}, "auditor-1"));
  Json stale = trade2_after;
  stale["value"] = trade2_before["value"];
  stale["proof"] = trade2_before["proof"];
  Verifier verifier = verifier_of(live);

  Json trail = result_of(
      live.call("trade_getTrail", {{"tradeId", "trade-1"}, {"proof", true}}, "buyer-bank"));
  const Json& steps = trail["steps"];
  REQUIRE(steps.size() == 3);  // create, accept, the refused accept
  CHECK(steps[2]["status"] == "failed");
  Status complete = verifier.history(trail["historyProof"], "t/trade-1", steps);
  INFO((complete ? std::string() : complete.error().message()));
  REQUIRE(complete);
  CHECK(trail["historyProof"]["height"] == trail["height"]);

  Json removed = steps;
  removed.erase(1);
  CHECK_THAT(verifier.history(trail["historyProof"], "t/trade-1", removed).error().message(),
             Catch::Contains("1 missing"));
  Json added = steps;
  added.push_back(steps[0]);
  CHECK_THAT(verifier.history(trail["historyProof"], "t/trade-1", added).error().message(),
             Catch::Contains("1 too many"));
  Json moved = Json::array({steps[1], steps[0], steps[2]});
  CHECK_THAT(verifier.history(trail["historyProof"], "t/trade-1", moved).error().message(),
             Catch::Contains("out of order"));
  Json replaced = steps;
  replaced[2]["txHash"] = to_hex(live.trade1_create_tx);
  CHECK_FALSE(verifier.history(trail["historyProof"], "t/trade-1", replaced));
  // Another record's history proof does not vouch for this list.
  CHECK_FALSE(verifier.state(stale).ok());
  Json other = result_of(
      live.call("trade_getTrail", {{"tradeId", "trade-2"}, {"proof", true}}, "auditor-1"));
  CHECK_THAT(verifier.history(other["historyProof"], "t/trade-1", steps).error().message(),
             Catch::Contains("not 'hc/t/trade-1'"));

  SECTION("an asset's history, read in pages as the chain grows") {
    Json history = result_of(live.call(
        "asset_getHistory", {{"assetId", "asset-1"}, {"proof", true}}, "auditor-1"));
    const Json& entries = history["entries"];
    REQUIRE(entries.size() == 3);  // register, two trade creations
    CHECK(verifier.history(history["historyProof"], "asset/asset-1", entries));
    // An entry committed after the proof: complete up to the proof's count.
    Json later = entries;
    later.push_back(steps[1]);
    CHECK(verifier.history(history["historyProof"], "asset/asset-1", later, true));
    CHECK_FALSE(verifier.history(history["historyProof"], "asset/asset-1", later, false));
    Json short_list = entries;
    short_list.erase(2);
    CHECK_FALSE(verifier.history(history["historyProof"], "asset/asset-1", short_list, true));
  }
  SECTION("a participant's trades") {
    Json history = result_of(live.call("participant_getHistory",
                                       {{"participantId", "provider-acme"}}, "provider-acme"));
    const Json& entries = history["entries"];
    REQUIRE(entries.size() == 2);
    CHECK(entries[0]["tradeId"] == "trade-1");
    CHECK(entries[1]["tradeId"] == "trade-2");
    CHECK(verifier.history(history["historyProof"], "p/provider-acme", entries));
    Json one = Json::array({entries[0]});
    CHECK_FALSE(verifier.history(history["historyProof"], "p/provider-acme", one));
    CHECK(live.call("participant_getHistory", {{"participantId", "provider-acme"}},
                    "buyer-abroad")["error"]["code"] == -32002);
  }
  SECTION("the JavaScript client checks the same") {
    auto [found, version] = run_command("node -p 'process.versions.node.split(\".\")[0]'");
    if (found != 0 || std::atoi(version.c_str()) < 20) {
      WARN("SKIPPED: no Node.js 20 or later on the PATH (scripts/install-deps.sh installs it)");
      return;
    }
    Json answers = {
        {"trail", trail},
        {"trustedValidators", Json::array()},
        {"stateProof",
         result_of(live.call("trade_get", {{"tradeId", "trade-1"}, {"proof", true}},
                             "buyer-bank"))["stateProof"]},
        {"staleProof", stale},
    };
    for (const ledger::Validator& v : verifier.genesis.validators.validators) {
      answers["trustedValidators"].push_back(
          {{"id", v.id}, {"publicKey", to_hex(v.public_key)}, {"power", v.power}});
    }
    const auto file = live.home() / "answers.json";
    std::ofstream(file) << answers.dump();
    std::string command = "node '" + std::string(TRACECHAIN_SOURCE_DIR) +
                          "/tests/rpc/js_state_check.js' '" + file.string() + "'";
    auto [status, output] = run_command(command);
    INFO(command << "\n" << output);
    REQUIRE(status == 0);
    Json summary = Json::parse(output.substr(output.find('{')));
    CHECK(summary["complete"]["count"] == 3);
    CHECK(summary["stateProof"] == "t/trade-1");
    CHECK(summary["refused"] == Json::array({"removed", "added", "moved", "stale", "altered"}));
  }
}
