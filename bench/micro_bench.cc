// Micro-benchmarks of the foundation: hashing, signatures per suite, the
// canonical encoding, and the Merkle log at a million leaves.
// Run: build/bench/tracechain-microbench (add --benchmark_repetitions=5
// --benchmark_report_aggregates_only=true for medians).
#include <benchmark/benchmark.h>

#include "crypto/merkle.h"
#include "ledger/transaction.h"

using namespace tracechain;

namespace {

const crypto::Suite kSuites[] = {crypto::Suite::kP256Sha256, crypto::Suite::kEd25519Sha256,
                                 crypto::Suite::kSm2Sm3};

void BM_Hash(benchmark::State& state) {
  auto algorithm = static_cast<crypto::HashAlgorithm>(state.range(0));
  Bytes data(static_cast<std::size_t>(state.range(1)), 0x5a);
  for (auto _ : state) benchmark::DoNotOptimize(crypto::hash(algorithm, data));
  state.SetBytesProcessed(state.iterations() * state.range(1));
  state.SetLabel(std::string(crypto::hash_algorithm_name(algorithm)));
}
BENCHMARK(BM_Hash)->ArgsProduct({{1, 2}, {64, 1024, 65536}});

ledger::Transaction sample_transaction(const crypto::PrivateKey& key) {
  ledger::Transaction tx;
  tx.chain_id = "tracechain-bench";
  tx.sender = "provider-bench";
  tx.kind = ledger::TxKind::kAssetRegister;
  tx.payload = Bytes(200, 0x42);
  tx.nonce = 7;
  tx.expiry_height = 1000;
  ledger::sign(tx, key);
  return tx;
}

void BM_Sign(benchmark::State& state) {
  crypto::Suite suite = kSuites[state.range(0)];
  auto key = crypto::PrivateKey::generate(suite);
  Bytes message = ledger::signing_bytes(sample_transaction(*key));
  for (auto _ : state) benchmark::DoNotOptimize(key->sign(message));
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(crypto::suite_name(suite)));
}
BENCHMARK(BM_Sign)->DenseRange(0, 2);

void BM_Verify(benchmark::State& state) {
  crypto::Suite suite = kSuites[state.range(0)];
  auto key = crypto::PrivateKey::generate(suite);
  ledger::Transaction tx = sample_transaction(*key);
  Bytes message = ledger::signing_bytes(tx);
  for (auto _ : state) {
    Status status = key->public_key().verify(message, tx.signature);
    if (!status) state.SkipWithError("verification failed");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(std::string(crypto::suite_name(suite)));
}
BENCHMARK(BM_Verify)->DenseRange(0, 2);

void BM_EncodeTransaction(benchmark::State& state) {
  auto key = crypto::PrivateKey::generate(crypto::kDefaultSuite);
  ledger::Transaction tx = sample_transaction(*key);
  for (auto _ : state) benchmark::DoNotOptimize(ledger::encode(tx));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeTransaction);

void BM_DecodeTransaction(benchmark::State& state) {
  auto key = crypto::PrivateKey::generate(crypto::kDefaultSuite);
  Bytes encoded = ledger::encode(sample_transaction(*key));
  for (auto _ : state) {
    auto tx = ledger::decode<ledger::Transaction>(encoded);
    if (!tx) state.SkipWithError("decode failed");
    benchmark::DoNotOptimize(tx);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(encoded.size()));
}
BENCHMARK(BM_DecodeTransaction);

constexpr std::uint64_t kMillion = 1'000'000;

Digest leaf_for(const crypto::MerkleHasher& hasher, std::uint64_t i) {
  std::uint8_t bytes[8];
  for (int b = 0; b < 8; ++b) bytes[b] = static_cast<std::uint8_t>(i >> (8 * b));
  return hasher.leaf(ByteView(bytes, sizeof(bytes)));
}

// Appends a million leaves per iteration; reports per-append throughput.
void BM_MerkleAppendMillion(benchmark::State& state) {
  crypto::MerkleHasher hasher(crypto::HashAlgorithm::kSha256);
  std::vector<Digest> leaves;
  leaves.reserve(kMillion);
  for (std::uint64_t i = 0; i < kMillion; ++i) leaves.push_back(leaf_for(hasher, i));
  for (auto _ : state) {
    crypto::MemoryMerkleNodeStore store;
    crypto::MerkleLog log(crypto::HashAlgorithm::kSha256, store);
    for (const Digest& leaf : leaves) log.append(leaf);
    benchmark::DoNotOptimize(log.root());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kMillion));
}
BENCHMARK(BM_MerkleAppendMillion)->Unit(benchmark::kMillisecond);

// A log of a million leaves shared by the proof benchmarks.
struct MillionLeafLog {
  crypto::MemoryMerkleNodeStore store;
  crypto::MerkleLog log{crypto::HashAlgorithm::kSha256, store};
  MillionLeafLog() {
    for (std::uint64_t i = 0; i < kMillion; ++i) log.append(leaf_for(log.hasher(), i));
  }
};

MillionLeafLog& million_leaf_log() {
  static MillionLeafLog instance;
  return instance;
}

void BM_InclusionProofMillion(benchmark::State& state) {
  auto& log = million_leaf_log().log;
  std::uint64_t index = 0;
  for (auto _ : state) {
    index = (index + 7919) % kMillion;
    auto proof = log.inclusion_proof(index, kMillion);
    if (!proof) state.SkipWithError("proof failed");
    benchmark::DoNotOptimize(proof);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InclusionProofMillion);

void BM_VerifyInclusionMillion(benchmark::State& state) {
  auto& log = million_leaf_log().log;
  Digest root = log.root();
  auto proof = log.inclusion_proof(123457, kMillion);
  Digest leaf = leaf_for(log.hasher(), 123457);
  for (auto _ : state) {
    Status status = crypto::verify_inclusion(log.hasher(), 123457, kMillion, leaf, *proof, root);
    if (!status) state.SkipWithError("verification failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VerifyInclusionMillion);

void BM_ConsistencyProofMillion(benchmark::State& state) {
  auto& log = million_leaf_log().log;
  std::uint64_t old_size = 1;
  for (auto _ : state) {
    old_size = (old_size + 104729) % kMillion + 1;
    auto proof = log.consistency_proof(old_size, kMillion);
    if (!proof) state.SkipWithError("proof failed");
    benchmark::DoNotOptimize(proof);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ConsistencyProofMillion);

}  // namespace

BENCHMARK_MAIN();
