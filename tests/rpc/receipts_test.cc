// Submission, receipts, trails and proofs over RPC, each checked the way an
// auditor checks them: from the canonical hex alone.
#include <catch2/catch.hpp>

#include <sstream>

#include "cli/commands.h"
#include "cli/tx.h"
#include "ledger/genesis.h"
#include "ledger/payloads.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;

namespace {

template <typename T>
T decode_hex(const Json& hex) {
  auto bytes = from_hex(hex.get<std::string>());
  REQUIRE(bytes.ok());
  auto value = ledger::decode<T>(*bytes);
  INFO((value ? std::string() : value.error().message()));
  REQUIRE(value.ok());
  return *value;
}

Digest digest(const Json& hex) { return *digest_from_hex(hex.get<std::string>()); }

std::vector<Digest> path_of(const Json& list) {
  std::vector<Digest> out;
  for (const Json& node : list) out.push_back(digest(node));
  return out;
}

// Everything `tracectl verify` will check, from the self-contained receipt.
void verify_offline(const Json& r, const ledger::ValidatorSet& trusted) {
  REQUIRE(r["format"] == "tracechain-verifiable-receipt/1");
  crypto::MerkleHasher hasher(crypto::HashAlgorithm::kSha256);
  auto tx = decode_hex<ledger::Transaction>(r["transaction"]["hex"]);
  Digest tx_hash = ledger::transaction_hash(tx);
  CHECK(to_hex(tx_hash) == r["transaction"]["hash"]);

  auto receipt = decode_hex<ledger::Receipt>(r["receipt"]["hex"]);
  CHECK(receipt.tx_hash == tx_hash);
  Digest receipt_hash = ledger::receipt_hash(hasher.algorithm(), receipt);
  CHECK(to_hex(receipt_hash) == r["receipt"]["hash"]);

  const Json& proof = r["inclusionProof"];
  auto leaf = decode_hex<ledger::LogLeaf>(proof["leaf"]["hex"]);
  CHECK(leaf.tx_hash == tx_hash);
  CHECK(leaf.receipt_hash == receipt_hash);
  CHECK(leaf.height == receipt.height);
  CHECK(leaf.index == receipt.index);

  auto header = decode_hex<ledger::BlockHeader>(r["header"]["hex"]);
  CHECK(header.chain_id == r["chainId"]);
  CHECK(header.log_size == proof["logSize"].get<std::uint64_t>());
  Status included = crypto::verify_inclusion(hasher, proof["leafIndex"].get<std::uint64_t>(),
                                             header.log_size, ledger::log_leaf_hash(hasher, leaf),
                                             path_of(proof["path"]), header.log_root);
  INFO((included ? std::string() : included.error().message()));
  CHECK(included.ok());

  auto set = decode_hex<ledger::ValidatorSet>(r["validatorSet"]["hex"]);
  CHECK(set == trusted);
  CHECK(ledger::validator_set_hash(set) == header.validator_set_hash);
  auto certificate = decode_hex<ledger::CommitCertificate>(r["certificate"]["hex"]);
  CHECK(certificate.block_hash == ledger::header_hash(hasher.algorithm(), header));
  CHECK(certificate.height == header.height);
  Status certified = ledger::verify_certificate(header.chain_id, set, certificate);
  INFO((certified ? std::string() : certified.error().message()));
  CHECK(certified.ok());
}

}  // namespace

