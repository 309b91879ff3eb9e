// The kill -9 test. Each cycle forks a child that reopens a real RocksDB
// store, checks it against what earlier children reported committed, then
// commits pre-built blocks as fast as it can, writing each height to a pipe
// once commit() has returned. The parent SIGKILLs it at a random moment:
// while it opens and checks the store, or a random time after its n-th commit
// (so, mid-commit or between commits). The next child's check requires that:
//  - every block whose commit returned is there, whole, and at most the one
//    block that was being committed is there besides (never half of one);
//  - blocks, receipts, the transaction index, the Merkle log and the state
//    agree with what was committed: bytes compared with the expected blocks,
//    proofs verified against the headers, every column's entry count checked;
//  - periodically, the whole chain verifies and re-executes from genesis.
// When the pre-built chain is used up, the next cycle starts a new database,
// so kills also land while a store is being created.
//
// Cycles: $TRACECHAIN_CRASH_CYCLES (default 200); seed: $TRACECHAIN_CRASH_SEED
// (default random, printed so a failure can be replayed, as far as timing
// allows). Forking a process that runs RocksDB's background threads is
// unsafe, so the parent never opens a database: every child starts from a
// single-threaded parent.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <limits>
#include <optional>
#include <cstdlib>
#include <iostream>
#include <random>
#include <thread>

#include "ledger/genesis.h"
#include "storage/verify.h"
#include "tests/storage/chain_fixture.h"
#include "tests/support/temp_dir.h"

using namespace tracechain;
using namespace tracechain::storage;
using test::CommittedBlock;

namespace {

constexpr std::size_t kChainBlocks = 240;
constexpr std::size_t kTxsPerBlock = 3;
constexpr std::uint64_t kFullCheckEvery = 25;
constexpr std::size_t kMaxErrorBytes = 3000;  // keeps a verdict within one atomic pipe write

std::uint64_t env_number(const char* name, std::uint64_t fallback) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return fallback;
  return std::strtoull(value, nullptr, 10);
}

std::size_t thread_count() {
  std::size_t threads = 0;
  if (DIR* dir = ::opendir("/proc/self/task")) {
    while (dirent* entry = ::readdir(dir)) threads += entry->d_name[0] != '.';
    ::closedir(dir);
  }
  return threads;
}

void write_all(int fd, const void* data, std::size_t size) {
  const auto* bytes = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, bytes, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ::_exit(90);
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
}

// What the parent knows between cycles.
struct Expected {
  std::uint64_t verified = 0;  // the height the last check found
  std::uint64_t reported = 0;  // the last height a child reported committed
  ledger::MemoryState state;   // the state at `verified`
};

// What a child found when it opened the store.
struct Verdict {
  std::uint64_t height = 0;
  std::string error;  // empty: every check passed
};

// Everything a child checks about the store before it commits more.
class CycleCheck {
 public:
  CycleCheck(const std::vector<CommittedBlock>& blocks, const ledger::Genesis& genesis,
             Expected& expected, bool full)
      : blocks_(blocks), genesis_(genesis), expected_(expected), full_(full),
        hasher_(crypto::suite_hash(genesis.suite)) {}

  std::string check(const BlockStore& store, const KvReader& kv, std::uint64_t height) {
    std::uint64_t floor = std::max(expected_.reported, expected_.verified);
    if (height < floor) {
      return "block " + std::to_string(floor) + " was committed, but the store ends at " +
             std::to_string(height);
    }
    if (height > floor + 1) {
      return "the store is at " + std::to_string(height) + ", beyond the block in flight (" +
             std::to_string(floor + 1) + ")";
    }
    for (std::uint64_t h = expected_.verified + 1; h <= height; ++h) {
      if (std::string e = check_block(store, h); !e.empty()) return e;
      expected_.state.apply(blocks_[h - 1].executed.delta);
    }
    if (std::string e = check_nothing_after(store, height); !e.empty()) return e;
    if (std::string e = check_counts(kv, height); !e.empty()) return e;
    if (std::string e = check_state(store); !e.empty()) return e;
    if (std::string e = check_log(store, height); !e.empty()) return e;
    if ((full_ || height == blocks_.size()) && height > 0) {
      if (auto r = verify_chain(store); !r) return "verify_chain: " + r.error().message();
      if (auto r = replay_chain(store, genesis_); !r) return "replay_chain: " + r.error().message();
    }
    return "";
  }

