// The block store's behaviour, on every engine (RocksDB, memory, and the
// fault-injecting wrapper with no fault on): what is committed reads back
// exactly, before and after a reopen; proofs hold for every leaf and size;
// commits that do not follow the tip or contradict themselves change nothing;
// trails, snapshots and validator changes behave.
#include <catch2/catch.hpp>

#include "ledger/genesis.h"
#include "ledger/payloads.h"
#include "storage/verify.h"
#include "tests/storage/chain_fixture.h"
#include "tests/storage/engines.h"

using namespace tracechain;
using namespace tracechain::storage;
using test::ChainFixture;
using test::CommittedBlock;

namespace {

template <typename T>
T ok(Result<T> result) {
  if (!result) FAIL(result.error().message());
  return std::move(*result);
}

void require_ok(const Status& status) {
  if (!status) FAIL(status.error().message());
}

template <typename Engine>
std::unique_ptr<BlockStore> open_store(Engine& engine, const ledger::Genesis& genesis) {
  return ok(open_block_store(engine.open(), genesis));
}


void check_reads(const BlockStore& store, const ChainFixture& f) {
  CHECK(store.height() == f.blocks.size());
  CHECK(store.tip() == f.chain.tip());
  for (const CommittedBlock& b : f.blocks) {
    std::uint64_t h = b.block.header.height;
    CHECK(ok(store.header(h)) == b.block.header);
    CHECK(ok(store.block(h)) == b.block);
    CHECK(ok(store.certificate(h)) == b.certificate);
    CHECK(ok(store.receipts(h)) == b.executed.receipts);
    for (std::size_t i = 0; i < b.block.transactions.size(); ++i) {
      const Digest& hash = b.executed.tx_hashes[i];
      TxLocation location{h, static_cast<std::uint32_t>(i)};
      StoredTransaction stored = ok(store.transaction(hash));
      CHECK(stored.transaction == b.block.transactions[i]);
      CHECK(stored.hash == hash);
      CHECK(stored.location == location);
      CHECK(ok(store.locate(hash)) == location);
      CHECK(ok(store.receipt(hash)) == b.executed.receipts[i]);
      CHECK(ok(store.receipt_at(location)) == b.executed.receipts[i]);
    }
  }
  CHECK(test::state_entries(store.state()) == test::state_entries(f.chain.state()));
  auto snapshot = ok(store.snapshot());
  CHECK(snapshot->height() == store.height());
  CHECK(test::state_entries(*snapshot) == test::state_entries(f.chain.state()));
  CHECK(ok(store.validators()) == f.chain.genesis().validators);
  CHECK(ok(store.validators_at(1)) == f.chain.genesis().validators);
}

Digest some_digest(std::string_view label) { return test::label_hash(label); }

}  // namespace

#define STORE_ENGINES test::MemoryEngine, test::RocksEngine, test::FaultFreeEngine

TEMPLATE_TEST_CASE("a new store holds the genesis state and no block", "[storage][store]",
                   STORE_ENGINES) {
  TestType engine;
  test::TestChain chain;
  auto store = open_store(engine, chain.genesis());
  CHECK(store->height() == 0);
  CHECK(store->tip() == ledger::genesis_tip(chain.genesis()));
  CHECK(store->params() == chain.params());
  CHECK(test::state_entries(store->state()) == test::state_entries(chain.state()));
  CHECK(ok(store->validators()) == chain.genesis().validators);
  CHECK(store->header(0).error().code() == ErrorCode::kNotFound);
  CHECK(store->header(1).error().code() == ErrorCode::kNotFound);
  CHECK(store->block(1).error().code() == ErrorCode::kNotFound);
  CHECK(store->certificate(1).error().code() == ErrorCode::kNotFound);
  CHECK(store->transaction(some_digest("nothing")).error().code() == ErrorCode::kNotFound);
  CHECK(ok(store->log_root(0)) == crypto::MerkleHasher(chain.params().hash_algorithm()).empty_root());
  CHECK(store->log_root(1).error().code() == ErrorCode::kNotFound);
  CHECK(ok(verify_chain(*store)).blocks == 0);
}

TEMPLATE_TEST_CASE("committed blocks read back exactly, before and after a reopen",
                   "[storage][store]", STORE_ENGINES) {
  TestType engine;
  ChainFixture f;
  {
    auto store = open_store(engine, f.chain.genesis());
    require_ok(test::commit_all(*store, f.blocks));
    check_reads(*store, f);
  }
  auto store = open_store(engine, f.chain.genesis());
  check_reads(*store, f);
  auto verified = ok(verify_chain(*store));
  CHECK(verified.blocks == f.blocks.size());
  CHECK(ok(replay_chain(*store, f.chain.genesis())).transactions == verified.transactions);
}