TEST_CASE("submitting returns the transaction's hash and refusals carry the ledger's reason",
          "[rpc][submit]") {
  LiveNode live;
  ledger::AssetRegisterPayload asset;
  asset.asset_id = "asset-s";
  asset.level = 2;
  ledger::Transaction tx = live.make("provider-acme", ledger::TxKind::kAssetRegister, asset);
  Json reply = live.call("tx_submit", {{"tx", to_hex(ledger::encode(tx))}});
  REQUIRE(reply.contains("result"));
  CHECK(reply["result"]["hash"] == to_hex(ledger::transaction_hash(tx)));
  live.wait_committed(ledger::transaction_hash(tx));

  Json again = live.call("tx_submit", {{"tx", to_hex(ledger::encode(tx))}});
  REQUIRE(again.contains("error"));
  CHECK(again["error"]["code"] == -32000);
  CHECK(again["error"]["data"]["message"].get<std::string>().find("already used") !=
        std::string::npos);

  ledger::Transaction forged = live.make("provider-acme", ledger::TxKind::kAssetRegister, asset);
  forged.nonce += 1;  // the signature no longer covers the content
  Json bad = live.call("tx_submit", {{"tx", to_hex(ledger::encode(forged))}});
  REQUIRE(bad.contains("error"));
  CHECK(bad["error"]["code"] == -32000);
  CHECK(bad["error"]["data"]["reason"] == "invalid");
  CHECK(bad["error"]["message"].get<std::string>().find("signature") != std::string::npos);

  ledger::Transaction not_allowed = live.make("buyer-bank", ledger::TxKind::kAssetRegister, asset);
  Json role = live.call("tx_submit", {{"tx", to_hex(ledger::encode(not_allowed))}});
  CHECK(role["error"]["code"] == -32000);
  CHECK(role["error"]["message"].get<std::string>().find("no role") != std::string::npos);

  // A business-rule failure is committed with a failure receipt.
  Digest duplicate = live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, asset));
  Json receipt = live.call("tx_getReceipt", {{"hash", to_hex(duplicate)}}, "provider-acme");
  REQUIRE(receipt.contains("result"));
  CHECK(receipt["result"]["status"] == "failed");
  CHECK(receipt["result"]["reason"] == "already-exists");
}

TEST_CASE("a full mempool answers -32003, retry", "[rpc][submit]") {
  // A node that is not a validator of its chain never commits, so its
  // mempool only fills.
  LiveNode live([](node::NodeConfig& c) {
    c.node.validator = false;
    c.mempool.max_transactions = 1;
  });
  ledger::AssetRegisterPayload asset;
  asset.asset_id = "asset-m1";
  Json first = live.call("tx_submit",
                         {{"tx", to_hex(ledger::encode(live.make(
                                     "provider-acme", ledger::TxKind::kAssetRegister, asset)))}});
  REQUIRE(first.contains("result"));
  asset.asset_id = "asset-m2";
  Json second = live.call("tx_submit",
                          {{"tx", to_hex(ledger::encode(live.make(
                                      "provider-acme", ledger::TxKind::kAssetRegister, asset)))}});
  REQUIRE(second.contains("error"));
  CHECK(second["error"]["code"] == -32003);
  CHECK(second["error"]["data"]["retry"] == true);
  Json status = live.call("chain_getStatus");
  CHECK(status["result"]["mempool"]["transactions"] == 1);
}

