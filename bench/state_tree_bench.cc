// The state tree at scale (docs/performance.md, "The state tree"): for a
// state the size a chain of N transactions leaves behind, the cost of
// building the tree (what a node does at start), its memory per key, the
// update of one block, and proof generation and verification; beside them
// the machine's own SHA-256 rate on inputs of the tree's size, measured in
// the same run.
//
//   tracechain-state-tree-bench [--transactions N ...] [--blocks B] [--proofs P]
//
// The state is modelled on what the ledger writes: two keys per transaction
// stay (a trail entry and an index or record), and each block of 1,000
// transactions updates four existing keys per transaction, adds two and
// deletes one (a nonce that expired). Keys and values are of the ledger's
// sizes; contents are deterministic.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <unistd.h>
#include <random>
#include <string>
#include <vector>

#include "bench/measure.h"
#include "ledger/state_tree.h"

using namespace tracechain;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kSha256 = crypto::HashAlgorithm::kSha256;
constexpr std::size_t kTxPerBlock = 1000;

std::string key_of(std::uint64_t i) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "th/trade-%010llu/%016llx",
                static_cast<unsigned long long>(i / 4), static_cast<unsigned long long>(i % 4));
  return buffer;
}

Bytes value_of(std::uint64_t i, std::uint64_t version) {
  Bytes value(120);
  std::uint64_t x = i * 0x9E3779B97F4A7C15ull + version;
  for (std::size_t j = 0; j < value.size(); ++j) {
    x ^= x >> 29;
    x *= 0xBF58476D1CE4E5B9ull;
    value[j] = static_cast<std::uint8_t>(x >> 56);
  }
  return value;
}

double micros_since(Clock::time_point start) {
  return std::chrono::duration<double, std::micro>(Clock::now() - start).count();
}

double rss_mib() { return static_cast<double>(bench::proc_status_kib(getpid(), "VmRSS")) / 1024.0; }

// The machine's limit: SHA-256 of 65-byte inputs (one tree node), per second
// on one core.
double sha256_rate() {
  std::uint8_t input[65] = {};
  Digest d{};
  const auto start = Clock::now();
  std::size_t n = 0;
  while (micros_since(start) < 500'000) {
    for (int i = 0; i < 1000; ++i, ++n) {
      d = crypto::hash(kSha256, ByteView(input, sizeof(input)));
      input[1] = d[0];
    }
  }
  return static_cast<double>(n) / (micros_since(start) / 1e6);
}

