// tracectl's command line for auditors: verify, verify-consistency,
// validator-changes, audit verify, audit report, backup. The commands live
// in audit.h; docs/audit.md shows them at work.
#include <CLI/CLI.hpp>

#include <iostream>
#include <map>
#include <memory>

#include "cli/access.h"
#include "cli/audit.h"
#include "cli/command_line.h"
#include "cli/witness.h"

namespace tracechain::cli {

namespace {

void add_output_option(CLI::App& command, OutputFormat& output) {
  command.add_option("--output", output, "table or json")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, OutputFormat>{{"table", OutputFormat::kTable},
                                              {"json", OutputFormat::kJson}},
          CLI::ignore_case))
      ->default_str("table");
}

using OfflineCheck = int (*)(const VerifyReceiptOptions&, std::ostream&, std::ostream&);

// A command that checks FILE offline against --genesis (and --changes);
// returns its options, for options of its own.
std::pair<CLI::App*, std::shared_ptr<VerifyReceiptOptions>> add_offline_check(CLI::App& app, int& exit_code, const std::string& name,
                       const std::string& description, const std::string& file_help,
                       const std::string& example, OfflineCheck check) {
  auto options = std::make_shared<VerifyReceiptOptions>();
  auto* command = app.add_subcommand(name, description);
  command->add_option("FILE", options->receipt, file_help)->required();
  command->add_option("--genesis", options->genesis, "The chain's genesis.json")->required();
  command->add_option("--changes", options->changes,
                      "Validator-set changes from genesis (tracectl validator-changes get), "
                      "needed once the validators have changed");
  add_output_option(*command, options->output);
  command->footer("Example: " + example +
                  "\nExit codes: 0 verified, 1 a check failed, 2 unreadable input.");
  command->callback([&exit_code, options, check] {
    exit_code = check(*options, std::cout, std::cerr);
  });
  return {command, options};
}

}  // namespace

