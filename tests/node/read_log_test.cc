// The node's read log: appends, pages by participant and by reader, proofs
// that verify, reopening, the check against the checkpoint on chain, and
// the payload of the next checkpoint.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <thread>

#include "node/read_log.h"
#include "storage/append_file.h"
#include "storage/fault_injection_kv.h"
#include "storage/layout.h"
#include "storage/memory_kv.h"
#include "tests/support/temp_dir.h"

using namespace tracechain;
using node::ReadLog;

namespace {

constexpr auto kAlgorithm = crypto::HashAlgorithm::kSha256;

ledger::ReadEntry entry(const std::string& reader, std::vector<std::string> about,
                        std::uint64_t time_ms = 1'767'225'600'000) {
  ledger::ReadEntry e;
  e.node = "validator-0";
  e.time_ms = time_ms;
  e.reader = reader;
  e.method = "trade_get";
  e.subjects = {{"trade", "trade-1"}};
  e.about = std::move(about);
  return e;
}

// State holding `participant`'s checkpoint of (size, root).
ledger::MemoryState state_with(const std::string& participant, std::uint64_t size,
                               const Digest& root) {
  ledger::MemoryState state;
  ledger::ReadLogCheckpoint checkpoint{participant, size, root, 7, Digest{}};
  state.apply({{ledger::keys::read_log(participant), ledger::encode(checkpoint)}});
  return state;
}

std::unique_ptr<ReadLog> memory_log() {
  auto log = ReadLog::open(std::make_shared<storage::MemoryKv>(),
                           std::make_shared<storage::MemoryAppendFile>(), kAlgorithm,
                           {"validator-0", "validator-0"});
  REQUIRE(log.ok());
  return std::move(*log);
}

}  // namespace

TEST_CASE("read log: appends, pages and proofs", "[node][read-log]") {
  auto log = memory_log();
  CHECK(log->size() == 0);
  CHECK(log->root() == log->hasher().empty_root());
  REQUIRE(log->append(entry("auditor-1", {"buyer-bank", "provider-acme"})).value() == 0);
  REQUIRE(log->append(entry("buyer-bank", {"buyer-bank"})).value() == 1);
  REQUIRE(log->append(entry("auditor-1", {"provider-acme"})).value() == 2);
  REQUIRE(log->append(entry("reviewer-1", {"buyer-abroad"})).value() == 3);
  REQUIRE(log->append(entry("auditor-1", {"buyer-bank"})).value() == 4);
  CHECK(log->size() == 5);

  auto indices = [&](std::optional<std::string> about, std::optional<std::string> reader,
                     std::uint64_t from = 0, std::uint64_t limit = 100) {
    auto page = log->page(about, reader, from, limit);
    REQUIRE(page.ok());
    return page->indices;
  };
  using V = std::vector<std::uint64_t>;
  CHECK(indices(std::nullopt, std::nullopt) == V{0, 1, 2, 3, 4});
  CHECK(indices("buyer-bank", std::nullopt) == V{0, 1, 4});
  CHECK(indices("provider-acme", std::nullopt) == V{0, 2});
  CHECK(indices(std::nullopt, "auditor-1") == V{0, 2, 4});
  CHECK(indices("buyer-bank", "auditor-1") == V{0, 4});
  CHECK(indices("buyer-bank", std::nullopt, 1) == V{1, 4});
  CHECK(indices("nobody", std::nullopt).empty());
  auto first = log->page("buyer-bank", std::nullopt, 0, 2);
  REQUIRE(first.ok());
  CHECK(first->indices == V{0, 1});
  REQUIRE(first->next.has_value());
  CHECK(indices("buyer-bank", std::nullopt, *first->next, 2) == V{4});
  auto all = log->page(std::nullopt, std::nullopt, 3, 10);
  CHECK(all->indices == V{3, 4});
  CHECK_FALSE(all->next.has_value());

  // Every entry is in the tree, and the tree at 3 is a prefix of the one at 5.
  for (std::uint64_t i = 0; i < 5; ++i) {
    auto bytes = log->entry(i);
    REQUIRE(bytes.ok());
    auto proof = log->inclusion_proof(i, 5);
    REQUIRE(proof.ok());
    CHECK(crypto::verify_inclusion(log->hasher(), i, 5, log->hasher().leaf(*bytes), *proof,
                                   log->root())
              .ok());
  }
  auto consistency = log->consistency_proof(3, 5);
  REQUIRE(consistency.ok());
  CHECK(crypto::verify_consistency(log->hasher(), 3, 5, log->root_at(3).value(), log->root(),
                                   *consistency)
            .ok());

  // An invalid entry is refused and leaves the log as it was.
  CHECK_FALSE(log->append(entry("auditor-1", {"b", "a"})).ok());
  CHECK(log->size() == 5);
  CHECK(log->entry(5).error().code() == ErrorCode::kNotFound);
}