  std::string check_block(const BlockStore& store, std::uint64_t h) const {
    const CommittedBlock& b = blocks_[h - 1];
    std::string at = "block " + std::to_string(h) + ": ";
    auto block = store.block(h);
    if (!block || *block != b.block) return at + "differs from the committed block";
    auto certificate = store.certificate(h);
    if (!certificate || *certificate != b.certificate) return at + "its certificate differs";
    auto receipts = store.receipts(h);
    if (!receipts || *receipts != b.executed.receipts) return at + "its receipts differ";
    for (std::size_t i = 0; i < b.executed.tx_hashes.size(); ++i) {
      const Digest& hash = b.executed.tx_hashes[i];
      auto location = store.locate(hash);
      if (!location || location->height != h || location->index != i) {
        return at + "the index misplaces transaction " + std::to_string(i);
      }
      auto proof = store.inclusion_proof(hash, b.block.header.log_size);
      if (!proof || !verify_inclusion_proof(hasher_, *proof, b.block.header.log_root)) {
        return at + "the inclusion proof of transaction " + std::to_string(i) +
               " does not verify against its header";
      }
    }
    return "";
  }

  std::string check_nothing_after(const BlockStore& store, std::uint64_t height) const {
    if (height >= blocks_.size()) return "";
    const CommittedBlock& next = blocks_[height];
    if (store.header(height + 1).ok()) return "a header above the tip is visible";
    for (const Digest& hash : next.executed.tx_hashes) {
      if (store.locate(hash).ok() || store.receipt(hash).ok()) {
        return "a transaction of uncommitted block " + std::to_string(height + 1) +
               " is visible";
      }
    }
    return "";
  }

  // Every column holds exactly the entries of blocks 1..height.
  std::string check_counts(const KvReader& kv, std::uint64_t height) const {
    std::uint64_t transactions = 0;
    std::uint64_t log_size = 0;
    for (std::uint64_t h = 1; h <= height; ++h) {
      transactions += blocks_[h - 1].block.transactions.size();
      log_size = blocks_[h - 1].block.header.log_size;
    }
    auto count = [&](Column column, std::string_view begin = "", std::string_view end = "") {
      std::uint64_t n = 0;
      Status s = kv.scan(column, begin, end, [&](std::string_view, ByteView) {
        ++n;
        return true;
      });
      return s ? n : ~std::uint64_t{0};
    };
    struct Expectation {
      const char* what;
      std::uint64_t found;
      std::uint64_t expected;
    };
    for (const Expectation& e : {
             Expectation{"headers", count(Column::kHeaders), height},
             Expectation{"certificates", count(Column::kCertificates), height},
             Expectation{"transactions", count(Column::kTransactions), transactions},
             Expectation{"receipts", count(Column::kReceipts), transactions},
             Expectation{"tx_index", count(Column::kTxIndex), transactions},
             Expectation{"log leaves", count(Column::kLogNodes, node_key(0, 0), node_key(1, 0)),
                         log_size},
         }) {
      if (e.found != e.expected) {
        return std::string(e.what) + ": " + std::to_string(e.found) + " entries at height " +
               std::to_string(height) + ", expected " + std::to_string(e.expected);
      }
    }
    return "";
  }

