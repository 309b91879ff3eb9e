// Authentication (what never enters a block) and block-level execution rules.
#include <catch2/catch.hpp>

#include <atomic>
#include <memory>
#include <thread>

#include "tests/support/test_chain.h"

using namespace tracechain;
using namespace tracechain::ledger;
using test::label_hash;
using test::TestChain;

namespace {

AssetRegisterPayload asset_payload(const std::string& id, std::uint8_t level = 1) {
  return {id, label_hash("c"), label_hash("m"), level, label_hash("s"), label_hash("l")};
}

// Expects the block of `tx` to be refused, with `text` in the reason.
void expect_refused(TestChain& chain, const Transaction& tx, const std::string& text) {
  auto result = chain.commit({tx});
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(result.error().message(), Catch::Contains(text));
  auto hash = transaction_hash(tx);
  auto alone = authenticate(chain.state(), chain.height() + 1, tx, hash,
                            default_signature_checker());
  REQUIRE_FALSE(alone.ok());
  CHECK_THAT(alone.error().message(), Catch::Contains(text));
}

}  // namespace

TEST_CASE("authentication refuses what must never enter a block", "[ledger][execution]") {
  TestChain chain;
  const std::uint64_t height = chain.height() + 1;

  SECTION("another chain") {
    Transaction tx = chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a"));
    tx.chain_id = "other-chain";
    sign(tx, chain.key("provider-acme"));
    expect_refused(chain, tx, "is for chain 'other-chain'");
  }
  SECTION("another suite") {
    Transaction tx = chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a"));
    auto ed = crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256);
    sign(tx, *ed);
    expect_refused(chain, tx, "this chain uses p256-sha256");
  }
  SECTION("an unknown sender") {
    Transaction tx = chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a"));
    tx.sender = "stranger";
    sign(tx, chain.key("provider-acme"));
    expect_refused(chain, tx, "signature of sender 'stranger' does not verify");
  }
  SECTION("a bad signature") {
    Transaction tx = chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a"));
    tx.signature = chain.key("buyer-bank").sign(signing_bytes(tx));
    expect_refused(chain, tx, "does not verify");
  }
  SECTION("a sender without the role") {
    expect_refused(chain, chain.make("buyer-bank", TxKind::kAssetRegister, asset_payload("a")),
                   "has no role that may send asset.register (provider)");
    expect_refused(chain,
                   chain.make("provider-acme", TxKind::kTradeSettle,
                              TradeSettlePayload{"t", label_hash("p"), 1, "CNY"}),
                   "trade.settle (operator)");
    expect_refused(chain,
                   chain.make("auditor-1", TxKind::kGovernanceApprove, ApprovePayload{"p"}),
                   "governance.approve (governor)");
  }
  SECTION("before the signature verifies, nothing is said about the sender") {
    // An unknown sender, a known one with a forged signature and a known one
    // without the role: the first two get the same answer, word for word,
    // and neither names roles or status.
    auto answer = [&](const std::string& sender) {
      Transaction tx = chain.make("regulator", TxKind::kAssetRegister, asset_payload("a"));
      tx.sender = sender;
      tx.signature = chain.key("buyer-bank").sign(signing_bytes(tx));
      auto result = authenticate(chain.state(), chain.height() + 1, tx, transaction_hash(tx),
                                 default_signature_checker());
      REQUIRE_FALSE(result.ok());
      std::string message = result.error().message();
      auto quote = message.find("'" + sender + "'");
      REQUIRE(quote != std::string::npos);
      return message.replace(quote, sender.size() + 2, "'X'");
    };
    CHECK(answer("regulator") == answer("nobody-at-all"));
    CHECK_THAT(answer("regulator"), !Catch::Contains("role") && !Catch::Contains("governor"));
  }
  SECTION("an expired transaction") {
    Transaction tx = chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a"), 0);
    expect_refused(chain, tx, "expired at height 0");
  }
  SECTION("an expiry too far ahead") {
    Transaction tx =
        chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a"), height + 1001);
    expect_refused(chain, tx, "more than 1000 blocks ahead");
  }
  SECTION("a malformed payload") {
    Transaction tx = chain.make_raw("provider-acme", TxKind::kAssetRegister, Bytes{1, 2, 3});
    expect_refused(chain, tx, "asset.register payload");
    AssetRegisterPayload bad_level = asset_payload("a", 7);
    expect_refused(chain, chain.make("provider-acme", TxKind::kAssetRegister, bad_level),
                   "classification level must be 1");
  }
  SECTION("a suspended sender") {
    Change suspend;
    suspend.type = ChangeType::kSuspendParticipant;
    suspend.subject = "provider-acme";
    REQUIRE(chain.run("exchange", TxKind::kGovernancePropose,
                      ProposePayload{"suspend-acme", suspend, chain.height() + 10})
                .ok());
    REQUIRE(chain.run("regulator", TxKind::kGovernanceApprove, ApprovePayload{"suspend-acme"})
                .ok());
    expect_refused(chain, chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a")),
                   "'provider-acme' is suspended");
  }
}