TEST_CASE("read log: reopened, it is the same log", "[node][read-log]") {
  test::TempDir dir;
  Digest root{};
  {
    auto log = ReadLog::open(dir.path() / "read-log", kAlgorithm, {"validator-0", ""});
    REQUIRE(log.ok());
    for (int i = 0; i < 37; ++i) REQUIRE((*log)->append(entry("auditor-1", {"buyer-bank"})).ok());
    REQUIRE((*log)->sync().ok());
    root = (*log)->root();
  }
  auto log = ReadLog::open(dir.path() / "read-log", kAlgorithm, {"validator-0", ""});
  REQUIRE(log.ok());
  CHECK((*log)->size() == 37);
  CHECK((*log)->root() == root);
  REQUIRE((*log)->append(entry("buyer-bank", {"buyer-bank"})).value() == 37);
  CHECK((*log)->page("buyer-bank", std::nullopt, 30, 100)->indices.size() == 8);
}

TEST_CASE("read log: checked against the checkpoint on chain, the next checkpoint's payload",
          "[node][read-log]") {
  auto log = memory_log();
  for (int i = 0; i < 4; ++i) REQUIRE(log->append(entry("auditor-1", {"buyer-bank"})).ok());
  const Digest root4 = log->root();

  // Nothing on chain: any log passes, and the first payload has no proof.
  ledger::MemoryState empty;
  CHECK(log->check_against(empty, "validator-0").ok());
  auto first = log->checkpoint_payload(empty, "validator-0");
  REQUIRE(first.ok());
  REQUIRE(first->has_value());
  CHECK((*first)->size == 4);
  CHECK((*first)->root == root4);
  CHECK((*first)->consistency.empty());

  // Committed at 4: nothing new to commit until the log grows; then a proof from 4.
  ledger::MemoryState at4 = state_with("validator-0", 4, root4);
  CHECK(log->check_against(at4, "validator-0").ok());
  CHECK_FALSE(log->checkpoint_payload(at4, "validator-0")->has_value());
  REQUIRE(log->append(entry("buyer-bank", {"buyer-bank"})).ok());
  auto next = log->checkpoint_payload(at4, "validator-0");
  REQUIRE(next.ok());
  REQUIRE(next->has_value());
  CHECK((*next)->size == 5);
  CHECK(crypto::verify_consistency(log->hasher(), 4, 5, root4, (*next)->root, (*next)->consistency)
            .ok());

  // A log shorter than its checkpoint, or another log at that size: refused.
  auto lost = log->check_against(state_with("validator-0", 9, root4), "validator-0");
  REQUIRE_FALSE(lost.ok());
  CHECK_THAT(lost.error().message(), Catch::Contains("holds 5 entries"));
  auto replaced = log->check_against(state_with("validator-0", 4, Digest{}), "validator-0");
  REQUIRE_FALSE(replaced.ok());
  CHECK_THAT(replaced.error().message(), Catch::Contains("replaced"));
}