void run(std::uint64_t transactions, std::size_t blocks, std::size_t proofs) {
  const std::uint64_t keys = 2 * transactions;
  std::printf("\n== a state of %llu keys (a chain of %llu transactions)\n",
              static_cast<unsigned long long>(keys), static_cast<unsigned long long>(transactions));
  // What opening a store does: the tree of every key of the whole state.
  ledger::MemoryState state;
  for (std::uint64_t from = 0; from < keys; from += 100'000) {
    ledger::StateDelta delta;
    for (std::uint64_t i = from; i < std::min(keys, from + 100'000); ++i) {
      delta.push_back({key_of(i), value_of(i, 0)});
    }
    state.apply(delta);
  }
  const double rss_before = rss_mib();
  auto start = Clock::now();
  ledger::StateTree tree = ledger::StateTree::of(kSha256, state);
  const double build_s = micros_since(start) / 1e6;
  const double rss_after = rss_mib();
  state = ledger::MemoryState();
  std::printf("build       %.1f s (%.2f µs per key), root %s…\n", build_s,
              build_s * 1e6 / static_cast<double>(keys), to_hex(tree.root()).substr(0, 16).c_str());
  std::printf("memory      %.0f MiB for the tree, %.0f bytes per key\n", rss_after - rss_before,
              (rss_after - rss_before) * 1024 * 1024 / static_cast<double>(keys));

  std::mt19937_64 random(transactions);
  std::uint64_t next_key = keys;
  std::vector<double> block_ms, release_ms;
  std::size_t writes_per_block = 0;
  for (std::size_t b = 0; b < blocks; ++b) {
    std::map<std::string, std::optional<Bytes>> writes;
    for (std::size_t t = 0; t < kTxPerBlock; ++t) {
      for (int u = 0; u < 4; ++u) {
        std::uint64_t i = random() % next_key;
        writes[key_of(i)] = value_of(i, b + 1);
      }
      for (int n = 0; n < 2; ++n, ++next_key) writes[key_of(next_key)] = value_of(next_key, 0);
      writes[key_of(random() % next_key)] = std::nullopt;
    }
    ledger::StateDelta delta;
    for (auto& [key, value] : writes) delta.push_back({key, std::move(value)});
    writes_per_block = delta.size();
    start = Clock::now();
    ledger::StateTree next = tree.apply(delta);
    block_ms.push_back(micros_since(start) / 1000);
    // The replaced version's nodes no other version shares are freed here,
    // as when a node drops the oldest version it holds.
    start = Clock::now();
    tree = std::move(next);
    release_ms.push_back(micros_since(start) / 1000);
  }
  const double p50 = bench::percentile(block_ms, 0.5);
  std::printf("block       p50 %.1f ms, p99 %.1f ms for %zu writes of 1,000 transactions "
              "(%.1f µs per transaction at p50)\n",
              p50, bench::percentile(block_ms, 0.99), writes_per_block, p50 * 1000 / kTxPerBlock);
  std::printf("release     p50 %.1f ms, p99 %.1f ms to free the version a block replaced\n",
              bench::percentile(release_ms, 0.5), bench::percentile(release_ms, 0.99));

  std::vector<double> prove_us, verify_us;
  std::size_t proof_bytes = 0, depth = 0;
  for (std::size_t p = 0; p < proofs; ++p) {
    const bool present = p % 4 != 0;
    std::uint64_t i = present ? random() % keys : keys * 100 + p;
    std::string key = key_of(i);
    start = Clock::now();
    ledger::StateTreeProof proof = tree.prove(key);
    prove_us.push_back(micros_since(start));
    proof_bytes += ledger::encode(proof).size();
    depth += proof.siblings.size();
    // The value as the tree holds it: the current version of the key, if any.
    std::optional<Bytes> value;
    if (proof.leaf && proof.leaf->path == crypto::hash(kSha256, as_bytes(key))) {
      for (std::uint64_t version = 0; version <= blocks; ++version) {
        Bytes candidate = value_of(i, version);
        if (crypto::hash(kSha256, candidate) == proof.leaf->value_hash) {
          value = std::move(candidate);
          break;
        }
      }
      if (!value) continue;  // deleted and written again: not worth finding
    }
    start = Clock::now();
    Status s = ledger::verify_state_proof(kSha256, tree.root(), key, value, proof);
    verify_us.push_back(micros_since(start));
    if (!s) std::printf("PROOF FAILED: %s\n", s.error().message().c_str());
  }
  std::printf("prove       p50 %.1f µs, p99 %.1f µs; %zu siblings and %zu bytes on average\n",
              bench::percentile(prove_us, 0.5), bench::percentile(prove_us, 0.99),
              depth / std::max<std::size_t>(1, proofs), proof_bytes / std::max<std::size_t>(1, proofs));
  std::printf("verify      p50 %.1f µs, p99 %.1f µs (%zu proofs, a quarter of absent keys)\n",
              bench::percentile(verify_us, 0.5), bench::percentile(verify_us, 0.99),
              verify_us.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::uint64_t> sizes;
  std::size_t blocks = 100;
  std::size_t proofs = 10'000;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--transactions" && i + 1 < argc) {
      sizes.push_back(std::stoull(argv[++i]));
    } else if (arg == "--blocks" && i + 1 < argc) {
      blocks = std::stoull(argv[++i]);
    } else if (arg == "--proofs" && i + 1 < argc) {
      proofs = std::stoull(argv[++i]);
    } else {
      std::fprintf(stderr,
                   "usage: tracechain-state-tree-bench [--transactions N ...] [--blocks B] "
                   "[--proofs P]\n");
      return 2;
    }
  }
  if (sizes.empty()) sizes = {1'000'000, 10'000'000};
  std::printf("tracechain-state-tree-bench: load average %.2f\n", bench::load_average());
  std::printf("machine     SHA-256 of 65 bytes: %.2f M/s on one core\n", sha256_rate() / 1e6);
  for (std::uint64_t n : sizes) run(n, blocks, proofs);
  return 0;
}
