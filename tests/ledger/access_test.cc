// access.checkpoint: a node's read log only grows. The first checkpoint is
// taken as given; each later one must prove (RFC 9162) that its log extends
// the last, so a node that rewrites an entry it already committed is refused.
#include <catch2/catch.hpp>

#include "crypto/merkle.h"
#include "ledger/read_log.h"
#include "tests/support/test_chain.h"

using namespace tracechain;
using namespace tracechain::ledger;
using test::TestChain;

namespace {

std::vector<test::Member> members_with_node() {
  auto members = test::default_members();
  members.push_back({"node-1", test::roles({"node"})});
  return members;
}

// A read log of `n` entries (entry i read by "reader-i").
struct Log {
  explicit Log(crypto::HashAlgorithm algorithm) : log(algorithm, nodes) {}
  void add(std::uint64_t n, const std::string& tag = "") {
    for (std::uint64_t i = 0; i < n; ++i) {
      ReadEntry entry;
      entry.node = "validator-0";
      entry.time_ms = log.size();
      entry.reader = "reader-" + std::to_string(log.size()) + tag;
      entry.method = "trade_get";
      entry.subjects = {{"trade", "trade-1"}};
      entry.about = {"buyer-bank", "provider-acme"};
      log.append(read_entry_leaf(log.hasher(), entry));
    }
  }
  crypto::MemoryMerkleNodeStore nodes;
  crypto::MerkleLog log;
};

}  // namespace

TEST_CASE("a node's read-log checkpoints must extend the last one", "[ledger][access]") {
  TestChain chain(members_with_node());
  const auto algorithm = chain.params().hash_algorithm();
  Log log(algorithm);
  log.add(3);

  // The first: no proof.
  Receipt first = chain.run("node-1", TxKind::kAccessCheckpoint,
                            AccessCheckpointPayload{3, log.log.root(), {}});
  REQUIRE(first.ok());
  CHECK(first.events == std::vector<Event>{{"access.checkpointed", "node-1"}});
  auto stored = chain.state().get(keys::read_log("node-1"));
  REQUIRE(stored.has_value());
  auto record = decode<ReadLogCheckpoint>(*stored);
  REQUIRE(record.ok());
  CHECK(record->size == 3);
  CHECK(record->root == log.log.root());
  CHECK(record->height == chain.height());
  CHECK(record->tx_hash == first.tx_hash);

  // The next, with the proof from 3.
  log.add(5);
  auto proof = log.log.consistency_proof(3, 8);
  REQUIRE(proof.ok());
  Receipt second = chain.run("node-1", TxKind::kAccessCheckpoint,
                             AccessCheckpointPayload{8, log.log.root(), *proof});
  REQUIRE(second.ok());

  // Not larger: refused.
  Receipt same = chain.run("node-1", TxKind::kAccessCheckpoint,
                           AccessCheckpointPayload{8, log.log.root(), {}});
  CHECK(same.reason == Reason::kInconsistentLog);
  CHECK_THAT(same.message, Catch::Contains("already checkpointed at 8"));

  // A log that rewrote its entries after the checkpoint at 8: its own
  // consistency proof from 8 does not reach the root committed at 8.
  Log rewritten(algorithm);
  rewritten.add(12, "-rewritten");
  auto forged = rewritten.log.consistency_proof(8, 12);
  REQUIRE(forged.ok());
  Receipt refused = chain.run("node-1", TxKind::kAccessCheckpoint,
                              AccessCheckpointPayload{12, rewritten.log.root(), *forged});
  CHECK(refused.reason == Reason::kInconsistentLog);
  CHECK_THAT(refused.message, Catch::Contains("does not extend its checkpoint at 8"));
  // The true continuation still goes in.
  log.add(4);
  auto honest = log.log.consistency_proof(8, 12);
  REQUIRE(honest.ok());
  CHECK(chain.run("node-1", TxKind::kAccessCheckpoint,
                  AccessCheckpointPayload{12, log.log.root(), *honest})
            .ok());
}