// The options live as long as the process: the command line is built once.
void add_audit_commands(CLI::App& app, int& exit_code) {
  auto [verify, verify_options] = add_offline_check(
      app, exit_code, "verify", "Verify a self-contained receipt offline, trusting only genesis",
      "Receipt file (tx_getVerifiableReceipt's result)",
      "tracectl verify receipt.json --genesis genesis.json --changes changes.json\n"
      "         tracectl verify receipt.json --genesis genesis.json --min-witnesses 1",
      verify_receipt_file);
  verify->add_option("--witness", verify_options->witnesses,
                     "A witness's cosigning key (<name>+<key ID>+<key>, or a file holding one); "
                     "repeat for several. Default with --min-witnesses: the witnesses genesis's "
                     "policy names");
  verify->add_option("--min-witnesses", verify_options->min_witnesses,
                     "How many of the witnesses must have cosigned a checkpoint holding the "
                     "transaction (default with --witness: all given)");
  add_offline_check(
      app, exit_code, "verify-state",
      "Verify a state proof offline (a record's value, or its absence), trusting only genesis",
      "State proof file (state_getProof's result, or tracectl state-proof --out)",
      "tracectl verify-state trade-7.json --genesis genesis.json", verify_state_file);
  add_offline_check(app, exit_code, "verify-checkpoint",
                    "Verify a log checkpoint offline (certified header, C2SP checkpoint, its note "
                    "signature), trusting only genesis",
                    "Checkpoint file (chain_getCheckpoint's result, or tracectl checkpoint --out)",
                    "tracectl verify-checkpoint cp.json --genesis genesis.json",
                    verify_checkpoint_file);

  add_offline_check(app, exit_code, "verify-evidence",
                    "Verify a witness's fork evidence offline: two certified checkpoints that "
                    "contradict each other (exit 0: a fork is proven)",
                    "Evidence file (tracechain-fork-evidence/1)",
                    "tracectl verify-evidence fork-evidence-20261207T101500Z.json --genesis "
                    "genesis.json",
                    verify_evidence_file);

  add_offline_check(app, exit_code, "verify-reads",
                    "Verify a node's read-log answer offline: each entry's inclusion in the "
                    "node's checkpoint on chain, and that checkpoint's receipt",
                    "Reads file (tracectl access reads --out)",
                    "tracectl verify-reads reads.json --genesis genesis.json", verify_reads_file);

  // witness run / witness key
  auto* witness_cmd =
      app.add_subcommand("witness", "Witness the chain: cosign its log checkpoints "
                                    "(docs/oversight.md)");
  witness_cmd->require_subcommand(1);
  static WitnessRunOptions witness_run_options;
  auto* witness_run_cmd = witness_cmd->add_subcommand(
      "run", "Follow nodes and cosign each checkpoint consistent with the last one cosigned");
  witness_run_cmd->add_option("--node", witness_run_options.nodes,
                              "A node's RPC URL; repeat to follow several (default "
                              "$TRACECHAIN_NODE or http://127.0.0.1:26657)");
  witness_run_cmd->add_option("--ca", witness_run_options.ca, "https: the CA the nodes chain to");
  witness_run_cmd->add_option("--genesis", witness_run_options.genesis, "The chain's genesis.json")
      ->required();
  witness_run_cmd->add_option("--cosigning-key", witness_run_options.cosigning_key,
                              "The witness's Ed25519 private key (PEM)")
      ->required();
  witness_run_cmd->add_option("--name", witness_run_options.name,
                              "The cosigner name the policy gives this witness")
      ->required();
  witness_run_cmd->add_option("--state", witness_run_options.state,
                              "The witness's state file: the last checkpoint it cosigned")
      ->required();
  witness_run_cmd->add_option("--evidence-dir", witness_run_options.evidence_dir,
                              "Where fork evidence is written (default: the state file's "
                              "directory)");
  witness_run_cmd->add_option("--interval-ms", witness_run_options.interval_ms,
                              "Pause between rounds")
      ->default_val(5000);
  witness_run_cmd->add_flag("--once", witness_run_options.once,
                            "One round over the nodes, then exit (0 cosigned, 1 fork "
                            "detected, 2 an answer refused, 3 a node unreachable)");
  witness_run_cmd->footer(
      "Example: tracectl witness run --node http://127.0.0.1:26657 --genesis genesis.json "
      "--cosigning-key witness.pem --name witness.example/regulator --state witness-state.json");
  witness_run_cmd->callback(
      [&] { exit_code = witness_run(witness_run_options, std::cout, std::cerr); });
  static WitnessServeOptions serve_options;
  auto* serve_cmd = witness_cmd->add_subcommand(
      "serve", "Serve the C2SP tlog-witness protocol (POST /add-checkpoint) for this chain");
  serve_cmd->add_option("--listen", serve_options.listen, "HOST:PORT to serve on")
      ->default_val("127.0.0.1:26690");
  serve_cmd->add_option("--node", serve_options.node,
                        "The node whose certified headers confirm each checkpoint");
  serve_cmd->add_option("--ca", serve_options.ca, "https: the CA the node chains to");
  serve_cmd->add_option("--genesis", serve_options.genesis, "The chain's genesis.json")->required();
  serve_cmd->add_option("--cosigning-key", serve_options.cosigning_key,
                        "The witness's Ed25519 private key (PEM)")
      ->required();
  serve_cmd->add_option("--name", serve_options.name, "The cosigner name")->required();
  serve_cmd->add_option("--state", serve_options.state, "The witness's state file")->required();
  serve_cmd->add_option("--max-requests", serve_options.max_requests,
                        "Stop after this many requests (default: never)");
  serve_cmd->footer("Example: tracectl witness serve --listen 127.0.0.1:26690 --node "
                    "http://127.0.0.1:26657 --genesis genesis.json --cosigning-key witness.pem "
                    "--name witness.example/regulator --state state.json");
  serve_cmd->callback([&] { exit_code = witness_serve(serve_options, std::cout, std::cerr); });

  static WitnessPushOptions push_options;
  auto* push_cmd = witness_cmd->add_subcommand(
      "push", "Send a validator's checkpoints to a C2SP tlog-witness and hand its cosignatures "
              "to the node");
  push_cmd->add_option("--node", push_options.node, "A validator's RPC URL");
  push_cmd->add_option("--witness-url", push_options.witness_url,
                       "The witness's submission prefix, http://HOST:PORT[/PREFIX]")
      ->required();
  push_cmd->add_option("--witness-key", push_options.witness_key,
                       "The witness's cosigning key (<name>+<key ID>+<key>, or a file holding one)")
      ->required();
  push_cmd->add_option("--interval-ms", push_options.interval_ms, "Pause between rounds")
      ->default_val(5000);
  push_cmd->add_flag("--once", push_options.once, "One round, then exit (0 cosigned, 1 not)");
  push_cmd->footer("Example: tracectl witness push --node http://127.0.0.1:26657 --witness-url "
                   "http://127.0.0.1:26690 --witness-key witness.vkey --once");
  push_cmd->callback([&] { exit_code = witness_push(push_options, std::cout, std::cerr); });

  static WitnessKeyOptions witness_key_options;
  auto* witness_key_cmd = witness_cmd->add_subcommand(
      "key", "Print the cosigning key a policy names this witness by");
  witness_key_cmd->add_option("--cosigning-key", witness_key_options.cosigning_key,
                              "The witness's Ed25519 private key (PEM; tracectl keys generate "
                              "--suite ed25519-sha256)")
      ->required();
  witness_key_cmd->add_option("--name", witness_key_options.name, "The cosigner name")->required();
  witness_key_cmd->footer("Example: tracectl witness key --cosigning-key witness.pem --name "
                          "witness.example/regulator");
  witness_key_cmd->callback(
      [&] { exit_code = witness_key(witness_key_options, std::cout, std::cerr); });

  // validator-changes get
  static ValidatorChangesOptions changes;
  auto* changes_cmd = app.add_subcommand("validator-changes", "Validator-set changes of a chain");
  changes_cmd->footer("Example:\n  tracectl validator-changes get --key keys/auditor-1.pem --out changes.json");
  changes_cmd->require_subcommand(1);
  auto* changes_get = changes_cmd->add_subcommand(
      "get", "Save every validator-set change since genesis, certified, for offline verification");
  add_remote_options(*changes_get, changes.remote);
  changes_get->add_option("--out", changes.out, "File to write (default: print)");
  changes_get->footer("Example: tracectl validator-changes get --node http://127.0.0.1:26657 "
                      "--out changes.json");
  changes_get->callback(
      [&] { exit_code = validator_changes_get(changes, std::cout, std::cerr); });

  // verify-consistency
  static VerifyConsistencyOptions consistency;
  auto* consistency_cmd = app.add_subcommand(
      "verify-consistency",
      "Check that a later certified checkpoint's log extends an earlier one's");
  add_remote_options(*consistency_cmd, consistency.remote);
  consistency_cmd->add_option("--genesis", consistency.genesis, "The chain's genesis.json")
      ->required();
  consistency_cmd->add_option("--changes", consistency.changes, "Validator-set changes file");
  consistency_cmd
      ->add_option("--from", consistency.from,
                   "Earlier checkpoint: a height (fetched with --node) or a file with \"header\" "
                   "and \"certificate\" (a receipt file qualifies)")
      ->required();
  consistency_cmd->add_option("--to", consistency.to,
                              "Later checkpoint, as --from (default: the node's tip)");
  consistency_cmd->add_option("--proof", consistency.proof,
                              "Saved chain_getConsistencyProof result (default: fetch it)");
  consistency_cmd->footer(
      "Examples:\n"
      "  tracectl verify-consistency --genesis genesis.json --from receipt.json --node URL\n"
      "  tracectl verify-consistency --genesis genesis.json --from old.json --to new.json "
      "--proof proof.json");
  consistency_cmd->callback(
      [&] { exit_code = verify_consistency(consistency, std::cout, std::cerr); });

  // audit verify / audit report
  auto* audit = app.add_subcommand("audit", "Full-chain audit and audit reports");
  audit->footer("Examples:\n  tracectl audit verify --data-dir backup-2026-01-01\n  tracectl audit report --trade trade-1 --format html --out trade-1.html --key keys/auditor-1.pem --genesis genesis.json");
  audit->require_subcommand(1);
  static AuditVerifyOptions audit_verify_options;
  auto* audit_verify_cmd = audit->add_subcommand(
      "verify", "Re-check every block from genesis: hashes, certificates, signatures, "
                "re-execution, log roots (and indexes with --data-dir)");
  audit_verify_cmd->add_option("--data-dir", audit_verify_options.data_dir,
                               "A node's data directory (node stopped) or a backup directory");
  audit_verify_cmd->add_option("--genesis", audit_verify_options.genesis,
                               "genesis.json (default with --data-dir: the backup's, or the "
                               "home's config/genesis.json)");
  add_remote_options(*audit_verify_cmd, audit_verify_options.remote);
  audit_verify_cmd->add_option("--threads", audit_verify_options.threads,
                               "Signature-checking threads (default: one per core)");
  audit_verify_cmd->add_option("--batch", audit_verify_options.batch,
                               "Blocks fetched per RPC batch (1-100)")
      ->capture_default_str();
  audit_verify_cmd->footer(
      "Examples:\n"
      "  tracectl audit verify --data-dir backup-2026-01-01\n"
      "  tracectl audit verify --node http://127.0.0.1:26657 --key keys/auditor-1.pem "
      "--genesis genesis.json\n"
      "Exit codes: 0 verified, 1 an inconsistency (printed with its height), 2 usage, "
      "3 node unreachable.");
  audit_verify_cmd->callback([&] {
    if (audit_verify_options.data_dir.empty() && audit_verify_options.remote.key.empty()) {
      std::cerr << "tracectl: audit verify needs --data-dir DIR, or --node URL --key FILE\n";
      exit_code = kExitUsage;
      return;
    }
    exit_code = audit_verify(audit_verify_options, std::cout, std::cerr);
  });

  static AuditReportOptions report;
  auto* report_cmd = audit->add_subcommand(
      "report",
      "Audit trails of a trade, a participant's or an asset's trades, or a period's, every "
      "receipt verified");
  add_remote_options(*report_cmd, report.remote);
  report_cmd->add_option("--genesis", report.genesis, "The chain's genesis.json")->required();
  report_cmd->add_option("--changes", report.changes, "Validator-set changes file");
  auto* trade_opt = report_cmd->add_option("--trade", report.trade, "Trade id");
  auto* participant_opt =
      report_cmd->add_option("--participant", report.participant, "Participant id");
  auto* asset_opt = report_cmd->add_option("--asset", report.asset, "Asset id: its trades");
  trade_opt->excludes(participant_opt);
  trade_opt->excludes(asset_opt);
  participant_opt->excludes(asset_opt);
  report_cmd->add_option("--from", report.from_date,
                         "First day, YYYY-MM-DD (UTC): trades created from then");
  report_cmd->add_option("--to", report.to_date, "Last day, YYYY-MM-DD (UTC), inclusive");
  report_cmd->add_option("--format", report.format, "json, csv or html")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, ReportFormat>{{"json", ReportFormat::kJson},
                                              {"csv", ReportFormat::kCsv},
                                              {"html", ReportFormat::kHtml}},
          CLI::ignore_case))
      ->default_str("json");
  report_cmd->add_option("--out", report.out, "File to write (default: print)");
  report_cmd->footer(
      "Examples:\n"
      "  tracectl audit report --trade trade-1 --key keys/auditor-1.pem --genesis genesis.json "
      "--format html --out trade-1.html\n"
      "  tracectl audit report --participant buyer-bank --from 2026-01-01 --to 2026-03-31 "
      "--key keys/regulator.pem --genesis genesis.json --format csv --out q1.csv\n"
      "  tracectl audit report --asset weather-2026 --key keys/auditor-1.pem --genesis genesis.json\n"
      "  tracectl audit report --from 2026-01-01 --to 2026-12-31 --key keys/regulator.pem "
      "--genesis genesis.json --format html --out 2026.html\n"
      "Exit codes: 0 every receipt verified, 1 one did not, 2 usage, 3 node unreachable.");
  report_cmd->callback([&] {
    exit_code = audit_report(report, std::cout, std::cerr);
  });

  // backup create / restore
  auto* backup = app.add_subcommand("backup", "Back up and restore a node's data");
  backup->footer("Examples:\n  tracectl backup create --home ~/.tracechain --out backup-2026-01-01\n  tracectl backup restore --backup backup-2026-01-01 --home ./restored");
  backup->require_subcommand(1);
  static BackupCreateOptions create;
  auto* create_cmd = backup->add_subcommand(
      "create", "Copy a node's database, running or stopped, and verify the copy");
  create_cmd->add_option("--home", create.home, "The node's home")->required();
  create_cmd->add_option("--out", create.out, "New backup directory")->required();
  add_output_option(*create_cmd, create.output);
  create_cmd->footer("Example: tracectl backup create --home ~/.tracechain --out /backups/2026-01-01");
  create_cmd->callback([&] { exit_code = backup_create(create, std::cout, std::cerr); });

  static BackupRestoreOptions restore;
  auto* restore_cmd = backup->add_subcommand(
      "restore", "Verify a backup and restore it into a home without data (node stopped)");
  restore_cmd->add_option("--backup", restore.backup, "Backup directory")->required();
  restore_cmd->add_option("--home", restore.home, "The node's home")->required();
  restore_cmd->add_option("--signing-state-from", restore.signing_state_from,
                          "A validator's old data directory: its signing_state.bin and "
                          "held_blocks.bin go into the restored data/ (default: keep those "
                          "already in data/)");
  add_output_option(*restore_cmd, restore.output);
  restore_cmd->footer(
      "Example: tracectl backup restore --backup /backups/2026-01-01 --home ~/.tracechain");
  restore_cmd->callback([&] { exit_code = backup_restore(restore, std::cout, std::cerr); });
}

}  // namespace tracechain::cli
