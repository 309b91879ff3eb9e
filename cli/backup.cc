// tracectl backup create / restore. A backup is a directory:
//   db/           a complete RocksDB database of the node's store
//   genesis.json  the chain's genesis (the store is checked against it)
//   backup.json   what was backed up: chain, height, header hash, log size
//                 and root, when (format tracechain-backup/1)
// Keys and config are not in it: they are secrets or site-specific.
//
// A running node holds its database's lock, so the copy is read through a
// RocksDB secondary instance (no lock, nothing written under the node's
// directory) and written entry by entry into a new database: the secondary
// sees whole write batches only, and each block is one batch, so the copy
// holds a prefix of the chain of whole blocks. The copy is then verified
// (storage::verify_chain) before the backup is declared good.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <ctime>
#include <iostream>

#include "cli/audit.h"
#include "cli/progress.h"
#include "crypto/file_util.h"
#include "node/config.h"
#include "storage/read_only_store.h"
#include "storage/verify.h"

namespace tracechain::cli {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kCopyBatchBytes = 4 << 20;
constexpr std::size_t kMaxGenesisBytes = 16 << 20;
// What a validator signed, kept in data/ beside the database; a restore
// keeps them (node/signing_store.h).
const std::array<std::string, 2> kSigningFiles = {"signing_state.bin", "held_blocks.bin"};
constexpr std::size_t kMaxSigningFileBytes = 96 << 20;  // held blocks reach 80 MiB

// Everything that proves what a verified store holds at its tip.
Result<Json> describe_store(const storage::BlockStore& store) {
  const ledger::ChainParams& params = store.params();
  Json tip = {{"height", store.height()}, {"headerHash", nullptr}, {"logSize", 0},
              {"logRoot", nullptr}};
  if (store.height() > 0) {
    auto header = store.header(store.height());
    if (!header) return header.error();
    tip["headerHash"] = to_hex(ledger::header_hash(params.hash_algorithm(), *header));
    tip["logSize"] = header->log_size;
    tip["logRoot"] = to_hex(header->log_root);
  }
  return Json{{"chainId", params.chain_id},
              {"genesisHash", to_hex(params.genesis_hash)},
              {"tip", std::move(tip)}};
}

// Structural verification of every block, with progress.
Result<storage::VerifyReport> verify_store(const storage::BlockStore& store, const char* label) {
  auto progress = Progress::on_stderr(label, store.height(), "blocks");
  storage::VerifyReport total;
  for (std::uint64_t from = 1; from <= store.height(); from += 256) {
    std::uint64_t to = std::min(store.height(), from + 255);
    auto report = storage::verify_chain(store, from, to);
    if (!report) return report.error();
    total.blocks += report->blocks;
    total.transactions += report->transactions;
    progress.advance(report->blocks);
  }
  return total;
}

void print_summary(std::ostream& out, OutputFormat output, const Json& summary,
                   const std::string& verb) {
  if (output == OutputFormat::kJson) {
    out << summary.dump(2) << "\n";
    return;
  }
  const Json& tip = summary["tip"];
  out << verb << " " << summary["path"].get<std::string>() << "\n"
      << "chain     " << summary["chainId"].get<std::string>() << " (genesis "
      << summary["genesisHash"].get<std::string>() << ")\n"
      << "height    " << tip["height"] << "\n"
      << "header    " << (tip["headerHash"].is_null() ? "-" : tip["headerHash"].get<std::string>())
      << "\n"
      << "log       " << tip["logSize"] << " leaves, root "
      << (tip["logRoot"].is_null() ? "-" : tip["logRoot"].get<std::string>()) << "\n"
      << "verified  " << summary["verified"]["blocks"] << " blocks, "
      << summary["verified"]["transactions"] << " transactions\n";
}

}  // namespace