TEST_CASE("receipts, trails and proofs verify offline from their hex", "[rpc][proofs]") {
  LiveNode live;
  live.trade_scenario();
  auto genesis = ledger::load_genesis(live.config().genesis_file());
  REQUIRE(genesis.ok());
  const std::string hash = to_hex(live.trade1_create_tx);

  SECTION("the self-contained receipt, against its own block and against the tip") {
    Json own = live.call("tx_getVerifiableReceipt", {{"hash", hash}}, "buyer-bank");
    REQUIRE(own.contains("result"));
    verify_offline(own["result"], genesis->validators);
    CHECK(own["result"]["transaction"]["payload"]["tradeId"] == "trade-1");
    CHECK(own["result"]["receipt"]["events"][0]["kind"] == "trade.requested");

    std::uint64_t tip = live.node().store().height();
    Json later =
        live.call("tx_getVerifiableReceipt", {{"hash", hash}, {"height", tip}}, "buyer-bank");
    REQUIRE(later.contains("result"));
    verify_offline(later["result"], genesis->validators);
    CHECK(later["result"]["header"]["height"] == tip);

    Json below =
        live.call("tx_getVerifiableReceipt", {{"hash", hash}, {"height", 1}}, "buyer-bank");
    CHECK(below["error"]["code"] == -32602);
    CHECK(below["error"]["data"]["param"] == "height");
    CHECK(live.call("tx_getVerifiableReceipt", {{"hash", hash}}, "buyer-abroad")["error"]["code"] ==
          -32002);
    CHECK(live.call("tx_getVerifiableReceipt", {{"hash", std::string(64, 'a')}},
                    "auditor-1")["error"]["code"] == -32001);
  }
  SECTION("inclusion proofs for a given or the latest log size") {
    Json latest = live.call("tx_getInclusionProof", {{"hash", hash}}, "buyer-bank");
    REQUIRE(latest.contains("result"));
    const Json& p = latest["result"];
    crypto::MerkleHasher hasher(crypto::HashAlgorithm::kSha256);
    CHECK(crypto::verify_inclusion(hasher, p["leafIndex"], p["logSize"], digest(p["leafHash"]),
                                   path_of(p["path"]), digest(p["logRoot"]))
              .ok());
    REQUIRE(!p["height"].is_null());
    Json header = live.call("chain_getHeader", {{"height", p["height"]}});
    CHECK(header["result"]["logRoot"] == p["logRoot"]);

    std::uint64_t leaf = p["leafIndex"];
    Json exact =
        live.call("tx_getInclusionProof", {{"hash", hash}, {"logSize", leaf + 1}}, "buyer-bank");
    REQUIRE(exact.contains("result"));
    CHECK(exact["result"]["logSize"] == leaf + 1);
    Json too_small =
        live.call("tx_getInclusionProof", {{"hash", hash}, {"logSize", leaf}}, "buyer-bank");
    CHECK(too_small["error"]["code"] == -32602);
    CHECK(too_small["error"]["data"]["param"] == "logSize");
  }
  SECTION("consistency proofs between two log sizes") {
    Json status = live.call("chain_getStatus");
    std::uint64_t size = status["result"]["logSize"];
    REQUIRE(size >= 4);
    Json reply = live.call("chain_getConsistencyProof", {{"fromSize", 2}, {"toSize", size}});
    REQUIRE(reply.contains("result"));
    const Json& c = reply["result"];
    crypto::MerkleHasher hasher(crypto::HashAlgorithm::kSha256);
    Status consistent = crypto::verify_consistency(hasher, 2, size, digest(c["fromRoot"]),
                                                   digest(c["toRoot"]), path_of(c["path"]));
    INFO((consistent ? std::string() : consistent.error().message()));
    CHECK(consistent.ok());
    REQUIRE(!c["toHeight"].is_null());
    Json to_header = live.call("chain_getHeader", {{"height", c["toHeight"]}});
    CHECK(to_header["result"]["logRoot"] == c["toRoot"]);
  }
  SECTION("the trade trail carries a receipt for every step") {
    Json trail = live.call("trade_getTrail", {{"tradeId", "trade-1"}}, "buyer-bank");
    REQUIRE(trail.contains("result"));
    const Json& t = trail["result"];
    REQUIRE(t["steps"].size() == 2);  // create, accept
    CHECK(t["steps"][0]["kind"] == "trade.create");
    CHECK(t["steps"][1]["kind"] == "trade.accept");
    for (const Json& step : t["steps"]) {
      CHECK(step["receipt"]["txHash"] == step["txHash"]);
      auto receipt = decode_hex<ledger::Receipt>(step["receipt"]["hex"]);
      CHECK(to_hex(ledger::receipt_hash(crypto::HashAlgorithm::kSha256, receipt)) ==
            step["receipt"]["hash"]);
    }
    CHECK(t["registration"]["kind"] == "asset.register");
    CHECK(t["registration"]["receipt"]["status"] == "ok");
    CHECK(t["asset"]["id"] == "asset-1");
    Json tx = live.call("tx_get", {{"hash", hash}}, "buyer-bank");
    CHECK(tx["result"]["kind"] == "trade.create");
    CHECK(tx["result"]["nonce"].is_string());
    CHECK(decode_hex<ledger::Transaction>(tx["result"]["hex"]).sender == "buyer-bank");
  }
}

