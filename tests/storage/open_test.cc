// Opening refuses, with a message naming what is wrong, a store that belongs
// to another chain, was written by another schema, or has been damaged: a
// broken hash chain, a certificate or log that does not match, data above
// the tip, bytes that do not decode. Damage is done on purpose, to a copy
// where the engine has files, and the original keeps opening.
#include <catch2/catch.hpp>

#include "storage/layout.h"
#include "storage/verify.h"
#include "tests/storage/chain_fixture.h"
#include "tests/storage/engines.h"

using namespace tracechain;
using namespace tracechain::storage;
using test::ChainFixture;

namespace {

const ChainFixture& fixture() {
  static const ChainFixture f(12, 3);
  return f;
}

// A committed store on an engine, and ways to damage it and reopen it.
template <typename Engine>
class Damaged {
 public:
  explicit Damaged(StoreOptions options = {}) : options_(options) {
    auto store = open_block_store(engine_.open(), fixture().chain.genesis(), options_);
    REQUIRE(store.ok());
    Status s = test::commit_all(**store, fixture().blocks);
    if (!s) FAIL(s.error().message());
  }

  void write(const KvBatch& batch) { REQUIRE(engine_.open()->write(batch, true)); }
  void put(Column column, const std::string& key, Bytes value) {
    KvBatch batch;
    batch.put(column, key, std::move(value));
    write(batch);
  }
  void erase(Column column, const std::string& key) {
    KvBatch batch;
    batch.erase(column, key);
    write(batch);
  }
  Bytes get(Column column, const std::string& key) {
    auto value = engine_.open()->get(column, key);
    REQUIRE(value.ok());
    REQUIRE(value->has_value());
    return **value;
  }

  Result<std::unique_ptr<BlockStore>> open(const ledger::Genesis& genesis) {
    return open_block_store(engine_.open(), genesis, options_);
  }
  Result<std::unique_ptr<BlockStore>> open() { return open(fixture().chain.genesis()); }

  // The open must fail with `code` and a message containing `words`.
  void refused(ErrorCode code, const std::string& words) {
    auto store = open();
    REQUIRE_FALSE(store.ok());
    CHECK(store.error().code() == code);
    CHECK_THAT(store.error().message(), Catch::Contains(words) && Catch::Contains("refusing"));
  }

 private:
  Engine engine_;
  StoreOptions options_;
};

const std::uint64_t kTip = 12;

#define DAMAGE_ENGINES test::MemoryEngine, test::RocksEngine

}  // namespace

TEMPLATE_TEST_CASE("a store is refused with the genesis of another chain", "[storage][open]",
                   DAMAGE_ENGINES) {
  Damaged<TestType> store;
  test::TestChain other;  // same chain id, other keys: another genesis
  auto wrong_genesis = store.open(other.genesis());
  REQUIRE_FALSE(wrong_genesis.ok());
  CHECK(wrong_genesis.error().code() == ErrorCode::kConflict);
  CHECK_THAT(wrong_genesis.error().message(), Catch::Contains("another genesis"));

  ledger::Genesis renamed = fixture().chain.genesis();
  renamed.chain_id = "tracechain-other";
  auto wrong_chain = store.open(renamed);
  REQUIRE_FALSE(wrong_chain.ok());
  CHECK(wrong_chain.error().code() == ErrorCode::kConflict);
  CHECK_THAT(wrong_chain.error().message(),
             Catch::Contains("holds chain 'tracechain-test'") &&
                 Catch::Contains("'tracechain-other'"));
  REQUIRE(store.open().ok());
}

TEMPLATE_TEST_CASE("a store of another schema version is refused", "[storage][open]",
                   DAMAGE_ENGINES) {
  Damaged<TestType> store;
  store.put(Column::kMeta, std::string(meta::kSchemaVersion), encode_u32(kSchemaVersion + 1));
  store.refused(ErrorCode::kUnsupported, "schema version 2; this build reads version 1");
}

