// Checkpoints from a live node: chain_getCheckpoint and GET /checkpoint give
// the C2SP checkpoint of a certified header as a note the validator signed,
// tracectl's verifier accepts it trusting only genesis, and refuses it with
// the text, the signature or the signer changed.
#include <catch2/catch.hpp>

#include "cli/verify.h"
#include "ledger/checkpoint.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;

TEST_CASE("a validator serves its log's checkpoint as a signed C2SP note that verifies offline",
          "[rpc][checkpoint]") {
  LiveNode live;
  live.trade_scenario();
  auto genesis = ledger::load_genesis(live.config().genesis_file());
  REQUIRE(genesis.ok());
  const cli::ValidatorHistory validators(*genesis);
  const ledger::ChainParams params = ledger::chain_params(*genesis);

  Json answer = result_of(live.call("chain_getCheckpoint"));
  auto checkpoint = ledger::parse_checkpoint(answer["checkpoint"].get<std::string>());
  REQUIRE(checkpoint.ok());
  CHECK(checkpoint->origin == ledger::checkpoint_origin(params));
  CHECK(checkpoint->origin.starts_with("tracechain/" + live.chain_id() + "/"));
  CHECK(checkpoint->size == answer["logSize"]);
  CHECK(checkpoint->size == answer["header"]["logSize"]);
  CHECK(checkpoint->size > 0);
  CHECK(to_hex(checkpoint->root) == answer["header"]["logRoot"]);

  // The note verifies with the verifier key beside it, as any C2SP tool's would.
  auto note = ledger::parse_note(answer["signedNote"].get<std::string>());
  REQUIRE(note.ok());
  auto verifier = ledger::parse_note_verifier(answer["verifierKey"].get<std::string>());
  REQUIRE(verifier.ok());
  CHECK(ledger::verify_note(*note, std::span(&*verifier, 1)).ok());

  // And offline, trusting only genesis.
  auto v = cli::verify_checkpoint(answer, *genesis, validators);
  INFO((v ? std::string("ok") : v.error().message()));
  REQUIRE(v.ok());
  CHECK(v->signer == genesis->validators.validators.front().id);
  CHECK(v->checkpoint.size == checkpoint->size);

  SECTION("at an earlier height") {
    Json first = result_of(live.call("chain_getCheckpoint", {{"height", 1}}));
    CHECK(first["height"] == 1);
    CHECK(first["logSize"] == first["header"]["logSize"]);
    CHECK(cli::verify_checkpoint(first, *genesis, validators).ok());
  }
  SECTION("GET /checkpoint: the tip's signed note, in text") {
    HttpReply reply = http_request(live.rpc_port(), "GET", "/checkpoint");
    REQUIRE(reply.status == 200);
    CHECK(reply.headers["content-type"].starts_with("text/plain"));
    auto served = ledger::parse_note(reply.body);
    REQUIRE(served.ok());
    CHECK(ledger::verify_note(*served, std::span(&*verifier, 1)).ok());
    auto text = ledger::parse_checkpoint(served->text);
    REQUIRE(text.ok());
    CHECK(text->origin == checkpoint->origin);
    CHECK(text->size >= checkpoint->size);
    CHECK(http_request(live.rpc_port(), "POST", "/checkpoint").status == 405);
  }
  SECTION("a checkpoint whose size is not the header's is refused") {
    Json forged = answer;
    ledger::Checkpoint changed = *checkpoint;
    changed.size += 1;
    forged["checkpoint"] = ledger::checkpoint_text(changed);
    CHECK_FALSE(cli::verify_checkpoint(forged, *genesis, validators).ok());
  }
  SECTION("a note whose signature was altered is refused") {
    ledger::SignedNote altered = *note;
    altered.signatures[0].signature[10] ^= 1;
    Json forged = answer;
    forged["signedNote"] = ledger::format_note(altered);
    CHECK_FALSE(cli::verify_checkpoint(forged, *genesis, validators).ok());
  }
  SECTION("a note signed by a key that is not a validator's is refused") {
    auto signature = ledger::sign_note(note->text, checkpoint->origin, live.key("exchange"));
    REQUIRE(signature.ok());
    Json forged = answer;
    forged["signedNote"] = ledger::format_note(ledger::SignedNote{note->text, {*signature}});
    auto refused = cli::verify_checkpoint(forged, *genesis, validators);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message().find("none of the keys") != std::string::npos);
  }
  SECTION("a checkpoint beside another height's certified header is refused") {
    Json first = result_of(live.call("chain_getCheckpoint", {{"height", 1}}));
    Json forged = answer;
    forged["header"] = first["header"];
    forged["certificate"] = first["certificate"];
    CHECK_FALSE(cli::verify_checkpoint(forged, *genesis, validators).ok());
  }
}