TEST_CASE("validator-set changes come with their certified headers", "[rpc][proofs]") {
  LiveNode live;
  auto genesis = ledger::load_genesis(live.config().genesis_file());
  REQUIRE(genesis.ok());
  ledger::AssetRegisterPayload asset;
  asset.asset_id = "asset-v";
  live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, asset));

  Json none = live.call("chain_getValidatorSetChanges");
  REQUIRE(none.contains("result"));
  CHECK(none["result"]["changes"].empty());
  CHECK(none["result"]["next"].is_null());
  CHECK(decode_hex<ledger::ValidatorSet>(none["result"]["initialValidatorSet"]["hex"]) ==
        genesis->validators);

  // The exchange alone meets the governance threshold of `tracectl init`, so
  // the change applies in the block that proposes it. The chain halts after
  // it (the new validator never runs), which this test does not need.
  auto added = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  REQUIRE(added.ok());
  ledger::ProposePayload propose;
  propose.proposal_id = "add-validator-1";
  propose.change.type = ledger::ChangeType::kAddValidator;
  propose.change.subject = "validator-1";
  propose.change.public_key = added->public_key().bytes();
  propose.change.power = 1;
  propose.expiry_height = live.node().store().height() + 100;
  Digest hash = live.commit(live.make("exchange", ledger::TxKind::kGovernancePropose, propose));
  auto location = live.node().store().locate(hash);
  REQUIRE(location.ok());

  Json changes = live.call("chain_getValidatorSetChanges", {{"fromHeight", 1}});
  REQUIRE(changes.contains("result"));
  REQUIRE(changes["result"]["changes"].size() == 1);
  const Json& change = changes["result"]["changes"][0];
  CHECK(change["height"] == location->height);
  auto header = decode_hex<ledger::BlockHeader>(change["header"]["hex"]);
  auto certificate = decode_hex<ledger::CommitCertificate>(change["certificate"]["hex"]);
  auto next = decode_hex<ledger::ValidatorSet>(change["nextValidatorSet"]["hex"]);
  CHECK(header.validator_set_hash == ledger::validator_set_hash(genesis->validators));
  CHECK(header.next_validator_set_hash == ledger::validator_set_hash(next));
  CHECK(next.validators.size() == 2);
  CHECK(certificate.block_hash == ledger::header_hash(crypto::HashAlgorithm::kSha256, header));
  CHECK(ledger::verify_certificate(header.chain_id, genesis->validators, certificate).ok());

  Json paged = live.call("chain_getValidatorSetChanges", {{"fromHeight", 1}, {"toHeight", 1}});
  CHECK(paged["result"]["changes"].empty());
}

