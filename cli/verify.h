// Offline verification of what a node hands out: self-contained receipts
// (docs/rpc.md, VerifiableReceipt), validator-set changes and consistency
// between two log checkpoints. Nothing here touches the network: the
// auditor trusts genesis and nothing else, and every conclusion is drawn
// from the `hex` fields (the decoded JSON beside them is checked against
// them, never believed).
//
// Pure functions over parsed JSON; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ledger/block.h"
#include "ledger/checkpoint.h"
#include "ledger/genesis.h"
#include "ledger/validators.h"

namespace tracechain::cli {

using Json = nlohmann::json;

inline constexpr std::string_view kReceiptFormat = "tracechain-verifiable-receipt/1";
inline constexpr std::string_view kValidatorChangesFormat = "tracechain-validator-changes/1";

// A validator set and the first height it signs.
struct ValidatorEpoch {
  std::uint64_t from_height = 1;
  ledger::ValidatorSet set;
  Digest hash{};
};

// The validator sets an auditor trusts: genesis's, then each change whose
// header is certified by the set in force before it.
class ValidatorHistory {
 public:
  explicit ValidatorHistory(const ledger::Genesis& genesis);

  // Follows a ValidatorSetChanges document (the result of
  // chain_getValidatorSetChanges from height 1, or `tracectl validator-changes
  // get`'s file). Fails with kVerificationFailed naming the change that does
  // not verify, kInvalidInput for a malformed document.
  Status follow(const Json& changes);

  // The set that signs `height` (>= 1) as far as the changes followed tell.
  const ValidatorEpoch& at(std::uint64_t height) const;
  // The last height the followed changes cover; 0 with genesis only.
  std::uint64_t covered_through() const { return covered_through_; }
  const std::vector<ValidatorEpoch>& epochs() const { return epochs_; }

 private:
  ledger::ChainParams params_;
  std::vector<ValidatorEpoch> epochs_;
  std::uint64_t covered_through_ = 0;
};

// One step of a verification, as `tracectl verify` prints it.
struct Check {
  std::string name;
  bool ok = false;
  std::string detail;  // what was established, or exactly what failed
};

// The checks of one verification, in order; it holds when all do.
struct Verification {
  std::vector<Check> checks;

