#include <catch2/catch.hpp>

#include <random>

#include "node/mempool.h"
#include "node/wire.h"
#include "tests/support/test_chain.h"

using namespace tracechain;
using namespace tracechain::node;
using test::label_hash;

TEST_CASE("every wire message round-trips through a frame", "[node][wire]") {
  test::TestChain chain;
  ledger::Proposal proposal;
  proposal.chain_id = "tracechain-test";
  proposal.height = 3;
  proposal.proposer = "validator-0";
  ledger::sign(proposal, chain.validator_keys()[0]);
  ledger::Vote vote;
  vote.chain_id = "tracechain-test";
  vote.height = 3;
  vote.validator = "validator-0";
  ledger::sign(vote, chain.validator_keys()[0]);
  ledger::CommitCertificate certificate{3, 0, label_hash("b"), {{"validator-0", Bytes(70, 1)}}};

  std::vector<WireMessage> messages = {
      Hello{kProtocolVersion, "tracechain-test", label_hash("g"), "validator-1", 9},
      TransactionsMessage{{Bytes{1, 2, 3}, Bytes{4}}},
      ProposalMessage{proposal, Bytes(100, 7)},
      VoteMessage{vote},
      StatusMessage{12},
      BlockRequest{5, 32},
      BlockResponse{12, {{Bytes{9, 9}, certificate}}},
      ProposalRequest{3, label_hash("b")},
  };
  for (const WireMessage& message : messages) {
    Bytes frame = encode_frame(message);
    REQUIRE(frame_length(frame.data()) == frame.size() - kFrameHeaderSize);
    auto decoded = decode_payload(ByteView(frame).subspan(kFrameHeaderSize));
    INFO(message_type_name(message_type(message)));
    REQUIRE(decoded.ok());
    CHECK(*decoded == message);
  }
}

TEST_CASE("a relay frame written from shared buffers is the message's own frame",
          "[node][wire]") {
  std::vector<std::shared_ptr<const Bytes>> shared;
  std::vector<Bytes> copies;
  for (Bytes tx : {Bytes{1, 2, 3}, Bytes{}, Bytes(300, 7), Bytes{4}}) {
    shared.push_back(std::make_shared<const Bytes>(tx));
    copies.push_back(tx);
    Bytes frame = encode_transactions_frame(shared);
    CHECK(frame == encode_frame(TransactionsMessage{copies}));
    auto decoded = decode_payload(ByteView(frame).subspan(kFrameHeaderSize));
    REQUIRE(decoded.ok());
    CHECK(std::get<TransactionsMessage>(*decoded).transactions == copies);
  }
  CHECK(encode_transactions_frame({}) == encode_frame(TransactionsMessage{}));
}

