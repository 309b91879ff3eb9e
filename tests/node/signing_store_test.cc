#include <catch2/catch.hpp>

#include <fstream>

#include "node/signing_store.h"
#include "tests/support/temp_dir.h"

using namespace tracechain;
using namespace tracechain::node;

TEST_CASE("held blocks survive a reopen and a replacement", "[node][signing]") {
  test::TempDir dir;
  const auto path = dir.path() / "held_blocks.bin";
  FileHeldBlockStore store(path);
  auto empty = store.load();
  REQUIRE(empty.ok());
  CHECK(empty->empty());

  const std::vector<Bytes> first = {Bytes{1, 2, 3}, Bytes(4096, 7)};
  REQUIRE(store.save(first).ok());
  auto loaded = FileHeldBlockStore(path).load();
  REQUIRE(loaded.ok());
  CHECK(*loaded == first);

  const std::vector<Bytes> second = {Bytes{9}};
  REQUIRE(store.save(second).ok());
  loaded = FileHeldBlockStore(path).load();
  REQUIRE(loaded.ok());
  CHECK(*loaded == second);
}

TEST_CASE("unreadable held blocks are an error that names the file", "[node][signing]") {
  test::TempDir dir;
  const auto path = dir.path() / "held_blocks.bin";
  {
    std::ofstream out(path, std::ios::binary);
    out << "not an encoding of held blocks";
  }
  auto loaded = FileHeldBlockStore(path).load();
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.error().code() == ErrorCode::kCorruption);
  CHECK_THAT(loaded.error().message(), Catch::Contains("held_blocks.bin"));
}
