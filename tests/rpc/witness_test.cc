// Witnesses against a live node: `tracectl witness run --once` cosigns the
// node's checkpoint and hands the cosignature over; the node keeps only
// cosignatures of policy witnesses over its own log, serves them with
// checkpoints and receipts, and shows each witness's lag in chain_getWitnesses,
// /health and /metrics. A witnessed receipt verifies with the witness required.
#include <catch2/catch.hpp>

#include <atomic>
#include <sstream>
#include <thread>

#include "cli/witness.h"
#include "ledger/checkpoint.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;

namespace {

const std::string kWitness = "witness-1";
const std::string kWitnessName = "witness.tracechain.example/witness-1";

std::string error_of(const Json& reply) {
  INFO(reply.dump());
  REQUIRE(reply.contains("error"));
  return reply["error"]["message"].get<std::string>();
}

// One round of `tracectl witness run --once` against the live node.
int run_witness(LiveNode& live, const std::filesystem::path& state, std::string& output) {
  cli::WitnessRunOptions options;
  options.nodes = {"http://127.0.0.1:" + std::to_string(live.rpc_port())};
  options.genesis = live.config().genesis_file();
  options.cosigning_key = live.home() / "keys" / (kWitness + ".cosigning.pem");
  options.name = kWitnessName;
  options.state = state;
  options.once = true;
  std::ostringstream out, err;
  int code = cli::witness_run(options, out, err);
  output = out.str() + err.str();
  return code;
}

}  // namespace