TEST_CASE("read-log checkpoints: who may send them and what they may hold", "[ledger][access]") {
  TestChain chain(members_with_node());
  Log log(chain.params().hash_algorithm());
  log.add(2);
  // A first checkpoint carrying a proof proves nothing: refused.
  Receipt with_proof = chain.run("node-1", TxKind::kAccessCheckpoint,
                                 AccessCheckpointPayload{2, log.log.root(), {log.log.root()}});
  CHECK(with_proof.reason == Reason::kInconsistentLog);
  // Only the node role sends them.
  CHECK_FALSE(chain.commit({chain.make("buyer-bank", TxKind::kAccessCheckpoint,
                                       AccessCheckpointPayload{2, log.log.root(), {}})})
                  .ok());
  // Empty logs and oversized proofs do not decode.
  CHECK_FALSE(validate(AccessCheckpointPayload{0, log.log.root(), {}}).ok());
  CHECK_FALSE(validate(AccessCheckpointPayload{
                           2, log.log.root(), std::vector<Digest>(kMaxConsistencyProof + 1)})
                  .ok());
  // One node's checkpoints do not constrain another's.
  std::vector<test::Member> two = members_with_node();
  two.push_back({"node-2", test::roles({"node"})});
  TestChain chain2(two);
  REQUIRE(chain2.run("node-1", TxKind::kAccessCheckpoint,
                     AccessCheckpointPayload{2, log.log.root(), {}})
              .ok());
  CHECK(chain2.run("node-2", TxKind::kAccessCheckpoint,
                   AccessCheckpointPayload{1, log.log.root(), {}})
            .ok());
}

namespace {

// The auditor's read of trade-1, as the golden vector has it.
ReadEntry sample_entry() {
  ReadEntry entry;
  entry.node = "validator-0";
  entry.time_ms = 1'796'601'600'123;
  entry.reader = "auditor-1";
  entry.method = "trade_get";
  entry.subjects = {{"trade", "trade-1"}};
  entry.about = {"buyer-bank", "provider-acme"};
  entry.request_hash.fill(0x11);
  return entry;
}

}  // namespace

TEST_CASE("read entries: bounds, order and leaf hash", "[ledger][access]") {
  const ReadEntry entry = sample_entry();
  CHECK(validate(entry).ok());
  auto round_trip = decode<ReadEntry>(encode(entry));
  REQUIRE(round_trip.ok());
  CHECK(*round_trip == entry);
  const crypto::MerkleHasher hasher(crypto::HashAlgorithm::kSha256);
  CHECK(read_entry_leaf(hasher, entry) == hasher.leaf(encode(entry)));

  ReadEntry unsorted = entry;
  unsorted.about = {"provider-acme", "buyer-bank"};
  CHECK_FALSE(decode<ReadEntry>(encode(unsorted)).ok());
  ReadEntry repeated = entry;
  repeated.about = {"buyer-bank", "buyer-bank"};
  CHECK_FALSE(validate(repeated).ok());
  ReadEntry anonymous = entry;
  anonymous.reader.clear();
  CHECK_FALSE(validate(anonymous).ok());
  ReadEntry too_many = entry;
  too_many.subjects.assign(kMaxReadSubjects + 1, {"trade", "t"});
  CHECK_FALSE(validate(too_many).ok());
}

// The golden entry of docs/encoding.md, made independently (Python's struct
// and hashlib from the table there).
TEST_CASE("a read entry's encoding and leaf hash match the golden vector", "[ledger][access]") {
  const ReadEntry entry = sample_entry();
  CHECK(to_hex(encode(entry)) ==
        "010b00000076616c696461746f722d307bd8cc4da20100000900000061756469746f722d310900000074"
        "726164655f676574010000000500000074726164650700000074726164652d31020000000a0000006275"
        "7965722d62616e6b0d00000070726f76696465722d61636d65111111111111111111111111111111111111"
        "1111111111111111111111111111");
  CHECK(to_hex(read_entry_leaf(crypto::MerkleHasher(crypto::HashAlgorithm::kSha256), entry)) ==
        "ba2e391b814d3eb1f753659852c06465bb682fca9d13c86a51d407775c8604ba");
}
