// tracectl's read commands: ask a node over JSON-RPC and print the answer
// for people (--output table) or as the node's JSON shapes (--output json,
// docs/rpc.md, with the additions docs/tracectl.md lists).
//
// Each returns the process exit code: 0, 2 for a bad argument, an unknown
// record or a refused read, 3 when the node cannot be reached.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

#include "cli/remote.h"

namespace tracechain::cli {

int status(const RemoteOptions& remote, std::ostream& out, std::ostream& err);
// The policy in force (chain_getPolicy): per level, the review and identity rules.
int policy(const RemoteOptions& remote, std::ostream& out, std::ostream& err);

struct TrailOptions {
  RemoteOptions remote;
  std::string trade;
  // With genesis, each entry's self-contained receipt is fetched and
  // verified offline (cli/verify.h), following the validator-set changes
  // since genesis (fetched from the node, each one certified); exit code 1
  // when one fails. Without it, entries are marked "-" (not verified).
  std::filesystem::path genesis;
};
int trail(const TrailOptions& options, std::ostream& out, std::ostream& err);

struct TradesOptions {
  RemoteOptions remote;
  std::string participant;  // one of the two
  std::string asset;
};
int trades(const TradesOptions& options, std::ostream& out, std::ostream& err);

// With genesis (of a chain that commits to a state tree), the history is
// checked for completeness against the asset's history commitment proven at
// a certified height; exit code 1 when it is not complete.
struct AssetOptions {
  RemoteOptions remote;
  std::string asset;
  std::filesystem::path genesis;
};
int asset_history(const AssetOptions& options, std::ostream& out, std::ostream& err);

// The trades a participant is a party to, in the order they were created,
// with the same completeness check as asset_history.
struct ParticipantHistoryOptions {
  RemoteOptions remote;
  std::string participant;
  std::filesystem::path genesis;
};
int participant_history(const ParticipantHistoryOptions& options, std::ostream& out,
                        std::ostream& err);

struct AttestationsOptions {
  RemoteOptions remote;
  std::string participant;
};
int attestations(const AttestationsOptions& options, std::ostream& out, std::ostream& err);

// One record by its id, with a read method (trade_get, asset_get,
// participant_get, tx_get, governance_getProposal): its fields, one a line,
// or the node's JSON.
struct ShowOptions {
  RemoteOptions remote;
  std::string method;  // e.g. "trade_get"
  std::string param;   // e.g. "tradeId"
  std::string id;
};
int show(const ShowOptions& options, std::ostream& out, std::ostream& err);

// The lists of records: trade_list (a work queue with --state),
// asset_list, governance_listProposals (--open).
enum class ListKind { kTrades, kAssets, kProposals };
struct ListOptions {
  RemoteOptions remote;
  ListKind kind = ListKind::kTrades;
  std::string state;  // trades: only this state
  bool open = false;  // proposals: only those still open
};
int list(const ListOptions& options, std::ostream& out, std::ostream& err);

struct ReceiptGetOptions {
  RemoteOptions remote;
  std::string tx;                 // transaction hash
  std::optional<std::uint64_t> height;  // prove against this later header
  std::filesystem::path out;      // empty: print to stdout
  bool witnessed = false;         // with the witnesses' cosigned checkpoints that hold it
};
int receipt_get(const ReceiptGetOptions& options, std::ostream& out, std::ostream& err);

// A state proof (state_getProof) of a raw state key, or of a trade's, an
// asset's or a participant's record (or, with history, of its history
// commitment), for `tracectl verify-state`.
struct StateProofOptions {
  RemoteOptions remote;
  std::string key;  // one of these four
  std::string trade;
  std::string asset;
  std::string participant;
  bool history = false;
  std::filesystem::path out;  // empty: print to stdout
};
int state_proof_get(const StateProofOptions& options, std::ostream& out, std::ostream& err);

struct CheckpointOptions {
  RemoteOptions remote;
  std::optional<std::uint64_t> height;  // default: the tip
  std::filesystem::path out;            // empty: print the signed note
};
int checkpoint_get(const CheckpointOptions& options, std::ostream& out, std::ostream& err);

}  // namespace tracechain::cli