  std::string check_state(const BlockStore& store) const {
    std::size_t entries = 0;
    std::string error;
    try {
      store.state().scan("", [&](std::string_view key, ByteView value) {
        ++entries;
        auto want = expected_.state.get(key);
        if (!want || !std::equal(want->begin(), want->end(), value.begin(), value.end())) {
          error = "state entry '" + std::string(key) + "' is not the committed one";
          return false;
        }
        return true;
      });
    } catch (const ledger::StateReadError& e) {
      return std::string("state cannot be read: ") + e.what();
    }
    if (error.empty() && entries != expected_.state.size()) {
      error = "the state has " + std::to_string(entries) + " entries, expected " +
              std::to_string(expected_.state.size());
    }
    return error;
  }

  std::string check_log(const BlockStore& store, std::uint64_t height) const {
    if (height == 0 || expected_.verified == 0 || height == expected_.verified) return "";
    const auto& before = blocks_[expected_.verified - 1].block.header;
    const auto& after = blocks_[height - 1].block.header;
    auto proof = store.consistency_proof(before.log_size, after.log_size);
    if (!proof || !crypto::verify_consistency(hasher_, before.log_size, after.log_size,
                                              before.log_root, after.log_root, *proof)) {
      return "the log at height " + std::to_string(height) +
             " is not consistent with the log at height " + std::to_string(expected_.verified);
    }
    return "";
  }

  const std::vector<CommittedBlock>& blocks_;
  const ledger::Genesis& genesis_;
  Expected& expected_;
  bool full_;
  crypto::MerkleHasher hasher_;
};

// The child: open the store (creating it if needed), check it, send the
// verdict, then commit the next blocks, reporting each height once commit()
// has returned. Never returns.
[[noreturn]] void run_child(const std::filesystem::path& path, const ledger::Genesis& genesis,
                            const std::vector<CommittedBlock>& blocks, CycleCheck& check,
                            bool verify_only, int fd) {
  Verdict verdict;
  std::unique_ptr<BlockStore> store;
  try {
    auto kv = open_rocksdb_kv(path);
    auto opened = kv ? open_block_store(*kv, genesis) : Result<std::unique_ptr<BlockStore>>(kv.error());
    if (opened) {
      store = std::move(*opened);
      verdict.height = store->height();
      verdict.error = check.check(*store, **kv, verdict.height);
    } else {
      verdict.error = "the store does not open: " + opened.error().message();
    }
  } catch (const std::exception& e) {
    verdict.error = std::string("exception while checking: ") + e.what();
  }
  verdict.error.resize(std::min(verdict.error.size(), kMaxErrorBytes));
  std::string message(sizeof(std::uint64_t) + sizeof(std::uint32_t), '\0');
  auto length = static_cast<std::uint32_t>(verdict.error.size());
  std::memcpy(message.data(), &verdict.height, sizeof(verdict.height));
  std::memcpy(message.data() + sizeof(verdict.height), &length, sizeof(length));
  message += verdict.error;
  write_all(fd, message.data(), message.size());
  if (!verdict.error.empty() || verify_only) ::_exit(0);
  for (std::uint64_t h = store->height(); h < blocks.size(); ++h) {
    const CommittedBlock& b = blocks[h];
    if (Status s = store->commit(b.block, b.certificate, b.executed); !s) {
      std::cerr << "crash test child: " << s.error().message() << "\n";
      ::_exit(4);
    }
    std::uint64_t committed = h + 1;
    write_all(fd, &committed, sizeof(committed));
  }
  // No destructors, no atexit handlers: the parent owns everything else.
  ::_exit(0);
}

// The parent's end of a child's pipe: the verdict, then committed heights.
class ChildPipe {
 public:
  explicit ChildPipe(int fd) : fd_(fd) {}
  ~ChildPipe() { ::close(fd_); }
  ChildPipe(const ChildPipe&) = delete;
  ChildPipe& operator=(const ChildPipe&) = delete;

