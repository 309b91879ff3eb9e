// tracectl's verification library: self-contained receipts checked offline
// (every tampered byte caught), validator-set changes followed, the
// full-chain audit of a RocksDB data directory (a tampered copy caught at
// its height), backups created and restored, and the progress reporter.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "cli/audit.h"
#include "cli/progress.h"
#include "node/config.h"
#include "node/read_log.h"
#include "node/rpc/shapes.h"
#include "storage/block_store.h"
#include "tests/cli/certified_chain.h"
#include "tests/support/temp_dir.h"

namespace tracechain {
namespace {

using cli::Json;
using ledger::TxKind;
using test::CertifiedChain;


cli::ReceiptVerification verify(const Json& receipt, const ledger::Genesis& genesis,
                                const Json* changes = nullptr) {
  cli::ValidatorHistory history(genesis);
  if (changes) REQUIRE(history.follow(*changes).ok());
  return cli::verify_receipt(receipt, genesis, history);
}

std::string failure_of(const cli::ReceiptVerification& v) {
  const cli::Check* f = v.first_failure();
  return f ? f->name + ": " + f->detail : "";
}

// Every string field of the file that holds hex, by JSON pointer.
void hex_fields(const Json& value, const std::string& pointer, std::vector<std::string>& out) {
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) hex_fields(child, pointer + "/" + key, out);
  } else if (value.is_array()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      hex_fields(value[i], pointer + "/" + std::to_string(i), out);
    }
  } else if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (s.size() >= 16 && s.size() % 2 == 0 && from_hex(s).ok()) out.push_back(pointer);
  }
}

TEST_CASE("a receipt verifies offline against genesis alone", "[cli][verify]") {
  CertifiedChain c;
  Digest tx = c.register_asset("weather-2026");
  c.commit({});
  auto v = verify(c.receipt(tx), c.chain.genesis());
  INFO(failure_of(v));
  REQUIRE(v.ok());
  CHECK(v.checks.size() == 9);
  CHECK(v.tx_hash == to_hex(tx));
  CHECK(v.status == "ok");
  CHECK(v.kind == "asset.register");
  CHECK(v.header_height == 1);
  // Proved against a later header too.
  auto later = verify(c.receipt(tx, 2), c.chain.genesis());
  CHECK(later.ok());
  CHECK(later.header_height == 2);
  CHECK(cli::verification_json(later)["checkpoint"]["height"] == 2);
}

TEST_CASE("every byte of every hex field of a receipt is covered", "[cli][verify]") {
  CertifiedChain c;
  c.register_asset("a-1");
  Digest tx = c.register_asset("a-2");
  Json good = c.receipt(tx);
  std::vector<std::string> fields;
  hex_fields(good, "", fields);
  REQUIRE(fields.size() > 20);
  std::size_t flips = 0;
  for (const std::string& pointer : fields) {
    Json::json_pointer p(pointer);
    Bytes bytes = *from_hex(good[p].get<std::string>());
    for (std::size_t i = 0; i < bytes.size(); ++i) {
      Json bad = good;
      Bytes changed = bytes;
      changed[i] ^= 0x01;
      bad[p] = to_hex(changed);
      auto v = verify(bad, c.chain.genesis());
      INFO(pointer << " byte " << i);
      REQUIRE_FALSE(v.ok());
      REQUIRE_FALSE(failure_of(v).empty());
      ++flips;
    }
  }
  CHECK(flips > 1000);
}

