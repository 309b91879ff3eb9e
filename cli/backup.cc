// tracectl backup create / restore. A backup is a directory:
//   db/           a complete RocksDB database of the node's store
//   genesis.json  the chain's genesis (the store is checked against it)
//   read-log/     a copy of the node's read log (docs/oversight.md), when
//                 it has one
//   backup.json   what was backed up: chain, height, header hash, log size
//                 and root, read-log entries, when (format tracechain-backup/1)
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
#include "node/read_log.h"
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
// The read log's directory in data/ and in a backup.
constexpr std::string_view kReadLogDir = "read-log";

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

// Copies every column of `source` into a new database at `target`, with
// progress; the last batch is synced.
Status copy_database(const storage::KvReader& source, const fs::path& target, const char* label) {
  storage::RocksDbOptions rocksdb;
  auto opened = storage::open_rocksdb_kv(target, rocksdb);
  if (!opened) return opened.error();
  auto progress = Progress::on_stderr(label, 0, "entries");
  for (storage::Column column : storage::kAllColumns) {
    storage::KvBatch batch;
    Status written;
    Status scanned = source.scan(column, "", "", [&](std::string_view key, ByteView value) {
      batch.put(column, key, value);
      progress.advance();
      if (batch.payload_bytes() >= kCopyBatchBytes) {
        written = (*opened)->write(batch, false);
        batch = storage::KvBatch();
        return written.ok();
      }
      return true;
    });
    if (!written) return written.error().with_context("backup");
    if (!scanned) return scanned.error().with_context("the node's data");
    if (Status s = (*opened)->write(batch, true); !s) return s.error().with_context("backup");
  }
  return {};
}

// Copies a file that only grows, as it is now, and syncs the copy.
Status copy_entries(const fs::path& from, const fs::path& to) {
  auto source = storage::open_append_file(from);
  if (!source) return source.error();
  auto target = storage::open_append_file(to);
  if (!target) return target.error();
  const std::uint64_t size = (*source)->size();
  constexpr std::uint64_t kChunk = std::uint64_t{1} << 20;
  for (std::uint64_t at = 0; at < size; at += kChunk) {
    auto chunk = (*source)->read(at, static_cast<std::size_t>(std::min(kChunk, size - at)));
    if (!chunk) return chunk.error();
    if (Status s = (*target)->append(*chunk); !s) return s;
  }
  return (*target)->sync();
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
  if (summary.contains("readLog")) {
    const Json& read_log = summary["readLog"];
    out << "read log  "
        << (read_log.is_null()        ? std::string("none")
            : read_log.is_string()    ? read_log.get<std::string>()
                                      : std::to_string(read_log["entries"].get<std::uint64_t>()) +
                                         " entries")
        << "\n";
  }
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
  if (Status s = copy_database(*source->kv(), options.out / "db", "copy"); !s) {
    return report_error(err, s.error());
  }
  // The read log is the node's own record, which no peer can give back.
  std::optional<std::uint64_t> read_log_entries;
  if (fs::exists(paths.read_log_dir(), ec)) {
    auto read_log = storage::ReadOnlyKv::open(paths.read_log_dir());
    if (!read_log) return report_error(err, read_log.error().with_context("the node's read log"));
    if (Status s = copy_database(*read_log->kv(), options.out / kReadLogDir, "read log"); !s) {
      return report_error(err, s.error());
    }
    // Then its entries file: it only grows, so it holds every entry the
    // copied index covers (and perhaps more, which opening indexes).
    const fs::path entries = paths.read_log_dir() / node::ReadLog::kEntriesFile;
    if (fs::exists(entries, ec)) {
      if (Status s = copy_entries(entries, options.out / kReadLogDir / node::ReadLog::kEntriesFile); !s) {
        return report_error(err, s.error().with_context("the read log's entries"));
      }
    }
    auto copied = node::ReadLog::open(options.out / kReadLogDir, crypto::suite_hash(genesis->suite),
                                      {"backup", ""});
    if (!copied) return report_error(err, copied.error().with_context("the backup's read log"));
    read_log_entries = (*copied)->size();
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
  (*summary)["readLog"] = read_log_entries ? Json{{"entries", *read_log_entries}} : Json(nullptr);
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
      if (std::find(kSigningFiles.begin(), kSigningFiles.end(), name) != kSigningFiles.end() ||
          name == kReadLogDir) {
        continue;
      }
      return report_error(
          err, Error(ErrorCode::kConflict,
                     paths.data_dir().string() +
                         " already holds data; restore refuses to overwrite it (move it aside "
                         "first, with the node stopped; a validator keeps signing_state.bin and "
                         "held_blocks.bin: leave them in data/ or name the old directory with "
                         "--signing-state-from; the read log, read-log/, may stay too)"));
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
  // The home's read log is newer than any backup's: it is set aside and put
  // back. Without one, the backup's is restored.
  const fs::path kept_read_log = paths.home / "read-log.kept";
  const bool home_read_log = fs::exists(paths.read_log_dir(), ec);
  if (home_read_log) {
    if (fs::exists(kept_read_log, ec)) {
      return report_error(err, Error(ErrorCode::kConflict,
                                     kept_read_log.string() + " exists (left by an earlier "
                                                              "restore?): move it away first"));
    }
    fs::rename(paths.read_log_dir(), kept_read_log, ec);
    if (ec) {
      return report_error(err, Error(ErrorCode::kIo, "cannot set the read log aside: " +
                                                         ec.message()));
    }
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
    if (home_read_log) {
      err << "tracectl: the read log was set aside in " << kept_read_log.string()
          << "; move it back to " << paths.read_log_dir().string() << "\n";
    }
    return report_error(err, s.error());
  }
  for (const auto& [name, text] : kept) {
    if (Status s = write_file_atomic(paths.data_dir() / name, text, 0600, Overwrite::kReplace); !s) {
      return report_error(err, s.error());
    }
  }
  if (home_read_log) {
    fs::rename(kept_read_log, paths.read_log_dir(), ec);
    if (ec) {
      return report_error(err, Error(ErrorCode::kIo, "the read log is in " +
                                                         kept_read_log.string() +
                                                         "; move it to " +
                                                         paths.read_log_dir().string() + ": " +
                                                         ec.message()));
    }
    summary["readLog"] = "kept";
  } else if (fs::exists(options.backup / kReadLogDir, ec)) {
    if (Status s = storage::restore_checkpoint(options.backup / kReadLogDir, paths.read_log_dir());
        !s) {
      return report_error(err, s.error().with_context("the backup's read log"));
    }
    summary["readLog"] = "restored";
  } else {
    summary["readLog"] = "absent";
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
