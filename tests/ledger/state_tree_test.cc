// The state tree: one shape for one set of keys however it was reached,
// proofs of values and of absence that verify, and every altered proof,
// value or root refused.
#include <catch2/catch.hpp>

#include <random>

#include "ledger/state_tree.h"
#include "tests/support/test_chain.h"

using namespace tracechain;
using namespace tracechain::ledger;

namespace {

constexpr auto kSha256 = crypto::HashAlgorithm::kSha256;

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

StateDelta writes(std::initializer_list<std::pair<const char*, const char*>> entries) {
  StateDelta delta;
  for (const auto& [key, value] : entries) {
    delta.push_back({key, value ? std::optional<Bytes>(bytes_of(value)) : std::nullopt});
  }
  std::sort(delta.begin(), delta.end(),
            [](const StateWrite& a, const StateWrite& b) { return a.key < b.key; });
  return delta;
}

Digest sha(std::string_view text) { return crypto::hash(kSha256, as_bytes(text)); }

void require_proves(const StateTree& tree, const std::string& key,
                    const std::optional<Bytes>& value) {
  StateTreeProof proof = tree.prove(key);
  Status status = verify_state_proof(kSha256, tree.root(), key, value, proof);
  INFO(key << ": " << (status ? std::string("ok") : status.error().message()));
  REQUIRE(status);
}

}  // namespace

TEST_CASE("state tree: the empty tree, one key and two keys hash as documented") {
  StateTree empty(kSha256);
  CHECK(empty.root() == Digest{});
  CHECK(empty.size() == 0);
  require_proves(empty, "t/trade-1", std::nullopt);

  StateTree one = empty.apply(writes({{"t/trade-1", "open"}}));
  CHECK(one.root() == state_tree_leaf_hash(kSha256, sha("t/trade-1"), sha("open")));
  CHECK(one.size() == 1);

  // Two keys split at the first bit where their paths differ; above that,
  // each level is an inner node with an empty side.
  StateTree two = one.apply(writes({{"p/bank", "active"}}));
  Digest a = sha("t/trade-1"), b = sha("p/bank");
  std::size_t differ = 0;
  auto bit = [](const Digest& d, std::size_t i) { return (d[i / 8] >> (7 - i % 8)) & 1; };
  while (bit(a, differ) == bit(b, differ)) ++differ;
  Digest leaf_a = state_tree_leaf_hash(kSha256, a, sha("open"));
  Digest leaf_b = state_tree_leaf_hash(kSha256, b, sha("active"));
  Digest node = bit(a, differ) == 0 ? state_tree_inner_hash(kSha256, leaf_a, leaf_b)
                                    : state_tree_inner_hash(kSha256, leaf_b, leaf_a);
  for (std::size_t i = differ; i-- > 0;) {
    node = bit(a, i) == 0 ? state_tree_inner_hash(kSha256, node, Digest{})
                          : state_tree_inner_hash(kSha256, Digest{}, node);
  }
  CHECK(two.root() == node);
  CHECK(two.prove("t/trade-1").siblings.size() == differ + 1);

  // Deleting one key brings the other's leaf back up to the root.
  CHECK(two.apply(writes({{"p/bank", nullptr}})).root() == one.root());
  // The earlier versions are unchanged.
  CHECK(one.root() == state_tree_leaf_hash(kSha256, sha("t/trade-1"), sha("open")));
  CHECK(empty.root() == Digest{});
}

