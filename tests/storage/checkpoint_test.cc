// Online backups: checkpoints taken while another thread keeps committing
// hold a whole prefix of the chain, restore into a new directory (or open in
// place), verify (hash chain, certificates, proofs, re-execution up to the
// state) and carry on committing.
#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

#include "storage/verify.h"
#include "tests/storage/chain_fixture.h"
#include "tests/support/temp_dir.h"

using namespace tracechain;
using namespace tracechain::storage;
using test::ChainFixture;

namespace {

template <typename T>
T ok(Result<T> result) {
  if (!result) FAIL(result.error().message());
  return std::move(*result);
}

struct Taken {
  std::filesystem::path dir;
  std::uint64_t low = 0;   // the tip before the checkpoint began
  std::uint64_t high = 0;  // the tip after it returned
};

}  // namespace

TEST_CASE("a checkpoint taken under load restores to a whole chain that verifies",
          "[storage][checkpoint]") {
  constexpr std::size_t kBlocks = 60;
  ChainFixture f(kBlocks, 3);
  const ledger::Genesis& genesis = f.chain.genesis();
  test::TempDir dir;
  auto store = ok(open_rocksdb_block_store(dir.path() / "db", genesis));
  REQUIRE(test::commit_all(*store, f.blocks, 0, 10));

  std::atomic<std::size_t> committed = 10;
  std::string writer_error;
  std::thread writer([&] {
    for (std::size_t i = 10; i < kBlocks; ++i) {
      const test::CommittedBlock& b = f.blocks[i];
      if (Status s = store->commit(b.block, b.certificate, b.executed); !s) {
        writer_error = s.error().message();
        return;
      }
      committed = i + 1;
    }
  });
  std::vector<Taken> taken;
  for (std::size_t k = 0; k < 3; ++k) {
    // Spread the checkpoints over the writer's run (a wait, not a timing check).
    while (committed < 10 + 12 * (k + 1) && committed < kBlocks && writer_error.empty()) {
      std::this_thread::yield();
    }
    Taken t{dir.path() / ("checkpoint-" + std::to_string(k)), store->height(), 0};
    Status s = store->create_checkpoint(t.dir);
    t.high = store->height();
    if (!s) {
      writer.join();
      FAIL(s.error().message());
    }
    taken.push_back(t);
  }
  writer.join();
  REQUIRE(writer_error.empty());
  REQUIRE(store->height() == kBlocks);

  Status again = store->create_checkpoint(taken[0].dir);
  REQUIRE_FALSE(again.ok());
  CHECK(again.error().code() == ErrorCode::kConflict);
  store.reset();

  for (std::size_t k = 0; k < taken.size(); ++k) {
    const Taken& t = taken[k];
    INFO("checkpoint " << k << ", taken between heights " << t.low << " and " << t.high);
    std::filesystem::path restored_dir = dir.path() / ("restored-" + std::to_string(k));
    REQUIRE(restore_checkpoint(t.dir, restored_dir));
    auto restored = ok(open_rocksdb_block_store(restored_dir, genesis));
    const std::uint64_t height = restored->height();
    CHECK(height >= t.low);
    // The tip is published just after the write, so a checkpoint may hold
    // the block committed while it was being taken.
    CHECK(height <= t.high + 1);
    auto verified = ok(verify_chain(*restored));
    CHECK(verified.blocks == height);
    CHECK(ok(replay_chain(*restored, genesis)).blocks == height);
    for (std::uint64_t h = 1; h <= height; ++h) {
      CHECK(ok(restored->block(h)) == f.blocks[h - 1].block);
    }
    // A restored node carries on from where its backup ends.
    REQUIRE(test::commit_all(*restored, f.blocks, height, kBlocks));
    CHECK(restored->tip() == f.chain.tip());
  }

  // A checkpoint is a database in its own right, and opens in place too.
  auto in_place = ok(open_rocksdb_block_store(taken.back().dir, genesis));
  CHECK(ok(verify_chain(*in_place)).blocks == in_place->height());
}

TEST_CASE("restoring refuses to overwrite and to restore what is not a checkpoint",
          "[storage][checkpoint]") {
  test::TempDir dir;
  std::filesystem::create_directories(dir.path() / "existing");
  std::filesystem::create_directories(dir.path() / "empty");
  Status overwrite = restore_checkpoint(dir.path() / "empty", dir.path() / "existing");
  REQUIRE_FALSE(overwrite.ok());
  CHECK(overwrite.error().code() == ErrorCode::kConflict);
  Status not_checkpoint = restore_checkpoint(dir.path() / "empty", dir.path() / "new");
  REQUIRE_FALSE(not_checkpoint.ok());
  CHECK(not_checkpoint.error().code() == ErrorCode::kNotFound);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "new"));

  test::TestChain chain;
  auto memory = ok(open_memory_block_store(chain.genesis()));
  Status unsupported = memory->create_checkpoint(dir.path() / "memory-checkpoint");
  REQUIRE_FALSE(unsupported.ok());
  CHECK(unsupported.error().code() == ErrorCode::kUnsupported);
}
