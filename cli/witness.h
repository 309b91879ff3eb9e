// A witness (docs/oversight.md): a party outside the consortium that follows
// one or more nodes and cosigns the chain's log checkpoints
// (c2sp.org/tlog-cosignature), each only if it is consistent with the last
// one it cosigned. Colluding validators can re-certify a rewritten history;
// they cannot make a witness cosign it, and a witness that is shown one
// keeps both certified checkpoints as evidence anyone can check offline.
//
// The witness trusts genesis and the certificates that follow from it: every
// checkpoint it considers carries the certified header it comes from, and
// every step forward carries an RFC 9162 consistency proof. What it last
// cosigned lives in a small state file, fsynced before a signature leaves,
// so that even across a crash it never cosigns two roots for one log size.
#pragma once

#include <filesystem>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/audit.h"
#include "cli/remote.h"
#include "cli/verify.h"

namespace tracechain::cli {

inline constexpr std::string_view kWitnessStateFormat = "tracechain-witness-state/1";
inline constexpr std::string_view kForkEvidenceFormat = "tracechain-fork-evidence/1";

// What a witness remembers: the last checkpoint it cosigned, as the node
// served it (chain_getCheckpoint's answer, certified header included).
struct WitnessState {
  Json checkpoint;
  std::uint64_t height = 0;
  std::uint64_t size = 0;
  Digest root{};
  Digest header_hash{};
};

// Reads the state file; std::nullopt if there is none yet. The file is the
// witness's own (it verified the checkpoint before writing it); one that does
// not parse, or is of another chain, is an error, never silently replaced.
Result<std::optional<WitnessState>> load_witness_state(const std::filesystem::path& path,
                                                       const ledger::Genesis& genesis);
// Writes it atomically and durably (file and directory fsynced).
Status save_witness_state(const std::filesystem::path& path, const WitnessState& state);

// What a witness asks of one node.
struct WitnessSource {
  std::string name;  // for messages: the node's URL
  // chain_getCheckpoint at a height, or at the tip.
  std::function<Result<Json>(std::optional<std::uint64_t> height)> checkpoint;
  // chain_getConsistencyProof between two log sizes.
  std::function<Result<Json>(std::uint64_t from_size, std::uint64_t to_size)> consistency;
  // chain_getValidatorSetChanges from height 1, merged.
  std::function<Result<Json>()> validator_changes;
  // The first height whose header has this log size (std::nullopt: none).
  std::function<Result<std::optional<std::uint64_t>>(std::uint64_t size)> height_of_size;
};

// A witness from the files the commands name (genesis, the Ed25519 key, its
// name and state file), its state loaded.
Result<std::unique_ptr<class Witness>> open_witness(const std::filesystem::path& genesis,
                                                    const std::filesystem::path& cosigning_key,
                                                    const std::string& name,
                                                    const std::filesystem::path& state);

// The wall clock in POSIX seconds: a cosignature's time.
std::uint64_t now_seconds();

// What a node's RPC answers, through `client` (which must outlive it).
WitnessSource network_source(node::rpc::Client& client);

struct WitnessStep {
  enum class Outcome {
    kCosigned,      // a new or the same checkpoint, consistent: cosigned
    kBehind,        // the node's log is shorter than the one last cosigned
    kRefused,       // the node's answer did not verify; nothing cosigned
    kForkDetected,  // two certified checkpoints contradict each other
  };
  Outcome outcome = Outcome::kRefused;
  std::string detail;
  std::string note;  // kCosigned: the checkpoint with the witness's cosignature line
  std::uint64_t height = 0;
  std::uint64_t size = 0;
  Json evidence;  // kForkDetected: a tracechain-fork-evidence/1 document
  bool unreachable = false;  // kRefused because the node did not answer
};

class Witness {
 public:
  // `key` is an Ed25519 key; `name` the cosigner name the policy gives it.
  Witness(ledger::Genesis genesis, crypto::PrivateKey key, std::string name,
          std::filesystem::path state_file);

  // Loads the state file (none yet: the first verified checkpoint is taken
  // on its certificate alone).
  Status open();
  const std::optional<WitnessState>& state() const { return state_; }

  // One round against one node: its latest checkpoint, verified; checked
  // against the state; cosigned at `now` (seconds) if consistent, the state
  // saved first.
  WitnessStep step(const WitnessSource& source, std::uint64_t now);

  // The cosigning key as the policy names it (<name>+<id>+<key>).
  std::string cosigning_key() const;