int backup_create(const BackupCreateOptions& options, std::ostream& out, std::ostream& err) {
  node::NodeConfig paths;
  paths.home = options.home;
  auto genesis_text = read_file(paths.genesis_file(), kMaxGenesisBytes);
  if (!genesis_text) return report_error(err, genesis_text.error());
  auto genesis = ledger::parse_genesis_json(*genesis_text, paths.genesis_file().string());
  if (!genesis) return report_error(err, genesis.error());
  std::error_code ec;
  if (fs::exists(options.out, ec)) {
    return report_error(err, Error(ErrorCode::kConflict, options.out.string() +
                                                              " already exists; choose a new "
                                                              "directory for the backup"));
  }
  auto source = storage::ReadOnlyStore::open(paths.data_dir(), *genesis);
  if (!source) return report_error(err, source.error().with_context("the node's data"));

  // Copy every column into a new database; a batch is synced at the end.
  fs::create_directories(options.out, ec);
  if (ec) return report_error(err, Error(ErrorCode::kIo, "cannot create " + options.out.string()));
  {
    storage::RocksDbOptions rocksdb;
    auto target = storage::open_rocksdb_kv(options.out / "db", rocksdb);
    if (!target) return report_error(err, target.error());
    auto progress = Progress::on_stderr("copy", 0, "entries");
    for (storage::Column column : storage::kAllColumns) {
      storage::KvBatch batch;
      Status written;
      Status scanned = source->kv()->scan(column, "", "", [&](std::string_view key, ByteView value) {
        batch.put(column, key, value);
        progress.advance();
        if (batch.payload_bytes() >= kCopyBatchBytes) {
          written = (*target)->write(batch, false);
          batch = storage::KvBatch();
          return written.ok();
        }
        return true;
      });
      if (!written) return report_error(err, written.error().with_context("backup"));
      if (!scanned) return report_error(err, scanned.error().with_context("the node's data"));
      if (Status s = (*target)->write(batch, true); !s) {
        return report_error(err, s.error().with_context("backup"));
      }
    }
  }
  if (Status s = write_file_atomic(options.out / "genesis.json", *genesis_text, 0644, Overwrite::kReplace); !s) {
    return report_error(err, s.error());
  }

  // The copy, reopened and verified, is what the backup claims to hold.
  auto copy = storage::ReadOnlyStore::open(options.out / "db", *genesis);
  if (!copy) return report_error(err, copy.error().with_context("the backup"));
  auto verified = verify_store(copy->store(), "verify");
  if (!verified) {
    err << "tracectl: the backup does not verify: " << verified.error().message() << "\n";
    return kExitVerificationFailed;
  }
  auto summary = describe_store(copy->store());
  if (!summary) return report_error(err, summary.error());
  (*summary)["format"] = "tracechain-backup/1";
  (*summary)["createdAt"] = utc_timestamp();
  (*summary)["sourceHome"] = fs::absolute(options.home, ec).string();
  (*summary)["verified"] = {{"blocks", verified->blocks}, {"transactions", verified->transactions}};
  if (Status s = write_file_atomic(options.out / "backup.json", summary->dump(2) + "\n", 0644, Overwrite::kReplace); !s) {
    return report_error(err, s.error());
  }
  (*summary)["path"] = options.out.string();
  print_summary(out, options.output, *summary, "backup");
  return kExitOk;
}

