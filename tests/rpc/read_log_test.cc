// The read log against a live node: every authenticated read is recorded
// with its reader, method, subjects and the participants they concern; a
// participant lists who read records about it (and no one else's), an
// auditor lists all; the node commits its log's checkpoint on chain, and
// each entry's inclusion in it verifies offline against genesis, through
// the library and through tracectl. Reads of the read log are recorded too.
// A changed entry or checkpoint is rejected.
#include <catch2/catch.hpp>

#include <sstream>
#include <thread>

#include "cli/access.h"
#include "crypto/file_util.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;

namespace {

// access_listReads as `as` until the node's checkpoint covers at least
// `size` entries (fails after 15 s).
Json reads_once_checkpointed(LiveNode& live, const std::string& as, const Json& params,
                             std::uint64_t size) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (true) {
    Json page = result_of(live.call("access_listReads", params, as));
    if (!page["checkpoint"].is_null() && page["checkpoint"]["size"].get<std::uint64_t>() >= size) {
      return page;
    }
    if (std::chrono::steady_clock::now() > deadline) FAIL("no checkpoint of " << size << " entries");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

bool has_entry(const Json& page, const std::string& reader, const std::string& method) {
  for (const Json& e : page["entries"]) {
    if (e["reader"] == reader && e["method"] == method) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("reads are recorded, listed by who they concern, and proven against the chain",
          "[rpc][read-log]") {
  LiveNode live([](node::NodeConfig& config) { config.read_log.checkpoint_interval_ms = 200; });
  REQUIRE(live.config().read_log.participant == live.node_id());
  live.trade_scenario();
  auto genesis = ledger::load_genesis(live.config().genesis_file());
  REQUIRE(genesis.ok());
  const cli::ValidatorHistory validators(*genesis);

  // Anonymous reads and refused reads are not recorded; served ones are.
  const std::uint64_t before = live.node().read_log().size();
  result_of(live.call("chain_getStatus"));
  CHECK(live.call("trade_get", {{"tradeId", "trade-2"}}, "buyer-bank")["error"]["code"] == -32002);
  CHECK(live.node().read_log().size() == before);
  result_of(live.call("trade_get", {{"tradeId", "trade-1"}}, "auditor-1"));
  result_of(live.call("asset_get", {{"assetId", "asset-1"}}, "reviewer-1"));
  result_of(live.call("trade_get", {{"tradeId", "trade-1"}}, "buyer-bank"));
  CHECK(live.node().read_log().size() == before + 3);

  // buyer-bank sees who read records about it: the auditor's read of trade-1
  // and its own, not the reviewer's read of provider-acme's asset.
  Json mine = result_of(live.call("access_listReads", Json::object(), "buyer-bank"));
  CHECK(mine["node"] == live.node_id());
  CHECK(mine["participant"] == live.node_id());
  CHECK(has_entry(mine, "auditor-1", "trade_get"));
  CHECK(has_entry(mine, "buyer-bank", "trade_get"));
  CHECK_FALSE(has_entry(mine, "reviewer-1", "asset_get"));
  for (const Json& e : mine["entries"]) {
    INFO(e.dump());
    const auto& about = e["about"];
    CHECK(std::find(about.begin(), about.end(), "buyer-bank") != about.end());
    CHECK(e["requestHash"].get<std::string>() != std::string(64, '0'));
    CHECK(e["node"] == live.node_id());
  }
  const Json& auditor_read = *std::find_if(mine["entries"].begin(), mine["entries"].end(),
                                           [](const Json& e) { return e["reader"] == "auditor-1"; });
  CHECK(auditor_read["subjects"] == Json::array({{{"kind", "trade"}, {"id", "trade-1"}}}));
  CHECK(auditor_read["about"] == Json::array({"buyer-bank", "provider-acme"}));

  // Not about others, unless an auditor asks.
  CHECK(live.call("access_listReads", {{"about", "provider-acme"}}, "buyer-bank")["error"]["code"] ==
        -32002);
  CHECK(live.call("access_listReads", {{"reader", "auditor-1"}}, "buyer-bank")["error"]["code"] ==
        -32002);
  Json theirs = result_of(live.call("access_listReads", {{"about", "provider-acme"}}, "auditor-1"));
  CHECK(has_entry(theirs, "reviewer-1", "asset_get"));
  Json by_reviewer = result_of(live.call("access_listReads", {{"reader", "reviewer-1"}}, "auditor-1"));
  REQUIRE(by_reviewer["entries"].size() == 1);

  // The auditor's look at buyer-bank's reads is itself a read about buyer-bank.
  result_of(live.call("access_listReads", {{"about", "buyer-bank"}}, "auditor-1"));
  Json after = result_of(live.call("access_listReads", Json::object(), "buyer-bank"));
  CHECK(has_entry(after, "auditor-1", "access_listReads"));

  // The node commits its log; the entries then verify against genesis.
  const std::uint64_t recorded = live.node().read_log().size();
  Json page = reads_once_checkpointed(live, "buyer-bank", Json::object(), recorded);
  cli::ReadsVerification verified = cli::verify_reads(page, *genesis, validators);
  INFO(page.dump(1));
  REQUIRE(verified.has_checkpoint);
  for (const auto& check : verified.checkpoint.checks) INFO(check.name << ": " << check.detail);
  REQUIRE(verified.ok());
  std::size_t proven = 0;
  for (const auto& e : verified.entries) {
    if (e.state == cli::ReadsVerification::Entry::State::kProven) ++proven;
  }
  CHECK(proven >= 4);

  SECTION("a changed entry or checkpoint is rejected") {
    Json changed = page;
    Json& first = changed["entries"][0];
    auto entry = ledger::decode<ledger::ReadEntry>(*from_hex(first["hex"].get<std::string>()));
    REQUIRE(entry.ok());
    entry->reader = "someone-else";
    first["hex"] = to_hex(ledger::encode(*entry));
    cli::ReadsVerification v = cli::verify_reads(changed, *genesis, validators);
    CHECK_FALSE(v.ok());
    CHECK(v.entries[0].state == cli::ReadsVerification::Entry::State::kFailed);
    CHECK(v.entries[1].state == cli::ReadsVerification::Entry::State::kProven);

    Json dropped_proof = page;
    dropped_proof["entries"][0]["inclusionProof"] = nullptr;
    CHECK_FALSE(cli::verify_reads(dropped_proof, *genesis, validators).ok());

    Json other_root = page;
    std::string root = other_root["checkpoint"]["root"];
    root[0] = root[0] == '0' ? '1' : '0';
    other_root["checkpoint"]["root"] = root;
    cli::ReadsVerification rooted = cli::verify_reads(other_root, *genesis, validators);
    CHECK_FALSE(rooted.ok());
    CHECK_FALSE(rooted.checkpoint.ok());
  }

  SECTION("tracectl access reads verifies, saves, and verify-reads checks the file offline") {
    cli::AccessReadsOptions options;
    options.remote.node = "http://127.0.0.1:" + std::to_string(live.rpc_port());
    options.remote.key = live.home() / "keys" / "buyer-bank.pem";
    options.genesis = live.config().genesis_file();
    options.out = live.home() / "reads.json";
    std::ostringstream out, err;
    int code = cli::access_reads(options, out, err);
    INFO(out.str() << err.str());
    REQUIRE(code == 0);
    CHECK_THAT(out.str(), Catch::Contains("auditor-1"));
    CHECK_THAT(out.str(), Catch::Contains("✓ checkpoint on chain"));
    CHECK_THAT(out.str(), Catch::Contains("proven in a checkpoint on chain"));

    cli::VerifyReceiptOptions file;
    file.receipt = options.out;
    file.genesis = live.config().genesis_file();
    std::ostringstream out2, err2;
    CHECK(cli::verify_reads_file(file, out2, err2) == 0);

    auto saved = Json::parse(*read_file(options.out, 1 << 24));
    Json& entry = saved["pages"][0]["entries"][0];
    auto decoded = ledger::decode<ledger::ReadEntry>(*from_hex(entry["hex"].get<std::string>()));
    REQUIRE(decoded.ok());
    decoded->time_ms += 1;
    entry["hex"] = to_hex(ledger::encode(*decoded));
    REQUIRE(write_file_atomic(options.out, saved.dump(), 0644, Overwrite::kReplace).ok());
    std::ostringstream out3, err3;
    CHECK(cli::verify_reads_file(file, out3, err3) == 1);
    CHECK_THAT(out3.str(), Catch::Contains("inclusion proof"));
  }
}

// A policy that allows transactions fewer blocks ahead than the node's
// usual checkpoint lifetime: the node's checkpoints still go through.
TEST_CASE("the node's read-log checkpoints respect the policy's transaction lifetime",
          "[rpc][read-log]") {
  LiveNode live([](node::NodeConfig& config) { config.read_log.checkpoint_interval_ms = 200; });
  auto genesis = ledger::load_genesis(live.config().genesis_file());
  REQUIRE(genesis.ok());
  ledger::Change change;
  change.type = ledger::ChangeType::kChangePolicy;
  ledger::Policy policy = genesis->policy;
  policy.max_transaction_lifetime = 10;
  change.policy = policy;
  // One governor's proposal is enough in a `tracectl init` chain: it applies at once.
  live.commit(live.make("exchange", ledger::TxKind::kGovernancePropose,
                        ledger::ProposePayload{"short-lifetime", change,
                                               live.node().store().height() + 5}));
  auto in_force = ledger::read_policy(*live.node().store().snapshot().value());
  REQUIRE(in_force.ok());
  REQUIRE(in_force->max_transaction_lifetime == 10);
  result_of(live.call("participant_get", {{"participantId", "buyer-bank"}}, "auditor-1"));
  const std::uint64_t recorded = live.node().read_log().size();
  Json page = reads_once_checkpointed(live, "auditor-1", Json::object(), recorded);
  CHECK(page["checkpoint"]["size"].get<std::uint64_t>() >= recorded);
}

// Over a WebSocket, every call is recorded with the hash of the connection's
// signed upgrade request: two calls on one connection share it, and a call
// over HTTP has its own.
TEST_CASE("reads over a WebSocket are recorded with the signed upgrade's hash",
          "[rpc][read-log]") {
  LiveNode live;
  live.trade_scenario();
  WsClient ws(live.rpc_port(), sign_request(live.key("buyer-bank"), "buyer-bank", live.chain_id(),
                                            live.node_id(), "GET /ws", ""));
  const std::uint64_t before = live.node().read_log().size();
  for (int id = 1; id <= 2; ++id) {
    Json reply = ws.call({{"jsonrpc", "2.0"},
                          {"id", id},
                          {"method", "trade_get"},
                          {"params", {{"tradeId", "trade-1"}}}});
    INFO(reply.dump());
    REQUIRE(reply.contains("result"));
  }
  result_of(live.call("trade_get", {{"tradeId", "trade-1"}}, "buyer-bank"));
  REQUIRE(live.node().read_log().size() == before + 3);
  std::vector<std::string> hashes;
  for (std::uint64_t i = before; i < before + 3; ++i) {
    auto entry = ledger::decode<ledger::ReadEntry>(live.node().read_log().entry(i).value());
    REQUIRE(entry.ok());
    CHECK(entry->reader == "buyer-bank");
    CHECK(entry->method == "trade_get");
    hashes.push_back(to_hex(entry->request_hash));
  }
  CHECK(hashes[0] == hashes[1]);
  CHECK(hashes[0] != hashes[2]);
  CHECK(hashes[0] != std::string(64, '0'));
}
