// The deterministic simulator of real replicas: n node::Replica objects
// (the driver tracechaind runs) over in-memory, fault-injecting block
// stores, a simulated clock and network, real blocks of real signed
// transactions executed by the ledger, and Byzantine peers, from one seed.
//
// Each honest replica has a MemoryKv "disk" behind a FaultInjectionKv, an
// in-memory signing-state store and held-block store (these three survive a
// crash; the replica, its mempool and everything else in memory do not).
// Messages travel as encoded frames and are decoded on arrival, as over
// P2P. A crash may come between any two effects of one input (after the
// signing state was saved but before the vote left, say), and whole-cluster
// crashes stop every honest replica at once.
//
// Adversaries are peers, not engines: each Byzantine node plays one of
// Adversary below with its real validator key (so what it signs verifies)
// and with garbage where that is the attack.
//
// After every step the checker verifies:
//   agreement    no two honest replicas commit different blocks at a height
//                (the header hash covers the state root, receipts root and
//                log root, so identical blocks mean identical state);
//   certificate  every committed block carries a certificate that passes
//                ledger::verify_certificate with the height's set;
//   no abort     no honest replica throws out of an input or stops on a
//                fatal error;
// and at the end:
//   liveness     once the faults stop, every honest replica commits K more
//                heights within a bound of simulated time;
//   transactions every transaction an honest replica admitted during the
//                faults, and that some honest replica still held, is committed;
//   stores       every honest store holds the same headers and receipts.
//
// Ed25519 signatures are deterministic, so an Ed25519 seed replays exactly
// (the same trace hash); P-256 and SM2 signatures are randomised by OpenSSL,
// so their runs replay the same faults and schedule but not byte-identical
// hashes. run_replicas() keeps keys in a process-wide cache: call it from
// one thread at a time.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "simulator.h"

namespace tracechain::sim {

enum class Adversary {
  kProposalFlood,  // proposals with bad signatures, from the wrong proposer, past/future heights
  kBlockFlood,     // many distinct valid-looking blocks at one height, signed by itself
  kVoteFlood,      // votes and commit certificates for unknown blocks, future rounds
  kEquivocator,    // a real replica whose proposals and votes differ per peer
  kLiar,           // claims height 2^64-1, answers sync with wrong, truncated or forged blocks
  kReplayer,       // replays old messages and sends everything twice
  kMute,           // connected, claims to be ahead, never answers
};

std::string_view adversary_name(Adversary adversary);

struct ReplicaMix {
  std::string name;
  std::size_t validators = 4;
  std::size_t byzantine = 0;
  std::vector<Adversary> adversaries = {};  // each Byzantine node draws one
  double max_loss = 0;
  double max_duplication = 0;
  std::uint64_t max_delay_ms = 40;
  bool partitions = false;
  bool crashes = false;          // single replicas, also between two effects
  bool cluster_crashes = false;  // every honest replica at once, also mid-step
  std::uint64_t fault_phase_ms = 3000;
  std::uint64_t liveness_heights = 3;
  std::uint64_t liveness_bound_ms = 30000;
  std::size_t transactions = 8;  // submitted during the faults
  std::vector<crypto::Suite> suites = {crypto::Suite::kEd25519Sha256};
  // Replicas keep the blocks their signing state depends on only in
  // memory, as tracechaind did before held_blocks.bin: outside the fault
  // model, to show the checker finds the halt that whole-cluster restarts
  // then cause.
  bool forget_held_blocks = false;
  bool expects_violation = false;
};

RunResult run_replicas(const ReplicaMix& mix, std::uint64_t seed, std::ostream* trace = nullptr);

// The mixes of the default test run; each has at most f Byzantine nodes.
std::vector<ReplicaMix> standard_replica_mixes();
// Whole-cluster crashes with held blocks kept in memory only.
ReplicaMix forgetful_replica_mix();
std::optional<ReplicaMix> find_replica_mix(std::string_view name);

}  // namespace tracechain::sim