int backup_restore(const BackupRestoreOptions& options, std::ostream& out, std::ostream& err) {
  node::NodeConfig paths;
  paths.home = options.home;
  std::error_code ec;
  // A validator's memory of what it signed stays with the home (or comes
  // from --signing-state-from): a backup is older than it.
  if (fs::exists(paths.data_dir(), ec)) {
    for (const auto& entry : fs::directory_iterator(paths.data_dir(), ec)) {
      const std::string name = entry.path().filename().string();
      if (std::find(kSigningFiles.begin(), kSigningFiles.end(), name) != kSigningFiles.end()) {
        continue;
      }
      return report_error(
          err, Error(ErrorCode::kConflict,
                     paths.data_dir().string() +
                         " already holds data; restore refuses to overwrite it (move it aside "
                         "first, with the node stopped; a validator keeps signing_state.bin and "
                         "held_blocks.bin: leave them in data/ or name the old directory with "
                         "--signing-state-from)"));
    }
  }
  std::vector<std::pair<std::string, std::string>> kept;  // file name, contents
  for (const std::string& name : kSigningFiles) {
    fs::path from = paths.data_dir() / name;
    if (!options.signing_state_from.empty()) {
      if (fs::exists(from, ec)) {
        return report_error(err, Error(ErrorCode::kConflict,
                                       from.string() + " exists; --signing-state-from would "
                                                       "replace it: remove one of the two"));
      }
      from = options.signing_state_from / name;
    }
    if (!fs::exists(from, ec)) continue;
    auto text = read_file(from, kMaxSigningFileBytes);
    if (!text) return report_error(err, text.error());
    kept.emplace_back(name, std::move(*text));
  }
  if (!options.signing_state_from.empty() &&
      (kept.empty() || kept.front().first != kSigningFiles.front())) {
    return report_error(err, Error(ErrorCode::kNotFound,
                                   (options.signing_state_from / kSigningFiles.front()).string() +
                                       " does not exist"));
  }
  auto backup_genesis = ledger::load_genesis(options.backup / "genesis.json");
  if (!backup_genesis) return report_error(err, backup_genesis.error().with_context("the backup"));
  if (fs::exists(paths.genesis_file(), ec)) {
    auto home_genesis = ledger::load_genesis(paths.genesis_file());
    if (!home_genesis) return report_error(err, home_genesis.error());
    if (ledger::genesis_hash(*home_genesis) != ledger::genesis_hash(*backup_genesis)) {
      return report_error(err, Error(ErrorCode::kConflict,
                                     "the backup is of another chain than " +
                                         paths.genesis_file().string() + " describes"));
    }
  }
  Json summary;
  {
    auto backup = storage::ReadOnlyStore::open(options.backup / "db", *backup_genesis);
    if (!backup) return report_error(err, backup.error().with_context("the backup"));
    auto verified = verify_store(backup->store(), "verify");
    if (!verified) {
      err << "tracectl: the backup does not verify, nothing restored: "
          << verified.error().message() << "\n";
      return kExitVerificationFailed;
    }
    auto described = describe_store(backup->store());
    if (!described) return report_error(err, described.error());
    summary = std::move(*described);
    summary["verified"] = {{"blocks", verified->blocks}, {"transactions", verified->transactions}};
  }
  // Only the signing files, read above, are in it: they are written back
  // into the restored directory.
  if (fs::exists(paths.data_dir(), ec)) fs::remove_all(paths.data_dir(), ec);
  if (Status s = storage::restore_checkpoint(options.backup / "db", paths.data_dir()); !s) {
    if (!kept.empty()) {
      err << "tracectl: the restore failed; signing_state.bin and held_blocks.bin were read from "
          << (options.signing_state_from.empty() ? paths.data_dir() : options.signing_state_from)
                 .string()
          << " and are now only in memory: saving them to "
          << (paths.home / "signing-state-saved").string() << "\n";
      fs::create_directories(paths.home / "signing-state-saved", ec);
      for (const auto& [name, text] : kept) {
        (void)write_file_atomic(paths.home / "signing-state-saved" / name, text, 0600,
                                Overwrite::kReplace);
      }
    }
    return report_error(err, s.error());
  }
  for (const auto& [name, text] : kept) {
    if (Status s = write_file_atomic(paths.data_dir() / name, text, 0600, Overwrite::kReplace); !s) {
      return report_error(err, s.error());
    }
  }
  const bool signing_state = !kept.empty();
  summary["signingState"] = signing_state ? "kept" : "absent";
  if (!fs::exists(paths.genesis_file(), ec)) {
    auto text = read_file(options.backup / "genesis.json", kMaxGenesisBytes);
    if (!text) return report_error(err, text.error());
    fs::create_directories(paths.genesis_file().parent_path(), ec);
    if (Status s = write_file_atomic(paths.genesis_file(), *text, 0644, Overwrite::kReplace); !s) {
      return report_error(err, s.error());
    }
  }
  summary["path"] = paths.data_dir().string();
  summary["format"] = "tracechain-restore/1";
  print_summary(out, options.output, summary, "restored");
  if (!signing_state) {
    err << "tracectl: note: " << (paths.data_dir() / kSigningFiles.front()).string()
        << " is absent; a validator refuses to sign from this home until it is back (or until "
           "started with --set node.allow_missing_signing_state=true, once the chain is past "
           "every height it may have signed at); an observer needs none\n";
  }
  return kExitOk;
}

}  // namespace tracechain::cli
