// The KvStore contract, checked on every engine: batches apply whole, scans
// respect their bounds and order, snapshots do not move, and the fault
// injector loses exactly what was not synced.
#include <catch2/catch.hpp>

#include <rocksdb/db.h>

#include "storage/layout.h"
#include "tests/storage/engines.h"

using namespace tracechain;
using namespace tracechain::storage;
using test::dump;

namespace {

Bytes bytes(std::string_view text) { return Bytes(text.begin(), text.end()); }

std::vector<std::string> keys_in(const KvReader& reader, Column column, std::string_view begin,
                                 std::string_view end) {
  std::vector<std::string> keys;
  REQUIRE(reader.scan(column, begin, end, [&](std::string_view key, ByteView) {
    keys.emplace_back(key);
    return true;
  }));
  return keys;
}

}  // namespace

TEMPLATE_TEST_CASE("an engine applies batches, scans in order and keeps columns apart",
                   "[storage][kv]", test::MemoryEngine, test::RocksEngine,
                   test::FaultFreeEngine) {
  TestType engine;
  auto kv = engine.open();
  KvBatch batch;
  for (std::string key : {"b", "a", "c/1", "c/2", "c/\xff", "d"}) {
    batch.put(Column::kState, key, bytes("v" + key));
  }
  batch.put(Column::kHeaders, "a", bytes("other column"));
  batch.put(Column::kState, "a", bytes("last write wins"));
  REQUIRE(kv->write(batch, true));

  CHECK(**kv->get(Column::kState, "a") == bytes("last write wins"));
  CHECK(**kv->get(Column::kHeaders, "a") == bytes("other column"));
  CHECK_FALSE(kv->get(Column::kState, "zz")->has_value());
  CHECK_FALSE(kv->get(Column::kReceipts, "a")->has_value());

  CHECK(keys_in(*kv, Column::kState, "", "") ==
        std::vector<std::string>{"a", "b", "c/1", "c/2", "c/\xff", "d"});
  CHECK(keys_in(*kv, Column::kState, "b", "c/2") == std::vector<std::string>{"b", "c/1"});
  std::vector<std::string> prefixed;
  REQUIRE(kv->scan_prefix(Column::kState, "c/", [&](std::string_view key, ByteView) {
    prefixed.emplace_back(key);
    return true;
  }));
  CHECK(prefixed == std::vector<std::string>{"c/1", "c/2", "c/\xff"});
  std::size_t visited = 0;
  REQUIRE(kv->scan(Column::kState, "", "", [&](std::string_view, ByteView) {
    return ++visited < 2;
  }));
  CHECK(visited == 2);

  auto last = kv->last_in_range(Column::kState, "a", "c/2");
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK((*last)->first == "c/1");
  CHECK((*kv->last_in_range(Column::kState, "", ""))->first == "d");
  CHECK_FALSE(kv->last_in_range(Column::kState, "x", "")->has_value());
  CHECK_FALSE(kv->last_in_range(Column::kState, "", "a")->has_value());

  KvBatch erase;
  erase.erase(Column::kState, "c/1");
  erase.erase(Column::kState, "never-there");
  REQUIRE(kv->write(erase, false));
  CHECK(keys_in(*kv, Column::kState, "c/", "c0") == std::vector<std::string>{"c/2", "c/\xff"});
}

TEMPLATE_TEST_CASE("a snapshot does not see later writes", "[storage][kv]", test::MemoryEngine,
                   test::RocksEngine, test::FaultFreeEngine) {
  TestType engine;
  auto kv = engine.open();
  KvBatch first;
  first.put(Column::kState, "k", bytes("old"));
  first.put(Column::kState, "gone", bytes("x"));
  REQUIRE(kv->write(first, true));
  auto snapshot = kv->snapshot();
  KvBatch second;
  second.put(Column::kState, "k", bytes("new"));
  second.erase(Column::kState, "gone");
  second.put(Column::kState, "added", bytes("y"));
  REQUIRE(kv->write(second, true));

  CHECK(**snapshot->get(Column::kState, "k") == bytes("old"));
  CHECK(dump(*snapshot, Column::kState).size() == 2);
  CHECK(**kv->get(Column::kState, "k") == bytes("new"));
  CHECK(dump(*kv, Column::kState).size() == 2);
  CHECK(dump(*kv, Column::kState).contains("added"));
}