TEST_CASE("state tree: the same keys give the same root by any order of blocks") {
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    INFO("seed " << seed);
    std::mt19937_64 random(seed);
    MemoryState state;
    StateTree tree(kSha256);
    for (int block = 0; block < 30; ++block) {
      std::map<std::string, std::optional<Bytes>> writes_of_block;
      const int count = 1 + static_cast<int>(random() % 40);
      for (int i = 0; i < count; ++i) {
        std::string key = "k/" + std::to_string(random() % 200);
        if (random() % 3 == 0) {
          writes_of_block[key] = std::nullopt;
        } else {
          writes_of_block[key] = bytes_of("v" + std::to_string(random() % 5));
        }
      }
      StateDelta delta;
      for (auto& [key, value] : writes_of_block) delta.push_back({key, value});
      state.apply(delta);
      tree = tree.apply(delta);
      REQUIRE(tree.size() == state.size());
    }
    StateTree rebuilt = StateTree::of(kSha256, state);
    REQUIRE(tree.root() == rebuilt.root());
    for (int k = 0; k < 200; ++k) {
      std::string key = "k/" + std::to_string(k);
      require_proves(tree, key, state.get(key));
    }
  }
}

TEST_CASE("state tree: building from a whole state gives the root applying it gives") {
  // Building reads and hashes in chunks of 2^14 keys on two threads: sizes
  // around and across a chunk, and the smallest trees.
  for (std::size_t keys : {0, 1, 2, 3, 16383, 16384, 16385, 40000}) {
    INFO(keys << " keys");
    MemoryState state;
    StateDelta delta;
    for (std::size_t i = 0; i < keys; ++i) {
      delta.push_back({"k/" + std::to_string(i), bytes_of("v" + std::to_string(i % 7))});
    }
    std::sort(delta.begin(), delta.end(),
              [](const StateWrite& a, const StateWrite& b) { return a.key < b.key; });
    state.apply(delta);
    std::vector<std::size_t> heard;
    StateTree built = StateTree::of(kSha256, state, [&](std::size_t read) { heard.push_back(read); });
    StateTree applied = StateTree(kSha256).apply(delta);
    REQUIRE(built.size() == keys);
    REQUIRE(built.root() == applied.root());
    REQUIRE(heard == std::vector<std::size_t>{keys});
    if (keys > 0) require_proves(built, "k/" + std::to_string(keys - 1), bytes_of("v" + std::to_string((keys - 1) % 7)));
  }
}

TEST_CASE("state tree: a large block, updated on two threads, gives the root of its state") {
  // Blocks of 1,024 writes and more update the root's halves on two threads.
  std::mt19937_64 random(7);
  MemoryState state;
  StateTree tree(kSha256);
  for (int block = 0; block < 6; ++block) {
    INFO("block " << block);
    std::map<std::string, std::optional<Bytes>> writes_of_block;
    const int count = block == 0 ? 5000 : 1024 + static_cast<int>(random() % 3000);
    for (int i = 0; i < count; ++i) {
      std::string key = "k/" + std::to_string(random() % 8000);
      if (block > 0 && random() % 4 == 0) {
        writes_of_block[key] = std::nullopt;
      } else {
        writes_of_block[key] = bytes_of("v" + std::to_string(random() % 9));
      }
    }
    StateDelta delta;
    for (auto& [key, value] : writes_of_block) delta.push_back({key, value});
    state.apply(delta);
    tree = tree.apply(delta);
    REQUIRE(tree.size() == state.size());
    REQUIRE(tree.root() == StateTree::of(kSha256, state).root());
  }
  for (int k = 0; k < 8000; k += 97) {
    std::string key = "k/" + std::to_string(k);
    require_proves(tree, key, state.get(key));
  }
}

TEST_CASE("state tree: a releaser frees every version it is given, at the latest when it goes") {
  std::vector<std::weak_ptr<const StateTree>> released;
  {
    StateTreeReleaser releaser;
    StateTree tree(kSha256);
    for (int i = 0; i < 3 * static_cast<int>(StateTreeReleaser::kMaxPending); ++i) {
      tree = tree.apply(writes({{"k", "v"}, {"n", std::to_string(i).c_str()}}));
      auto version = std::make_shared<const StateTree>(tree);
      released.push_back(version);
      releaser.release(std::move(version));
    }
    releaser.release(nullptr);  // nothing to free
  }
  for (const auto& version : released) CHECK(version.expired());
}