TEST_CASE("a nonce is used once, in the same block or later, until its expiry",
          "[ledger][execution]") {
  TestChain chain;
  Transaction first = chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a"), 5);
  REQUIRE(chain.run(first).ok());

  // Replaying the exact transaction.
  expect_refused(chain, first, "was already used (replay)");
  // Same nonce, different content, same block as its twin.
  Transaction twin = first;
  twin.payload = encode(asset_payload("b"));
  sign(twin, chain.key("provider-acme"));
  expect_refused(chain, twin, "was already used");
  Transaction fresh = chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("c"));
  Transaction fresh_twin = fresh;
  fresh_twin.payload = encode(asset_payload("d"));
  sign(fresh_twin, chain.key("provider-acme"));
  auto both = chain.commit({fresh, fresh_twin});
  REQUIRE_FALSE(both.ok());
  CHECK_THAT(both.error().message(), Catch::Contains("transaction 1"));

  // Once past its expiry the replay guard entry is pruned; the transaction is
  // then refused as expired instead.
  std::string guard = keys::nonce("provider-acme", first.nonce);
  CHECK(chain.state().get(guard).has_value());
  while (chain.height() < 6) REQUIRE(chain.commit({}).ok());
  CHECK_FALSE(chain.state().get(guard).has_value());
  expect_refused(chain, first, "expired at height 5");
}

TEST_CASE("a business failure is included with a receipt and spends the nonce",
          "[ledger][execution]") {
  TestChain chain;
  Transaction tx = chain.make("buyer-bank", TxKind::kTradeCreate,
                              TradeCreatePayload{"t1", "no-such-asset", label_hash("terms")});
  auto executed = chain.commit({tx});
  REQUIRE(executed.ok());
  const Receipt& receipt = executed->receipts.at(0);
  CHECK(receipt.status == TxStatus::kFailed);
  CHECK(receipt.reason == Reason::kNotFound);
  CHECK(receipt.message == "asset 'no-such-asset' does not exist");
  CHECK(receipt.events.empty());
  CHECK_FALSE(chain.state().get(keys::trade("t1")).has_value());
  CHECK(chain.state().get(keys::nonce("buyer-bank", tx.nonce)).has_value());
  CHECK(executed->leaves.size() == 1);
  CHECK(executed->log.size() == 1);
}

TEST_CASE("blocks follow their tip in height and time", "[ledger][execution]") {
  TestChain chain;
  REQUIRE(chain.commit({}).ok());
  BlockContext skip{chain.height() + 2, chain.next_time_ms(), "validator-0"};
  CHECK_THAT(execute_block(chain.state(), chain.tip(), skip, std::span<const Transaction>()).error().message(),
             Catch::Contains("does not follow the last committed height"));
  BlockContext past{chain.height() + 1, chain.tip().time_ms - 1, "validator-0"};
  CHECK_THAT(execute_block(chain.state(), chain.tip(), past, std::span<const Transaction>()).error().message(),
             Catch::Contains("is before the previous block's time"));
  BlockContext nobody{chain.height() + 1, chain.next_time_ms(), "Not An Id"};
  CHECK_FALSE(execute_block(chain.state(), chain.tip(), nobody, std::span<const Transaction>()).ok());
}