  // Blocks until the verdict has arrived, or the child has died without one.
  std::optional<Verdict> verdict() {
    if (!fill(kVerdictHeader)) return std::nullopt;
    std::uint32_t length = 0;
    std::memcpy(&length, buffer_.data() + sizeof(std::uint64_t), sizeof(length));
    if (!fill(kVerdictHeader + length)) return std::nullopt;
    Verdict verdict;
    std::memcpy(&verdict.height, buffer_.data(), sizeof(verdict.height));
    verdict.error = buffer_.substr(kVerdictHeader, length);
    reports_at_ = kVerdictHeader + length;
    return verdict;
  }

  // Blocks until `n` heights were reported after the verdict (false: the
  // child ended first).
  bool wait_reports(std::size_t n) { return fill(reports_at_ + n * sizeof(std::uint64_t)); }

  // After the child is dead: the last height it reported, if any.
  std::optional<std::uint64_t> last_report() {
    fill(std::numeric_limits<std::size_t>::max());
    if (reports_at_ == 0 && !verdict()) return std::nullopt;
    std::size_t count = (buffer_.size() - reports_at_) / sizeof(std::uint64_t);
    if (count == 0) return std::nullopt;
    std::uint64_t height = 0;
    std::memcpy(&height, buffer_.data() + reports_at_ + (count - 1) * sizeof(height),
                sizeof(height));
    return height;
  }

 private:
  static constexpr std::size_t kVerdictHeader = sizeof(std::uint64_t) + sizeof(std::uint32_t);

  bool fill(std::size_t size) {
    char chunk[4096];
    while (buffer_.size() < size && !ended_) {
      ssize_t n = ::read(fd_, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ended_ = true;
        break;
      }
      buffer_.append(chunk, static_cast<std::size_t>(n));
    }
    return buffer_.size() >= size;
  }

  int fd_;
  std::string buffer_;
  std::size_t reports_at_ = 0;
  bool ended_ = false;
};

pid_t fork_or_fail() {
  pid_t pid = ::fork();
  if (pid < 0) FAIL("fork failed: " << std::strerror(errno));
  return pid;
}

int reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// When the parent kills the child.
struct KillPlan {
  bool early = false;          // during open and check, `delay_us` after the fork
  std::size_t after_commits = 0;  // otherwise: this many reported commits...
  int delay_us = 0;            // ...and then this long
};

KillPlan plan_kill(std::mt19937_64& random) {
  KillPlan plan;
  plan.early = std::uniform_int_distribution<int>(0, 4)(random) == 0;
  plan.after_commits = std::uniform_int_distribution<std::size_t>(1, 4)(random);
  plan.delay_us = plan.early ? std::uniform_int_distribution<int>(0, 150'000)(random)
                             : std::uniform_int_distribution<int>(0, 8'000)(random);
  return plan;
}

struct CycleResult {
  std::optional<Verdict> verdict;
  std::optional<std::uint64_t> last_report;
};

CycleResult run_cycle(const std::filesystem::path& path, const ledger::Genesis& genesis,
                      const std::vector<CommittedBlock>& blocks, CycleCheck& check,
                      const KillPlan& plan, bool verify_only) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  pid_t pid = fork_or_fail();
  if (pid == 0) {
    ::close(fds[0]);
    run_child(path, genesis, blocks, check, verify_only, fds[1]);
  }
  ::close(fds[1]);
  ChildPipe pipe(fds[0]);
  CycleResult result;
  if (verify_only) {
    result.verdict = pipe.verdict();
  } else {
    if (!plan.early) {
      result.verdict = pipe.verdict();
      if (result.verdict && result.verdict->error.empty()) pipe.wait_reports(plan.after_commits);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(plan.delay_us));
    ::kill(pid, SIGKILL);
  }
  int status = reap(pid);
  if (!WIFSIGNALED(status) && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
    FAIL("the child failed on its own (exit status " << WEXITSTATUS(status)
                                                     << "); its stderr says why");
  }
  if (!result.verdict) result.verdict = pipe.verdict();
  result.last_report = pipe.last_report();
  return result;
}

}  // namespace

