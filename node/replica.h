// The replica: the protocol driver of one node. It owns the consensus
// engine, the candidate blocks of the height being decided, block sync and
// the pacing of heights, and talks to the world only through what it is
// given: a clock, an effects sink (send, broadcast, timers, commit notices,
// fatal stops), the block store, the mempool, and the stores of the signing
// state and of the blocks that state depends on.
//
// It has no thread, socket, timer or clock of its own, so tracechaind (the
// asio glue in node.cc) and the deterministic simulator (tests/sim) run the
// same code. Every input is a method call that runs to completion; effects
// are requested during the call and carried out by the driver, in order.
//
// Peers may be Byzantine. Before the replica stores, relays or asks for
// anything on a peer's word it checks it: a proposal's proposer (the
// proposer of that height and round) before the engine sees it, and its
// block is decoded only once the engine has verified and taken in the
// proposal (or asked for that block); a block's body is checked against its
// header before it is held; a proposal or vote is relayed only once the
// engine has verified and recorded it. What a peer
// can make it hold is bounded: candidate blocks enter only for proposals
// the engine took in (at most two per round, within the engine's round
// window) or for hashes the engine asked for, and at most kMaxHeldBlocks;
// a peer whose messages fail signature checks kMaxBadSignaturesPerPeer
// times in a height is ignored for the rest of that height; block and
// proposal requests are served within a budget per peer. Peer input never
// asserts and never throws out of an input method.
//
// What it persists before it sends: the engine's PersistSigningState goes
// to the SigningStateStore before the vote or proposal that follows it, and
// the block that state is locked on or proposed goes to the HeldBlockStore
// just before that, so a validator locked on a block still holds the block
// after any restart, however the cluster stopped (docs/consensus.md).
//
// Not thread-safe: one owner calls every method.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <deque>

#include "consensus/engine.h"
#include "node/mempool.h"
#include "node/wire.h"
#include "storage/block_store.h"

namespace tracechain::node {

// Wall-clock milliseconds since the Unix epoch (block times are wall time).
class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::uint64_t now_ms() const = 0;
};

// The blocks the signing state depends on (the locked block, the block last
// proposed), kept beside it. save() must be durable when it returns.
class HeldBlockStore {
 public:
  virtual ~HeldBlockStore() = default;
  // Encoded blocks; empty when nothing was ever saved.
  virtual Result<std::vector<Bytes>> load() = 0;
  virtual Status save(const std::vector<Bytes>& blocks) = 0;
};

class InMemoryHeldBlockStore final : public HeldBlockStore {
 public:
  Result<std::vector<Bytes>> load() override { return blocks_; }
  Status save(const std::vector<Bytes>& blocks) override {
    blocks_ = blocks;
    return {};
  }

 private:
  std::vector<Bytes> blocks_;
};

// A timer the replica asked for; handed back to Replica::on_timer.
struct ReplicaTimer {
  enum class Kind : std::uint8_t { kConsensus, kGossip, kIdle, kSync };
  Kind kind = Kind::kGossip;
  consensus::TimeoutFired timeout;  // kConsensus
  std::uint64_t generation = 0;     // kIdle, kSync: stale ones are ignored
};

// Everything the replica asks of the world. Calls come from inside the
// replica's input methods and must not call back into it.
class ReplicaEffects {
 public:
  virtual ~ReplicaEffects() = default;
  virtual void send(const std::string& peer, const WireMessage& message) = 0;
  // To every connected peer but `except`; `id` is the message's gossip id
  // when the caller has it (a relay), computed otherwise.
  virtual void broadcast(const WireMessage& message, const std::optional<Digest>& id,
                         const std::string& except) = 0;
  virtual std::vector<std::string> peers() const = 0;
  // Call Replica::on_timer(timer) after delay_ms (unless stopped).
  virtual void set_timer(std::uint64_t delay_ms, const ReplicaTimer& timer) = 0;
  // A block was committed (store and mempool already updated); `how` is
  // "consensus" or "sync".
  virtual void committed(const ledger::AdmittedBlock& block,
                         const ledger::CommitCertificate& certificate,
                         const ledger::ExecutedBlock& executed, const char* how) = 0;
  // The replica cannot go on safely (a durable write failed); the driver
  // stops it and the process exits with a failure status.
  virtual void fatal(const std::string& reason) = 0;
};

