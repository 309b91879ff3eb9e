// The read path with and without the read log (docs/performance.md, "The
// read log"): a single-validator node in this process serves trade_get to
// --clients threads, each signing every request as an auditor over a kept
// connection, for --seconds, alternating rounds with reads recorded and
// rounds without (the same node, an RPC server over a backend that keeps no
// read log). Reports each mode's median requests per second and the effect,
// and this machine's limits measured in the same run: P-256 verifications
// per second on one core (each request's signature) and read-log appends
// per second alone.
//
//   tracechain-read-bench [--clients 4] [--seconds 5] [--rounds 3] [--workers N]
//                         [--memory-log]
#include <CLI/CLI.hpp>

#include <atomic>
#include <iostream>
#include <sstream>
#include <thread>
#include <sys/resource.h>
#include <unistd.h>

#include "bench/measure.h"
#include "cli/commands.h"
#include "ledger/payloads.h"
#include "node/config.h"
#include "node/log.h"
#include "node/read_log.h"
#include "node/rpc/backend.h"
#include "node/rpc/client.h"
#include "node/rpc/server.h"
#include "storage/append_file.h"
#include "storage/memory_kv.h"

using namespace tracechain;
using node::rpc::Json;

namespace {

[[noreturn]] void die(const std::string& message) {
  std::cerr << "tracechain-read-bench: " << message << "\n";
  std::exit(1);
}

template <typename T>
T must(Result<T> result, const std::string& what) {
  if (!result) die(what + ": " + result.error().message());
  return std::move(*result);
}

// The node's backend, with or without its read log.
class Backend final : public node::rpc::Backend {
 public:
  // `other`: a log to record into instead of the node's.
  Backend(node::Node& node, bool record, node::ReadLog* other)
      : node_(node), record_(record), other_(other) {}
  node::NodeStatus status() const override { return node_.status(); }
  const storage::BlockStore& store() const override { return node_.store(); }
  void submit(Bytes encoded, std::function<void(Result<Digest>)> done) override {
    node_.submit(std::move(encoded), std::move(done));
  }
  node::ReadLog* read_log() override {
    if (!record_) return nullptr;
    return other_ ? other_ : &node_.read_log();
  }

 private:
  node::Node& node_;
  bool record_;
  node::ReadLog* other_;
};

std::uint64_t now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// Signs and submits one transaction through `client`; waits for its commit.
void commit(node::rpc::Client& client, node::Node& node, const std::string& chain_id,
            const crypto::PrivateKey& key, const std::string& sender, ledger::TxKind kind,
            Bytes payload) {
  static std::uint64_t nonce = now_ms();
  ledger::Transaction tx;
  tx.chain_id = chain_id;
  tx.sender = sender;
  tx.kind = kind;
  tx.payload = std::move(payload);
  tx.nonce = ++nonce;
  tx.expiry_height = node.store().height() + 500;
  ledger::sign(tx, key);
  Json answer = must(client.call("tx_submit", {{"tx", to_hex(ledger::encode(tx))}}), "tx_submit");
  Digest hash = *digest_from_hex(answer["hash"].get<std::string>());
  for (int i = 0; i < 1500 && !node.store().locate(hash); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!node.store().locate(hash)) die("a setup transaction was not committed");
}

// Requests per second that `clients` threads get from the server at `url`.
double measure(const std::string& url, const crypto::PrivateKey& key, std::size_t clients,
               double seconds) {
  std::atomic<bool> go{false}, stop{false};
  std::atomic<std::uint64_t> done{0}, failed{0};
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      node::rpc::Client client(must(node::rpc::parse_url(url), "url"));
      client.authenticate("auditor-1", key);
      while (!go) std::this_thread::yield();
      while (!stop) {
        if (client.call("trade_get", {{"tradeId", "trade-1"}})) {
          ++done;
        } else {
          ++failed;
        }
      }
    });
  }
  go = true;
  const auto start = std::chrono::steady_clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const std::uint64_t counted = done.load();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stop = true;
  for (auto& t : threads) t.join();
  if (failed > 0) die(std::to_string(failed.load()) + " reads failed");
  return static_cast<double>(counted) / elapsed;
}

