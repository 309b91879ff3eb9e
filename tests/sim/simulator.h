// A deterministic simulator for the consensus engine: n validators on a
// simulated clock and network, driven from one seed.
//
// Everything random (delays, loss, duplication, partitions, crashes, which
// validators are Byzantine and how, which blocks are invalid) is drawn from
// one std::mt19937_64 seeded with the seed, and events are ordered by
// (simulated time, sequence number), so a seed replays exactly: run() twice
// with the same mix and seed gives the same trace hash. The engines
// themselves hold no randomness.
//
// After every step the checker verifies:
//   agreement  no two honest nodes commit different blocks at a height;
//   validity   every committed block was proposed, is valid for its height,
//              was validated by the committing node, and carries a
//              certificate that passes ledger::verify_certificate;
//   signing    an honest validator never signs two different messages for
//              one (height, round, step), across crashes, and never sends
//              one it has not persisted first;
//   evidence   evidence never names an honest validator;
//   liveness   once the faults stop (all partitions healed, crashed nodes
//              restarted, no loss), every honest node commits K more heights
//              within a bound of simulated time.
// The first violation stops the run; RunResult::describe() names the seed,
// the fault mix drawn from it and the command that replays it.
//
// The driver around each engine plays the node's part: it executes actions
// in order, keeps the persisted signing state and committed certificates
// across crashes (nothing else survives), answers validation, getValue and
// block requests, and implements the gossip the algorithm assumes: a node
// whose height has not advanced for a gossip interval re-sends
// Engine::gossip() and asks its peers to catch it up (SyncRequest), and
// peers answer with the certificate of a height they committed or with every
// message they hold for the asker's round and for their own.
//
// run() keeps validator keys in a process-wide cache (key bytes decide
// nothing in a run): call it from one thread at a time.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/signature.h"

namespace tracechain::sim {

enum class Behaviour {
  kHonest,
  kSilent,                // never sends anything
  kEquivocatingProposer,  // sends different proposals to different peers
  kDoubleVoter,           // sends conflicting votes to different peers
  kForkCoalition,         // with its fellow members, proposes and votes two blocks to two halves
};

std::string_view behaviour_name(Behaviour behaviour);

// The kinds of fault a seed may draw from, and their bounds. Each seed draws
// its own values within the bounds (a loss rate up to max_loss, ...).
struct FaultMix {
  std::string name = {};
  std::size_t validators = 4;
  std::size_t byzantine = 0;
  std::vector<Behaviour> byzantine_behaviours = {};  // each Byzantine validator draws one
  double max_loss = 0;
  double max_duplication = 0;
  std::uint64_t max_delay_ms = 40;  // during the faults; varying delays reorder messages
  bool partitions = false;
  bool crashes = false;
  bool validator_change = false;  // at a height, one validator leaves, one joins, one gains power
  double invalid_blocks = 0.1;    // share of proposed blocks that fail validation
  std::uint64_t fault_phase_ms = 3000;
  std::uint64_t liveness_heights = 3;  // K
  std::uint64_t liveness_bound_ms = 30000;
  // Each seed draws its chain's signature suite from this list.
  std::vector<crypto::Suite> suites = {crypto::Suite::kP256Sha256, crypto::Suite::kP256Sha256,
                                       crypto::Suite::kP256Sha256, crypto::Suite::kEd25519Sha256};
  // Restarted validators forget their signing state (an operator restoring
  // an old backup): outside the fault model, for proving the checker.
  bool amnesia = false;
  // Outside the fault model (f+1 Byzantine, amnesia): a violation is what
  // the run is expected to find.
  bool expects_violation = false;
};

struct Violation {
  std::string kind;  // "agreement", "validity", "double-sign", "liveness", ...
  std::string detail;
  std::uint64_t time_ms = 0;
};

struct RunResult {
  std::uint64_t seed = 0;
  std::string mix;
  std::string faults;  // the fault mix this seed drew, in words
  std::optional<Violation> violation;
  std::uint64_t trace_hash = 0;  // FNV-1a over every event and action
  std::uint64_t events = 0;
  std::uint64_t end_time_ms = 0;
  std::uint64_t min_height = 0;  // committed by every honest node
  std::uint32_t max_round = 0;   // the highest round any engine reached
  std::uint64_t evidence = 0;    // evidence reports by honest nodes
  std::uint64_t messages_sent = 0;
  std::uint64_t messages_dropped = 0;
  // Real replicas only: transactions of received blocks that honest replicas
  // took from their mempools instead of decoding them again.
  std::uint64_t block_txs_reused = 0;

  // One paragraph: seed, mix, faults, outcome, and how to replay.
  std::string describe() const;
};

// Runs one seed of `mix`. With `trace`, writes one line per event.
RunResult run(const FaultMix& mix, std::uint64_t seed, std::ostream* trace = nullptr);

// The mixes of the default test run, all with at most f Byzantine validators.
std::vector<FaultMix> standard_mixes();
// f+1 validators in a fork coalition: the checker must find forks.
FaultMix fork_mix(std::size_t validators);
// Crashing validators that restart without their signing state: the checker
// must find double signing.
FaultMix amnesia_mix();
// A standard mix, or "fork-n4", "fork-n7", "amnesia-n4".
std::optional<FaultMix> find_mix(std::string_view name);

}  // namespace tracechain::sim