struct ReplicaConfig {
  std::string node_id;
  ledger::ChainId chain_id;
  consensus::Timeouts timeouts;
  std::uint64_t idle_block_interval_ms = 2'000;
  std::size_t max_block_transactions = 10'000;
  std::size_t max_block_bytes = 8 * 1024 * 1024;
  std::size_t max_frame_bytes = 16 * 1024 * 1024;
};

struct ReplicaStatus {
  std::uint64_t height = 0;  // committed
  std::uint64_t consensus_height = 0;
  std::uint32_t consensus_round = 0;
  // The highest height that peers holding more than a third of the voting
  // power claim to have committed: at least one honest validator says so.
  std::uint64_t best_peer_height = 0;
  bool syncing = false;
};

// What the replica counted of its peers' input.
struct ReplicaStats {
  std::uint64_t proposals_refused = 0;   // bad signature, wrong proposer, bad block
  std::uint64_t messages_ignored = 0;    // from a peer over its bad-signature quota
  std::uint64_t relayed = 0;
  std::uint64_t blocks_evicted = 0;
  std::uint64_t sync_refused = 0;        // sync answers that failed a check
  std::uint64_t requests_throttled = 0;  // block or proposal requests over budget
  std::uint64_t proposals_not_built = 0; // GetValue while peers had decided the height
  // Transactions of received blocks taken from the mempool, already decoded
  // and verified, instead of decoding their payloads again.
  std::uint64_t block_txs_reused = 0;
};

class Replica {
 public:
  // Candidate blocks held for the current height at most.
  static constexpr std::size_t kMaxHeldBlocks = 32;
  // Signature failures tolerated from one peer in one height.
  static constexpr std::size_t kMaxBadSignaturesPerPeer = 64;
  // Blocks asked for in one sync request.
  static constexpr std::uint32_t kSyncBatch = 32;
  // A sync request without an answer is given up after this long.
  static constexpr std::uint64_t kSyncTimeoutMs = 5'000;
  // Re-send our own consensus messages this often while a height is open.
  static constexpr std::uint64_t kGossipIntervalMs = 1'000;
  // How far ahead of our clock a proposed block's time may be.
  static constexpr std::uint64_t kMaxClockAheadMs = 30'000;
  // Block and proposal requests served per peer per second.
  static constexpr std::size_t kRequestsPerPeerPerSecond = 50;

  Replica(ReplicaConfig config, crypto::PrivateKey validator_key,
          consensus::SigningState signing_state, storage::BlockStore& store, Mempool& mempool,
          ledger::VerifiedSignatures& verified, consensus::SigningStateStore& signing_store,
          HeldBlockStore& held_store, const Clock& clock, ReplicaEffects& effects);
  ~Replica();
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // Loads the held blocks and starts the first height (or waits for work).
  void start();
  // No further effects: inputs after stop() are ignored.
  void stop() { stopped_ = true; }

  // Inputs.
  void on_message(const std::string& peer, const WireMessage& message,
                  const std::optional<Digest>& id = std::nullopt);
  void on_peer_connected(const std::string& peer);
  void on_peer_disconnected(const std::string& peer);
  void on_timer(const ReplicaTimer& timer);
  // A transaction entered the mempool: an idle height may start now.
  void on_transaction_waiting();

  ReplicaStatus status() const;
  const consensus::Engine& engine() const { return engine_; }
  const ReplicaStats& stats() const { return stats_; }
  bool stopped() const { return stopped_; }

 private:
  // A block the engine may ask about at the current height.
  struct PendingBlock {
    ledger::AdmittedBlock block;
    Bytes encoded;
    std::optional<ledger::Proposal> proposal;  // how it arrived, for ProposalRequest
    std::optional<ledger::ExecutedBlock> executed;
    bool invalid = false;
    std::uint32_t round = 0;  // of the proposal it came with (eviction order)
  };

