// Storage at scale: ingests a ledger of realistic transactions in blocks of
// 1,000 into a RocksDB block store, the way a node does (execute the block on
// the store's state, then commit it with one synced batch), and reports
// commit throughput, the database's size on disk and the latency of the reads
// an auditor makes: a transaction by hash, the trail of a 20-step trade, an
// inclusion proof.
//
//   tracechain-storage-bench [--transactions N] [--block-size N] [--dir PATH]
//                            [--samples N] [--cache-mb N] [--keep]
//
// Transactions are pre-signed with ECDSA P-256 (the default suite) while
// each block is prepared; execution skips signature verification (a node
// verifies at admission), so the figures are storage and execution, not
// crypto. Signing time is excluded. A plain program, not Google Benchmark:
// the ingest runs once and the table is printed at the end.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>

#include "bench/measure.h"
#include "crypto/file_util.h"
#include "ledger/genesis.h"
#include "storage/block_store.h"
#include "tests/storage/chain_fixture.h"

using namespace tracechain;
using Clock = std::chrono::steady_clock;

namespace {

struct Args {
  std::uint64_t transactions = 1'000'000;
  std::size_t block_size = 1000;
  std::filesystem::path dir;
  std::size_t samples = 5000;
  std::size_t cache_mb = 64;
  bool keep = false;
  std::filesystem::path genesis_out;  // write the chain's genesis.json here
  bool state_tree = true;              // false: a chain of format 1 (no state tree)
};

[[noreturn]] void usage(const char* problem) {
  std::cerr << "tracechain-storage-bench: " << problem
            << "\nusage: tracechain-storage-bench [--transactions N] [--block-size N] "
               "[--dir PATH] [--samples N] [--cache-mb N] [--keep] [--genesis-out FILE] "
               "[--state-tree true|false]\n";
  std::exit(2);
}

Args parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + flag).c_str());
      return argv[++i];
    };
    if (flag == "--transactions") {
      args.transactions = std::stoull(value());
    } else if (flag == "--block-size") {
      args.block_size = std::stoull(value());
    } else if (flag == "--dir") {
      args.dir = value();
    } else if (flag == "--samples") {
      args.samples = std::stoull(value());
    } else if (flag == "--cache-mb") {
      args.cache_mb = std::stoull(value());
    } else if (flag == "--keep") {
      args.keep = true;
    } else if (flag == "--genesis-out") {
      args.genesis_out = value();
    } else if (flag == "--state-tree") {
      std::string v = value();
      if (v != "true" && v != "false") usage("--state-tree takes true or false");
      args.state_tree = v == "true";
    } else if (flag == "--help") {
      std::cout << "usage: tracechain-storage-bench [--transactions N] [--block-size N] "
                   "[--dir PATH] [--samples N] [--cache-mb N] [--keep] [--genesis-out FILE] "
                   "[--state-tree true|false]\n"
                   "  --state-tree false founds a chain of format 1, without the state tree\n"
                   "  --keep with --genesis-out leaves a store that tracectl audit verify "
                   "--data-dir PATH --genesis FILE can check\n";
      std::exit(0);
    } else {
      usage(("unknown option " + flag).c_str());
    }
  }
  if (args.block_size == 0 || args.transactions < args.block_size) usage("too few transactions");
  return args;
}

template <typename T>
T must(Result<T> result, const char* what) {
  if (!result) {
    std::cerr << what << ": " << result.error().message() << "\n";
    std::exit(1);
  }
  return std::move(*result);
}

void must(const Status& status, const char* what) {
  if (!status) {
    std::cerr << what << ": " << status.error().message() << "\n";
    std::exit(1);
  }
}

// A node verifies signatures when it admits transactions; re-verifying here
// would measure OpenSSL, not storage.
class AdmittedSignatures final : public ledger::SignatureChecker {
 public:
  Status check(const ledger::Transaction&, const Digest&,
               const crypto::PublicKey&) const override {
    return {};
  }
};

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Latencies {
  std::vector<double> us;
  void add(Clock::time_point start) {
    us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  double percentile(double p) { return bench::percentile(us, p); }
};

// Bytes on disk: everything, and the write-ahead log's share of it (data
// not yet flushed into table files, which compaction has not compressed).
struct DiskUsage {
  std::uint64_t total = 0;
  std::uint64_t wal = 0;
};

DiskUsage disk_usage(const std::filesystem::path& dir) {
  DiskUsage usage;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    usage.total += entry.file_size();
    if (entry.path().extension() == ".log") usage.wal += entry.file_size();
  }
  return usage;
}