TEST_CASE("a receipt is read exactly as a node writes it", "[cli][verify]") {
  CertifiedChain c;
  Digest tx = c.register_asset("a-1");
  c.commit({});
  const Json good = c.receipt(tx);
  REQUIRE(verify(good, c.chain.genesis()).ok());
  // Every hex field in upper case, or with 0x: the same bytes, but not what a
  // node writes, so not read.
  std::vector<std::string> fields;
  hex_fields(good, "", fields);
  for (const std::string& pointer : fields) {
    Json::json_pointer p(pointer);
    const std::string lower = good[p].get<std::string>();
    std::string upper = lower;
    for (char& ch : upper) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    if (upper == lower) continue;
    for (const std::string& variant : {upper, "0x" + lower}) {
      Json bad = good;
      bad[p] = variant;
      auto v = verify(bad, c.chain.genesis());
      INFO(pointer << " as " << variant.substr(0, 12));
      REQUIRE_FALSE(v.ok());
    }
  }
  // A height written as a float is not a whole number.
  Json floated = good;
  floated["inclusionProof"]["logSize"] = 2.0;
  CHECK_FALSE(verify(floated, c.chain.genesis()).ok());
  Json quoted = good;
  quoted["inclusionProof"]["logSize"] = std::to_string(good["inclusionProof"]["logSize"].get<std::uint64_t>());
  auto as_text = verify(quoted, c.chain.genesis());
  REQUIRE_FALSE(as_text.ok());
  CHECK_THAT(failure_of(as_text), Catch::Contains("not a JSON integer"));
  // The sender's key cannot have taken effect after the transaction.
  Json later_key = good;
  later_key["senderKey"] = {{"publicKey", to_hex(c.chain.key("provider-acme").public_key().bytes())},
                            {"fromHeight", 5}};
  auto v = verify(later_key, c.chain.genesis());
  REQUIRE_FALSE(v.ok());
  CHECK_THAT(failure_of(v), Catch::Contains("senderKey.fromHeight: 5 is above the transaction's height 1"));
}

TEST_CASE("a decoded field that contradicts the hex is named", "[cli][verify]") {
  CertifiedChain c;
  Digest tx = c.register_asset("weather-2026");
  Json receipt = c.receipt(tx);
  SECTION("receipt status") {
    receipt["receipt"]["status"] = "failed";
    auto v = verify(receipt, c.chain.genesis());
    CHECK(failure_of(v) ==
          "receipt: receipt.status: the file says \"failed\" but its hex gives \"ok\"");
  }
  SECTION("payload field") {
    receipt["transaction"]["payload"]["assetId"] = "other";
    CHECK(failure_of(verify(receipt, c.chain.genesis())).find("transaction.payload.assetId") !=
          std::string::npos);
  }
  SECTION("a missing part") {
    receipt.erase("certificate");
    auto v = verify(receipt, c.chain.genesis());
    CHECK_FALSE(v.ok());
    CHECK(v.checks.back().detail == "receipt file.certificate: missing");
  }
  SECTION("another chain's genesis") {
    test::TestChain other(test::default_members(), test::default_policy(),
                          crypto::Suite::kP256Sha256, 2);
    CHECK(failure_of(verify(receipt, other.genesis())).rfind("format: genesisHash", 0) == 0);
  }
}

TEST_CASE("a certificate from a set that is not trusted fails", "[cli][verify]") {
  CertifiedChain c;
  Digest tx = c.register_asset("weather-2026");
  Json receipt = c.receipt(tx);
  // Another set of validators signs the same header.
  auto key = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  ledger::ValidatorSet rogue;
  rogue.suite = crypto::Suite::kP256Sha256;
  rogue.validators.push_back({"validator-0", key.public_key().bytes(), 1});
  auto certificate = *ledger::decode<ledger::CommitCertificate>(
      *from_hex(receipt["certificate"]["hex"].get<std::string>()));
  ledger::Vote vote = ledger::precommit_of(c.chain.genesis().chain_id, certificate,
                                           certificate.signatures.front());
  ledger::sign(vote, key);
  certificate.signatures.front().signature = vote.signature;
  receipt["certificate"] = node::rpc::certificate_json(certificate);
  auto v = verify(receipt, c.chain.genesis());
  CHECK_FALSE(v.ok());
  CHECK(v.checks.back().name == "commit certificate");
  CHECK_FALSE(v.checks.back().ok);
  // And presenting the rogue set as the header's fails at the set itself.
  receipt["validatorSet"] = node::rpc::validator_set_json(rogue);
  CHECK(failure_of(verify(receipt, c.chain.genesis())).rfind("validator set: validatorSet hashes to", 0) == 0);
}

