// tracectl's command line for talking to a node: a command per transaction
// kind, and the reads (status, trails, trades, assets, attestations,
// receipts).
#include <CLI/CLI.hpp>

#include <iostream>
#include <memory>

#include "cli/access.h"
#include "cli/command_line.h"
#include "cli/commands.h"
#include "cli/query.h"
#include "cli/tx.h"

namespace tracechain::cli {

namespace {

void add_submit_options(CLI::App& command, SubmitOptions& options) {
  add_remote_options(command, options.remote);
  command.add_option("--nonce", options.nonce, "Nonce (default: a fresh random one)");
  command.add_option("--expires-in", options.expires_in,
                     "Blocks from the current height after which the transaction is void")
      ->capture_default_str();
  command.add_flag_callback("--no-wait", [&options] { options.wait = false; },
                            "Return once the node admits it");
  command.add_option_function<std::uint64_t>(
             "--timeout", [&options](std::uint64_t s) { options.timeout = std::chrono::seconds(s); },
             "Seconds to wait for the receipt (default 60)");
}

// A subcommand of `parent` that submits a transaction of `kind` built from
// its payload type's fields.
void add_tx(CLI::App& parent, int& exit_code, const std::string& name,
            const std::string& description, ledger::TxKind kind, const std::string& example) {
  auto submit = std::make_shared<SubmitOptions>();
  auto request = std::make_shared<TxRequest>();
  request->kind = kind;
  auto* command = parent.add_subcommand(name, description);
  for (const TxOption& arg : tx_options(kind)) {
    std::string help = arg.help;
    if (arg.digest) help += " (64 hex digits, or @FILE: the hash of a file)";
    auto* option = command->add_option("--" + arg.name, request->args[arg.name], help);
    if (arg.required) option->required();
  }
  add_submit_options(*command, *submit);
  command->footer("Example:\n  " + example +
                  "\n\nSigns as --as (default: the --key file's name), submits to --node and "
                  "waits for the receipt.\nExit codes: 0 committed ok, 2 refused or failed "
                  "receipt, 3 node unreachable or no receipt in time.");
  command->callback([&exit_code, submit, request] {
    exit_code = submit_transaction(*submit, *request, std::cout, std::cerr);
  });
}

// `parent NAME ID`: one record read with `method`, the id as `param`.
void add_show(CLI::App& parent, int& exit_code, const std::string& name,
              const std::string& description, const std::string& method,
              const std::string& param, const std::string& id_name, const std::string& example) {
  auto options = std::make_shared<ShowOptions>();
  options->method = method;
  options->param = param;
  auto* command = parent.add_subcommand(name, description);
  command->add_option(id_name, options->id, id_name == "HASH" ? "Transaction hash" : "Id")
      ->required();
  add_remote_options(*command, options->remote);
  command->footer("Example:\n  " + example);
  command->callback([&exit_code, options] { exit_code = show(*options, std::cout, std::cerr); });
}

// A read that takes only the node options.
void add_read(CLI::App& parent, int& exit_code, const std::string& name,
              const std::string& description, const std::string& example,
              int (*run)(const RemoteOptions&, std::ostream&, std::ostream&)) {
  auto remote = std::make_shared<RemoteOptions>();
  auto* command = parent.add_subcommand(name, description);
  add_remote_options(*command, *remote);
  command->footer("Example:\n  " + example);
  command->callback([&exit_code, remote, run] { exit_code = run(*remote, std::cout, std::cerr); });
}

// `parent list`: every record of a kind the caller may read.
CLI::App* add_list(CLI::App& parent, int& exit_code, const std::string& description,
                   ListKind kind, const std::string& example, std::shared_ptr<ListOptions> options) {
  options->kind = kind;
  auto* command = parent.add_subcommand("list", description);
  add_remote_options(*command, options->remote);
  command->footer("Example:\n  " + example);
  command->callback([&exit_code, options] { exit_code = list(*options, std::cout, std::cerr); });
  return command;
}

}  // namespace

void add_chain_commands(CLI::App& app, int& exit_code) {
  using K = ledger::TxKind;

  add_read(app, exit_code, "status", "A node's chain, height, peers and validators",
           "tracectl status --node http://127.0.0.1:26657", status);

  // governance
  auto* governance = app.add_subcommand("governance", "Propose and approve governance changes");
  governance->footer("Example:\n  tracectl governance approve --key keys/regulator.pem --proposal admit-acme2");
  governance->require_subcommand(1);
  add_tx(*governance, exit_code, "propose", "Propose a change (signed by a governor)",
         K::kGovernancePropose,
         "tracectl governance propose --key keys/exchange.pem --proposal admit-acme2 \\\n"
         "    --change admit-participant --subject provider-acme2 --public-key acme2.pem \\\n"
         "    --roles provider --jurisdiction cn --proposal-expiry 5000");
  add_tx(*governance, exit_code, "approve", "Approve a proposal (signed by a governor)",
         K::kGovernanceApprove,
         "tracectl governance approve --key keys/regulator.pem --proposal admit-acme2");
  {
    auto options = std::make_shared<ListOptions>();
    auto* list_cmd = add_list(*governance, exit_code,
                              "Governance proposals, their approvals and expiry (governors, auditors)",
                              ListKind::kProposals,
                              "tracectl governance list --open --key keys/member-bank.pem", options);
    list_cmd->add_flag("--open", options->open, "Only those that can still be approved");
  }
  add_read(*governance, exit_code, "policy",
           "The policy in force: reviews and identity rules per level",
           "tracectl governance policy --node http://127.0.0.1:26657", policy);
  add_show(*governance, exit_code, "show", "One governance proposal (governors, auditors)",
           "governance_getProposal", "proposalId", "PROPOSAL",
           "tracectl governance show admit-acme2 --key keys/regulator.pem");

  // identity
  add_tx(app, exit_code, "attest", "Attest an identity claim about a participant (attestors)",
         K::kIdentityAttest,
         "tracectl attest --key keys/attestor-ca.pem --subject buyer-bank --claim legal-entity \\\n"
         "    --evidence @kyc-file.salted --valid-from 2026-01-01 --valid-until 2027-01-01");
  add_tx(app, exit_code, "revoke", "Revoke an attestation (its attestor)", K::kIdentityRevoke,
         "tracectl revoke --key keys/attestor-ca.pem --attestation 3c4d… --reason @reason.txt");
  add_tx(app, exit_code, "rotate-key", "Replace the signer's key (signed by the current key)",
         K::kIdentityRotateKey,
         "tracectl rotate-key --key keys/buyer-bank.pem --new-key buyer-bank-2027.pem");

  // assets
  auto* asset = app.add_subcommand("asset", "Register and review data assets; read their history");
  asset->footer("Examples:\n  tracectl asset register --key keys/provider-acme.pem --asset weather-2026 --content @data.csv ...\n  tracectl asset history weather-2026 --key keys/auditor-1.pem");
  asset->require_subcommand(1);
  add_tx(*asset, exit_code, "register", "Register a data asset (providers)", K::kAssetRegister,
         "tracectl asset register --key keys/provider-acme.pem --asset weather-2026 \\\n"
         "    --content @data.csv --metadata @meta.json --level 2 \\\n"
         "    --source-declaration @source.pdf --licence @licence.pdf");
  add_tx(*asset, exit_code, "review", "Record a source review of an asset (reviewers)",
         K::kAssetReview,
         "tracectl asset review --key keys/reviewer-1.pem --asset weather-2026 \\\n"
         "    --verdict approve --report @review.pdf --rules 2026.1");
  add_list(*asset, exit_code, "Every asset the caller may read", ListKind::kAssets,
           "tracectl asset list --key keys/reviewer-1.pem", std::make_shared<ListOptions>());
  add_show(*asset, exit_code, "show", "One asset", "asset_get", "assetId", "ASSET",
           "tracectl asset show weather-2026 --key keys/buyer-bank.pem");
  {
    auto options = std::make_shared<AssetOptions>();
    auto* history = asset->add_subcommand("history", "An asset's registration, reviews and trades");
    history->add_option("ASSET", options->asset, "Asset id")->required();
    history->add_option("--genesis", options->genesis,
                        "The chain's genesis.json: prove the history complete offline");
    add_remote_options(*history, options->remote);
    history->footer("Example:\n  tracectl asset history weather-2026 --key keys/auditor-1.pem "
                    "--genesis genesis.json\n\nExit code 1 when it is not proven complete.");
    history->callback(
        [&exit_code, options] { exit_code = asset_history(*options, std::cout, std::cerr); });
  }

  // trades
  auto* trade = app.add_subcommand("trade", "Run a trade through its lifecycle");
  trade->footer("Example:\n  tracectl trade create --key keys/buyer-bank.pem --trade trade-1 --asset weather-2026 --terms @terms.pdf\nEach subcommand's --help lists its options and who signs it.");
  trade->require_subcommand(1);
  add_tx(*trade, exit_code, "create", "Request a trade of an asset (buyers)", K::kTradeCreate,
         "tracectl trade create --key keys/buyer-bank.pem --trade trade-1 --asset weather-2026 "
         "--terms @terms.pdf");
  add_tx(*trade, exit_code, "accept", "Accept a requested trade (its provider)", K::kTradeAccept,
         "tracectl trade accept --key keys/provider-acme.pem --trade trade-1");
  add_tx(*trade, exit_code, "decline", "Decline a requested trade (its provider)",
         K::kTradeDecline,
         "tracectl trade decline --key keys/provider-acme.pem --trade trade-1");
  add_tx(*trade, exit_code, "review", "Compliance review of an agreed trade (reviewers)",
         K::kTradeReview,
         "tracectl trade review --key keys/reviewer-1.pem --trade trade-1 --verdict approve \\\n"
         "    --report @review.pdf --buyer-attestation 3c4d… --provider-attestation 9a8b… \\\n"
         "    --source-review 1a2b…");
  add_tx(*trade, exit_code, "deliver", "Record the delivery (its provider)", K::kTradeDeliver,
         "tracectl trade deliver --key keys/provider-acme.pem --trade trade-1 "
         "--delivery @manifest.json --method download");
  add_tx(*trade, exit_code, "confirm", "Confirm receipt of the delivery (its buyer)",
         K::kTradeConfirm,
         "tracectl trade confirm --key keys/buyer-bank.pem --trade trade-1");
  add_tx(*trade, exit_code, "usage", "Report usage of delivered data (its buyer)",
         K::kTradeRecordUsage,
         "tracectl trade usage --key keys/buyer-bank.pem --trade trade-1 --report @usage.csv "
         "--units 1200");
  add_tx(*trade, exit_code, "settle", "Record the settlement (an operator)", K::kTradeSettle,
         "tracectl trade settle --key keys/exchange.pem --trade trade-1 "
         "--payment-reference @payment.txt --amount 120000 --currency CNY");
  add_tx(*trade, exit_code, "dispute", "Open a dispute (a party)", K::kTradeOpenDispute,
         "tracectl trade dispute --key keys/buyer-bank.pem --trade trade-1 --reason @complaint.pdf");
  add_tx(*trade, exit_code, "resolve", "Resolve a dispute (arbitrators)",
         K::kTradeResolveDispute,
         "tracectl trade resolve --key keys/arbitrator-1.pem --trade trade-1 "
         "--ruling @ruling.pdf --outcome split");
  add_tx(*trade, exit_code, "cancel", "Cancel a trade before delivery (a party)", K::kTradeCancel,
         "tracectl trade cancel --key keys/buyer-bank.pem --trade trade-1 --reason @why.txt");
  add_show(*trade, exit_code, "show", "One trade: its state, parties, reviews and steps",
           "trade_get", "tradeId", "TRADE", "tracectl trade show trade-1 --key keys/buyer-bank.pem");
  {
    auto options = std::make_shared<ListOptions>();
    auto* list_cmd = add_list(
        *trade, exit_code,
        "Trades the caller may read, in one state with --state: a work queue (reviewers: agreed, "
        "arbitrators: disputed, operators: accepted and resolved)",
        ListKind::kTrades, "tracectl trade list --state agreed --key keys/reviewer-1.pem", options);
    list_cmd->add_option("--state", options->state,
                         "requested, agreed, approved, rejected, delivered, accepted, settled, "
                         "disputed, resolved, cancelled or declined");
  }

  // participants and transactions
  auto* participant = app.add_subcommand("participant", "A participant's record");
  participant->require_subcommand(1);
  add_show(*participant, exit_code, "show", "A participant: roles, jurisdiction, keys, status",
           "participant_get", "participantId", "PARTICIPANT",
           "tracectl participant show buyer-bank --key keys/buyer-bank.pem");
  auto* tx = app.add_subcommand("tx", "A committed transaction");
  tx->require_subcommand(1);
  add_show(*tx, exit_code, "get", "A committed transaction, decoded, with its block and index",
           "tx_get", "hash", "HASH", "tracectl tx get ed5943e1… --key keys/buyer-bank.pem");

  // reads
  {
    auto options = std::make_shared<TrailOptions>();
    auto* command = app.add_subcommand(
        "trail", "A trade's timeline and everything it relied on, each receipt verified");
    command->add_option("TRADE_ID", options->trade, "Trade id")->required();
    command->add_option("--genesis", options->genesis,
                        "The chain's genesis.json: verify each entry's receipt offline");
    add_remote_options(*command, options->remote);
    command->footer(
        "Example:\n  tracectl trail trade-1 --key keys/auditor-1.pem --genesis genesis.json\n\n"
        "Exit code 1 when a receipt fails verification.");
    command->callback([&exit_code, options] {
      exit_code = trail(*options, std::cout, std::cerr);
    });
  }
  {
    auto* access = app.add_subcommand(
        "access", "Who read what: the reads a node recorded in its read log (docs/oversight.md)");
    access->require_subcommand(1);
    auto options = std::make_shared<AccessReadsOptions>();
    auto* reads = access->add_subcommand(
        "reads", "Who read records about you (auditors: about anyone), through this node");
    reads->add_option("--about", options->about,
                      "Reads of records about this participant (default: the caller; auditors: "
                      "everyone)");
    reads->add_option("--reader", options->reader, "Only the reads by this participant");
    reads->add_option("--genesis", options->genesis,
                      "The chain's genesis.json: verify each entry against the node's checkpoint "
                      "on chain");
    reads->add_option("--out", options->out,
                      "Save the answer (tracechain-reads/1) for tracectl verify-reads");
    reads->add_option("--limit", options->limit, "Entries at most (default 1000)");
    add_remote_options(*reads, options->remote);
    reads->footer(
        "Example:\n  tracectl access reads --key keys/buyer-bank.pem --genesis genesis.json\n\n"
        "Exit code 1 when an entry or the checkpoint does not verify.");
    reads->callback([&exit_code, options] {
      exit_code = access_reads(*options, std::cout, std::cerr);
    });
  }
  {
    auto* history = app.add_subcommand(
        "history", "A participant's or an asset's whole history, proven complete with --genesis");
    history->require_subcommand(1);
    auto participant_options = std::make_shared<ParticipantHistoryOptions>();
    auto* of_participant = history->add_subcommand(
        "participant", "Every trade a participant is a party to, in the order they were created");
    of_participant->add_option("PARTICIPANT", participant_options->participant, "Participant id")
        ->required();
    of_participant->add_option("--genesis", participant_options->genesis,
                               "The chain's genesis.json: prove the list complete offline");
    add_remote_options(*of_participant, participant_options->remote);
    of_participant->footer(
        "Example:\n  tracectl history participant buyer-bank --key keys/auditor-1.pem "
        "--genesis genesis.json\n\nExit code 1 when it is not proven complete.");
    of_participant->callback([&exit_code, participant_options] {
      exit_code = participant_history(*participant_options, std::cout, std::cerr);
    });
    auto asset_options = std::make_shared<AssetOptions>();
    auto* of_asset = history->add_subcommand(
        "asset", "An asset's registration, reviews and trades (as tracectl asset history)");
    of_asset->add_option("ASSET", asset_options->asset, "Asset id")->required();
    of_asset->add_option("--genesis", asset_options->genesis,
                         "The chain's genesis.json: prove the history complete offline");
    add_remote_options(*of_asset, asset_options->remote);
    of_asset->footer("Example:\n  tracectl history asset weather-2026 --key keys/auditor-1.pem "
                     "--genesis genesis.json\n\nExit code 1 when it is not proven complete.");
    of_asset->callback([&exit_code, asset_options] {
      exit_code = asset_history(*asset_options, std::cout, std::cerr);
    });
  }
  {
    auto options = std::make_shared<TradesOptions>();
    auto* command = app.add_subcommand("trades", "Trades of a participant or of an asset");
    command->add_option("--participant", options->participant, "Buyer or provider");
    command->add_option("--asset", options->asset, "Asset id");
    add_remote_options(*command, options->remote);
    command->footer("Example:\n  tracectl trades --participant buyer-bank --key keys/auditor-1.pem");
    command->callback([&exit_code, options] { exit_code = trades(*options, std::cout, std::cerr); });
  }
  {
    auto options = std::make_shared<AttestationsOptions>();
    auto* command = app.add_subcommand("attestations", "Identity attestations about a participant");
    command->add_option("PARTICIPANT", options->participant, "Participant id")->required();
    add_remote_options(*command, options->remote);
    command->footer("Example:\n  tracectl attestations buyer-bank --key keys/auditor-1.pem");
    command->callback(
        [&exit_code, options] { exit_code = attestations(*options, std::cout, std::cerr); });
  }
  {
    auto options = std::make_shared<StateProofOptions>();
    auto* command = app.add_subcommand(
        "state-proof", "Save a proof of a record's current value (or its absence) for offline "
                       "checks");
    command->add_option("STATE_KEY", options->key,
                        "A raw state key, e.g. t/trade-1 (docs/storage.md)");
    command->add_option("--trade", options->trade, "A trade's record");
    command->add_option("--asset", options->asset, "An asset's record");
    command->add_option("--participant", options->participant, "A participant's record");
    command->add_flag("--history", options->history,
                      "The record's history commitment instead of the record");
    command->add_option("--out", options->out, "File to write (default: print it)");
    add_remote_options(*command, options->remote);
    command->footer(
        "Example:\n  tracectl state-proof --trade trade-1 --key keys/buyer-bank.pem --out s.json\n"
        "  tracectl verify-state s.json --genesis genesis.json");
    command->callback(
        [&exit_code, options] { exit_code = state_proof_get(*options, std::cout, std::cerr); });
  }
  {
    auto options = std::make_shared<CheckpointOptions>();
    auto* command = app.add_subcommand(
        "checkpoint", "The log's checkpoint (C2SP tlog-checkpoint) as a note this node signed, "
                      "or, with --out, with its certified header for offline checks");
    command->add_option("--height", options->height, "At this committed height (default: the tip)");
    command->add_option("--out", options->out, "File to write the whole answer to");
    add_remote_options(*command, options->remote);
    command->footer(
        "Example:\n  tracectl checkpoint --node http://127.0.0.1:26657\n"
        "  tracectl checkpoint --out cp.json && tracectl verify-checkpoint cp.json --genesis genesis.json");
    command->callback(
        [&exit_code, options] { exit_code = checkpoint_get(*options, std::cout, std::cerr); });
  }
  {
    auto* receipt = app.add_subcommand("receipt", "Self-contained receipts for offline checks");
  receipt->footer("Example:\n  tracectl receipt get ed5943e1… --key keys/buyer-bank.pem --out r.json");
    receipt->require_subcommand(1);
    auto options = std::make_shared<ReceiptGetOptions>();
    auto* get = receipt->add_subcommand(
        "get", "Save a transaction's self-contained receipt (tx, receipt, proof, header, "
               "certificate, validator set)");
    get->add_option("TX", options->tx, "Transaction hash")->required();
    get->add_option("--out", options->out, "File to write (default: print it)");
    get->add_option("--height", options->height,
                    "Prove against this later header instead of the including block's");
    get->add_flag("--witnessed", options->witnessed,
                  "Add each witness's latest cosigned checkpoint that holds the transaction, "
                  "with its inclusion proof (for tracectl verify --min-witnesses)");
    add_remote_options(*get, options->remote);
    get->footer("Example:\n  tracectl receipt get ed5943e1… --key keys/buyer-bank.pem --out r.json\n"
                "  tracectl verify r.json --genesis genesis.json");
    get->callback([&exit_code, options] { exit_code = receipt_get(*options, std::cout, std::cerr); });
  }
}

}  // namespace tracechain::cli