TEST_CASE("a batch of submissions is answered entry by entry, in its order", "[rpc][submit]") {
  // The node admits a batch's transactions together; the replies must still
  // be what submitting them one after another gives.
  LiveNode live;
  auto make = [&](const std::string& id) {
    ledger::AssetRegisterPayload asset;
    asset.asset_id = id;
    return live.make("provider-acme", ledger::TxKind::kAssetRegister, asset);
  };
  ledger::Transaction a = make("asset-b1");
  ledger::Transaction b = make("asset-b2");
  ledger::Transaction c = make("asset-b3");
  ledger::Transaction forged = make("asset-b4");
  forged.nonce += 1000;  // the signature no longer covers the content
  auto submit = [](const Json& id, const ledger::Transaction& tx) {
    return Json{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tx_submit"},
                {"params", {{"tx", to_hex(ledger::encode(tx))}}}};
  };
  Json batch = Json::array({
      submit(1, a),
      submit(2, a),  // the same transaction again: the first one wins
      Json{{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tx_submit"}, {"params", {{"tx", "0g"}}}},
      submit(4, forged),
      Json{{"jsonrpc", "2.0"}, {"id", 5}, {"method", "chain_getStatus"}},
      submit(6, b),
      Json{{"jsonrpc", "2.0"}, {"method", "tx_submit"},
           {"params", {{"tx", to_hex(ledger::encode(c))}}}},  // a notification
  });
  HttpReply reply = live.post(batch.dump());
  Json replies = Json::parse(reply.body);
  REQUIRE(replies.is_array());
  REQUIRE(replies.size() == 6);
  CHECK(replies[0]["id"] == 1);
  CHECK(replies[0]["result"]["hash"] == to_hex(ledger::transaction_hash(a)));
  CHECK(replies[1]["id"] == 2);
  CHECK(replies[1]["error"]["code"] == -32000);
  CHECK(replies[1]["error"]["data"]["reason"] == "duplicate");
  CHECK(replies[2]["id"] == 3);
  CHECK(replies[2]["error"]["code"] == -32602);
  CHECK(replies[2]["error"]["data"]["param"] == "tx");
  CHECK(replies[3]["id"] == 4);
  CHECK(replies[3]["error"]["code"] == -32000);
  CHECK(replies[3]["error"]["data"]["reason"] == "invalid");
  CHECK(replies[4]["id"] == 5);
  CHECK(replies[4].contains("result"));
  CHECK(replies[5]["id"] == 6);
  CHECK(replies[5]["result"]["hash"] == to_hex(ledger::transaction_hash(b)));
  // The notification was admitted too, though nothing answered it.
  live.wait_committed(ledger::transaction_hash(a));
  live.wait_committed(ledger::transaction_hash(b));
  live.wait_committed(ledger::transaction_hash(c));
}

TEST_CASE("tracectl rotate-key reads its receipt with the new key and reports success",
          "[rpc][cli]") {
  // The old key signs no read once the rotation commits: waiting with it
  // made a committed rotation look failed.
  LiveNode live;
  const crypto::Suite suite = live.key("buyer-bank").suite();
  auto new_key = crypto::PrivateKey::generate(suite);
  REQUIRE(new_key.ok());
  const auto new_key_file = live.home() / "buyer-bank-2027.pem";
  REQUIRE(new_key->save(new_key_file).ok());

  cli::SubmitOptions options;
  options.remote.node = "http://127.0.0.1:" + std::to_string(live.rpc_port());
  options.remote.key = live.home() / "keys" / "buyer-bank.pem";
  options.timeout = std::chrono::seconds(30);
  const cli::TxRequest rotate{ledger::TxKind::kIdentityRotateKey,
                              {{"new-key", new_key_file.string()}}};
  std::ostringstream out;
  std::ostringstream err;
  CHECK(cli::submit_transaction(options, rotate, out, err) == cli::kExitOk);
  INFO(out.str() << err.str());
  CHECK_THAT(out.str(), Catch::Contains("status      ok"));

  // The new key is in force: it signs the next rotation, which succeeds too.
  auto third = crypto::PrivateKey::generate(suite);
  REQUIRE(third.ok());
  const auto third_file = live.home() / "buyer-bank-2028.pem";
  REQUIRE(third->save(third_file).ok());
  options.remote.key = new_key_file;
  options.remote.as = "buyer-bank";
  std::ostringstream out2;
  CHECK(cli::submit_transaction(options,
                                {ledger::TxKind::kIdentityRotateKey, {{"new-key", third_file.string()}}},
                                out2, err) == cli::kExitOk);
  CHECK_THAT(out2.str(), Catch::Contains("status      ok"));
}
