// What goes into the engine (events) and what comes out (actions).
//
// The driver (the node, or the simulator) owns the clock, the network, the
// disk and the blocks. It feeds every event to Engine::on() and executes the
// returned actions in order, each to completion before the next:
// a PersistSigningState always precedes the broadcast of the message it
// covers, and the broadcast must not leave before the state is durable.
//
// Blocks are opaque to the engine: it sees block hashes only. It asks the
// driver to validate a proposed block (ValidateBlock), to produce a block to
// propose (GetValue, the paper's getValue()), and to fetch a block it saw a
// quorum for but never received (RequestBlock); the driver answers with
// BlockValidated and ValueReady.
//
// Plain value types.
#pragma once

#include <variant>

#include "consensus/signing_state.h"
#include "consensus/types.h"
#include "ledger/validators.h"

namespace tracechain::consensus {

// ------------------------------------------------------------------ events

// Start deciding `height` with the validator set that signs it. The node
// derives the set from the committed chain (validator changes take effect at
// a height boundary). Heights only go up; the first is usually 1.
struct StartHeight {
  std::uint64_t height = 0;
  ledger::ValidatorSet validators;
};

struct ProposalReceived {
  ledger::Proposal proposal;
};

struct VoteReceived {
  ledger::Vote vote;
};

// A timeout scheduled by a ScheduleTimeout action has expired.
struct TimeoutFired {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Step step = Step::kPropose;
};

// The driver's answer to ValidateBlock or RequestBlock: the block with this
// hash, at this height, is valid (the paper's valid(v)) or not.
struct BlockValidated {
  std::uint64_t height = 0;
  Digest block_hash{};
  bool valid = false;
};

// The driver's answer to GetValue: the hash of the block to propose. The
// engine still has it validated like any other proposal.
struct ValueReady {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Digest block_hash{};
};

using Event =
    std::variant<StartHeight, ProposalReceived, VoteReceived, TimeoutFired, BlockValidated,
                 ValueReady>;

// ----------------------------------------------------------------- actions

struct BroadcastProposal {
  ledger::Proposal proposal;
};

struct BroadcastVote {
  ledger::Vote vote;
};

// Deliver TimeoutFired{height, round, step} after duration_ms.
struct ScheduleTimeout {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Step step = Step::kPropose;
  std::uint64_t duration_ms = 0;
};

// Save `state` durably (SigningStateStore::save) before executing the next
// action.
struct PersistSigningState {
  SigningState state;
};

// The block is decided at `height`; `certificate` holds the 2f+1 precommits
// and passes ledger::verify_certificate with the height's validator set.
// The engine then waits for StartHeight(height + 1).
struct CommitBlock {
  std::uint64_t height = 0;
  Digest block_hash{};
  ledger::CommitCertificate certificate;
};

// A quorum voted for a block this node never received: fetch it from peers,
// validate it and answer with BlockValidated.
struct RequestBlock {
  std::uint64_t height = 0;
  Digest block_hash{};
};

// Validate the block `proposal` names (its bytes travel beside the proposal)
// and answer with BlockValidated.
struct ValidateBlock {
  ledger::Proposal proposal;
};

// This validator proposes in (height, round) and has no validValue: build a
// block and answer with ValueReady.
struct GetValue {
  std::uint64_t height = 0;
  std::uint32_t round = 0;
};

// Conflicting votes from one validator, for the node to keep and publish.
struct ReportEvidence {
  Evidence evidence;
};

using Action = std::variant<BroadcastProposal, BroadcastVote, ScheduleTimeout,
                            PersistSigningState, CommitBlock, RequestBlock, ValidateBlock,
                            GetValue, ReportEvidence>;

}  // namespace tracechain::consensus