TEST_CASE("garbage payloads are refused with a reason, never a crash", "[node][wire]") {
  CHECK_THAT(decode_payload({}).error().message(), Catch::Contains("empty"));
  CHECK_THAT(decode_payload(Bytes{0x63}).error().message(), Catch::Contains("unknown message type 99"));
  Hello hello{kProtocolVersion + 1, "c", label_hash("g"), "n", 0};
  Bytes frame = encode_frame(hello);
  CHECK_THAT(decode_payload(ByteView(frame).subspan(4)).error().message(),
             Catch::Contains("protocol version 2"));
  CHECK_FALSE(decode_payload(Bytes{static_cast<std::uint8_t>(MessageType::kBlockRequest), 1, 0,
                                   0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
                  .ok());  // asks for 0 blocks
  std::mt19937_64 random(7);
  for (int i = 0; i < 20000; ++i) {
    Bytes payload(1 + random() % 64);
    for (auto& b : payload) b = static_cast<std::uint8_t>(random());
    payload[0] = static_cast<std::uint8_t>(1 + random() % 8);
    auto decoded = decode_payload(payload);
    if (decoded.ok()) {
      // Whatever decodes is canonical: it encodes back to the same bytes.
      Bytes again = encode_frame(*decoded);
      REQUIRE(Bytes(again.begin() + 4, again.end()) == payload);
    }
  }
}

TEST_CASE("the mempool admits authenticated transactions in order, bounded", "[node][mempool]") {
  test::TestChain chain;
  ledger::VerifiedSignatures verified;
  Mempool pool({3, 1'000'000});
  auto admit = [&](const ledger::Transaction& tx) {
    return pool.admit(ledger::encode(tx), chain.state(), chain.height() + 1, chain.params().suite,
                      verified);
  };
  auto asset = [&](const std::string& id) {
    return chain.make("provider-acme", ledger::TxKind::kAssetRegister,
                      ledger::AssetRegisterPayload{id, label_hash("c"), label_hash("m"), 1,
                                                   label_hash("s"), label_hash("l")});
  };
  auto a = asset("a");
  auto b = asset("b");
  REQUIRE(admit(a).ok());
  REQUIRE(admit(b).ok());
  CHECK(admit(a).error().code() == ErrorCode::kConflict);

  ledger::Transaction same_nonce = asset("c");
  same_nonce.nonce = a.nonce;
  ledger::sign(same_nonce, chain.key("provider-acme"));
  CHECK_THAT(admit(same_nonce).error().message(), Catch::Contains("is taken by a waiting"));

  ledger::Transaction wrong_role = chain.make("buyer-bank", ledger::TxKind::kAssetRegister,
                                              ledger::AssetRegisterPayload{"x", label_hash("c"),
                                                                           label_hash("m"), 1,
                                                                           label_hash("s"),
                                                                           label_hash("l")});
  CHECK_THAT(admit(wrong_role).error().message(), Catch::Contains("has no role"));
  Bytes garbage{1, 2, 3};
  CHECK_FALSE(pool.admit(garbage, chain.state(), 1, chain.params().suite, verified).ok());

  REQUIRE(admit(asset("d")).ok());
  auto full = admit(asset("e"));
  REQUIRE_FALSE(full.ok());
  CHECK(full.error().code() == ErrorCode::kResourceExhausted);
  CHECK_THAT(full.error().message(), Catch::Contains("mempool full"));

  auto candidates = pool.take_candidates(10, 1'000'000);
  REQUIRE(candidates.size() == 3);
  CHECK(candidates[0]->tx == a);
  CHECK(candidates[1]->tx == b);
  CHECK(candidates[0]->hash == ledger::transaction_hash(a));
  CHECK(*candidates[0]->bytes == ledger::encode(a));
  CHECK(pool.take_candidates(1, 1'000'000).size() == 1);
  CHECK(pool.take_candidates(10, 10).empty());

  pool.remove({ledger::transaction_hash(a)});
  CHECK(pool.size() == 2);
  CHECK_FALSE(pool.contains(ledger::transaction_hash(a)));
  // Its nonce is free again (a committed one is then refused by the replay guard).
  CHECK(admit(same_nonce).ok());
}

TEST_CASE("a block's transactions that wait in the mempool are taken with their decoded payload",
          "[node][mempool]") {
  test::TestChain chain;
  ledger::VerifiedSignatures verified;
  Mempool pool({10, 1'000'000});
  const crypto::Suite suite = chain.params().suite;
  auto asset = [&](const std::string& id) {
    return chain.make("provider-acme", ledger::TxKind::kAssetRegister,
                      ledger::AssetRegisterPayload{id, label_hash("c"), label_hash("m"), 1,
                                                   label_hash("s"), label_hash("l")});
  };
  auto waiting = asset("a");
  auto unseen = asset("b");
  REQUIRE(pool.admit(ledger::encode(waiting), chain.state(), chain.height() + 1, suite, verified)
              .ok());
  // A proposed block, as a follower decodes it from the proposal's bytes.
  ledger::AdmittedBlock block{{}, {ledger::AdmittedTx::from_transaction(waiting, suite),
                                   ledger::AdmittedTx::from_transaction(unseen, suite)}};
  const ledger::AdmittedTxPtr decoded_unseen = block.transactions[1];
  CHECK(pool.reuse_admitted(block.transactions) == 1);
  auto held = pool.take_candidates(10, 1'000'000);
  REQUIRE(held.size() == 1);
  CHECK(block.transactions[0] == held[0]);  // the pool's own value, shared
  CHECK(block.transactions[0]->payload.has_value());
  CHECK(block.transactions[1] == decoded_unseen);  // not waiting: left as it was
  CHECK_FALSE(block.transactions[1]->payload.has_value());
}

TEST_CASE("a verified signature is not verified again, unless the key changed", "[node][mempool]") {
  test::TestChain chain;
  ledger::VerifiedSignatures verified;
  Mempool pool({100, 1'000'000});
  auto tx = chain.make("provider-acme", ledger::TxKind::kAssetRegister,
                       ledger::AssetRegisterPayload{"a", label_hash("c"), label_hash("m"), 1,
                                                    label_hash("s"), label_hash("l")});
  REQUIRE(pool.admit(ledger::encode(tx), chain.state(), 1, chain.params().suite, verified).ok());
  auto candidates = pool.take_candidates(10, 1'000'000);
  REQUIRE(candidates.size() == 1);
  auto executed = chain.commit({candidates[0]->tx});  // verifies itself, without the cache
  REQUIRE(executed.ok());

  Digest hash = ledger::transaction_hash(tx);
  auto provider_key = chain.key("provider-acme").public_key();
  CHECK(verified.check(tx, hash, provider_key).ok());
  CHECK(verified.hits() == 1);
  // The cache answers only for the key that verified: another key is checked for real.
  CHECK_FALSE(verified.check(tx, hash, chain.key("buyer-bank").public_key()).ok());
  CHECK(verified.hits() == 1);
  // A transaction with another signature has another hash, so it is never
  // taken for the verified one.
  ledger::Transaction tampered = tx;
  tampered.signature.back() ^= 1;
  Digest tampered_hash = ledger::transaction_hash(tampered);
  CHECK(tampered_hash != hash);
  CHECK_FALSE(verified.check(tampered, tampered_hash, provider_key).ok());
  CHECK(verified.hits() == 1);
}
