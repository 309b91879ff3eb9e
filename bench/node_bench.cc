// Node throughput and latency: drives running tracechaind processes over
// JSON-RPC with a realistic, pre-signed workload and measures what they
// commit (docs/performance.md, "Node throughput and latency").
//
//   tracechain-bench participants --keys DIR [--providers N] [--buyers N]
//                                 [--reviewers N] GENESIS...
//       Registers the bench's senders: adds providers, buyers, reviewers, an
//       attestor and an auditor to every genesis file named (a node home's
//       config/genesis.json, all of a testnet's), with their keys in DIR, and
//       lengthens the policy's transaction lifetime so that a workload signed
//       in advance stays valid. Run before the nodes' first start.
//
//   tracechain-bench run --rpc URL... --genesis FILE --keys DIR [options]
//       Signs the workload (tests/storage/workload.h: attestations, asset
//       registrations with source reviews, then trades of 9 steps) before
//       timing starts, submits the setup and waits for it, then submits the
//       trades in batches from --clients threads spread over the URLs,
//       closed loop (--rate 0: as fast as accepted, backing off while the
//       mempool is full) or open loop (--rate R tx/s, latency counted from
//       each batch's scheduled time). A WebSocket subscription to newBlocks
//       timestamps every commit; the blocks are read afterwards (as an
//       auditor) to find each transaction's block, so reading them costs the
//       node nothing while it is measured. Reports committed tx/s, commit
//       latency (submission to the announcement of its block), rejected and
//       lost transactions, the resident memory of the --pid processes, and
//       this machine's single-core verification rate for the chain's suite.
//
// Writes a JSON result (--out) and prints a summary.
#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <thread>

#include "bench/block_watcher.h"
#include "bench/measure.h"
#include "crypto/file_util.h"
#include "ledger/genesis.h"
#include "node/rpc/client.h"
#include "tests/storage/workload.h"

using namespace tracechain;
using bench::Clock;
using node::rpc::Json;