TEST_CASE("read log: concurrent appends share writes and keep one order", "[node][read-log]") {
  auto kv = std::make_shared<storage::FaultInjectionKv>(std::make_shared<storage::MemoryKv>());
  auto file = std::make_shared<storage::MemoryAppendFile>();
  auto opened = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(opened.ok());
  ReadLog& log = **opened;
  constexpr int kThreads = 4;
  constexpr int kEach = 500;
  std::vector<std::vector<std::uint64_t>> indices(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto index = log.append(entry("reader-" + std::to_string(t), {"buyer-bank"},
                                      static_cast<std::uint64_t>(i)));
        if (!index) return;
        // Once append returns, its entry is readable.
        if (!log.entry(*index)) return;
        indices[t].push_back(*index);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<std::uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    REQUIRE(indices[t].size() == kEach);
    // Each thread's own entries in the order it appended them, each one its reader's.
    CHECK(std::is_sorted(indices[t].begin(), indices[t].end()));
    CHECK(log.page(std::nullopt, "reader-" + std::to_string(t), 0, 1000)->indices == indices[t]);
    all.insert(all.end(), indices[t].begin(), indices[t].end());
  }
  std::sort(all.begin(), all.end());
  for (std::size_t i = 0; i < all.size(); ++i) REQUIRE(all[i] == i);
  CHECK(log.size() == kThreads * kEach);
  // Reopened from the store, it is the same tree.
  auto again = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(again.ok());
  CHECK((*again)->size() == log.size());
  CHECK((*again)->root() == log.root());
}

TEST_CASE("read log: a failed write refuses every later append until reopened",
          "[node][read-log]") {
  auto kv = std::make_shared<storage::MemoryKv>();
  auto file = std::make_shared<storage::MemoryAppendFile>();
  auto opened = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(opened.ok());
  ReadLog& log = **opened;
  REQUIRE(log.append(entry("auditor-1", {"buyer-bank"})).ok());
  REQUIRE(log.append(entry("auditor-1", {"buyer-bank"})).ok());
  const Digest root2 = log.root();
  // The disk fills mid-write: half a record reaches the file.
  file->set_fail(true);
  CHECK_FALSE(log.append(entry("auditor-1", {"buyer-bank"})).ok());
  file->set_fail(false);
  // The failed entry is not whole in the file, so nothing may follow it.
  auto refused = log.append(entry("auditor-1", {"buyer-bank"}));
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message(), Catch::Contains("restart"));
  CHECK_FALSE(log.sync().ok());
  CHECK(log.size() == 2);
  // Reopened, the half record is cut off and the log goes on.
  auto again = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(again.ok());
  CHECK((*again)->size() == 2);
  CHECK((*again)->root() == root2);
  CHECK((*again)->append(entry("auditor-1", {"buyer-bank"})).value() == 2);
}

TEST_CASE("read log: after a power cut, everything synced is there", "[node][read-log]") {
  auto kv = std::make_shared<storage::FaultInjectionKv>(std::make_shared<storage::MemoryKv>());
  auto file = std::make_shared<storage::MemoryAppendFile>();
  auto opened = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(opened.ok());
  for (int i = 0; i < 6; ++i) REQUIRE((*opened)->append(entry("auditor-1", {"buyer-bank"})).ok());
  auto synced = (*opened)->sync();
  REQUIRE(synced.ok());
  CHECK(*synced == 6);
  const Digest root6 = (*opened)->root();
  for (int i = 0; i < 3; ++i) REQUIRE((*opened)->append(entry("auditor-1", {"buyer-bank"})).ok());
  REQUIRE(kv->drop_unsynced().ok());
  file->drop_unsynced();
  auto again = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(again.ok());
  CHECK((*again)->size() == 6);
  CHECK((*again)->root() == root6);
}