  // Messages in.
  void on_proposal(const std::string& peer, const ProposalMessage& m, const std::optional<Digest>& id);
  void on_vote(const std::string& peer, const VoteMessage& m, const std::optional<Digest>& id);
  void on_status(const std::string& peer, const StatusMessage& m);
  void on_block_request(const std::string& peer, const BlockRequest& m);
  void on_block_response(const std::string& peer, const BlockResponse& m);
  void on_proposal_request(const std::string& peer, const ProposalRequest& m);
  bool over_quota(const std::string& peer);
  bool within_request_budget(const std::string& peer);
  Status check_proposal(const ledger::Proposal& proposal, bool verify);

  // The engine.
  // Feeds one event and everything it leads to; returns whether the engine
  // took in the event (for a proposal or vote).
  bool feed(consensus::Event event);
  void execute(const consensus::Action& action);
  void persist_signing_state(const consensus::SigningState& state);
  void validate_and_report(const Digest& hash, const std::optional<std::string>& proposer);
  void propose_value(const consensus::GetValue& a);
  bool hold(const Digest& hash, PendingBlock block);

  // Commits and heights.
  void commit_decided(const consensus::CommitBlock& a);
  bool commit(const ledger::AdmittedBlock& block, const ledger::CommitCertificate& certificate,
              const ledger::ExecutedBlock& executed, const char* how);
  void start_height();
  void start_height_now();
  void gossip();

  // Block sync.
  void request_sync_any();
  // A message shows `peer` past `height`: ask someone for the blocks.
  void note_ahead(const std::string& peer, std::uint64_t height);
  void request_sync(const std::string& peer);
  // The highest height claimed by peers with more than a third of the power.
  std::uint64_t credible_peer_height() const;

  // The validator set of the next height, with its proposer schedule and
  // keys, for checking peers' messages before the engine sees them.
  struct SignerSet {
    std::uint64_t height = 0;
    ledger::ValidatorSet validators;
    std::optional<consensus::ProposerSchedule> schedule;
    std::vector<crypto::PublicKey> keys;
  };
  const SignerSet* signers();
  Status check_vote(const ledger::Vote& vote);

  ReplicaConfig config_;
  storage::BlockStore& store_;
  Mempool& mempool_;
  ledger::VerifiedSignatures& verified_;
  consensus::SigningStateStore& signing_store_;
  HeldBlockStore& held_store_;
  const Clock& clock_;
  ReplicaEffects& effects_;
  consensus::Engine engine_;

  bool started_ = false;
  bool stopped_ = false;
  bool pumping_ = false;
  std::deque<consensus::Event> queue_;  // events the current feed() leads to
  bool waiting_for_work_ = false;
  std::pair<std::uint64_t, std::uint32_t> last_gossip_position_{0, 0};  // (height, round)
  std::uint64_t idle_generation_ = 0;

  std::map<Digest, PendingBlock> pending_;
  // Blocks the engine asked for, with the proposer they must name if known.
  std::map<Digest, std::optional<std::string>> requested_;
  // Encoded blocks from the HeldBlockStore, by hash: the lock survives restarts.
  struct HeldBlock {
    std::uint64_t height = 0;
    Bytes encoded;
  };
  std::map<Digest, HeldBlock> held_;
  std::set<Digest> held_saved_;  // what the HeldBlockStore holds now
  std::map<std::string, std::size_t> bad_signatures_;  // per peer, this height
  std::map<std::string, std::pair<std::uint64_t, std::size_t>> request_budget_;  // second, count

  std::optional<SignerSet> signers_;
  std::set<std::pair<std::string, Digest>> served_proposals_;  // this height
  std::vector<consensus::Evidence> evidence_;  // bounded

  std::map<std::string, std::uint64_t> peer_heights_;  // connected peers' claims
  std::optional<std::string> sync_peer_;
  std::uint64_t sync_generation_ = 0;
  std::map<std::string, std::uint64_t> sync_failures_;  // per peer, for choosing whom to ask
  ReplicaStats stats_;
};

}  // namespace tracechain::node