TEST_CASE("receipts after a validator-set change verify with the changes", "[cli][verify]") {
  CertifiedChain c;
  Digest before = c.register_asset("before");
  auto key = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  ledger::Change add;
  add.type = ledger::ChangeType::kAddValidator;
  add.subject = "validator-regulator";
  add.public_key = key.public_key().bytes();
  add.power = 5;  // the new validator alone holds more than two thirds
  c.add_validator_key("validator-regulator", key);
  c.commit({c.chain.make("exchange", TxKind::kGovernancePropose,
                         ledger::ProposePayload{"add-v", add, c.chain.height() + 5})});
  c.commit({c.chain.make("regulator", TxKind::kGovernanceApprove, ledger::ApprovePayload{"add-v"})});
  Digest after = c.register_asset("after");
  Json changes = c.changes();
  REQUIRE(changes["changes"].size() == 1);

  CHECK(verify(c.receipt(before), c.chain.genesis()).ok());
  // Genesis alone does not trust the new set...
  auto alone = verify(c.receipt(after), c.chain.genesis());
  CHECK(failure_of(alone).find("is not the set trusted at height 4") != std::string::npos);
  // ...the changes, followed from genesis, do.
  auto followed = verify(c.receipt(after), c.chain.genesis(), &changes);
  INFO(failure_of(followed));
  CHECK(followed.ok());

  SECTION("a forged change is refused") {
    Json forged = changes;
    forged["changes"][0]["nextValidatorSet"] = node::rpc::validator_set_json(c.chain.genesis().validators);
    cli::ValidatorHistory history(c.chain.genesis());
    Status s = history.follow(forged);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message().find("changes[0].nextValidatorSet") != std::string::npos);
  }
}

// A node home with a RocksDB store holding `blocks` blocks of one asset each.
struct Home {
  test::TempDir dir;
  ledger::Genesis genesis;
  std::uint64_t height = 0;

  explicit Home(int blocks) {
    node::NodeConfig paths;
    paths.home = dir.path();
    CertifiedChain c(paths.data_dir());
    genesis = c.chain.genesis();
    for (int i = 0; i < blocks; ++i) c.register_asset("asset-" + std::to_string(i));
    height = c.store().height();
    std::filesystem::create_directories(paths.genesis_file().parent_path());
    std::ofstream(paths.genesis_file()) << ledger::genesis_to_json(genesis);
  }
  std::filesystem::path data() const { return dir.path() / "data"; }

  // Flips the last byte of entry `index` of `column` (one entry per block
  // here: the store holds `height` of them), as a disk or an intruder might.
  void flip_last_byte(storage::Column column, std::size_t index) const {
    auto kv = storage::open_rocksdb_kv(data());
    REQUIRE(kv.ok());
    std::vector<std::pair<std::string, Bytes>> entries;
    REQUIRE((*kv)->scan(column, "", "", [&](std::string_view k, ByteView v) {
      entries.emplace_back(std::string(k), Bytes(v.begin(), v.end()));
      return true;
    }));
    REQUIRE(entries.size() == height);
    auto& [key, value] = entries.at(index);
    value.back() ^= 0x01;
    storage::KvBatch batch;
    batch.put(column, key, value);
    REQUIRE((*kv)->write(batch, true));
  }
};

TEST_CASE("audit verify over a data directory, and a tampered copy", "[cli][audit]") {
  Home home(6);
  cli::AuditVerifyOptions options;
  options.data_dir = home.data();
  options.threads = 2;
  std::ostringstream err;
  auto outcome = cli::audit_data_dir(options, err);
  REQUIRE(outcome.ok());
  INFO(outcome->failure);
  CHECK(outcome->ok());
  CHECK(outcome->blocks == 6);
  CHECK(outcome->transactions == 6);
  CHECK(outcome->height == 6);

  // Change one byte of block 3's stored receipt.
  home.flip_last_byte(storage::Column::kReceipts, 2);
  auto tampered = cli::audit_data_dir(options, err);
  REQUIRE(tampered.ok());
  CHECK_FALSE(tampered->ok());
  REQUIRE(tampered->failed_height.has_value());
  CHECK(*tampered->failed_height == 3);
  CHECK(tampered->failure.rfind("block 3: ", 0) == 0);

  std::ostringstream out;
  CHECK(cli::audit_verify(options, out, err) == cli::kExitVerificationFailed);
  CHECK(out.str().find("FAILED at height 3") != std::string::npos);
}