TEST_CASE("state tree: a proof is refused for another value, another key or another root") {
  MemoryState state;
  StateDelta delta;
  for (int i = 0; i < 64; ++i) {
    delta.push_back({"t/trade-" + std::to_string(100 + i), bytes_of("state " + std::to_string(i))});
  }
  state.apply(delta);
  StateTree tree = StateTree::of(kSha256, state);
  const std::string key = "t/trade-117";
  const Bytes value = bytes_of("state 17");
  StateTreeProof proof = tree.prove(key);
  REQUIRE(verify_state_proof(kSha256, tree.root(), key, value, proof));

  auto refused = [&](const std::string& k, const std::optional<Bytes>& v, const StateTreeProof& p,
                     const Digest& root) {
    Status status = verify_state_proof(kSha256, root, k, v, p);
    REQUIRE_FALSE(status);
    CHECK(status.error().code() == ErrorCode::kVerificationFailed);
    return status.error().message();
  };

  SECTION("another value") {
    CHECK_THAT(refused(key, bytes_of("state 18"), proof, tree.root()),
               Catch::Contains("another value"));
  }
  SECTION("claimed absent while present") {
    CHECK_THAT(refused(key, std::nullopt, proof, tree.root()), Catch::Contains("has a value"));
  }
  SECTION("another key's proof") {
    refused("t/trade-118", bytes_of("state 18"), proof, tree.root());
  }
  SECTION("an altered sibling") {
    StateTreeProof bad = proof;
    REQUIRE_FALSE(bad.siblings.empty());
    bad.siblings[bad.siblings.size() / 2][3] ^= 0x10;
    CHECK_THAT(refused(key, value, bad, tree.root()), Catch::Contains("leads to state root"));
  }
  SECTION("a sibling removed or added") {
    StateTreeProof shorter = proof;
    shorter.siblings.pop_back();
    refused(key, value, shorter, tree.root());
    StateTreeProof longer = proof;
    longer.siblings.push_back(Digest{});
    refused(key, value, longer, tree.root());
  }
  SECTION("a stale value against a later root") {
    StateTree later = tree.apply({{key, bytes_of("state 17, later")}});
    refused(key, value, proof, later.root());
    refused(key, value, later.prove(key), later.root());
    require_proves(later, key, bytes_of("state 17, later"));
  }
  SECTION("absence of a key that is there, with another key's leaf") {
    // The proof of an absent key ends at a leaf or an empty side; neither
    // can be reused for a key that is present.
    StateTreeProof absent = tree.prove("t/trade-999");
    REQUIRE(verify_state_proof(kSha256, tree.root(), "t/trade-999", std::nullopt, absent));
    refused(key, std::nullopt, absent, tree.root());
    refused("t/trade-999", value, absent, tree.root());
  }
  SECTION("more siblings than the path has bits") {
    StateTreeProof deep;
    deep.siblings.resize(kMaxStateProofDepth + 1);
    Status status = verify_state_proof(kSha256, tree.root(), key, value, deep);
    REQUIRE_FALSE(status);
    CHECK(status.error().code() == ErrorCode::kInvalidInput);
  }
}

TEST_CASE("state tree: proofs survive their encoding, and the encoding is checked") {
  MemoryState state;
  state.apply(writes({{"a", "1"}, {"b", "2"}, {"c", "3"}}));
  StateTree tree = StateTree::of(kSha256, state);
  for (const char* key : {"a", "b", "c", "d"}) {
    StateTreeProof proof = tree.prove(key);
    auto decoded = decode<StateTreeProof>(encode(proof));
    REQUIRE(decoded);
    CHECK(*decoded == proof);
  }
  Bytes encoded = encode(tree.prove("a"));
  encoded[0] = 2;
  auto refused = decode<StateTreeProof>(encoded);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message(), Catch::Contains("state proof format version 2"));
}