namespace {

// Checks `log` against `expected` (entry i's reader and subjects): every
// entry's inclusion in the tree at the log's size, and the pages of each
// reader and each participant, read `limit` at a time.
void check_log(ReadLog& log, const std::vector<ledger::ReadEntry>& expected, std::uint64_t limit) {
  const std::uint64_t size = expected.size();
  REQUIRE(log.size() == size);
  const Digest root = log.root();
  for (std::uint64_t i = 0; i < size; i += 97) {
    auto bytes = log.entry(i);
    REQUIRE(bytes.ok());
    CHECK(*bytes == ledger::encode(expected[i]));
    auto proof = log.inclusion_proof(i, size);
    REQUIRE(proof.ok());
    CHECK(crypto::verify_inclusion(log.hasher(), i, size, log.hasher().leaf(*bytes), *proof, root)
              .ok());
  }
  std::map<std::string, std::vector<std::uint64_t>> by_reader;
  std::map<std::string, std::vector<std::uint64_t>> about;
  for (std::uint64_t i = 0; i < size; ++i) {
    by_reader[expected[i].reader].push_back(i);
    for (const std::string& participant : expected[i].about) about[participant].push_back(i);
  }
  auto paged = [&](std::optional<std::string> a, std::optional<std::string> r) {
    std::vector<std::uint64_t> all;
    std::optional<std::uint64_t> from = 0;
    while (from) {
      auto page = log.page(a, r, *from, limit);
      REQUIRE(page.ok());
      all.insert(all.end(), page->indices.begin(), page->indices.end());
      from = page->next;
    }
    return all;
  };
  for (const auto& [reader, indices] : by_reader) CHECK(paged(std::nullopt, reader) == indices);
  for (const auto& [participant, indices] : about) CHECK(paged(participant, std::nullopt) == indices);
}

std::vector<ledger::ReadEntry> varied_entries(std::size_t count) {
  std::vector<ledger::ReadEntry> out;
  for (std::size_t i = 0; i < count; ++i) {
    std::vector<std::string> about{"buyer-" + std::to_string(i % 3)};
    if (i % 5 == 0) about.push_back("provider-" + std::to_string(i % 2));
    std::sort(about.begin(), about.end());
    out.push_back(entry("reader-" + std::to_string(i % 4), std::move(about), i));
  }
  return out;
}

}  // namespace

TEST_CASE("read log: the index is written in batches, and every query sees all entries",
          "[node][read-log]") {
  auto kv = std::make_shared<storage::FaultInjectionKv>(std::make_shared<storage::MemoryKv>());
  auto opened = ReadLog::open(kv, std::make_shared<storage::MemoryAppendFile>(), kAlgorithm,
                              {"validator-0", ""});
  REQUIRE(opened.ok());
  ReadLog& log = **opened;
  const auto expected = varied_entries(2 * ReadLog::kIndexBatch + 300);
  const std::size_t writes_before = kv->writes();
  for (const auto& e : expected) REQUIRE(log.append(e).ok());
  // The read path wrote to the file only; two engine writes carried the index.
  CHECK(kv->writes() - writes_before == 2);
  CHECK(log.indexed_size() == 2 * ReadLog::kIndexBatch);
  // Queries write the rest of the index first.
  check_log(log, expected, 250);
  CHECK(log.indexed_size() == expected.size());
  // Nodes below the stored level are not stored, and are computed.
  CHECK_FALSE(kv->get(storage::Column::kLogNodes, storage::node_key(1, 0)).value().has_value());
  CHECK(kv->get(storage::Column::kLogNodes, storage::node_key(ReadLog::kStoredLevel, 0))
            .value()
            .has_value());
  auto consistency = log.consistency_proof(1000, expected.size());
  REQUIRE(consistency.ok());
  CHECK(crypto::verify_consistency(log.hasher(), 1000, expected.size(), log.root_at(1000).value(),
                                   log.root(), *consistency)
            .ok());
}