// The structure, signature and re-execution checks run side by side, handing
// blocks over through small windows here; whichever thread gets there first,
// the finding reported is the lowest, and at one height the structure's.
TEST_CASE("audit verify hands blocks between its checks in small windows", "[cli][audit]") {
  Home home(12);
  cli::AuditVerifyOptions options;
  options.data_dir = home.data();
  options.threads = 3;
  options.chunk_transactions = 1;
  options.ahead_transactions = 2;
  options.progress = false;
  std::ostringstream err;
  for (int run = 0; run < 3; ++run) {
    auto outcome = cli::audit_data_dir(options, err);
    REQUIRE(outcome.ok());
    INFO(outcome->failure);
    CHECK(outcome->ok());
    CHECK(outcome->blocks == 12);
    CHECK(outcome->transactions == 12);
  }

  // Block 9's receipt and block 5's transaction: both the structure and
  // re-execution see each, and the audit names block 5 by its structure.
  home.flip_last_byte(storage::Column::kReceipts, 8);
  home.flip_last_byte(storage::Column::kTransactions, 4);
  for (int run = 0; run < 3; ++run) {
    auto tampered = cli::audit_data_dir(options, err);
    REQUIRE(tampered.ok());
    CHECK_FALSE(tampered->ok());
    REQUIRE(tampered->failed_height.has_value());
    CHECK(*tampered->failed_height == 5);
    CHECK(tampered->failure.rfind("block 5: ", 0) == 0);
    CHECK(tampered->blocks == 0);
  }
}

// Restores `backup` into `home` (JSON output); `out` holds its summary.
int restore_into(const std::filesystem::path& backup, const std::filesystem::path& home,
                 std::ostringstream& out, std::ostringstream& err,
                 const std::filesystem::path& signing_state_from = {}) {
  cli::BackupRestoreOptions restore;
  restore.backup = backup;
  restore.home = home;
  restore.signing_state_from = signing_state_from;
  restore.output = cli::OutputFormat::kJson;
  out.str("");
  err.str("");
  return cli::backup_restore(restore, out, err);
}

TEST_CASE("backup create and restore", "[cli][backup]") {
  Home home(4);
  test::TempDir target;
  std::ostringstream out, err;
  cli::BackupCreateOptions create{home.dir.path(), target.path() / "backup", cli::OutputFormat::kJson};
  REQUIRE(cli::backup_create(create, out, err) == cli::kExitOk);
  Json summary = Json::parse(out.str());
  CHECK(summary["tip"]["height"] == 4);
  CHECK(summary["verified"]["transactions"] == 4);
  CHECK(std::filesystem::exists(create.out / "backup.json"));
  // Refuses an existing directory.
  CHECK(cli::backup_create(create, out, err) == cli::kExitUsage);

  // The backup itself passes the full audit.
  cli::AuditVerifyOptions audit;
  audit.data_dir = create.out;
  auto outcome = cli::audit_data_dir(audit, err);
  REQUIRE(outcome.ok());
  CHECK(outcome->ok());
  CHECK(outcome->blocks == 4);

  test::TempDir fresh;
  REQUIRE(restore_into(create.out, fresh.path(), out, err) == cli::kExitOk);
  CHECK(Json::parse(out.str())["signingState"] == "absent");
  CHECK_THAT(err.str(), Catch::Contains("signing_state.bin is absent; a validator refuses to sign"));
  auto store = storage::open_rocksdb_block_store(fresh.path() / "data", home.genesis);
  REQUIRE(store.ok());
  CHECK((*store)->height() == 4);
  store->reset();
  // Never over existing data.
  CHECK(restore_into(create.out, fresh.path(), out, err) == cli::kExitUsage);
  CHECK(err.str().find("refuses to overwrite") != std::string::npos);
}

TEST_CASE("a restore keeps a validator's signing state", "[cli][backup]") {
  Home home(4);
  test::TempDir target;
  std::ostringstream out, err;
  cli::BackupCreateOptions create{home.dir.path(), target.path() / "backup", cli::OutputFormat::kJson};
  REQUIRE(cli::backup_create(create, out, err) == cli::kExitOk);
  const std::string signing = "what this validator signed";
  const std::string held = "the block it is locked on";
  auto write = [](const std::filesystem::path& path, const std::string& text) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  };
  auto read = [](const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };

  // Left in data/ when the database was moved aside: kept.
  test::TempDir validator;
  write(validator.path() / "data" / "signing_state.bin", signing);
  write(validator.path() / "data" / "held_blocks.bin", held);
  REQUIRE(restore_into(create.out, validator.path(), out, err) == cli::kExitOk);
  CHECK(Json::parse(out.str())["signingState"] == "kept");
  CHECK(err.str().find("absent") == std::string::npos);
  CHECK(read(validator.path() / "data" / "signing_state.bin") == signing);
  CHECK(read(validator.path() / "data" / "held_blocks.bin") == held);
  REQUIRE(storage::open_rocksdb_block_store(validator.path() / "data", home.genesis).ok());

  // From the old data directory, named.
  test::TempDir moved;
  write(moved.path() / "old-data" / "signing_state.bin", signing);
  REQUIRE(restore_into(create.out, moved.path() / "home", out, err, moved.path() / "old-data") ==
          cli::kExitOk);
  CHECK(Json::parse(out.str())["signingState"] == "kept");
  CHECK(read(moved.path() / "home" / "data" / "signing_state.bin") == signing);
  CHECK_FALSE(std::filesystem::exists(moved.path() / "home" / "data" / "held_blocks.bin"));

  // A named directory without the signing state is an error, before anything is written.
  test::TempDir empty;
  CHECK(restore_into(create.out, empty.path() / "home", out, err, empty.path()) == cli::kExitUsage);
  CHECK_THAT(err.str(), Catch::Contains("signing_state.bin does not exist"));
  CHECK_FALSE(std::filesystem::exists(empty.path() / "home" / "data"));
}