TEST_CASE("validate_block re-executes and refuses any header that disagrees",
          "[ledger][execution]") {
  TestChain chain;
  std::vector<Transaction> txs = {
      chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a")),
      chain.make("buyer-bank", TxKind::kTradeCreate, TradeCreatePayload{"t", "a", label_hash("x")}),
  };
  BlockContext context{chain.height() + 1, chain.next_time_ms(), "validator-0"};
  auto built = build_block(chain.state(), chain.tip(), context, txs);
  REQUIRE(built.ok());
  REQUIRE(built->block.transactions.size() == 2);
  auto validated = validate_block(chain.state(), chain.tip(), built->block);
  REQUIRE(validated.ok());
  CHECK(validated->state_root == built->executed.state_root);
  CHECK(validated->receipts == built->executed.receipts);

  std::vector<std::pair<const char*, std::function<void(BlockHeader&)>>> tamperings = {
      {"previous header hash", [](BlockHeader& h) { h.previous_hash[0] ^= 1; }},
      {"transactions root", [](BlockHeader& h) { h.transactions_root[0] ^= 1; }},
      {"receipts root", [](BlockHeader& h) { h.receipts_root[0] ^= 1; }},
      {"state root", [](BlockHeader& h) { h.state_root[0] ^= 1; }},
      {"log size", [](BlockHeader& h) { h.log_size += 1; }},
      {"log root", [](BlockHeader& h) { h.log_root[0] ^= 1; }},
      {"validator set hash", [](BlockHeader& h) { h.validator_set_hash[0] ^= 1; }},
      {"next validator set hash", [](BlockHeader& h) { h.next_validator_set_hash[0] ^= 1; }},
      {"chain id", [](BlockHeader& h) { h.chain_id = "other-chain"; }},
  };
  for (const auto& [field, tamper] : tamperings) {
    Block tampered = built->block.to_block();
    tamper(tampered.header);
    auto refused = validate_block(chain.state(), chain.tip(), tampered);
    INFO(field);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message(), Catch::Contains(field));
  }
  // Reordering the transactions changes the roots (and here the outcome).
  Block reordered = built->block.to_block();
  std::swap(reordered.transactions[0], reordered.transactions[1]);
  CHECK_FALSE(validate_block(chain.state(), chain.tip(), reordered).ok());
}

TEST_CASE("a proposer drops transactions that fail authentication and respects limits",
          "[ledger][execution]") {
  TestChain chain;
  Transaction good = chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a"));
  Transaction wrong_role = chain.make("buyer-bank", TxKind::kAssetRegister, asset_payload("b"));
  Transaction replay = good;
  std::vector<Transaction> candidates = {good, wrong_role, replay};
  for (int i = 0; i < 5; ++i) {
    candidates.push_back(
        chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("x" + std::to_string(i))));
  }
  BlockContext context{chain.height() + 1, chain.next_time_ms(), "validator-0"};
  BlockLimits limits;
  limits.max_transactions = 4;
  auto built = build_block(chain.state(), chain.tip(), context, candidates, limits);
  REQUIRE(built.ok());
  CHECK(built->block.transactions.size() == 4);
  REQUIRE(built->dropped.size() == 2);
  CHECK(built->dropped[0].first == 1);
  CHECK(built->dropped[1].first == 2);
  CHECK(built->considered == 6);
  CHECK(validate_block(chain.state(), chain.tip(), built->block).ok());

  BlockLimits tiny;
  tiny.max_bytes = encode(good).size();
  auto small = build_block(chain.state(), chain.tip(), context, candidates, tiny);
  REQUIRE(small.ok());
  CHECK(small->block.transactions.size() == 1);
}

TEST_CASE("admitted transactions build the same block without being decoded or hashed again",
          "[ledger][execution]") {
  TestChain chain;
  Transaction good = chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a"));
  Transaction wrong_role = chain.make("buyer-bank", TxKind::kAssetRegister, asset_payload("b"));
  Transaction create =
      chain.make("buyer-bank", TxKind::kTradeCreate, TradeCreatePayload{"t", "a", label_hash("x")});
  std::vector<Transaction> txs = {good, wrong_role, create};
  const crypto::Suite suite = chain.params().suite;
  std::vector<AdmittedTxPtr> admitted;
  for (const Transaction& tx : txs) {
    auto one = AdmittedTx::from_bytes(encode(tx), suite);
    REQUIRE(one.ok());
    CHECK(one->hash == transaction_hash(tx));
    CHECK(*one->bytes == encode(tx));
    // As admission does: the payload authentication decoded comes along.
    auto payload = decode_payload(tx.kind, tx.payload, suite);
    REQUIRE(payload.ok());
    one->payload = std::move(*payload);
    admitted.push_back(std::make_shared<const AdmittedTx>(std::move(*one)));
  }
  BlockContext context{chain.height() + 1, chain.next_time_ms(), "validator-0"};
  auto from_admitted = build_block(chain.state(), chain.tip(), context, admitted);
  auto from_transactions = build_block(chain.state(), chain.tip(), context, txs);
  REQUIRE(from_admitted.ok());
  REQUIRE(from_transactions.ok());
  CHECK(from_admitted->block.to_block() == from_transactions->block.to_block());
  CHECK(from_admitted->executed.receipts == from_transactions->executed.receipts);
  CHECK(from_admitted->executed.log_nodes == from_transactions->executed.log_nodes);
  // A pre-decoded payload skips only the decoding: the role is still checked.
  REQUIRE(from_admitted->dropped.size() == 1);
  CHECK(from_admitted->dropped[0].first == 1);
  CHECK_THAT(from_admitted->dropped[0].second.message(), Catch::Contains("has no role"));
  // The executed block shares the admitted bytes instead of copying them.
  REQUIRE(from_admitted->executed.tx_bytes.size() == 2);
  CHECK(from_admitted->executed.tx_bytes[0] == admitted[0]->bytes);
  CHECK(from_admitted->executed.tx_bytes[1] == admitted[2]->bytes);
  CHECK(validate_block(chain.state(), chain.tip(), from_admitted->block).ok());

  auto too_big = AdmittedTx::from_bytes(Bytes(kMaxTransactionSize + 1, 0), suite);
  REQUIRE_FALSE(too_big.ok());
  CHECK_THAT(too_big.error().message(), Catch::Contains("larger than"));
  CHECK_FALSE(AdmittedTx::from_bytes(Bytes{1, 2, 3}, suite).ok());
}

