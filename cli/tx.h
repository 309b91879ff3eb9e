// tracectl's transaction commands: build a payload from command-line
// arguments, sign it as the participant, submit it to a node over JSON-RPC
// and wait for its receipt.
//
// Arguments are strings by option name (without the dashes); build_payload
// turns them into the kind's payload. Digest arguments take 64 hex digits or
// @FILE (the chain hash of the file's bytes: evidence, reports and terms stay
// off the chain, their hashes go on it). Times take Unix milliseconds or an
// ISO 8601 UTC date ("2026-12-31" or "2026-12-31T23:59:59Z").
#pragma once

#include <chrono>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/remote.h"
#include "ledger/model.h"
#include "ledger/transaction.h"

namespace tracechain::cli {

struct TxRequest {
  ledger::TxKind kind{};
  std::map<std::string, std::string> args;
};

// The payload bytes of `request` for a chain of `suite`; kInvalidInput
// naming the option for a missing or malformed argument.
Result<Bytes> build_payload(const TxRequest& request, crypto::Suite suite);

// One command-line option of a transaction kind (its name without "--").
struct TxOption {
  std::string name;
  std::string help;
  bool required = true;
  bool digest = false;  // 64 hex digits or @FILE
};

// The options `kind` takes, from its payload type's fields.
std::vector<TxOption> tx_options(ledger::TxKind kind);

// 64 hex digits, or @FILE hashed with the suite's hash.
Result<Digest> parse_digest_argument(std::string_view option, std::string_view value,
                                     crypto::Suite suite);
// A public key as given on the command line: its hex (what `tracectl keys
// show` and `tracectl join` print), a PEM public key file, or a private key
// file, whose public half is taken.
Result<crypto::PublicKey> read_public_key(const std::string& text, crypto::Suite suite);
// Role names separated by commas ("governor,operator").
Result<ledger::RoleSet> parse_role_list(std::string_view text);

// Unix milliseconds or an ISO 8601 UTC date or date-time.
Result<std::uint64_t> parse_time_argument(std::string_view option, std::string_view value);

struct SubmitOptions {
  RemoteOptions remote;
  std::optional<std::uint64_t> nonce;  // default: a fresh random one
  std::uint64_t expires_in = 100;      // blocks after the current height
  bool wait = true;                    // wait for the receipt
  std::chrono::seconds timeout{60};    // how long to wait for it
};

// Builds, signs, submits and (unless told not to) waits. Exit code 0 for a
// committed transaction with an "ok" receipt, 2 for one refused by the node
// or committed with a failure receipt (the receipt says why), 3 when the
// node cannot be reached or the receipt does not come in time.
int submit_transaction(const SubmitOptions& options, const TxRequest& request, std::ostream& out,
                       std::ostream& err);

}  // namespace tracechain::cli
