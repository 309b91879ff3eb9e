// tracectl's auditor commands: offline receipt verification, validator-set
// changes, log consistency, the full-chain audit (of a data directory or of
// a node over RPC), audit reports and backups. docs/audit.md walks through
// them; each returns the process exit code (commands.h) and prints results
// to `out`, errors and progress to `err`.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "cli/commands.h"
#include "cli/remote.h"
#include "cli/verify.h"
#include "storage/block_store.h"

namespace tracechain::cli {

// ------------------------------------------------------- receipts, offline

struct VerifyReceiptOptions {
  std::filesystem::path receipt;  // a VerifiableReceipt file
  std::filesystem::path genesis;  // the chain's genesis.json: the only trust anchor
  std::filesystem::path changes;  // optional: validator-changes file
  OutputFormat output = OutputFormat::kTable;
  // verify only: witnesses' cosigning keys (text or a file holding one), and
  // how many must have cosigned the transaction's log (docs/oversight.md).
  std::vector<std::string> witnesses;
  std::optional<std::size_t> min_witnesses;
};
int verify_receipt_file(const VerifyReceiptOptions& options, std::ostream& out, std::ostream& err);
// The same for a state proof (state_getProof's result): `receipt` names it.
int verify_state_file(const VerifyReceiptOptions& options, std::ostream& out, std::ostream& err);
// The same for a checkpoint (chain_getCheckpoint's result).
int verify_checkpoint_file(const VerifyReceiptOptions& options, std::ostream& out,
                           std::ostream& err);

// A witness's cosigning key given on the command line: the key's text
// (<name>+<key ID>+<key>), or a file holding it.
Result<ledger::NoteVerifier> read_cosigner_key(const std::string& text_or_file);

// Reads a JSON file of at most `max_bytes`; kInvalidInput naming the file.
Result<Json> read_json_file(const std::filesystem::path& path, std::size_t max_bytes);

// Genesis and the validator history from an optional changes file.
struct TrustAnchor {
  ledger::Genesis genesis;
  ValidatorHistory validators;
};
Result<TrustAnchor> load_trust_anchor(const std::filesystem::path& genesis,
                                      const std::filesystem::path& changes);

struct ValidatorChangesOptions {
  RemoteOptions remote;
  std::filesystem::path out;  // empty: print
};
// chain_getValidatorSetChanges from height 1 to the tip, every page followed
// and merged into one document.
Result<Json> fetch_validator_changes(node::rpc::Client& client);
// load_trust_anchor(genesis, changes); without a changes file, the node's
// changes instead. Either way each change is checked against the set before
// it (ValidatorHistory::follow), so the node is not trusted for them.
Result<TrustAnchor> load_trust_anchor(node::rpc::Client& client,
                                      const std::filesystem::path& genesis,
                                      const std::filesystem::path& changes);
int validator_changes_get(const ValidatorChangesOptions& options, std::ostream& out,
                          std::ostream& err);

struct VerifyConsistencyOptions {
  RemoteOptions remote;  // --node: fetch what is not given as a file
  std::filesystem::path genesis;
  std::filesystem::path changes;
  std::string from;  // a height (fetched) or a file holding "header" and "certificate"
  std::string to;    // likewise; empty: the node's tip
  std::filesystem::path proof;  // saved chain_getConsistencyProof result; empty: fetch
};
int verify_consistency(const VerifyConsistencyOptions& options, std::ostream& out,
                       std::ostream& err);

// ------------------------------------------------------ full-chain audit

struct AuditVerifyOptions {
  std::filesystem::path data_dir;  // a node's data directory or a backup; empty: --node
  std::filesystem::path genesis;   // default: the backup's or the home's genesis.json
  RemoteOptions remote;
  unsigned threads = 0;        // signature workers; 0: one per core
  std::uint64_t batch = 16;    // blocks per RPC batch
  bool progress = true;
  // --data-dir: signatures are checked in chunks of about this many
  // transactions, at most `ahead_transactions` ahead of re-execution (what
  // bounds the memory of the checked-signature cache).
  std::size_t chunk_transactions = 32'768;
  std::uint64_t ahead_transactions = 131'072;
};

// What an audit found: counts, time, and the first inconsistency if any.
struct AuditOutcome {
  std::uint64_t blocks = 0;
  std::uint64_t transactions = 0;
  double seconds = 0;
  std::optional<std::uint64_t> failed_height;
  std::string failure;  // empty when everything checked out
  // The last verified checkpoint.
  std::uint64_t height = 0;
  std::string header_hash;
  std::uint64_t log_size = 0;
  std::string log_root;

  bool ok() const { return failure.empty(); }
};

// The audits themselves; an Error only when the audit could not run
// (unreadable directory, unreachable node), never for what it found.
Result<AuditOutcome> audit_data_dir(const AuditVerifyOptions& options, std::ostream& err);
Result<AuditOutcome> audit_node(const AuditVerifyOptions& options, std::ostream& err);
int audit_verify(const AuditVerifyOptions& options, std::ostream& out, std::ostream& err);

// --------------------------------------------------------------- reports

enum class ReportFormat { kJson, kCsv, kHtml };

struct AuditReportOptions {
  RemoteOptions remote;
  std::filesystem::path genesis;
  std::filesystem::path changes;
  std::string trade;        // one trade, or
  std::string participant;  // every trade of a participant created in [from, to], or
  std::string asset;        // every trade of an asset (in [from, to] if given), or
  std::string from_date;    // (alone) every trade created in [from, to]:
  std::string to_date;      // YYYY-MM-DD (UTC), inclusive
  ReportFormat format = ReportFormat::kJson;
  std::filesystem::path out;  // empty: stdout
};
int audit_report(const AuditReportOptions& options, std::ostream& out, std::ostream& err);

// The report document (format tracechain-audit-report/1) and its renderings.
std::string render_csv(const Json& report);
std::string render_html(const Json& report);

// --------------------------------------------------------------- backups

struct BackupCreateOptions {
  std::filesystem::path home;  // the node's home (config/genesis.json, data/)
  std::filesystem::path out;   // new directory
  OutputFormat output = OutputFormat::kTable;
};
int backup_create(const BackupCreateOptions& options, std::ostream& out, std::ostream& err);

struct BackupRestoreOptions {
  std::filesystem::path backup;
  std::filesystem::path home;
  // A validator's old data directory holding its signing_state.bin and
  // held_blocks.bin (empty: those already in the home's data/, if any).
  std::filesystem::path signing_state_from;
  OutputFormat output = OutputFormat::kTable;
};
int backup_restore(const BackupRestoreOptions& options, std::ostream& out, std::ostream& err);

}  // namespace tracechain::cli
