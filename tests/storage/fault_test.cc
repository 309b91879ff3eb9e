// The store under injected faults (FaultInjectionKv): a failed write leaves
// it exactly as it was and stops further commits until a reopen; a sync that
// fails loses, at the next crash, only the block being committed — or leaves
// it whole — and never a block whose commit returned.
#include <catch2/catch.hpp>

#include "storage/verify.h"
#include "tests/storage/chain_fixture.h"
#include "tests/storage/engines.h"

using namespace tracechain;
using namespace tracechain::storage;
using test::ChainFixture;

namespace {

const ChainFixture& fixture() {
  static const ChainFixture f(8, 3);
  return f;
}

// A store over a fault injector over memory, reopenable after a "crash".
class FaultyStore {
 public:
  FaultyStore() { reopen(); }

  FaultInjectionKv& faults() { return *faults_; }
  BlockStore& store() { return *store_; }

  void reopen() {
    store_.reset();
    auto store = open_block_store(faults_, fixture().chain.genesis());
    if (!store) FAIL(store.error().message());
    store_ = std::move(*store);
  }

  // A power cut: the process dies and the disk keeps only what was synced.
  void crash() {
    store_.reset();
    REQUIRE(faults_->drop_unsynced());
    reopen();
  }

  Status commit(std::size_t index) {
    const test::CommittedBlock& b = fixture().blocks[index];
    return store_->commit(b.block, b.certificate, b.executed);
  }
  void commit_up_to(std::size_t end) {
    for (std::size_t i = store_->height(); i < end; ++i) REQUIRE(commit(i));
  }

  void check_whole_chain(std::uint64_t height) {
    CHECK(store_->height() == height);
    CHECK(store_->tip() == ledger::ChainTip(tip_at(height)));
    auto replayed = replay_chain(*store_, fixture().chain.genesis());
    if (!replayed) FAIL(replayed.error().message());
    CHECK(verify_chain(*store_).ok());
  }

  std::vector<std::map<std::string, Bytes>> contents() const { return test::dump_all(*memory_); }

 private:
  static ledger::ChainTip tip_at(std::uint64_t height) {
    const auto& b = fixture().blocks[height - 1];
    return ledger::next_tip(fixture().chain.params(), b.block.header, b.executed);
  }

  std::shared_ptr<MemoryKv> memory_ = std::make_shared<MemoryKv>();
  std::shared_ptr<FaultInjectionKv> faults_ = std::make_shared<FaultInjectionKv>(memory_);
  std::unique_ptr<BlockStore> store_;
};

}  // namespace

TEST_CASE("a failed write leaves the store unchanged and stops commits until it is reopened",
          "[storage][fault]") {
  FaultyStore s;
  s.commit_up_to(5);
  const auto before = s.contents();
  const ledger::ChainTip tip = s.store().tip();

  s.faults().set_writes_fail(true);
  Status failed = s.commit(5);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.error().code() == ErrorCode::kIo);
  CHECK_THAT(failed.error().message(), Catch::Contains("block 6: the commit failed to write"));
  CHECK(s.contents() == before);
  CHECK(s.store().tip() == tip);
  CHECK(s.store().header(6).error().code() == ErrorCode::kNotFound);

  // The disk recovers, but what reached it is unknown until a reopen looks.
  s.faults().set_writes_fail(false);
  Status refused = s.commit(5);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message(), Catch::Contains("reopen the store"));
  CHECK(s.contents() == before);

  s.reopen();
  s.check_whole_chain(5);
  s.commit_up_to(8);
  s.check_whole_chain(8);
}

TEST_CASE("a sync that fails loses at most the block being committed", "[storage][fault]") {
  FaultyStore s;
  s.commit_up_to(4);
  s.faults().set_syncs_fail(true);
  REQUIRE_FALSE(s.commit(4).ok());
  CHECK(s.faults().unsynced_keys() > 0);
  s.faults().set_syncs_fail(false);

  SECTION("the crash loses it: block 5 is absent, entirely") {
    s.crash();
    s.check_whole_chain(4);
    for (const Digest& hash : fixture().blocks[4].executed.tx_hashes) {
      CHECK(s.store().transaction(hash).error().code() == ErrorCode::kNotFound);
    }
    CHECK(s.store().log_root(fixture().blocks[4].block.header.log_size).error().code() ==
          ErrorCode::kNotFound);
    s.commit_up_to(8);
    s.check_whole_chain(8);
  }
  SECTION("the disk kept it after all: block 5 is there, entirely") {
    s.reopen();
    s.check_whole_chain(5);
    s.commit_up_to(8);
    s.check_whole_chain(8);
  }
}

TEST_CASE("a crash after synced commits loses none of them", "[storage][fault]") {
  FaultyStore s;
  s.commit_up_to(6);
  CHECK(s.faults().unsynced_keys() == 0);
  s.crash();
  s.check_whole_chain(6);
}

TEST_CASE("a write that fails while opening a new store leaves it empty", "[storage][fault]") {
  auto memory = std::make_shared<MemoryKv>();
  auto faults = std::make_shared<FaultInjectionKv>(memory);
  faults->set_writes_fail(true);
  auto failed = open_block_store(faults, fixture().chain.genesis());
  REQUIRE_FALSE(failed.ok());
  CHECK_THAT(failed.error().message(), Catch::Contains("writing the genesis state"));
  for (Column column : kAllColumns) CHECK(memory->count(column) == 0);
  faults->set_writes_fail(false);
  auto opened = open_block_store(faults, fixture().chain.genesis());
  REQUIRE(opened.ok());
  CHECK((*opened)->height() == 0);
}