TEST_CASE("a backup carries the read log, a restore keeps the home's, else the backup's",
          "[cli][backup]") {
  Home home(2);
  const auto algorithm = crypto::suite_hash(home.genesis.suite);
  auto fill = [&](const std::filesystem::path& dir, int entries) {
    auto log = node::ReadLog::open(dir, algorithm, {"validator-0", ""});
    REQUIRE(log.ok());
    for (int i = 0; i < entries; ++i) {
      ledger::ReadEntry entry;
      entry.node = "validator-0";
      entry.time_ms = static_cast<std::uint64_t>(i);
      entry.reader = "auditor-1";
      entry.method = "trade_get";
      entry.about = {"buyer-bank"};
      REQUIRE((*log)->append(entry).ok());
    }
    REQUIRE((*log)->sync().ok());
    return (*log)->root();
  };
  auto size_of = [&](const std::filesystem::path& dir) {
    auto log = node::ReadLog::open(dir, algorithm, {"validator-0", ""});
    REQUIRE(log.ok());
    return std::pair((*log)->size(), (*log)->root());
  };
  const Digest root = fill(home.data() / "read-log", 3);

  test::TempDir target;
  std::ostringstream out, err;
  cli::BackupCreateOptions create{home.dir.path(), target.path() / "backup", cli::OutputFormat::kJson};
  REQUIRE(cli::backup_create(create, out, err) == cli::kExitOk);
  CHECK(Json::parse(out.str())["readLog"]["entries"] == 3);
  CHECK(size_of(create.out / "read-log") == std::pair(std::uint64_t{3}, root));

  // A home without one gets the backup's.
  test::TempDir fresh;
  REQUIRE(restore_into(create.out, fresh.path(), out, err) == cli::kExitOk);
  CHECK(Json::parse(out.str())["readLog"] == "restored");
  CHECK(size_of(fresh.path() / "data" / "read-log") == std::pair(std::uint64_t{3}, root));

  // A home whose read log survived keeps it: it is newer than the backup's.
  test::TempDir survived;
  const Digest newer = fill(survived.path() / "data" / "read-log", 5);
  REQUIRE(restore_into(create.out, survived.path(), out, err) == cli::kExitOk);
  CHECK(Json::parse(out.str())["readLog"] == "kept");
  CHECK(size_of(survived.path() / "data" / "read-log") == std::pair(std::uint64_t{5}, newer));
  CHECK_FALSE(std::filesystem::exists(survived.path() / "read-log.kept"));
  REQUIRE(storage::open_rocksdb_block_store(survived.path() / "data", home.genesis).ok());
}

TEST_CASE("progress lines: count, rate and ETA", "[cli][progress]") {
  auto now = std::chrono::steady_clock::time_point{};
  cli::Progress::Options options;
  options.clock = [&] { return now; };
  options.line_interval = std::chrono::seconds(5);
  std::ostringstream out;
  {
    cli::Progress progress(out, "audit", 100, "blocks", options);
    now += std::chrono::seconds(2);
    progress.advance(20);
    CHECK(out.str().empty());  // before the interval
    now += std::chrono::seconds(3);
    progress.advance(30);
    CHECK(out.str() == "audit: 50/100 blocks, 10.0 blocks/s, ETA 0:05\n");
  }
  CHECK(out.str().find("audit: 50/100 blocks, 10.0 blocks/s, ETA 0:05\n", 1) != std::string::npos);
  CHECK(cli::format_duration(std::chrono::seconds(3725)) == "1:02:05");
}

}  // namespace
}  // namespace tracechain