TEST_CASE("read log: entries a crash left unindexed are indexed on open", "[node][read-log]") {
  auto kv = std::make_shared<storage::MemoryKv>();
  auto file = std::make_shared<storage::MemoryAppendFile>();
  const auto expected = varied_entries(ReadLog::kIndexBatch + 77);
  Digest root{};
  {
    auto log = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
    REQUIRE(log.ok());
    for (const auto& e : expected) REQUIRE((*log)->append(e).ok());
    CHECK((*log)->indexed_size() == ReadLog::kIndexBatch);
    root = (*log)->root();
    // The process ends here: 77 entries are written, their index is not.
  }
  auto again = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(again.ok());
  CHECK((*again)->indexed_size() == expected.size());
  CHECK((*again)->root() == root);
  check_log(**again, expected, 1000);
}

TEST_CASE("read log: a log whose every append wrote its own index still opens and grows",
          "[node][read-log]") {
  // The layout before batched indexing: one list key per entry with an empty
  // value, every node from level 1 up, and no indexed size.
  auto kv = std::make_shared<storage::MemoryKv>();
  const auto expected = varied_entries(300);
  const crypto::MerkleHasher hasher(kAlgorithm);
  crypto::MerkleFrontier frontier;
  for (std::uint64_t i = 0; i < 200; ++i) {
    storage::KvBatch batch;
    const Bytes encoded = ledger::encode(expected[i]);
    batch.put(storage::Column::kTransactions, storage::height_key(i), ByteView(encoded));
    for (const std::string& participant : expected[i].about) {
      batch.put(storage::Column::kTxIndex,
                std::string{'a', '\0'} + participant + '\0' + storage::height_key(i), Bytes{});
    }
    batch.put(storage::Column::kTxIndex,
              std::string{'r', '\0'} + expected[i].reader + '\0' + storage::height_key(i), Bytes{});
    frontier.append(hasher, hasher.leaf(encoded),
                    [&](std::uint32_t level, std::uint64_t node, const Digest& hash) {
                      if (level > 0) {
                        batch.put(storage::Column::kLogNodes, storage::node_key(level, node),
                                  ByteView(hash));
                      }
                    });
    REQUIRE(kv->write(batch, false).ok());
  }
  auto file = std::make_shared<storage::MemoryAppendFile>();
  auto log = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(log.ok());
  CHECK((*log)->size() == 200);
  CHECK((*log)->root() == frontier.root(hasher));
  for (std::size_t i = 200; i < expected.size(); ++i) REQUIRE((*log)->append(expected[i]).ok());
  check_log(**log, expected, 30);
  // Reopened, its first 200 entries still come from the engine, the rest from the file.
  log->reset();
  auto again = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(again.ok());
  check_log(**again, expected, 70);
}

TEST_CASE("read log: a corrupt index is reported, not followed", "[node][read-log]") {
  auto kv = std::make_shared<storage::MemoryKv>();
  auto file = std::make_shared<storage::MemoryAppendFile>();
  auto log = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(log.ok());
  for (int i = 0; i < 3; ++i) REQUIRE((*log)->append(entry("auditor-1", {"buyer-bank"})).ok());
  REQUIRE((*log)->sync().ok());
  const std::string key = std::string{'r', '\0'} + "auditor-1" + '\0' + storage::height_key(2);
  REQUIRE(kv->get(storage::Column::kTxIndex, key).value().has_value());
  for (const Bytes& bad : {Bytes(5, 0), Bytes(16, 0xff), Bytes(8, 0)}) {
    storage::KvBatch batch;
    batch.put(storage::Column::kTxIndex, key, ByteView(bad));
    REQUIRE(kv->write(batch, false).ok());
    auto page = (*log)->page(std::nullopt, "auditor-1", 0, 10);
    REQUIRE_FALSE(page.ok());
    CHECK(page.error().code() == ErrorCode::kCorruption);
  }
  // An indexed size beyond the log refuses to open.
  storage::KvBatch batch;
  batch.put(storage::Column::kMeta, "indexed_size", storage::encode_u64(4));
  REQUIRE(kv->write(batch, false).ok());
  auto reopened = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE_FALSE(reopened.ok());
  CHECK(reopened.error().code() == ErrorCode::kCorruption);
}