  // One c2sp.org/tlog-witness add-checkpoint request (`body`: "old N", the
  // consistency proof lines, a blank line, the checkpoint note signed by a
  // validator). Beyond the protocol's checks, the checkpoint must be the
  // certified header's of that log size, as `node` serves it. The answer's
  // status and body are the protocol's: 200 with the cosignature line, 400
  // malformed, 403 not signed by a validator, 404 another log, 409 with the
  // size last cosigned (text/x.tlog.size), 422 inconsistent or uncertified,
  // 503 the node did not answer.
  struct HttpAnswer {
    unsigned status = 500;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
    Json evidence;  // set when the request proved a fork (422)
  };
  HttpAnswer add_checkpoint(std::string_view body, const WitnessSource& node, std::uint64_t now);

 private:
  WitnessStep cosign(const Json& answer, const CheckpointVerification& verified, std::uint64_t now);
  WitnessStep fork(const Json& first, const Json& second, std::string why);

  ledger::Genesis genesis_;
  crypto::PrivateKey key_;
  std::string name_;
  std::filesystem::path state_file_;
  std::optional<WitnessState> state_;
};

// What `evidence` (a tracechain-fork-evidence/1 document) proves: two
// checkpoints, each certified by the validators genesis trusts, that cannot
// both be true of one chain (one height with two headers, or one log size
// with two roots). Returns a description, or kVerificationFailed saying why
// it proves nothing.
struct ForkProof {
  std::uint64_t height_first = 0;
  std::uint64_t height_second = 0;
  std::string conflict;                  // what contradicts what
  std::vector<std::string> double_signers;  // validators whose signature is on both certificates
};
Result<ForkProof> verify_fork_evidence(const Json& evidence, const ledger::Genesis& genesis,
                                       const ValidatorHistory& validators);

struct WitnessRunOptions {
  std::vector<std::string> nodes;  // RPC URLs; empty: $TRACECHAIN_NODE or the default
  std::filesystem::path ca;
  std::filesystem::path genesis;
  std::filesystem::path cosigning_key;  // Ed25519 PEM
  std::string name;
  std::filesystem::path state;
  std::filesystem::path evidence_dir;  // default: the state file's directory
  std::uint64_t interval_ms = 5000;
  bool once = false;  // one round over the nodes, then exit
};
// Follows the nodes, cosigns and hands each cosignature to every node
// followed (witness_addCosignature). With --once: exit 1 if a fork was
// detected, 3 if a node was unreachable, 2 if a node's answer was refused
// or nothing was cosigned, else 0 (a node behind the others is no failure).
int witness_run(const WitnessRunOptions& options, std::ostream& out, std::ostream& err);

struct WitnessServeOptions {
  std::string listen = "127.0.0.1:26690";  // host:port of the add-checkpoint endpoint
  std::string node;  // the node whose certificates confirm each checkpoint
  std::filesystem::path ca;
  std::filesystem::path genesis;
  std::filesystem::path cosigning_key;
  std::string name;
  std::filesystem::path state;
  std::uint64_t max_requests = 0;  // stop after answering this many (0: never; for tests)
};
// Serves POST /add-checkpoint (c2sp.org/tlog-witness) one request at a time,
// so that checking the old size and saving the new state are atomic.
int witness_serve(const WitnessServeOptions& options, std::ostream& out, std::ostream& err);

struct WitnessPushOptions {
  std::string node;         // a validator's RPC URL: its signed checkpoints
  std::string witness_url;  // http://host:port[/prefix] of a tlog-witness
  std::string witness_key;  // its cosigning key (text or a file holding one)
  std::uint64_t interval_ms = 5000;
  bool once = false;
};
// The log's side of the protocol: sends the node's latest signed checkpoint
// with a consistency proof to a witness (any c2sp.org/tlog-witness
// software), checks the cosignature it returns and hands it to the node.
int witness_push(const WitnessPushOptions& options, std::ostream& out, std::ostream& err);

struct WitnessKeyOptions {
  std::filesystem::path cosigning_key;
  std::string name;
};
// Prints the cosigning key text a policy names the witness by.
int witness_key(const WitnessKeyOptions& options, std::ostream& out, std::ostream& err);

// tracectl verify-evidence: `options.receipt` names the evidence file (the
// options every offline check shares, cli/audit.h).
int verify_evidence_file(const VerifyReceiptOptions& options, std::ostream& out,
                         std::ostream& err);

}  // namespace tracechain::cli