namespace {

// Generous, so that a workload signed before the run stays valid through it.
constexpr std::uint64_t kBenchLifetimeBlocks = 1'000'000;
// Trades in flight at once: a trade's next step is this many transactions
// later in the stream, far beyond any reordering between clients.
constexpr std::size_t kTradesInFlight = 4'000;

[[noreturn]] void die(const std::string& message) {
  std::cerr << "tracechain-bench: " << message << "\n";
  std::exit(1);
}

template <class T>
T must(Result<T> result, const std::string& what) {
  if (!result) die(what + ": " + result.error().message());
  return std::move(*result);
}

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// --------------------------------------------------------------- participants

struct ParticipantsOptions {
  std::filesystem::path keys;
  std::size_t providers = 100;
  std::size_t buyers = 100;
  std::size_t reviewers = 4;
  std::vector<std::filesystem::path> genesis_files;
};

int add_participants(const ParticipantsOptions& o) {
  ledger::Genesis genesis = must(ledger::load_genesis(o.genesis_files.front()), "genesis");
  for (const auto& other : o.genesis_files) {
    auto g = must(ledger::load_genesis(other), other.string());
    if (ledger::genesis_hash(g) != ledger::genesis_hash(genesis)) {
      die(other.string() + " is another chain's genesis than " + o.genesis_files.front().string());
    }
  }
  auto add = [&](const std::string& id, std::initializer_list<ledger::Role> roles) {
    auto key = must(crypto::PrivateKey::generate(genesis.suite), "key");
    ledger::RoleSet set = 0;
    for (ledger::Role role : roles) set |= ledger::role_bit(role);
    genesis.participants.push_back({id, key.public_key().bytes(), set, "cn"});
    std::filesystem::create_directories(o.keys);
    if (Status s = key.save(o.keys / (id + ".pem")); !s) die(s.error().message());
  };
  using ledger::Role;
  add("bench-attestor", {Role::kAttestor});
  add("bench-auditor", {Role::kAuditor});
  for (std::size_t i = 0; i < o.reviewers; ++i) add("bench-reviewer-" + std::to_string(i), {Role::kReviewer});
  for (std::size_t i = 0; i < o.providers; ++i) add("bench-provider-" + std::to_string(i), {Role::kProvider});
  for (std::size_t i = 0; i < o.buyers; ++i) add("bench-buyer-" + std::to_string(i), {Role::kBuyer});
  genesis.policy.max_transaction_lifetime =
      std::max(genesis.policy.max_transaction_lifetime, kBenchLifetimeBlocks);
  if (Status s = ledger::validate(genesis); !s) die(s.error().message());
  std::string json = ledger::genesis_to_json(genesis);
  for (const auto& path : o.genesis_files) {
    if (Status s = write_file_atomic(path, json, 0644, Overwrite::kReplace); !s) {
      die(s.error().message());
    }
  }
  std::cout << "added " << o.providers << " providers, " << o.buyers << " buyers, " << o.reviewers
            << " reviewers, an attestor and an auditor to " << o.genesis_files.size()
            << " genesis file(s); keys in " << o.keys.string() << "\n";
  return 0;
}

// ------------------------------------------------------------------------ run

struct RunOptions {
  std::vector<std::string> rpc;
  std::filesystem::path genesis;
  std::vector<std::filesystem::path> keys;
  std::vector<long> pids;
  std::string label = "bench";
  std::size_t clients = 4;
  std::size_t batch = 100;
  std::size_t transactions = 200'000;
  double rate = 0;  // 0: closed loop
  std::size_t validators = 1;
  std::filesystem::path out;
  std::string auditor = "bench-auditor";
  double drain_seconds = 30;
};

// One signed transaction, ready to send.
struct Item {
  std::string hex;
  Digest hash{};
};

// The workload, signed: the setup, then the timed trades.
struct SignedWorkload {
  std::vector<Item> setup;
  std::vector<Item> trades;
  ledger::Transaction sample;  // for the verification-rate measure
  std::optional<crypto::PublicKey> sample_key;
};

// The keys found in `dirs` (<participant>.pem) of the genesis participants.
std::map<std::string, crypto::PrivateKey> load_keys(const ledger::Genesis& genesis,
                                                    const std::vector<std::filesystem::path>& dirs) {
  std::map<std::string, crypto::PrivateKey> keys;
  for (const auto& p : genesis.participants) {
    for (const auto& dir : dirs) {
      std::filesystem::path file = dir / (p.id + ".pem");
      if (std::filesystem::exists(file)) {
        keys.emplace(p.id, must(crypto::PrivateKey::load(file), file.string()));
      }
    }
  }
  return keys;
}

Item item_of(const ledger::Transaction& tx) {
  return {to_hex(ledger::encode(tx)), ledger::transaction_hash(tx)};
}

SignedWorkload sign_workload(test::TestChain& chain, std::size_t trades) {
  test::WorkloadOptions options;
  options.lifetime_blocks = kBenchLifetimeBlocks - 1;
  test::Workload workload(chain, options);
  SignedWorkload signed_workload;
  // The setup (attestations, assets, source reviews) comes first, then trades.
  signed_workload.trades.reserve(trades);
  for (;;) {
    ledger::Transaction tx = std::move(workload.next(1, 1).front());
    if (tx.kind == ledger::TxKind::kTradeCreate) {
      signed_workload.trades.push_back(item_of(tx));
      break;
    }
    signed_workload.setup.push_back(item_of(tx));
  }
  while (signed_workload.trades.size() < trades) {
    std::size_t n = std::min(kTradesInFlight, trades - signed_workload.trades.size());
    for (const auto& tx : workload.next(1, n)) signed_workload.trades.push_back(item_of(tx));
  }
  auto last = workload.next(1, 1);
  signed_workload.sample = last.front();
  for (const auto& p : chain.genesis().participants) {
    if (p.id == signed_workload.sample.sender) {
      signed_workload.sample_key = must(crypto::PublicKey::from_bytes(chain.genesis().suite, p.public_key), "key");
    }
  }
  return signed_workload;
}

// Single-core verification rate of a realistic transaction, as admission
// verifies it (canonical bytes, hash, signature).
double verify_rate(const SignedWorkload& w) {
  std::size_t n = 0;
  Clock::time_point start = Clock::now();
  while (Clock::now() - start < std::chrono::seconds(2)) {
    for (int i = 0; i < 100; ++i) {
      if (!ledger::verify_signature(w.sample, *w.sample_key)) die("the sample does not verify");
    }
    n += 100;
  }
  return static_cast<double>(n) / seconds(Clock::now() - start);
}

// What happened to each submitted transaction.
struct Submission {
  Clock::time_point sent{};
  bool accepted = false;
};

struct Counters {
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> rejected{0};
  std::atomic<std::uint64_t> mempool_full{0};
  std::atomic<std::uint64_t> failed_exchanges{0};
  std::mutex mutex;
  std::map<std::string, std::uint64_t> reject_reasons;  // guarded by mutex
};

// Submits items [0, n) in batches from several clients. `due(i)` is when
// batch i may go (open loop) or nullopt (closed loop).
void submit_all(const RunOptions& o, const std::vector<Item>& items,
                std::vector<Submission>& submissions, Counters& counters,
                std::size_t clients, std::optional<Clock::time_point> start) {
  std::atomic<std::size_t> next_batch{0};
  std::size_t batches = (items.size() + o.batch - 1) / o.batch;
  auto work = [&](std::size_t client_index) {
    node::rpc::Client client(must(node::rpc::parse_url(o.rpc[client_index % o.rpc.size()]), "--rpc"));
    for (std::size_t b = next_batch++; b < batches; b = next_batch++) {
      std::size_t first = b * o.batch;
      std::size_t last = std::min(items.size(), first + o.batch);
      Clock::time_point sent = Clock::now();
      if (start && o.rate > 0) {
        Clock::time_point due = *start + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(
                                                 static_cast<double>(first) / o.rate));
        std::this_thread::sleep_until(due);
        sent = due;  // latency from the schedule: a late send is the system's delay too
      }
      std::vector<std::size_t> pending;
      for (std::size_t i = first; i < last; ++i) pending.push_back(i);
      std::chrono::milliseconds backoff{5};
      while (!pending.empty()) {
        std::vector<std::pair<std::string, Json>> calls;
        for (std::size_t i : pending) calls.emplace_back("tx_submit", Json{{"tx", items[i].hex}});
        if (!start || o.rate == 0) sent = Clock::now();
        auto outcomes = client.batch(calls);
        if (!outcomes) {
          ++counters.failed_exchanges;
          std::this_thread::sleep_for(backoff);
          continue;
        }
        std::vector<std::size_t> retry;
        for (std::size_t k = 0; k < pending.size(); ++k) {
          std::size_t i = pending[k];
          const auto& outcome = (*outcomes)[k];
          if (std::holds_alternative<Json>(outcome)) {
            submissions[i] = {sent, true};
            ++counters.accepted;
            continue;
          }
          const auto& error = std::get<node::rpc::RpcError>(outcome);
          if (error.code == -32003) {
            ++counters.mempool_full;
            retry.push_back(i);
          } else {
            ++counters.rejected;
            std::lock_guard lock(counters.mutex);
            ++counters.reject_reasons[error.message.substr(0, 80)];
          }
        }
        pending = std::move(retry);
        if (!pending.empty()) {
          std::this_thread::sleep_for(backoff);
          backoff = std::min(backoff * 2, std::chrono::milliseconds(200));
        }
      }
    }
  };
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < clients; ++c) threads.emplace_back(work, c);
  for (auto& t : threads) t.join();
}