TEST_CASE("blocks whose commit returned survive kill -9 at any moment, whole, and nothing else",
          "[storage][crash]") {
  if (thread_count() != 1) {
    WARN("SKIPPED: the crash test forks, so it must run in a process of its own "
         "(CTest and tests/soak/crash-loop.sh run it that way)");
    return;
  }
  const std::uint64_t cycles = env_number("TRACECHAIN_CRASH_CYCLES", 200);
  const std::uint64_t seed = env_number("TRACECHAIN_CRASH_SEED", std::random_device{}());
  const bool progress = std::getenv("TRACECHAIN_CRASH_PROGRESS") != nullptr;
  std::cerr << "crash test: " << cycles << " cycles, seed " << seed
            << " (replay with TRACECHAIN_CRASH_SEED=" << seed << ")\n";
  std::mt19937_64 random(seed);

  test::ChainFixture fixture(kChainBlocks, kTxsPerBlock);
  const ledger::Genesis& genesis = fixture.chain.genesis();
  const std::vector<CommittedBlock>& blocks = fixture.blocks;
  REQUIRE(thread_count() == 1);

  test::TempDir dir;
  std::uint64_t databases = 0;
  std::filesystem::path path;
  Expected expected;
  auto fresh_database = [&] {
    path = dir.path() / ("db-" + std::to_string(++databases));
    expected = Expected{};
    expected.state.apply(ledger::genesis_delta(genesis));
  };
  fresh_database();

  std::uint64_t checks = 0;
  std::uint64_t full_checks = 0;
  std::uint64_t early_kills = 0;
  std::uint64_t in_flight_found = 0;  // kills after a commit's write, before its report
  std::uint64_t reported_total = 0;
  auto started = std::chrono::steady_clock::now();
  auto record = [&](const CycleResult& result, std::uint64_t cycle, bool full) {
    INFO("cycle " << cycle << " of " << cycles << ", seed " << seed << ", database " << path
                  << ", last reported height " << expected.reported << ", last found height "
                  << expected.verified);
    if (result.verdict) {
      const Verdict& verdict = *result.verdict;
      if (!verdict.error.empty()) FAIL(verdict.error);
      ++checks;
      full_checks += full || verdict.height == blocks.size();
      in_flight_found += verdict.height > std::max(expected.reported, expected.verified);
      for (std::uint64_t h = expected.verified + 1; h <= verdict.height; ++h) {
        expected.state.apply(blocks[h - 1].executed.delta);
      }
      expected.verified = verdict.height;
    }
    if (result.last_report) {
      reported_total += *result.last_report - expected.verified;
      expected.reported = *result.last_report;
    }
  };

  for (std::uint64_t cycle = 1; cycle <= cycles; ++cycle) {
    KillPlan plan = plan_kill(random);
    bool full = cycle % kFullCheckEvery == 0;
    CycleCheck check(blocks, genesis, expected, full);
    CycleResult result = run_cycle(path, genesis, blocks, check, plan, false);
    early_kills += plan.early;
    record(result, cycle, full);
    if (result.verdict && result.verdict->height == blocks.size()) fresh_database();
    if (progress && (cycle % 50 == 0 || cycle == cycles)) {
      std::cerr << "crash test: " << cycle << "/" << cycles << " cycles, " << databases
                << " database(s), " << reported_total << " blocks committed\n";
    }
  }
  // The last kill's aftermath, checked in full.
  CycleCheck last_check(blocks, genesis, expected, true);
  CycleResult last = run_cycle(path, genesis, blocks, last_check, KillPlan{}, true);
  REQUIRE(last.verdict.has_value());
  record(last, cycles + 1, true);

  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cerr << "crash test: " << cycles << " kill cycles (" << early_kills
            << " during open) in " << seconds << " s: " << reported_total
            << " reported commits all found whole, " << in_flight_found
            << " in-flight commits found whole, " << checks << " checks (" << full_checks
            << " full), " << databases << " database(s), seed " << seed << "\n";
  CHECK(reported_total > 0);
  CHECK(checks > cycles / 2);
}