std::vector<test::Member> members() {
  std::vector<test::Member> out = {
      {"exchange", test::roles({"governor", "operator"})},
      {"regulator", test::roles({"governor", "auditor"})},
      {"member-bank", test::roles({"governor"})},
      {"attestor-ca", test::roles({"attestor"})},
  };
  for (int i = 0; i < 20; ++i) out.push_back({"provider-" + std::to_string(i), test::roles({"provider"})});
  for (int i = 0; i < 40; ++i) {
    out.push_back({"buyer-" + std::to_string(i), test::roles({"buyer"}), i % 8 == 0 ? "sg" : "cn"});
  }
  for (int i = 0; i < 5; ++i) out.push_back({"reviewer-" + std::to_string(i), test::roles({"reviewer"})});
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = parse(argc, argv);
  bool temporary = args.dir.empty();
  if (temporary) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "tracechain-storage-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) usage("cannot create a temporary directory");
    args.dir = pattern;
  }
  const std::filesystem::path db = args.dir / "db";
  std::cout << "storage bench: " << args.transactions << " transactions in blocks of "
            << args.block_size << " into " << db << " (" << ::sysconf(_SC_NPROCESSORS_ONLN)
            << " CPUs, load average " << bench::load_average() << ", block cache " << args.cache_mb
            << " MiB)\n";

  test::TestChain founder(members());
  ledger::Genesis genesis = founder.genesis();
  genesis.state_tree = args.state_tree;
  std::map<std::string, crypto::PrivateKey> keys;
  for (const auto& p : genesis.participants) keys.emplace(p.id, founder.key(p.id));
  test::TestChain chain(genesis, keys, founder.validator_keys());
  std::cout << "chain of format " << (args.state_tree ? 2 : 1)
            << (args.state_tree ? " (headers commit to the state tree)\n" : " (no state tree)\n");
  test::WorkloadOptions options;
  options.assets_per_provider = 25;  // 500 assets
  options.usage_reports = 14;        // 20 steps a trade
  options.failed_attempt_every = 0;
  test::Workload workload(chain, options);
  if (!args.genesis_out.empty()) {
    must(write_file_atomic(args.genesis_out, ledger::genesis_to_json(chain.genesis()), 0644,
                           Overwrite::kReplace),
         "write genesis");
  }
  storage::RocksDbOptions rocksdb;
  rocksdb.block_cache_bytes = args.cache_mb << 20;
  auto store = must(storage::open_rocksdb_block_store(db, chain.genesis(), {}, rocksdb), "open");
  const AdmittedSignatures admitted;

  std::mt19937_64 random(42);
  std::vector<Digest> sampled;  // a uniform sample of committed transaction hashes
  std::uint64_t seen = 0;
  double sign_s = 0;
  double execute_s = 0;
  double commit_s = 0;
  Latencies commit_latency;
  std::uint64_t committed = 0;
  std::uint64_t blocks = 0;
  auto started = Clock::now();
  while (committed < args.transactions) {
    ledger::ChainTip tip = store->tip();
    std::uint64_t height = tip.height + 1;
    auto t0 = Clock::now();
    std::vector<ledger::Transaction> txs = workload.next(height, args.block_size);
    sign_s += seconds_since(t0);

    auto t1 = Clock::now();
    ledger::BlockContext context{height, tip.time_ms + 1000, "validator-0"};
    auto executed = must(ledger::execute_block(store->state(), tip, context, txs, admitted),
                         "execute");
    ledger::Block block;
    block.header = ledger::make_header(chain.params(), tip, context, executed);
    block.transactions = std::move(txs);
    execute_s += seconds_since(t1);
    ledger::CommitCertificate certificate = test::certify(chain, block);

    auto t2 = Clock::now();
    must(store->commit(block, certificate, executed), "commit");
    commit_s += seconds_since(t2);
    commit_latency.add(t2);

    for (const Digest& hash : executed.tx_hashes) {
      // Reservoir sampling keeps the sample uniform over the whole ledger.
      if (sampled.size() < args.samples) {
        sampled.push_back(hash);
      } else if (std::uniform_int_distribution<std::uint64_t>(0, seen)(random) < args.samples) {
        sampled[std::uniform_int_distribution<std::size_t>(0, args.samples - 1)(random)] = hash;
      }
      ++seen;
    }
    committed += block.transactions.size();
    ++blocks;
    if (blocks % 100 == 0) {
      std::cerr << "  " << committed << " transactions, " << blocks << " blocks, "
                << static_cast<std::uint64_t>(static_cast<double>(committed) / commit_s)
                << " tx/s committed\n";
    }
  }
  double ingest_s = seconds_since(started) - sign_s;
  DiskUsage after_ingest = disk_usage(db);

  // Reads, as after a restart: a cold block cache over a warm OS page cache.
  store.reset();
  auto reopen_start = Clock::now();
  store = must(storage::open_rocksdb_block_store(db, chain.genesis(), {}, rocksdb), "reopen");
  double reopen_ms = seconds_since(reopen_start) * 1000;
  const std::uint64_t log_size = store->tip().log.size();
  crypto::MerkleHasher hasher(chain.params().hash_algorithm());
  const Digest log_root = store->header(store->height())->log_root;

  std::shuffle(sampled.begin(), sampled.end(), random);
  const std::uint64_t settled = workload.trades_settled();
  const std::size_t trail_samples = std::min<std::size_t>(args.samples / 2, settled);
  struct ReadLatencies {
    Latencies by_hash;
    Latencies trails;
    Latencies proofs;
  };
  // One pass of each read over the samples; the first after the reopen runs
  // on a cold block cache, the second on whatever the cache kept.
  auto measure_reads = [&]() {
    ReadLatencies r;
    for (const Digest& hash : sampled) {
      auto start = Clock::now();
      auto tx = store->transaction(hash);
      r.by_hash.add(start);
      if (!tx) must(Status(tx.error()), "transaction by hash");
    }
    std::size_t verified = 0;
    for (const Digest& hash : sampled) {
      auto start = Clock::now();
      auto proof = store->inclusion_proof(hash, log_size);
      r.proofs.add(start);
      if (!proof) must(Status(proof.error()), "inclusion proof");
      if (verified++ < 100) {
        must(storage::verify_inclusion_proof(hasher, *proof, log_root), "proof verification");
      }
    }
    for (std::size_t i = 0; i < trail_samples; ++i) {
      std::uint64_t n = std::uniform_int_distribution<std::uint64_t>(0, settled - 1)(random);
      auto start = Clock::now();
      auto trail = store->trade_trail(test::Workload::trade_id(n));
      r.trails.add(start);
      if (!trail) must(Status(trail.error()), "trade trail");
      if (trail->steps.size() != 20) {
        std::cerr << "trade " << n << " has " << trail->steps.size() << " steps, not 20\n";
        std::exit(1);
      }
    }
    return r;
  };
  ReadLatencies cold = measure_reads();
  ReadLatencies warm = measure_reads();
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);

  auto mib = [](std::uint64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); };
  std::printf("\n| measure | value |\n|---|---|\n");
  std::printf("| transactions committed | %llu in %llu blocks (%llu trades settled) |\n",
              static_cast<unsigned long long>(committed), static_cast<unsigned long long>(blocks),
              static_cast<unsigned long long>(settled));
  std::printf("| commit throughput (store.commit only) | %.0f tx/s, %.1f blocks/s |\n",
              static_cast<double>(committed) / commit_s, static_cast<double>(blocks) / commit_s);
  std::printf("| commit latency per 1,000-tx block, p50 / p99 | %.1f ms / %.1f ms |\n",
              commit_latency.percentile(0.5) / 1000, commit_latency.percentile(0.99) / 1000);
  std::printf("| ingest (execute on RocksDB state + commit) | %.0f tx/s (execute %.0f s, commit %.0f s) |\n",
              static_cast<double>(committed) / ingest_s, execute_s, commit_s);
  std::printf("| signing, excluded above (P-256) | %.0f s |\n", sign_s);
  DiskUsage at_end = disk_usage(db);
  std::printf("| database on disk after ingest | %.0f MiB, of which WAL %.0f MiB (%.0f bytes/tx) |\n",
              mib(after_ingest.total), mib(after_ingest.wal),
              static_cast<double>(after_ingest.total) / static_cast<double>(committed));
  std::printf("| database on disk after the reads | %.0f MiB, of which WAL %.0f MiB (%.0f bytes/tx) |\n",
              mib(at_end.total), mib(at_end.wal),
              static_cast<double>(at_end.total) / static_cast<double>(committed));
  std::printf("| reopen (WAL replay, then the checks on open) | %.0f ms |\n", reopen_ms);
  auto latency_row = [](const char* what, Latencies& cold_l, Latencies& warm_l) {
    std::printf("| %s | %.1f / %.1f us | %.1f / %.1f us |\n", what, cold_l.percentile(0.5),
                cold_l.percentile(0.99), warm_l.percentile(0.5), warm_l.percentile(0.99));
  };
  std::printf("\n| read (%zu samples; %zu trails) | p50 / p99, cold cache | p50 / p99, warm cache |\n"
              "|---|---|---|\n",
              sampled.size(), trail_samples);
  latency_row("get transaction by hash", cold.by_hash, warm.by_hash);
  latency_row("trail of a 20-step trade, with every receipt", cold.trails, warm.trails);
  latency_row("inclusion proof against the tip's log", cold.proofs, warm.proofs);
  std::printf("\npeak resident memory: %.0f MiB\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  std::printf("\nload average at the end: %.2f\n", bench::load_average());

  store.reset();
  if (temporary && !args.keep) std::filesystem::remove_all(args.dir);
  return 0;
}