  bool ok() const;
  // The first failed check, if any.
  const Check* first_failure() const;
};

struct ReceiptVerification : Verification {
  // From the hex, when it decoded (empty otherwise).
  std::string tx_hash;
  std::string kind;
  std::string sender;
  std::string status;  // "ok" or "failed"
  std::uint64_t height = 0;  // of the block that included the transaction
  std::uint64_t index = 0;
  // The certified header it was proved against.
  std::uint64_t header_height = 0;
  std::string header_hash;
  std::uint64_t log_size = 0;
  std::string log_root;
};

// What an auditor asks of witnesses (docs/oversight.md): that `required` of
// `cosigners` cosigned a checkpoint of the chain's log that holds the
// transaction.
struct WitnessRequirement {
  std::vector<ledger::NoteVerifier> cosigners;
  std::size_t required = 0;
};

// The cosigning keys of the witnesses genesis's policy names.
std::vector<ledger::NoteVerifier> policy_cosigners(const ledger::Genesis& genesis);

// Checks a VerifiableReceipt in full (see docs/audit.md for each step), and
// with `witnesses` its "witnessed" checkpoints too (tx_getVerifiableReceipt
// with witnessed: true). Never throws on malformed input: a missing or
// mistyped field is a failed check naming the field.
ReceiptVerification verify_receipt(const Json& receipt, const ledger::Genesis& genesis,
                                   const ValidatorHistory& validators,
                                   const WitnessRequirement* witnesses = nullptr);

// {"ok", "txHash", ..., "checks": [{"name", "ok", "detail"}]}: stable, documented in docs/audit.md.
Json verification_json(const ReceiptVerification& verification);
// One line per check with ✓ or ✗, then a verdict.
void print_verification(std::ostream& out, const ReceiptVerification& verification);

// A log checkpoint from a certified header: size and root.
struct LogCheckpoint {
  std::uint64_t height = 0;
  std::uint64_t size = 0;
  Digest root{};
  std::uint64_t time_ms = 0;  // the block's time, as its certified header says
  ledger::BlockHeader header;  // the certified header itself
};

// Takes a Header (with `hex`) and its Certificate, checks the certificate
// against `validators` and returns the header's checkpoint; `where` names
// the input in messages.
Result<LogCheckpoint> certified_checkpoint(const Json& header, const Json& certificate,
                                           const ledger::Genesis& genesis,
                                           const ValidatorHistory& validators,
                                           const std::string& where);

// Checks a consistency proof (chain_getConsistencyProof's result) between
// two checkpoints: sizes and roots match theirs and the path verifies.
Status verify_consistency_proof(const Json& proof, const LogCheckpoint& from,
                                const LogCheckpoint& to, crypto::HashAlgorithm algorithm);

// ------------------------------------------------------------ checkpoints

// What a checkpoint file (chain_getCheckpoint's result) proves: the
// header's certificate holds, the checkpoint is that header's (origin, log
// size and root), and, if the file holds a signed note, its text is the
// checkpoint, a validator of that height signed it, and which witnesses of
// genesis's policy cosigned it (a line of theirs that fails fails it all).
struct CheckpointVerification {
  LogCheckpoint checkpoint;
  std::string text;         // the checkpoint's note text
  std::string signed_note;  // empty if the file holds none
  std::string signer;       // the validator whose note signature holds
  // The cosignatures in the note by witnesses genesis's policy names.
  struct Cosigned {
    std::string participant;
    std::uint64_t time = 0;
  };
  std::vector<Cosigned> cosigned;
};
Result<CheckpointVerification> verify_checkpoint(const Json& answer, const ledger::Genesis& genesis,
                                                 const ValidatorHistory& validators);

// ------------------------------------------------------------ state proofs

struct StateProofVerification : Verification {
  std::string key;
  std::optional<Bytes> value;  // as proven; nullopt: the key holds nothing
  Json record;                 // the value decoded, for keys of known records
  std::uint64_t height = 0;    // of the certified header proved against
  std::string header_hash;
  std::string state_root;
};

// Checks a state proof document (state_getProof's result, or a `stateProof`
// / `historyProof` member of a read with proof: true): the chain, the header
// certified by the trusted validators, a header of format 2, and the key's
// value (or absence) proven against its state root. Never throws.
StateProofVerification verify_state_proof(const Json& proof, const ledger::Genesis& genesis,
                                          const ValidatorHistory& validators);
Json verification_json(const StateProofVerification& verification);
void print_verification(std::ostream& out, const StateProofVerification& verification);

// A history proven complete: the record's committed count and head at a
// certified height.
struct CompleteHistory {
  std::uint64_t height = 0;
  ledger::HistoryCommitment commitment;
};

// Checks that `tx_hashes`, in order, are the whole history of the record at
// `record_key` ("t/<trade>", "asset/<asset>", "p/<participant>") at the
// height of `history_proof` (a state proof of keys::history(record_key)).
// `tx_hashes` may run past that height (a history read in pages as the
// chain grew): the first `count` must be exactly the committed ones, and the
// rest are ignored when `allow_later` (then only those covered are proven).
// kVerificationFailed naming what does not hold.
Result<CompleteHistory> verify_history(const Json& history_proof, std::string_view record_key,
                                       std::span<const Digest> tx_hashes,
                                       const ledger::Genesis& genesis,
                                       const ValidatorHistory& validators,
                                       bool allow_later = false);

// Whether `entries` (each with its "txHash", in order) are the whole history
// of the record at `record_key`, by the history proof in `answer` (its
// "historyProof"), as verify_history: sets answer["completeness"] either way
// ({"complete", "height", "count"} or {"complete": false, "detail"}) and
// returns whether it holds.
bool check_completeness(Json& answer, const std::string& record_key, const Json& entries,
                        const ledger::Genesis& genesis, const ValidatorHistory& validators,
                        bool allow_later);
// "✓ complete at height H: ..." or "✗ not proven complete: ...", a line.
std::string completeness_line(const Json& answer);

}  // namespace tracechain::cli