// Waits until the watcher has seen `total` committed transactions, or no new
// block came for `quiet` seconds.
void wait_committed(const bench::BlockWatcher& watcher, std::uint64_t total, double quiet) {
  std::uint64_t seen = watcher.transactions();
  Clock::time_point progress = Clock::now();
  while (seen < total && seconds(Clock::now() - progress) < quiet) {
    if (auto failure = watcher.failure()) die(failure->message());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    std::uint64_t now = watcher.transactions();
    if (now != seen) progress = Clock::now();
    seen = now;
  }
}

struct MemorySample {
  double at_s = 0;
  std::uint64_t committed = 0;
  std::vector<std::uint64_t> rss_kib;  // per pid
};

int run(const RunOptions& o) {
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  ledger::Genesis genesis = must(ledger::load_genesis(o.genesis), "genesis");
  auto keys = load_keys(genesis, o.keys);
  if (!keys.count(o.auditor)) die("no key for the auditor '" + o.auditor + "'");
  crypto::PrivateKey auditor_key = keys.at(o.auditor);
  test::TestChain chain(genesis, std::move(keys));

  std::cout << "[" << o.label << "] signing " << o.transactions << " transactions..." << std::flush;
  Clock::time_point signing = Clock::now();
  SignedWorkload w = sign_workload(chain, o.transactions);
  std::cout << " " << w.setup.size() << " setup + " << w.trades.size() << " trades in "
            << seconds(Clock::now() - signing) << " s\n";

  double load_before = bench::load_average();
  double verify_per_s = verify_rate(w);
  double limit = static_cast<double>(cores) * verify_per_s / static_cast<double>(o.validators);
  std::cout << "[" << o.label << "] verify " << crypto::suite_name(genesis.suite) << ": "
            << static_cast<long>(verify_per_s) << "/s on one core; limit " << cores << " x "
            << static_cast<long>(verify_per_s) << " / " << o.validators << " = "
            << static_cast<long>(limit) << " tx/s\n";

  auto url = must(node::rpc::parse_url(o.rpc.front()), "--rpc");
  auto watcher = must(bench::BlockWatcher::start(url), "watch");

  // Setup, untimed: everything the trades depend on.
  Counters setup_counters;
  std::vector<Submission> setup_submissions(w.setup.size());
  submit_all(o, w.setup, setup_submissions, setup_counters, 1, std::nullopt);
  wait_committed(*watcher, setup_counters.accepted, o.drain_seconds);
  std::uint64_t base_committed = watcher->transactions();
  std::size_t base_blocks = watcher->blocks().size();
  if (setup_counters.rejected > 0) {
    for (const auto& [reason, n] : setup_counters.reject_reasons) std::cerr << n << " x " << reason << "\n";
    die("setup transactions were rejected");
  }

  // Memory, sampled through the run.
  std::atomic<bool> sampling{true};
  std::vector<MemorySample> memory;
  Clock::time_point start = Clock::now();
  std::thread sampler([&] {
    while (sampling) {
      MemorySample s{seconds(Clock::now() - start), watcher->transactions(), {}};
      for (long pid : o.pids) s.rss_kib.push_back(bench::proc_status_kib(pid, "VmRSS"));
      memory.push_back(std::move(s));
      for (int i = 0; i < 10 && sampling; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  Counters counters;
  std::vector<Submission> submissions(w.trades.size());
  std::cout << "[" << o.label << "] setup committed; timed submission starts" << std::endl;
  start = Clock::now();
  submit_all(o, w.trades, submissions, counters, o.clients, start);
  Clock::time_point submitted = Clock::now();
  wait_committed(*watcher, base_committed + counters.accepted, o.drain_seconds);
  sampling = false;
  sampler.join();
  double load_after = bench::load_average();
  std::vector<bench::CommittedBlock> blocks = watcher->blocks();
  if (auto failure = watcher->failure()) die(failure->message());
  watcher.reset();

  // Which block holds each accepted transaction: read the blocks as an auditor.
  std::map<Digest, std::size_t> index;  // hash -> submission
  for (std::size_t i = 0; i < w.trades.size(); ++i) {
    if (submissions[i].accepted) index.emplace(w.trades[i].hash, i);
  }
  node::rpc::Client reader(url);
  reader.authenticate(o.auditor, auditor_key);
  std::vector<double> latency_ms;
  std::uint64_t committed = 0, failed = 0;
  Clock::time_point last_commit = start;
  std::size_t max_block = 0;
  for (std::size_t b = base_blocks; b < blocks.size(); ++b) {
    const bench::CommittedBlock& block = blocks[b];
    max_block = std::max<std::size_t>(max_block, block.transactions);
    if (block.transactions == 0) continue;
    Json got = must(reader.call("chain_getBlock", Json{{"height", block.height}}), "chain_getBlock");
    for (const Json& receipt : got["receipts"]) {
      auto hash = must(digest_from_hex(receipt["txHash"].get<std::string>()), "txHash");
      auto it = index.find(hash);
      if (it == index.end()) continue;
      ++committed;
      failed += receipt["status"] != "ok";
      latency_ms.push_back(
          std::chrono::duration<double, std::milli>(block.seen - submissions[it->second].sent).count());
      last_commit = std::max(last_commit, block.seen);
      index.erase(it);
    }
  }
  std::uint64_t lost = index.size();
  double elapsed = seconds(last_commit - start);
  double tps = elapsed > 0 ? static_cast<double>(committed) / elapsed : 0;
  double p50 = bench::percentile(latency_ms, 0.50), p95 = bench::percentile(latency_ms, 0.95),
         p99 = bench::percentile(latency_ms, 0.99), pmax = bench::percentile(latency_ms, 1.0);
  std::vector<std::uint64_t> hwm;
  for (long pid : o.pids) hwm.push_back(bench::proc_status_kib(pid, "VmHWM"));
  std::uint64_t peak_rss = 0;
  for (const auto& s : memory) {
    for (auto kib : s.rss_kib) peak_rss = std::max(peak_rss, kib);
  }
  double ratio = limit > 0 ? tps / limit : 0;

  Json result = {
      {"label", o.label},
      {"mode", o.rate > 0 ? "open" : "closed"},
      {"target_rate", o.rate},
      {"validators", o.validators},
      {"clients", o.clients},
      {"batch", o.batch},
      {"cores", cores},
      {"suite", std::string(crypto::suite_name(genesis.suite))},
      {"verify_per_s_one_core", verify_per_s},
      {"verify_limit_tx_per_s", limit},
      {"submitted", w.trades.size()},
      {"accepted", counters.accepted.load()},
      {"rejected", counters.rejected.load()},
      {"mempool_full_retries", counters.mempool_full.load()},
      {"failed_exchanges", counters.failed_exchanges.load()},
      {"committed", committed},
      {"failed_receipts", failed},
      {"lost", lost},
      {"submit_seconds", seconds(submitted - start)},
      {"elapsed_seconds", elapsed},
      {"committed_tx_per_s", tps},
      {"ratio", ratio},
      {"latency_ms", {{"p50", p50}, {"p95", p95}, {"p99", p99}, {"max", pmax}}},
      {"blocks", blocks.size() - base_blocks},
      {"largest_block", max_block},
      {"load_average", {{"before", load_before}, {"after", load_after}}},
      {"peak_rss_kib", peak_rss},
      {"vm_hwm_kib", hwm},
  };
  Json samples = Json::array();
  for (const auto& s : memory) samples.push_back({{"t", s.at_s}, {"committed", s.committed}, {"rss_kib", s.rss_kib}});
  result["memory_samples"] = samples;
  Json reasons = Json::object();
  for (const auto& [reason, n] : counters.reject_reasons) reasons[reason] = n;
  result["reject_reasons"] = reasons;
  if (!o.out.empty()) {
    if (Status s = write_file_atomic(o.out, result.dump(2) + "\n", 0644, Overwrite::kReplace); !s) {
      die(s.error().message());
    }
  }

  std::printf("[%s] %zu validator(s), %s loop%s, %zu clients x batch %zu\n", o.label.c_str(),
              o.validators, o.rate > 0 ? "open" : "closed",
              o.rate > 0 ? (" at " + std::to_string(static_cast<long>(o.rate)) + " tx/s").c_str() : "",
              o.clients, o.batch);
  std::printf("  committed   %llu of %zu in %.2f s = %.0f tx/s (%llu failed receipts)\n",
              static_cast<unsigned long long>(committed), w.trades.size(), elapsed, tps,
              static_cast<unsigned long long>(failed));
  std::printf("  latency     p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms\n", p50, p95, p99, pmax);
  std::printf("  rejected    %llu, lost %llu, mempool-full retries %llu\n",
              static_cast<unsigned long long>(counters.rejected.load()),
              static_cast<unsigned long long>(lost),
              static_cast<unsigned long long>(counters.mempool_full.load()));
  std::printf("  blocks      %zu, largest %zu txs\n", blocks.size() - base_blocks, max_block);
  std::printf("  memory      peak RSS %.0f MiB (VmHWM", static_cast<double>(peak_rss) / 1024);
  for (auto kib : hwm) std::printf(" %.0f", static_cast<double>(kib) / 1024);
  std::printf(" MiB)\n");
  std::printf("  ratio       %.0f / (%u x %.0f / %zu) = %.2f\n", tps, cores, verify_per_s, o.validators, ratio);
  std::printf("  load avg    %.2f before, %.2f after\n", load_before, load_after);
  for (const auto& [reason, n] : counters.reject_reasons) {
    std::printf("  rejected %llu x %s\n", static_cast<unsigned long long>(n), reason.c_str());
  }
  return lost == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tracechain node throughput and latency benchmark"};
  app.require_subcommand(1);
  ParticipantsOptions p;
  auto* participants = app.add_subcommand("participants", "register the bench's senders in genesis files");
  participants->add_option("--keys", p.keys, "directory for their keys")->required();
  participants->add_option("--providers", p.providers);
  participants->add_option("--buyers", p.buyers);
  participants->add_option("--reviewers", p.reviewers);
  participants->add_option("genesis", p.genesis_files, "genesis.json files of one chain")->required();
  RunOptions r;
  auto* run_command = app.add_subcommand("run", "measure running nodes");
  run_command->add_option("--rpc", r.rpc, "node RPC URLs; clients are spread over them")->required();
  run_command->add_option("--genesis", r.genesis)->required();
  run_command->add_option("--keys", r.keys, "directories of participant keys")->required();
  run_command->add_option("--pid", r.pids, "node processes whose memory to report");
  run_command->add_option("--label", r.label);
  run_command->add_option("--clients", r.clients);
  run_command->add_option("--batch", r.batch, "transactions per JSON-RPC batch (<= rpc.max_batch)");
  run_command->add_option("--transactions", r.transactions, "timed transactions");
  run_command->add_option("--rate", r.rate, "open loop at this many tx/s; 0: closed loop");
  run_command->add_option("--validators", r.validators, "validators sharing this machine");
  run_command->add_option("--out", r.out, "JSON result file");
  run_command->add_option("--auditor", r.auditor, "participant that reads the blocks");
  run_command->add_option("--drain-seconds", r.drain_seconds, "give up waiting for commits after this long without one");
  CLI11_PARSE(app, argc, argv);
  if (participants->parsed()) return add_participants(p);
  return run(r);
}