TEST_CASE("a witness cosigns a live node's log, the node keeps, serves and tracks it",
          "[rpc][witness]") {
  LiveNode live;
  live.trade_scenario();
  auto genesis = ledger::load_genesis(live.config().genesis_file());
  REQUIRE(genesis.ok());
  REQUIRE(genesis->policy.witnesses.size() == 1);
  CHECK(genesis->policy.witnesses.front().participant == kWitness);
  const cli::ValidatorHistory validators(*genesis);
  const auto state = live.home() / "witness" / "state.json";
  std::filesystem::create_directories(state.parent_path());

  // Before any cosignature the witness is as far behind as the whole log.
  Json before = result_of(live.call("chain_getWitnesses"));
  REQUIRE(before["witnesses"].size() == 1);
  CHECK(before["witnesses"][0]["latest"].is_null());
  CHECK(before["witnesses"][0]["behind"]["entries"] == before["logSize"]);

  std::string output;
  int code = run_witness(live, state, output);
  INFO(output);
  REQUIRE(code == 0);
  CHECK_THAT(output, Catch::Contains("cosigned height"));
  CHECK(std::filesystem::exists(state));

  Json witnesses = result_of(live.call("chain_getWitnesses"));
  const Json& w = witnesses["witnesses"][0];
  REQUIRE_FALSE(w["latest"].is_null());
  CHECK(w["participant"] == kWitness);
  CHECK(w["name"] == kWitnessName);
  const std::uint64_t cosigned_size = w["latest"]["logSize"];
  CHECK(w["behind"]["entries"] == witnesses["logSize"].get<std::uint64_t>() - cosigned_size);

  // The checkpoint of that size carries the cosignature, in its note too.
  const std::uint64_t cosigned_height = [&] {
    auto proof = result_of(live.call("chain_getConsistencyProof",
                                     {{"fromSize", cosigned_size}, {"toSize", cosigned_size}}));
    return proof["fromHeight"].get<std::uint64_t>();
  }();
  Json checkpoint = result_of(live.call("chain_getCheckpoint", {{"height", cosigned_height}}));
  REQUIRE(checkpoint["cosignatures"].size() == 1);
  auto note = ledger::parse_note(checkpoint["signedNote"].get<std::string>());
  REQUIRE(note.ok());
  const std::vector<ledger::NoteVerifier> cosigners = cli::policy_cosigners(*genesis);
  auto verified = ledger::verify_cosignatures(*note, cosigners);
  REQUIRE(verified.ok());
  CHECK(verified->size() == 1);
  auto checked = cli::verify_checkpoint(checkpoint, *genesis, validators);
  REQUIRE(checked.ok());
  REQUIRE(checked->cosigned.size() == 1);
  CHECK(checked->cosigned.front().participant == kWitness);
  CHECK(checked->cosigned.front().time == verified->front().time);
  // A witness's line altered in the file fails the whole checkpoint.
  Json altered = checkpoint;
  ledger::SignedNote altered_note = *note;
  altered_note.signatures.back().signature.back() ^= 1;
  altered["signedNote"] = ledger::format_note(altered_note);
  CHECK_FALSE(cli::verify_checkpoint(altered, *genesis, validators).ok());

  // A receipt with witnessed: true carries it, and verifies with the witness required.
  Json receipt = result_of(live.call("tx_getVerifiableReceipt",
                                     {{"hash", to_hex(live.trade1_create_tx)}, {"witnessed", true}},
                                     "buyer-bank"));
  REQUIRE(receipt["witnessed"].size() == 1);
  cli::WitnessRequirement required{cosigners, 1};
  cli::ReceiptVerification v = cli::verify_receipt(receipt, *genesis, validators, &required);
  INFO((v.first_failure() ? v.first_failure()->detail : ""));
  CHECK(v.ok());
  Json plain = result_of(live.call("tx_getVerifiableReceipt",
                                   {{"hash", to_hex(live.trade1_create_tx)}}, "buyer-bank"));
  CHECK(plain["witnessed"].is_null());
  CHECK_FALSE(cli::verify_receipt(plain, *genesis, validators, &required).ok());

  SECTION("the lag shows in /health and /metrics") {
    HttpReply health = http_request(live.rpc_port(), "GET", "/health");
    REQUIRE(health.status == 200);
    Json body = health.json();
    REQUIRE(body["witnesses"].size() == 1);
    CHECK(body["witnesses"][0]["participant"] == kWitness);
    CHECK(body["witnesses"][0]["behindEntries"].is_number_unsigned());
    HttpReply metrics = http_request(live.metrics_port(), "GET", "/metrics");
    CHECK_THAT(metrics.body, Catch::Contains("tracechain_witness_behind_entries{witness=\"witness-1\"}"));
    CHECK_THAT(metrics.body, Catch::Contains("tracechain_witness_behind_seconds{witness=\"witness-1\"}"));
  }
  SECTION("a second round after more transactions cosigns a longer log, by a consistency proof") {
    ledger::AssetRegisterPayload asset;
    asset.asset_id = "asset-2";
    asset.level = 2;
    live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, asset));
    std::string again;
    REQUIRE(run_witness(live, state, again) == 0);
    Json later = result_of(live.call("chain_getWitnesses"));
    CHECK(later["witnesses"][0]["latest"]["logSize"].get<std::uint64_t>() > cosigned_size);
  }
  SECTION("the node keeps only policy witnesses' cosignatures of its own log") {
    auto key = crypto::PrivateKey::load(live.home() / "keys" / (kWitness + ".cosigning.pem"));
    REQUIRE(key.ok());
    auto parsed = ledger::parse_checkpoint(checkpoint["checkpoint"].get<std::string>());
    REQUIRE(parsed.ok());

    // Another root at that size: the witness saw another history.
    ledger::Checkpoint other = *parsed;
    other.root[0] ^= 1;
    const std::string other_text = ledger::checkpoint_text(other);
    auto line = ledger::cosign(other_text, kWitnessName, *key, 1'900'000'000);
    REQUIRE(line.ok());
    CHECK_THAT(error_of(live.call("witness_addCosignature",
                                  {{"note", ledger::format_note({other_text, {*line}})}})),
               Catch::Contains("the witness saw another history"));

    // A key the policy does not name.
    auto stranger = crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256).value();
    const std::string text = checkpoint["checkpoint"].get<std::string>();
    auto stranger_line = ledger::cosign(text, kWitnessName, stranger, 1'900'000'000);
    CHECK_THAT(error_of(live.call("witness_addCosignature",
                                  {{"note", ledger::format_note({text, {*stranger_line}})}})),
               Catch::Contains("no cosignature of a witness the policy names"));

    // A line that does not hold, and text that is not a note.
    ledger::NoteSignature broken = *ledger::cosign(text, kWitnessName, *key, 1'900'000'000);
    broken.signature.back() ^= 1;
    CHECK_THAT(error_of(live.call("witness_addCosignature",
                                  {{"note", ledger::format_note({text, {broken}})}})),
               Catch::Contains("does not hold"));
    CHECK_THAT(error_of(live.call("witness_addCosignature", {{"note", "not a note"}})),
               Catch::Contains("invalid params: note"));

    // An older cosignature does not replace a newer one.
    auto old_line = ledger::cosign(text, kWitnessName, *key, 1'000);
    Json kept = result_of(live.call("witness_addCosignature",
                                    {{"note", ledger::format_note({text, {*old_line}})}}));
    CHECK(kept["accepted"].empty());
    // A newer one of the same checkpoint does, and survives a restart of the store's file.
    auto new_line = ledger::cosign(text, kWitnessName, *key, 4'000'000'000);
    kept = result_of(live.call("witness_addCosignature",
                               {{"note", ledger::format_note({text, {*new_line}})}}));
    CHECK(kept["accepted"].size() == 1);
    node::CosignatureStore reopened(live.config().data_dir() / "cosignatures.json");
    REQUIRE(reopened.all().size() == 1);
    CHECK(reopened.all().front().time == 4'000'000'000);
  }
}

TEST_CASE("the C2SP tlog-witness protocol: witness push to witness serve, and its refusals",
          "[rpc][witness][tlog-witness]") {
  LiveNode live;
  live.trade_scenario();
  const auto state = live.home() / "witness" / "served-state.json";
  std::filesystem::create_directories(state.parent_path());
  const std::string node_url = "http://127.0.0.1:" + std::to_string(live.rpc_port());
  constexpr std::uint16_t kPort = 30150;  // below the ephemeral range; no other test uses it

  // The witness answers five requests: the first push's (old size 0, which
  // a witness that never cosigned takes), the second push's two (a 409
  // naming the size cosigned, then that size with a consistency proof), and
  // the two raw ones below.
  cli::WitnessServeOptions serve;
  serve.listen = "127.0.0.1:" + std::to_string(kPort);
  serve.node = node_url;
  serve.genesis = live.config().genesis_file();
  serve.cosigning_key = live.home() / "keys" / (kWitness + ".cosigning.pem");
  serve.name = kWitnessName;
  serve.state = state;
  serve.max_requests = 5;
  std::ostringstream serve_out, serve_err;
  int serve_code = -1;
  std::atomic<bool> served{false};
  std::thread server([&] {
    serve_code = cli::witness_serve(serve, serve_out, serve_err);
    served = true;
  });
  // Should the test stop early, requests it answers (404) let the server end.
  struct Join {
    std::thread& thread;
    std::atomic<bool>& served;
    std::uint16_t port;
    ~Join() {
      for (int i = 0; i < 100 && !served; ++i) {
        try {
          http_request(port, "GET", "/stop");
        } catch (const std::exception&) {
          std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
      }
      if (thread.joinable()) thread.join();
    }
  } join{server, served, kPort};
  // Wait until it listens (a connection that sends nothing is not a request).
  for (int i = 0; i < 200; ++i) {
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket probe(io);
    boost::system::error_code ec;
    probe.connect({boost::asio::ip::make_address("127.0.0.1"), kPort}, ec);
    if (!ec) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  auto genesis = ledger::load_genesis(live.config().genesis_file());
  REQUIRE(genesis.ok());
  cli::WitnessPushOptions push;
  push.node = node_url;
  push.witness_url = "http://127.0.0.1:" + std::to_string(kPort);
  push.witness_key = ledger::cosigning_key_text(genesis->policy.witnesses.front());
  push.once = true;
  std::ostringstream push_out, push_err;
  int push_code = cli::witness_push(push, push_out, push_err);
  INFO(push_out.str() << push_err.str() << serve_out.str() << serve_err.str());
  REQUIRE(push_code == 0);
  CHECK_THAT(push_out.str(), Catch::Contains("cosigned by " + kWitnessName));
  Json first = result_of(live.call("chain_getWitnesses"));
  REQUIRE_FALSE(first["witnesses"][0]["latest"].is_null());

  // More transactions; a new pusher learns the size cosigned from a 409 and
  // sends a consistency proof from it.
  ledger::AssetRegisterPayload asset;
  asset.asset_id = "asset-pushed";
  asset.level = 2;
  live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, asset));
  std::ostringstream again_out, again_err;
  REQUIRE(cli::witness_push(push, again_out, again_err) == 0);
  Json witnesses = result_of(live.call("chain_getWitnesses"));
  CHECK(witnesses["witnesses"][0]["latest"]["logSize"].get<std::uint64_t>() >
        first["witnesses"][0]["latest"]["logSize"].get<std::uint64_t>());
  CHECK(witnesses["witnesses"][0]["behind"]["entries"] == 0);

  // A stale old size is a 409 naming the size cosigned; a checkpoint that
  // is not signed by a validator is a 403.
  Json checkpoint = result_of(live.call("chain_getCheckpoint"));
  const std::string note = checkpoint["signedNote"].get<std::string>();
  HttpReply stale = http_request(kPort, "POST", "/add-checkpoint", "old 0\n\n" + note);
  CHECK(stale.status == 409);
  CHECK(stale.headers["content-type"] == "text/x.tlog.size");
  CHECK(stale.body == std::to_string(witnesses["witnesses"][0]["latest"]["logSize"].get<std::uint64_t>()) + "\n");
  auto unsigned_note = ledger::parse_note(note);
  REQUIRE(unsigned_note.ok());
  auto stranger = crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256).value();
  ledger::SignedNote forged{unsigned_note->text,
                            {*ledger::sign_note(unsigned_note->text, checkpoint["origin"].get<std::string>(),
                                                stranger)}};
  HttpReply refused = http_request(kPort, "POST", "/add-checkpoint",
                                   "old 0\n\n" + ledger::format_note(forged));
  CHECK(refused.status == 403);
  server.join();
  REQUIRE(served);
  CHECK(serve_code == 0);
  CHECK_THAT(serve_out.str(), Catch::Contains("add-checkpoint: 200 cosigned"));
}