TEST_CASE("read log: a file with no index at all is indexed on open, a batch at a time",
          "[node][read-log]") {
  // Every record of a log, in a file whose index was never written.
  const auto expected = varied_entries(2 * ReadLog::kIndexBatch + 5);
  auto file = std::make_shared<storage::MemoryAppendFile>();
  Digest root{};
  {
    auto log = ReadLog::open(std::make_shared<storage::MemoryKv>(), file, kAlgorithm,
                             {"validator-0", ""});
    REQUIRE(log.ok());
    for (const auto& e : expected) REQUIRE((*log)->append(e).ok());
    root = (*log)->root();
  }
  auto kv = std::make_shared<storage::FaultInjectionKv>(std::make_shared<storage::MemoryKv>());
  auto log = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(log.ok());
  // The layout's meta keys, then three batches of index.
  CHECK(kv->writes() == 4);
  CHECK((*log)->indexed_size() == expected.size());
  CHECK((*log)->root() == root);
  check_log(**log, expected, 500);
}

TEST_CASE("read log: a torn record at the file's end is cut, a damaged file is refused",
          "[node][read-log]") {
  auto kv = std::make_shared<storage::MemoryKv>();
  auto file = std::make_shared<storage::MemoryAppendFile>();
  const auto expected = varied_entries(40);
  Digest root{};
  std::uint64_t end = 0;
  {
    auto log = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
    REQUIRE(log.ok());
    for (std::size_t i = 0; i < 30; ++i) REQUIRE((*log)->append(expected[i]).ok());
    REQUIRE((*log)->sync().ok());
    for (std::size_t i = 30; i < 39; ++i) REQUIRE((*log)->append(expected[i]).ok());
    root = (*log)->root();
    end = file->size();
  }
  // Half of a 40th record, as a crash mid-write leaves it.
  Bytes torn = ledger::encode(expected[39]);
  const Bytes header{0, 0, 0, static_cast<std::uint8_t>(torn.size()), 1, 2, 3, 4, 5, 6, 7, 8};
  REQUIRE(file->append(header).ok());
  REQUIRE(file->append(ByteView(torn).first(torn.size() / 2)).ok());
  {
    auto log = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
    REQUIRE(log.ok());
    CHECK(file->size() == end);
    CHECK((*log)->size() == 39);
    CHECK((*log)->root() == root);
    REQUIRE((*log)->append(expected[39]).ok());
    check_log(**log, expected, 7);
  }
  // A changed byte inside an indexed record (entry 5, under a stored node):
  // reading it says so.
  std::uint64_t end5 = 0;
  for (std::size_t i = 0; i <= 5; ++i) end5 += 12 + ledger::encode(expected[i]).size();
  file->corrupt(end5 - 3, Bytes{0xff});
  auto log = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE(log.ok());
  auto damaged = (*log)->entry(5);
  REQUIRE_FALSE(damaged.ok());
  CHECK(damaged.error().code() == ErrorCode::kCorruption);
  CHECK_THAT(damaged.error().message(), Catch::Contains("checksum"));
  CHECK((*log)->entry(4).ok());
  CHECK((*log)->entry(6).ok());
  CHECK_FALSE((*log)->inclusion_proof(4, 40).ok());
  // A file shorter than its index: refused, not rebuilt into another log.
  log->reset();
  REQUIRE(file->truncate(end - 100).ok());
  auto cut = ReadLog::open(kv, file, kAlgorithm, {"validator-0", ""});
  REQUIRE_FALSE(cut.ok());
  CHECK_THAT(cut.error().message(), Catch::Contains("put back"));
}