TEST_CASE("a block decoded from its bytes keeps each transaction's bytes and hash",
          "[ledger][execution]") {
  TestChain chain;
  std::vector<Transaction> txs = {
      chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a")),
      chain.make("buyer-bank", TxKind::kTradeCreate, TradeCreatePayload{"t", "a", label_hash("x")}),
  };
  const crypto::Suite suite = chain.params().suite;
  BlockContext context{chain.height() + 1, chain.next_time_ms(), "validator-0"};
  auto built = build_block(chain.state(), chain.tip(), context, txs);
  REQUIRE(built.ok());
  const Block block = built->block.to_block();
  const Bytes encoded = encode(block);
  // Written from the shared buffers, the bytes are the Block's encoding.
  CHECK(encode_block(built->block) == encoded);

  auto decoded = decode_block(encoded, suite);
  REQUIRE(decoded.ok());
  CHECK(decoded->to_block() == block);
  REQUIRE(decoded->transactions.size() == txs.size());
  for (std::size_t i = 0; i < txs.size(); ++i) {
    CHECK(*decoded->transactions[i]->bytes == encode(txs[i]));
    CHECK(decoded->transactions[i]->hash == transaction_hash(txs[i]));
    CHECK_FALSE(decoded->transactions[i]->payload.has_value());
  }
  CHECK(decoded->tx_hashes() == built->executed.tx_hashes);
  CHECK(encode_block(*decoded) == encoded);
  // Validation decodes each payload, or takes the one admission decoded.
  auto validated = validate_block(chain.state(), chain.tip(), *decoded);
  REQUIRE(validated.ok());
  CHECK(validated->receipts == built->executed.receipts);
  CHECK(validated->tx_bytes[0] == decoded->transactions[0]->bytes);
  AdmittedBlock with_payloads = *decoded;
  for (AdmittedTxPtr& tx : with_payloads.transactions) {
    AdmittedTx copy = *tx;
    auto payload = decode_payload(copy.tx.kind, copy.tx.payload, suite);
    REQUIRE(payload.ok());
    copy.payload = std::move(*payload);
    tx = std::make_shared<const AdmittedTx>(std::move(copy));
  }
  auto validated_again = validate_block(chain.state(), chain.tip(), with_payloads);
  REQUIRE(validated_again.ok());
  CHECK(validated_again->state_root == validated->state_root);

  // Untrusted bytes get decode<Block>'s answer, word for word.
  Bytes trailing = encoded;
  trailing.push_back(0);
  Bytes wrong_version = encoded;
  wrong_version[0] = 9;
  Block bad_block = block;
  bad_block.transactions[1].sender = "";
  const Bytes bad_field = encode(bad_block);
  for (const Bytes& bytes :
       {Bytes{}, Bytes(encoded.begin(), encoded.end() - 1), trailing, wrong_version, bad_field}) {
    auto as_block = decode<Block>(bytes);
    auto as_admitted = decode_block(bytes, suite);
    REQUIRE_FALSE(as_block.ok());
    REQUIRE_FALSE(as_admitted.ok());
    CHECK(as_admitted.error().message() == as_block.error().message());
  }
  CHECK(decode_block(encode(Block{block.header, {}}), suite)->transactions.empty());
}