TEST_CASE("a chain of format 2 commits to the tree and keeps history commitments, one of format "
          "1 keeps its delta chain",
          "[ledger][state]") {
  test::TestChain tree_chain;
  REQUIRE(tree_chain.genesis().state_tree);
  ledger::Genesis old_genesis = tree_chain.genesis();
  old_genesis.state_tree = false;
  std::map<std::string, crypto::PrivateKey> keys;
  for (const auto& p : old_genesis.participants) keys.emplace(p.id, tree_chain.key(p.id));
  test::TestChain old_chain(old_genesis, keys);

  for (test::TestChain* chain : {&tree_chain, &old_chain}) {
    AssetRegisterPayload asset;
    asset.asset_id = "asset-1";
    asset.level = 2;
    REQUIRE(chain->run("provider-acme", TxKind::kAssetRegister, asset).ok());
    REQUIRE(chain->run("buyer-bank", TxKind::kTradeCreate,
                       TradeCreatePayload{"trade-1", "asset-1", {}})
                .ok());
    // A refused step is on the record too.
    REQUIRE_FALSE(chain->run("buyer-bank", TxKind::kTradeCreate,
                             TradeCreatePayload{"trade-1", "asset-1", {}})
                      .ok());
  }

  SECTION("format 2: the header's root is the tree's of the whole state") {
    const BlockHeader& header = tree_chain.blocks().back().header;
    CHECK(header.format == 2);
    CHECK(header.state_root == StateTree::of(kSha256, tree_chain.state()).root());
    CHECK(tree_chain.tip().tree->root() == header.state_root);
    auto commitment = decode<HistoryCommitment>(*tree_chain.state().get("hc/t/trade-1"));
    REQUIRE(commitment.ok());
    CHECK(commitment->count == 1);  // the refused second create names a trade not its own
    auto asset_history = decode<HistoryCommitment>(*tree_chain.state().get("hc/asset/asset-1"));
    REQUIRE(asset_history.ok());
    CHECK(asset_history->count == 2);
    std::vector<Digest> asset_txs = {transaction_hash(tree_chain.blocks()[0].transactions[0]),
                                     transaction_hash(tree_chain.blocks()[1].transactions[0])};
    CHECK(*asset_history == history_of(kSha256, asset_txs));
    CHECK(tree_chain.state().get("hc/p/buyer-bank").has_value());
    CHECK(tree_chain.state().get("hc/p/provider-acme").has_value());
    CHECK_FALSE(tree_chain.state().get("hc/p/reviewer-1").has_value());
  }
  SECTION("format 1: no tree, no commitments, the hash chain of deltas") {
    const BlockHeader& header = old_chain.blocks().back().header;
    CHECK(header.format == 1);
    CHECK(old_chain.tip().tree == nullptr);
    CHECK_FALSE(old_chain.state().get("hc/t/trade-1").has_value());
    CHECK(genesis_state_root(old_genesis) ==
          next_state_root(kSha256, Digest{}, genesis_delta(old_genesis)));
    CHECK(header.state_root != StateTree::of(kSha256, old_chain.state()).root());
    // Its blocks validate as they always did, each on the state before it.
    test::TestChain replay(old_genesis, keys);
    for (const Block& block : old_chain.blocks()) {
      auto validated = validate_block(replay.state(), replay.tip(), block);
      INFO((validated ? std::string() : validated.error().message()));
      REQUIRE(validated.ok());
      CHECK(validated->state_root == block.header.state_root);
      REQUIRE(replay.commit(block.transactions).ok());
    }
  }
  SECTION("a validator refuses a block whose header has the other format") {
    Block block = tree_chain.blocks().back();
    block.header.format = 1;
    // Re-executed on the state before it, the block is refused: the header's
    // format is part of what re-execution must give.
    test::TestChain replay(tree_chain.genesis(), keys);
    for (std::size_t i = 0; i + 1 < tree_chain.blocks().size(); ++i) {
      REQUIRE(replay.commit(tree_chain.blocks()[i].transactions).ok());
    }
    auto validated = validate_block(replay.state(), replay.tip(), block);
    REQUIRE_FALSE(validated.ok());
    CHECK_THAT(validated.error().message(), Catch::Contains("header format"));
  }
}
