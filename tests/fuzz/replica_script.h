// The input of the replica target, shared with the seed generator: a script
// of steps, each one byte that says what happens, then for a message its
// frame as it arrives over P2P (u32 length, then the payload).
//
//   op bits 7-6  0 a message from the peer, 1 a timer fires,
//                2 the peer connects, 3 the peer disconnects
//   op bits 5-2  for a timer: which of the pending timers (modulo their count)
//   op bits 1-0  the peer: the three validators other than the replica's
//                own, in validator order, or a node that is no validator
//
// The replica is the first validator of the fuzz chain that does not propose
// height 1, round 0, so the proposer's messages come from a peer.
#pragma once

#include <string>
#include <vector>

#include "consensus/proposer.h"
#include "node/wire.h"
#include "tests/fuzz/fuzz_chain.h"

namespace tracechain::fuzz {

enum class Step : std::uint8_t { kMessage = 0, kTimer = 1, kConnect = 2, kDisconnect = 3 };

inline constexpr std::size_t kScriptPeers = 4;
inline constexpr const char* kStranger = "stranger";

inline std::string replica_id() {
  const ledger::ValidatorSet& set = fuzz_chain().genesis.validators;
  const std::size_t proposer = consensus::ProposerSchedule(set).proposer_index(1, 0);
  return set.validators[proposer == 0 ? 1 : 0].id;
}

// The peers a script names, by their two bits.
inline std::vector<std::string> script_peers() {
  std::vector<std::string> peers;
  const std::string self = replica_id();
  for (const ledger::Validator& v : fuzz_chain().genesis.validators.validators) {
    if (v.id != self) peers.push_back(v.id);
  }
  peers.push_back(kStranger);
  return peers;
}

inline std::uint8_t step_op(Step step, std::size_t peer, std::size_t timer = 0) {
  return static_cast<std::uint8_t>(static_cast<unsigned>(step) << 6 | (timer & 0xf) << 2 |
                                   (peer & 0x3));
}

// Appends the step "peer sends message".
inline void append_message(Bytes& script, std::size_t peer, const node::WireMessage& message) {
  script.push_back(step_op(Step::kMessage, peer));
  const Bytes frame = node::encode_frame(message);
  script.insert(script.end(), frame.begin(), frame.end());
}

}  // namespace tracechain::fuzz
