// tracechaind's core: the node that wires storage, the mempool, the
// consensus engine and the P2P network together.
//
// Threads: an io_context run by a few threads carries the network; a single
// strand (the "core") owns the consensus engine, the pending blocks, block
// execution and commits, so none of those need locks; signature verification
// for admission runs on a separate pool sized to the cores.
//
// Consensus driver: events go into the engine, its actions come out and are
// executed in order on the core. Actions produce further events (a block
// validated, a value ready); those are queued and fed after the current
// batch, so a PersistSigningState is always written before the broadcast that
// follows it and never overwritten by an older state.
//
// Idle chains do not spin: after a commit the next height starts as soon as
// a transaction waits, a peer speaks about the next height, or
// consensus.idle_block_interval_ms passes.
//
// Block sync: peers announce their height (Status); a node that is behind
// requests committed blocks with their certificates, checks each
// certificate against the validator set of its height, re-executes the block
// and commits it, then rejoins consensus at the next height.
//
// Thread-safety: public methods may be called from any thread.
#pragma once

#include <boost/asio/io_context.hpp>

#include <functional>
#include <memory>

#include "node/config.h"
#include "storage/block_store.h"

namespace tracechain::node {

struct NodeStatus {
  std::string node_id;
  ledger::ChainId chain_id;
  std::uint64_t height = 0;
  Digest tip_hash{};
  std::uint64_t tip_time_ms = 0;
  std::uint64_t consensus_height = 0;
  std::uint32_t consensus_round = 0;
  std::vector<std::string> peers;
  std::uint64_t best_peer_height = 0;
  bool syncing = false;
  std::size_t mempool_transactions = 0;
  std::size_t mempool_bytes = 0;
  ledger::ValidatorSet validators;
};

// What a committed block brings, for subscribers (the RPC's WebSocket).
struct CommitNotice {
  ledger::BlockHeader header;
  Digest block_hash{};
  std::vector<Digest> tx_hashes;
  std::vector<ledger::TxKind> tx_kinds;
  std::vector<ledger::ParticipantId> tx_senders;
  std::vector<ledger::Receipt> receipts;
  const char* how = "consensus";  // "consensus" or "sync"
};

class Node {
 public:
  // Loads the genesis and keys of the home and opens (or initialises) the
  // store. Errors name the file concerned.
  static Result<std::unique_ptr<Node>> open(const NodeConfig& config);
  ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Starts the threads, the network and consensus.
  Status start();
  // Stops everything gracefully; returns once the threads have ended.
  // Idempotent; safe from any thread and from a signal handler's strand.
  void stop();
  // Blocks until stop() has completed.
  void wait();

  // Admits a signed transaction (its canonical encoding) into the mempool
  // and relays it; `done` gets its hash or the reason it was refused. Runs
  // the checks on the verification pool; `done` is called there.
  void submit(Bytes encoded, std::function<void(Result<Digest>)> done);
  // Admits several transactions with one hand-off: they are checked in
  // parallel on the verification pool, then queued in their given order
  // (so results never depend on thread timing) and relayed together.
  // `done` gets one result per transaction, in order, once all are known;
  // it is called on the pool (or here, when none could be taken).
  void submit_batch(std::vector<Bytes> encoded,
                    std::function<void(std::vector<Result<Digest>>)> done);

  NodeStatus status() const;

  // Called after every commit, on the node's core strand: must not block
  // (post any real work elsewhere). Register before start().
  void add_commit_listener(std::function<void(const CommitNotice&)> listener);

  // The io_context the node's network runs on, for servers that share its
  // threads (the RPC). Valid from open() until the Node is destroyed.
  boost::asio::io_context& io_context();
  const storage::BlockStore& store() const;
  const NodeConfig& config() const;

  class Impl;  // opaque

 private:
  explicit Node(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechain::node