TEMPLATE_TEST_CASE("inclusion and consistency proofs hold for every leaf and committed size",
                   "[storage][store][proofs]", STORE_ENGINES) {
  TestType engine;
  ChainFixture f(8, 3);
  auto store = open_store(engine, f.chain.genesis());
  require_ok(test::commit_all(*store, f.blocks));

  // An independent log, in memory, from the leaves execution produced.
  crypto::MerkleHasher hasher(f.chain.params().hash_algorithm());
  crypto::MemoryMerkleNodeStore nodes;
  crypto::MerkleLog reference(hasher.algorithm(), nodes);
  std::vector<ledger::LogLeaf> leaves;
  for (const CommittedBlock& b : f.blocks) {
    for (const ledger::LogLeaf& leaf : b.executed.leaves) {
      reference.append(ledger::log_leaf_hash(hasher, leaf));
      leaves.push_back(leaf);
    }
    CHECK(ok(store->log_root(b.block.header.log_size)) == b.block.header.log_root);
  }
  const std::uint64_t n = leaves.size();
  REQUIRE(n == store->tip().log.size());
  std::vector<Digest> roots;
  for (std::uint64_t size = 0; size <= n; ++size) {
    roots.push_back(ok(store->log_root(size)));
    CHECK(roots.back() == ok(reference.root_at(size)));
  }
  for (std::uint64_t i = 0; i < n; ++i) {
    for (std::uint64_t size = i + 1; size <= n; ++size) {
      InclusionProof proof = ok(store->inclusion_proof(leaves[i].tx_hash, size));
      CHECK(proof.leaf == leaves[i]);
      CHECK(proof.leaf_index == i);
      CHECK(proof.path == ok(reference.inclusion_proof(i, size)));
      CHECK(verify_inclusion_proof(hasher, proof, roots[size]));
    }
  }
  for (std::uint64_t size1 = 1; size1 <= n; ++size1) {
    for (std::uint64_t size2 = size1; size2 <= n; ++size2) {
      auto proof = ok(store->consistency_proof(size1, size2));
      CHECK(crypto::verify_consistency(hasher, size1, size2, roots[size1], roots[size2], proof));
    }
  }

  CHECK(store->inclusion_proof(leaves.back().tx_hash, n + 1).error().code() ==
        ErrorCode::kNotFound);
  CHECK(store->inclusion_proof(leaves[5].tx_hash, 5).error().code() == ErrorCode::kInvalidInput);
  CHECK(store->inclusion_proof(some_digest("unknown"), n).error().code() == ErrorCode::kNotFound);
  CHECK(store->consistency_proof(0, n).error().code() == ErrorCode::kInvalidInput);
  CHECK(store->consistency_proof(1, n + 1).error().code() == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("a block that does not follow the tip or contradicts itself changes nothing",
                   "[storage][store][commit]", STORE_ENGINES) {
  TestType engine;
  ChainFixture f(4, 3);
  auto store = open_store(engine, f.chain.genesis());
  require_ok(test::commit_all(*store, f.blocks, 0, 2));
  const ledger::ChainTip tip = store->tip();
  const auto state = test::state_entries(store->state());

  auto refused = [&](const CommittedBlock& b, ErrorCode code, const std::string& words) {
    Status s = store->commit(b.block, b.certificate, b.executed);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().code() == code);
    CHECK_THAT(s.error().message(), Catch::Contains(words));
    CHECK(store->tip() == tip);
    CHECK(test::state_entries(store->state()) == state);
  };

  refused(f.blocks[3], ErrorCode::kConflict, "does not follow the last committed height 2");
  refused(f.blocks[1], ErrorCode::kConflict, "already committed");
  {
    CommittedBlock fork = f.blocks[2];
    fork.block.header.previous_hash = some_digest("another block 2");
    refused(test::recertified(f.chain, fork), ErrorCode::kConflict, "previous hash");
  }
  {
    CommittedBlock other = f.blocks[2];
    other.block.header.chain_id = "another-chain";
    refused(test::recertified(f.chain, other), ErrorCode::kInvalidInput, "chain 'another-chain'");
  }
  {
    CommittedBlock wrong = f.blocks[2];
    wrong.certificate = f.blocks[1].certificate;
    refused(wrong, ErrorCode::kInvalidInput, "commit certificate is for height 2");
  }
  {
    CommittedBlock tampered = f.blocks[2];
    tampered.block.header.receipts_root = some_digest("receipts");
    refused(test::recertified(f.chain, tampered), ErrorCode::kInvalidInput,
            "receipts root does not match the execution result");
  }
  {
    CommittedBlock tampered = f.blocks[2];
    tampered.block.header.log_size += 1;
    refused(test::recertified(f.chain, tampered), ErrorCode::kInvalidInput,
            "log size does not match the execution result");
  }
  {
    CommittedBlock tampered = f.blocks[2];
    std::swap(tampered.executed.receipts[0], tampered.executed.receipts[1]);
    refused(tampered, ErrorCode::kInvalidInput, "receipt 0 is not the receipt of transaction 0");
  }
  {
    CommittedBlock tampered = f.blocks[2];
    tampered.executed.tx_bytes.pop_back();
    refused(tampered, ErrorCode::kInvalidInput, "2 encodings");
  }
  {
    CommittedBlock tampered = f.blocks[2];
    tampered.executed.receipts.pop_back();
    refused(tampered, ErrorCode::kInvalidInput, "receipts");
  }

  require_ok(test::commit_all(*store, f.blocks, 2, 4));
  CHECK(store->tip() == f.chain.tip());
  CHECK(ok(verify_chain(*store)).blocks == 4);
}

// commit() writes the encodings and hashes execution made without deriving
// them again; the checks that trust no writer re-derive them from the
// stored bytes and find a result that contradicts itself.
TEMPLATE_TEST_CASE("an execution result that contradicts its own bytes is caught by verify_chain",
                   "[storage][store][commit]", STORE_ENGINES) {
  TestType engine;
  ChainFixture f(3, 3);
  auto store = open_store(engine, f.chain.genesis());
  require_ok(test::commit_all(*store, f.blocks, 0, 2));
  CommittedBlock tampered = f.blocks[2];
  tampered.executed.tx_bytes[1] = tampered.executed.tx_bytes[0];
  require_ok(store->commit(tampered.block, tampered.certificate, tampered.executed));
  auto verified = verify_chain(*store);
  REQUIRE_FALSE(verified.ok());
  CHECK(verified.error().code() == ErrorCode::kCorruption);
  CHECK_THAT(verified.error().message(), Catch::StartsWith("block 3: "));
}

TEMPLATE_TEST_CASE("a trade's trail comes with the receipt of every transaction in it",
                   "[storage][store][trail]", STORE_ENGINES) {
  TestType engine;
  test::WorkloadOptions options;
  options.usage_reports = 2;
  options.failed_attempt_every = 2;
  ChainFixture f(24, 4, options);
  auto store = open_store(engine, f.chain.genesis());
  require_ok(test::commit_all(*store, f.blocks));

  // A settled trade, and one with a failed attempt on its trail.
  std::size_t settled = 0;
  std::size_t with_failure = 0;
  for (std::uint64_t n = 0; n < f.workload.trades_started(); ++n) {
    std::string id = test::Workload::trade_id(n);
    auto expected = ok(ledger::trade_trail(f.chain.state(), id));
    TradeTrailReceipts trail = ok(store->trade_trail(id));
    CHECK(trail.height == store->height());
    CHECK(trail.trail.trade == expected.trade);
    CHECK(trail.trail.steps == expected.steps);
    REQUIRE(trail.steps.size() == expected.steps.size());
    for (std::size_t i = 0; i < trail.steps.size(); ++i) {
      CHECK(trail.steps[i] == f.chain.receipt_of(expected.steps[i].tx_hash));
      with_failure += !trail.steps[i].ok();
    }
    CHECK(trail.registration == f.chain.receipt_of(expected.registration.tx_hash));
    REQUIRE(trail.attestations.size() == expected.attestations.size());
    for (std::size_t i = 0; i < trail.attestations.size(); ++i) {
      CHECK(trail.attestations[i].tx_hash == expected.attestations[i].id);
    }
    REQUIRE(trail.source_reviews.size() == expected.source_reviews.size());
    for (std::size_t i = 0; i < trail.source_reviews.size(); ++i) {
      CHECK(trail.source_reviews[i].tx_hash == expected.source_reviews[i].id);
    }
    settled += trail.trail.trade.state == ledger::TradeState::kSettled;
  }
  CHECK(settled > 0);
  CHECK(with_failure > 0);
  CHECK(store->trade_trail("no-such-trade").error().code() == ErrorCode::kNotFound);
}

TEMPLATE_TEST_CASE("a snapshot keeps the state of its height while blocks are committed",
                   "[storage][store]", STORE_ENGINES) {
  TestType engine;
  ChainFixture f(10, 4);
  auto store = open_store(engine, f.chain.genesis());
  require_ok(test::commit_all(*store, f.blocks, 0, 5));
  auto snapshot = ok(store->snapshot());
  require_ok(test::commit_all(*store, f.blocks, 5, 10));

  ledger::MemoryState at_five;
  at_five.apply(ledger::genesis_delta(f.chain.genesis()));
  for (std::size_t i = 0; i < 5; ++i) at_five.apply(f.blocks[i].executed.delta);
  CHECK(snapshot->height() == 5);
  CHECK(test::state_entries(*snapshot) == test::state_entries(at_five));
  CHECK(test::state_entries(store->state()) == test::state_entries(f.chain.state()));
  CHECK(test::state_entries(*snapshot) != test::state_entries(store->state()));
  // A reader may finish after the store was closed.
  store.reset();
  CHECK(test::state_entries(*snapshot) == test::state_entries(at_five));
}

TEMPLATE_TEST_CASE("a validator set change is stored and signs from the next height",
                   "[storage][store]", STORE_ENGINES) {
  TestType engine;
  ChainFixture f(3, 2);
  auto key = crypto::PrivateKey::generate(f.chain.genesis().suite);
  REQUIRE(key.ok());
  ledger::Change change;
  change.type = ledger::ChangeType::kAddValidator;
  change.subject = "validator-9";
  change.public_key = key->public_key().bytes();
  change.power = 1;
  std::uint64_t height = f.chain.height();
  std::vector<ledger::Transaction> txs{
      f.chain.make("exchange", ledger::TxKind::kGovernancePropose,
                   ledger::ProposePayload{"add-validator-9", change, height + 50}),
      f.chain.make("regulator", ledger::TxKind::kGovernanceApprove,
                   ledger::ApprovePayload{"add-validator-9"})};
  auto executed = f.chain.commit(txs);
  REQUIRE(executed.ok());
  REQUIRE(executed->next_validators.has_value());
  const ledger::ValidatorSet next = *executed->next_validators;
  f.blocks.push_back({f.chain.blocks().back(), test::certify(f.chain, f.chain.blocks().back()),
                      *executed});
  auto more = test::grow(f.chain, f.workload, 2, 2);
  f.blocks.insert(f.blocks.end(), more.begin(), more.end());
  const std::uint64_t changed_at = height + 1;

  {
    auto store = open_store(engine, f.chain.genesis());
    require_ok(test::commit_all(*store, f.blocks));
    CHECK(ok(store->validators_at(changed_at)) == f.chain.genesis().validators);
    CHECK(ok(store->validators_at(changed_at + 1)) == next);
    CHECK(ok(store->validators()) == next);
    CHECK(ok(store->header(changed_at + 1)).validator_set_hash == ledger::validator_set_hash(next));
  }
  auto store = open_store(engine, f.chain.genesis());
  CHECK(ok(store->validators()) == next);
  // The index of changes: found in any range that covers the change's
  // height, not in one that does not, and never more than the limit.
  using Heights = std::vector<std::uint64_t>;
  CHECK(ok(store->validator_set_changes(1, store->height(), 10)) == Heights{changed_at});
  CHECK(ok(store->validator_set_changes(changed_at, changed_at, 10)) == Heights{changed_at});
  CHECK(ok(store->validator_set_changes(1, changed_at - 1, 10)).empty());
  CHECK(ok(store->validator_set_changes(changed_at + 1, store->height(), 10)).empty());
  CHECK(ok(store->validator_set_changes(1, store->height(), 0)).empty());
  CHECK(store->validators_at(0).error().code() == ErrorCode::kNotFound);
  CHECK(store->validators_at(store->height() + 2).error().code() == ErrorCode::kNotFound);
  // The blocks after the change are certified by the old keys only, which the
  // new set does not accept; the structure is checked without signatures.
  VerifyOptions structural;
  structural.check_signatures = false;
  CHECK(ok(verify_chain(*store, structural)).blocks == f.blocks.size());
  CHECK(ok(replay_chain(*store, f.chain.genesis(), ledger::default_signature_checker(), {},
                         ledger::CertificateCheck::kLinkOnly))
            .blocks == f.blocks.size());
}