TEST_CASE("RocksDB keeps what was written across a reopen", "[storage][kv]") {
  test::RocksEngine engine;
  {
    auto kv = engine.open();
    KvBatch batch;
    batch.put(Column::kLogNodes, node_key(3, 7), bytes("node"));
    REQUIRE(kv->write(batch, true));
  }
  auto kv = engine.open();
  CHECK(**kv->get(Column::kLogNodes, node_key(3, 7)) == bytes("node"));
}

TEST_CASE("RocksDB refuses a directory in use, and a missing one unless told to create it",
          "[storage][kv]") {
  test::RocksEngine engine;
  auto kv = engine.open();
  auto second = open_rocksdb_kv(engine.dir.path() / "db");
  REQUIRE_FALSE(second.ok());
  CHECK(second.error().code() == ErrorCode::kIo);
  CHECK_THAT(second.error().message(), Catch::Contains("another process"));

  RocksDbOptions options;
  options.create_if_missing = false;
  auto missing = open_rocksdb_kv(engine.dir.path() / "absent", options);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code() == ErrorCode::kNotFound);
}

TEST_CASE("prefix_end bounds exactly the keys with the prefix", "[storage][kv]") {
  CHECK(prefix_end("th/") == "th0");
  CHECK(prefix_end("a\xff") == "b");
  CHECK(prefix_end("\xff\xff").empty());
  CHECK(prefix_end("").empty());
}

TEST_CASE("the fault injector loses unsynced writes and refuses writes on demand",
          "[storage][kv][fault]") {
  auto memory = std::make_shared<MemoryKv>();
  FaultInjectionKv kv(memory);
  KvBatch synced;
  synced.put(Column::kState, "a", bytes("1"));
  REQUIRE(kv.write(synced, true));

  KvBatch unsynced;
  unsynced.put(Column::kState, "a", bytes("2"));
  unsynced.put(Column::kState, "b", bytes("new"));
  REQUIRE(kv.write(unsynced, false));
  CHECK(**kv.get(Column::kState, "a") == bytes("2"));
  CHECK(kv.unsynced_keys() == 2);
  REQUIRE(kv.drop_unsynced());
  CHECK(**kv.get(Column::kState, "a") == bytes("1"));
  CHECK_FALSE(kv.get(Column::kState, "b")->has_value());

  // A synced write makes the unsynced ones before it durable too.
  REQUIRE(kv.write(unsynced, false));
  REQUIRE(kv.write(KvBatch{}, true));
  REQUIRE(kv.drop_unsynced());
  CHECK(**kv.get(Column::kState, "b") == bytes("new"));

  kv.set_writes_fail(true);
  KvBatch refused;
  refused.put(Column::kState, "c", bytes("x"));
  Status s = kv.write(refused, true);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == ErrorCode::kIo);
  CHECK_FALSE(memory->get(Column::kState, "c")->has_value());
  kv.set_writes_fail(false);

  kv.fail_write_after(1);
  REQUIRE(kv.write(refused, true));
  CHECK_FALSE(kv.write(refused, true).ok());
  REQUIRE(kv.write(refused, true));

  kv.set_syncs_fail(true);
  KvBatch lost;
  lost.put(Column::kState, "d", bytes("x"));
  CHECK_FALSE(kv.write(lost, true).ok());
  CHECK(memory->get(Column::kState, "d")->has_value());  // it reached the engine...
  REQUIRE(kv.drop_unsynced());
  CHECK_FALSE(memory->get(Column::kState, "d")->has_value());  // ...but not the disk
}

TEST_CASE("RocksDB refuses a database with column families it does not know", "[storage][kv]") {
  test::TempDir dir;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, (dir.path() / "db").string(), &raw).ok());
    std::unique_ptr<rocksdb::DB> db(raw);
    rocksdb::ColumnFamilyHandle* handle = nullptr;
    REQUIRE(db->CreateColumnFamily(rocksdb::ColumnFamilyOptions(), "accounts", &handle).ok());
    REQUIRE(db->DestroyColumnFamilyHandle(handle).ok());
  }
  auto kv = open_rocksdb_kv(dir.path() / "db");
  REQUIRE_FALSE(kv.ok());
  CHECK(kv.error().code() == ErrorCode::kUnsupported);
  CHECK_THAT(kv.error().message(), Catch::Contains("'accounts'") && Catch::Contains("not a tracechain database"));
}