TEST_CASE("a broken hash chain is refused in a damaged copy, and the original still opens",
          "[storage][open]") {
  test::RocksEngine original;
  test::RocksEngine copy;
  {
    auto store = open_block_store(original.open(), fixture().chain.genesis());
    REQUIRE(store.ok());
    REQUIRE(test::commit_all(**store, fixture().blocks));
  }
  std::filesystem::copy(original.dir.path() / "db", copy.dir.path() / "db",
                        std::filesystem::copy_options::recursive);
  {
    auto kv = copy.open();
    std::string key = height_key(kTip - 3);
    // A rewritten block 9, certified anew: block 10 no longer points at it.
    ledger::Block rewritten = fixture().blocks[kTip - 4].block;
    rewritten.header.time_ms += 1;
    KvBatch batch;
    batch.put(Column::kHeaders, key, ledger::encode(rewritten.header));
    batch.put(Column::kCertificates, key,
              ledger::encode(test::certify(fixture().chain, rewritten)));
    REQUIRE(kv->write(batch, true));
  }
  auto damaged = open_block_store(copy.open(), fixture().chain.genesis());
  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.error().code() == ErrorCode::kCorruption);
  CHECK_THAT(damaged.error().message(),
             Catch::Contains("hash chain is broken at height 10") &&
                 Catch::Contains(copy.dir.path().string()));

  auto intact = open_block_store(original.open(), fixture().chain.genesis());
  REQUIRE(intact.ok());
  CHECK((*intact)->height() == kTip);
}

TEMPLATE_TEST_CASE("a certificate that is not for its block is refused", "[storage][open]",
                   DAMAGE_ENGINES) {
  Damaged<TestType> store;
  store.put(Column::kCertificates, height_key(kTip),
            store.get(Column::kCertificates, height_key(kTip - 1)));
  store.refused(ErrorCode::kCorruption, "certificate stored at height 12 is not for block 12");
}

TEMPLATE_TEST_CASE("a Merkle log that does not give the tip's root is refused",
                   "[storage][open]", DAMAGE_ENGINES) {
  const std::uint64_t size = fixture().blocks.back().block.header.log_size;
  // The smallest perfect subtree of the log: the last root of its frontier.
  auto level = static_cast<std::uint32_t>(std::countr_zero(size));
  std::string last_root = node_key(level, (size >> level) - 1);
  SECTION("a node is missing") {
    Damaged<TestType> store;
    store.erase(Column::kLogNodes, last_root);
    store.refused(ErrorCode::kCorruption, "Merkle log of the tip");
  }
  SECTION("a node was rewritten") {
    Damaged<TestType> store;
    Digest other = test::label_hash("not a node");
    store.put(Column::kLogNodes, last_root, Bytes(other.begin(), other.end()));
    store.refused(ErrorCode::kCorruption, "stored Merkle log nodes give root");
  }
}

TEMPLATE_TEST_CASE("anything above the last committed height is refused", "[storage][open]",
                   DAMAGE_ENGINES) {
  SECTION("a transaction of a block that was never committed") {
    Damaged<TestType> store;
    store.put(Column::kTransactions, tx_key(kTip + 1, 0),
              store.get(Column::kTransactions, tx_key(kTip, 0)));
    store.refused(ErrorCode::kCorruption,
                  "transactions[height 13, index 0] exists above the last committed height 12");
  }
  SECTION("a log leaf beyond the committed size") {
    Damaged<TestType> store;
    const std::uint64_t size = fixture().blocks.back().block.header.log_size;
    store.put(Column::kLogNodes, node_key(0, size), Bytes(32, 7));
    store.refused(ErrorCode::kCorruption, "beyond the committed log size");
  }
  SECTION("a height marker behind the blocks") {
    Damaged<TestType> store;
    store.put(Column::kMeta, std::string(meta::kLastHeight), encode_u64(kTip - 1));
    store.refused(ErrorCode::kCorruption, "above the last committed height 11");
  }
}

TEMPLATE_TEST_CASE("a tip block that lost a receipt is refused", "[storage][open]",
                   DAMAGE_ENGINES) {
  Damaged<TestType> store;
  store.erase(Column::kReceipts, tx_key(kTip, 2));
  store.refused(ErrorCode::kCorruption, "(the tip): 3 transactions but 2 receipts");
}