double verifications_per_second() {
  auto key = must(crypto::PrivateKey::generate(crypto::Suite::kP256Sha256), "key");
  Bytes message(200, 0x42);
  Bytes signature = key.sign(message);
  const auto start = std::chrono::steady_clock::now();
  int n = 0;
  for (; n < 3000; ++n) {
    if (!key.public_key().verify(message, signature)) die("verification failed");
  }
  return n / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// CPU seconds this process used, every thread (RocksDB's included).
double process_cpu_seconds() {
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double cpu_per_append_us = 0;

double appends_per_second(const std::filesystem::path& dir) {
  auto log = must(node::ReadLog::open(dir, crypto::HashAlgorithm::kSha256, {"bench", ""}),
                  "read log");
  ledger::ReadEntry entry;
  entry.node = "validator-0";
  entry.reader = "auditor-1";
  entry.method = "trade_get";
  entry.subjects = {{"trade", "trade-1"}};
  entry.about = {"buyer-bank", "provider-acme"};
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = process_cpu_seconds();
  int n = 0;
  for (; n < 200'000; ++n) {
    entry.time_ms = static_cast<std::uint64_t>(n);
    must(log->append(entry), "append");
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  cpu_per_append_us = (process_cpu_seconds() - cpu_start) / n * 1e6;
  return n / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"The read path's throughput with and without the read log"};
  std::size_t clients = 4;
  double seconds = 5;
  int rounds = 3;
  app.add_option("--clients", clients, "client threads (default 4)");
  app.add_option("--seconds", seconds, "length of a round (default 5)");
  app.add_option("--rounds", rounds, "rounds per mode (default 3)");
  std::uint64_t workers = 0;
  bool in_memory = false;
  app.add_flag("--memory-log", in_memory,
               "record into an in-memory log instead of the node's (diagnosis)");
  app.add_option("--workers", workers, "rpc.worker_threads (default: the node's default)");
  CLI11_PARSE(app, argc, argv);

  const auto home = std::filesystem::temp_directory_path() /
                    ("tracechain-read-bench-" + std::to_string(::getpid()));
  std::filesystem::remove_all(home);
  {
    std::ostringstream out, err;
    cli::InitOptions init;
    init.home = home;
    init.chain_id = "tracechain-read-bench";
    if (cli::init(init, out, err) != 0) die("init: " + err.str());
  }
  node::NodeConfig config = must(node::load_config(home, {}, {}), "config");
  config.p2p.listen = {"127.0.0.1", 0};
  config.rpc.listen = {"127.0.0.1", 0};
  config.rpc.metrics_listen = {"127.0.0.1", 0};
  config.rpc.rate_per_second = 0;
  if (workers > 0) config.rpc.worker_threads = workers;
  config.log.file = "";
  config.log.level = "warn";
  config.consensus.idle_block_interval_ms = 1000;
  config.read_log.checkpoint_interval_ms = 1000;
  node::log::Options log_options;
  log_options.level = "warn";
  if (Status s = node::log::init(log_options); !s) die(s.error().message());
  auto node = must(node::Node::open(config), "open");
  if (Status s = node->start(); !s) die(s.error().message());

  auto key = [&](const std::string& who) {
    return must(crypto::PrivateKey::load(home / "keys" / (who + ".pem")), who);
  };
  const crypto::PrivateKey auditor = key("auditor-1");
  {
    node::rpc::Server setup(node->io_context(), std::make_unique<Backend>(*node, false, nullptr),
                            config.rpc);
    if (Status s = setup.start(); !s) die(s.error().message());
    node::rpc::Client client(must(node::rpc::parse_url(
        "http://127.0.0.1:" + std::to_string(setup.rpc_endpoint().port)), "url"));
    ledger::AssetRegisterPayload asset;
    asset.asset_id = "asset-1";
    asset.level = 2;
    commit(client, *node, std::string("tracechain-read-bench"), key("provider-acme"), "provider-acme",
           ledger::TxKind::kAssetRegister, ledger::encode(asset));
    ledger::TradeCreatePayload trade;
    trade.trade_id = "trade-1";
    trade.asset_id = "asset-1";
    commit(client, *node, std::string("tracechain-read-bench"), key("buyer-bank"), "buyer-bank",
           ledger::TxKind::kTradeCreate, ledger::encode(trade));
    setup.stop();
  }

  // --memory-log: the same recording into an in-memory engine and file,
  // which separates the recording's own cost from the disk's.
  std::unique_ptr<node::ReadLog> memory_log;
  if (in_memory) {
    memory_log = must(node::ReadLog::open(std::make_shared<storage::MemoryKv>(),
                                          std::make_shared<storage::MemoryAppendFile>(),
                                          crypto::suite_hash(crypto::kDefaultSuite),
                                          {config.node.id, ""}),
                      "in-memory read log");
  }
  std::vector<double> on, off;
  const std::uint64_t log_before = node->read_log().size();
  for (int round = 0; round < rounds; ++round) {
    for (bool record : {false, true}) {
      node::rpc::Server server(node->io_context(),
                               std::make_unique<Backend>(*node, record, memory_log.get()),
                               config.rpc);
      if (Status s = server.start(); !s) die(s.error().message());
      const std::string url = "http://127.0.0.1:" + std::to_string(server.rpc_endpoint().port);
      double rate = measure(url, auditor, clients, seconds);
      server.stop();
      (record ? on : off).push_back(rate);
      std::cout << "round " << round + 1 << (record ? "  recorded     " : "  not recorded ")
                << static_cast<long>(rate) << " reads/s  (load " << bench::load_average() << ")\n"
                << std::flush;
    }
  }
  const std::uint64_t recorded = node->read_log().size() - log_before;
  node->stop();
  const double verify = verifications_per_second();
  const double appends = appends_per_second(home / "append-bench");
  std::error_code ec;
  const auto log_bytes = [&] {
    std::uintmax_t total = 0;
    for (const auto& f : std::filesystem::recursive_directory_iterator(config.read_log_dir(), ec)) {
      if (f.is_regular_file(ec)) total += f.file_size(ec);
    }
    return total;
  }();
  // Each round's pair, measured back to back, gives one effect; their
  // median is steadier on a loaded machine than the medians' ratio.
  std::vector<double> effects;
  for (std::size_t i = 0; i < on.size(); ++i) effects.push_back((off[i] - on[i]) / off[i] * 100);
  const double median_effect = bench::percentile(effects, 0.5);
  const double median_off = bench::percentile(off, 0.5);
  const double median_on = bench::percentile(on, 0.5);
  std::cout << "\nmedian, " << clients << " clients, " << seconds << " s rounds:\n"
            << "  not recorded  " << static_cast<long>(median_off) << " reads/s\n"
            << "  recorded      " << static_cast<long>(median_on) << " reads/s\n"
            << "  effect        " << (median_off - median_on) / median_off * 100
            << " % (of the medians); " << median_effect << " % (median of the rounds' pairs)\n"
            << "read log: " << recorded << " entries recorded, " << log_bytes
            << " bytes on disk (the entries file and RocksDB, before compaction)\n"
            << "machine: " << static_cast<long>(verify)
            << " P-256 verifications/s on one core; " << static_cast<long>(appends)
            << " read-log appends/s alone (" << cpu_per_append_us
            << " µs of CPU each, background threads included); "
            << std::thread::hardware_concurrency() << " cores\n";
  std::filesystem::remove_all(home, ec);
  return 0;
}