TEST_CASE("a signature checker can skip transactions already verified", "[ledger][execution]") {
  // A node verifies at admission and tells execution so; execution then relies
  // on the checker for the signature but still checks everything else.
  struct Counting : SignatureChecker {
    mutable int calls = 0;
    Status check(const Transaction&, const Digest&, const crypto::PublicKey&) const override {
      ++calls;
      return {};
    }
  } trusting;
  TestChain chain;
  Transaction tx = chain.make("provider-acme", TxKind::kAssetRegister, asset_payload("a"));
  tx.signature = Bytes{0x30, 0x00};  // would never verify
  BlockContext context{chain.height() + 1, chain.next_time_ms(), "validator-0"};
  auto executed = execute_block(chain.state(), chain.tip(), context, std::vector{tx}, trusting);
  REQUIRE(executed.ok());
  CHECK(trusting.calls == 1);
  CHECK_FALSE(execute_block(chain.state(), chain.tip(), context, std::vector{tx}).ok());
}

TEST_CASE("the log and roots grow with every committed transaction", "[ledger][execution]") {
  TestChain chain;
  crypto::MerkleHasher hasher(chain.params().hash_algorithm());
  crypto::MemoryMerkleNodeStore store;
  crypto::MerkleLog log(chain.params().hash_algorithm(), store);
  for (int block = 0; block < 5; ++block) {
    std::vector<Transaction> txs;
    for (int i = 0; i <= block; ++i) {
      txs.push_back(chain.make("provider-acme", TxKind::kAssetRegister,
                               asset_payload("asset-" + std::to_string(block) + "-" +
                                             std::to_string(i))));
    }
    auto executed = chain.commit(txs);
    REQUIRE(executed.ok());
    for (const LogLeaf& leaf : executed->leaves) log.append(log_leaf_hash(hasher, leaf));
    const BlockHeader& header = chain.blocks().back().header;
    CHECK(header.log_size == log.size());
    CHECK(header.log_root == log.root());
    std::vector<Digest> hashes;
    for (const Transaction& tx : txs) hashes.push_back(transaction_hash(tx));
    CHECK(header.transactions_root == digest_list_root(hasher, hashes));
    CHECK(executed->tx_hashes == hashes);
    // Each receipt is proven by its leaf in the log.
    for (const LogLeaf& leaf : executed->leaves) {
      CHECK(leaf.receipt_hash == receipt_hash(chain.params().hash_algorithm(),
                                              executed->receipts[leaf.index]));
    }
  }
  CHECK(chain.blocks().back().header.previous_hash ==
        header_hash(chain.params().hash_algorithm(), chain.blocks()[3].header));
  CHECK(chain.blocks().front().header.previous_hash == genesis_hash(chain.genesis()));
}

namespace {

// A state that counts the reads reaching it.
struct CountingState final : StateView {
  MemoryState inner;
  mutable std::atomic<int> gets{0};

  std::optional<Bytes> get(std::string_view key) const override {
    ++gets;
    return inner.get(key);
  }
  void scan(std::string_view prefix,
            const std::function<bool(std::string_view, ByteView)>& visit) const override {
    inner.scan(prefix, visit);
  }
};

}  // namespace

TEST_CASE("a memoized view reads each key found in its base once", "[ledger][state]") {
  auto base = std::make_shared<CountingState>();
  base->inner.apply({{"a", Bytes{1}}, {"b", Bytes{2, 2}}});
  const CountingState& counted = *base;
  MemoizedView view{std::shared_ptr<const StateView>(base)};
  base.reset();  // the view keeps its base alive

  CHECK(view.get("a") == Bytes{1});
  CHECK(view.get("a") == Bytes{1});
  CHECK(counted.gets == 1);
  // A key not found is asked for again: nothing is remembered of it.
  CHECK_FALSE(view.get("z").has_value());
  CHECK_FALSE(view.get("z").has_value());
  CHECK(counted.gets == 3);

  std::vector<std::string> keys;
  view.scan("", [&](std::string_view key, ByteView) {
    keys.emplace_back(key);
    return true;
  });
  CHECK(keys == std::vector<std::string>{"a", "b"});

  // Several threads at once see the base's values, and "b" reaches the base
  // at most once per thread (only while it is not yet remembered).
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (view.get("b") != Bytes{2, 2} || view.get("a") != Bytes{1}) ++wrong;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(wrong == 0);
  CHECK(counted.gets <= 3 + 4);
}