TEMPLATE_TEST_CASE("bytes that do not decode are reported as corruption, never a crash",
                   "[storage][open]", DAMAGE_ENGINES) {
  SECTION("the tip's header") {
    Damaged<TestType> store;
    store.put(Column::kHeaders, height_key(kTip), Bytes{1, 2, 3});
    store.refused(ErrorCode::kCorruption, "headers[height 12] does not decode");
  }
  SECTION("the height marker") {
    Damaged<TestType> store;
    store.put(Column::kMeta, std::string(meta::kLastHeight), Bytes{1, 2, 3});
    store.refused(ErrorCode::kCorruption, "meta['last_height'] is 3 bytes, not 8");
  }
  SECTION("the genesis") {
    Damaged<TestType> store;
    store.put(Column::kMeta, std::string(meta::kGenesis), Bytes(40, 0xee));
    store.refused(ErrorCode::kCorruption, "meta['genesis'] does not decode");
  }
  SECTION("a receipt read after opening") {
    Damaged<TestType> store;
    store.put(Column::kReceipts, tx_key(3, 0), Bytes{9, 9});
    auto opened = store.open();
    REQUIRE(opened.ok());
    const Digest& hash = fixture().blocks[2].executed.tx_hashes[0];
    auto receipt = (*opened)->receipt(hash);
    REQUIRE_FALSE(receipt.ok());
    CHECK(receipt.error().code() == ErrorCode::kCorruption);
    CHECK_THAT(receipt.error().message(), Catch::Contains("receipts[height 3, index 0]"));
    auto trail = (*opened)->block(3);
    REQUIRE(trail.ok());  // transactions are intact
  }
}

TEMPLATE_TEST_CASE("a store that is empty or holds foreign data is not mistaken for a chain",
                   "[storage][open]", DAMAGE_ENGINES) {
  TestType engine;
  StoreOptions no_init;
  no_init.initialise_if_empty = false;
  auto empty = open_block_store(engine.open(), fixture().chain.genesis(), no_init);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.error().code() == ErrorCode::kNotFound);

  KvBatch foreign;
  foreign.put(Column::kState, "accounts/alice", Bytes{1});
  REQUIRE(engine.open()->write(foreign, true));
  auto refused = open_block_store(engine.open(), fixture().chain.genesis());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.error().code() == ErrorCode::kCorruption);
  CHECK_THAT(refused.error().message(), Catch::Contains("not a tracechain store"));
}

TEMPLATE_TEST_CASE("damage below the checked depth is found by verification, not at open",
                   "[storage][open][verify]", DAMAGE_ENGINES) {
  StoreOptions shallow;
  shallow.verify_depth = 2;
  SECTION("a rewritten receipt") {
    Damaged<TestType> store(shallow);
    auto receipt = ledger::decode<ledger::Receipt>(store.get(Column::kReceipts, tx_key(2, 1)));
    REQUIRE(receipt.ok());
    receipt->message = "rewritten";
    store.put(Column::kReceipts, tx_key(2, 1), ledger::encode(*receipt));
    auto opened = store.open();
    REQUIRE(opened.ok());
    auto verified = verify_chain(**opened);
    REQUIRE_FALSE(verified.ok());
    CHECK_THAT(verified.error().message(),
               Catch::Contains("block 2: its receipts do not give its receipts root"));
    auto replayed = replay_chain(**opened, fixture().chain.genesis());
    REQUIRE_FALSE(replayed.ok());
    CHECK_THAT(replayed.error().message(), Catch::Contains("block 2: its stored receipts differ"));
  }
  SECTION("a lost index entry") {
    Damaged<TestType> store(shallow);
    store.erase(Column::kTxIndex, hash_key(fixture().blocks[4].executed.tx_hashes[0]));
    auto opened = store.open();
    REQUIRE(opened.ok());
    auto verified = verify_chain(**opened);
    REQUIRE_FALSE(verified.ok());
    CHECK_THAT(verified.error().message(), Catch::Contains("is not committed"));
  }
  SECTION("a rewritten state entry, except on a chain of format 2: found at open") {
    // The state tree is built from the stored state at open: any entry
    // changed, added or removed moves its root off the tip header's.
    Damaged<TestType> store(shallow);
    store.put(Column::kState, "t/" + test::Workload::trade_id(0), Bytes{1});
    auto opened = store.open();
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().code() == ErrorCode::kCorruption);
    CHECK_THAT(opened.error().message(), Catch::Contains("the stored state gives state root"));
    Damaged<TestType> removed(shallow);
    removed.erase(Column::kState, "t/" + test::Workload::trade_id(0));
    CHECK_FALSE(removed.open().ok());
  }
}
