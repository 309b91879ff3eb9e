// tracechaind's node: the asio glue around the replica (node/replica.h).
// It opens the store and the keys, gives the replica a wall clock, timers,
// the P2P network and the files of the signing state and held blocks, and
// admits transactions from the RPC and from peers.
//
// Threads: an io_context run by a few threads carries the network; a single
// strand (the "core") owns the replica, which owns the consensus engine,
// the candidate blocks, block execution, commits and block sync, so none of
// those need locks; signature verification for admission runs on a
// separate pool sized to the cores.
//
// A fatal error (a durable write that failed) stops the node; failure()
// then says why, and tracechaind exits with a failure status.
//
// Thread-safety: public methods may be called from any thread.
#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "ledger/checkpoint.h"
#include "node/config.h"
#include "node/cosignatures.h"
#include "node/read_log.h"
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
  // store. Errors name the file concerned. `progress`, if set, hears what a
  // long open is doing (storage::StoreOptions::progress); each line is also
  // logged.
  static Result<std::unique_ptr<Node>> open(
      const NodeConfig& config, std::function<void(const std::string&)> progress = {});
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
  // Why the node stopped by itself, if it did (a fatal error).
  std::optional<std::string> failure() const;

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
  // The checkpoint of the committed header at `height` (docs/crypto.md,
  // "Checkpoints") as a note signed by this validator's key, with that key's
  // verifier key; kUnsupported on an observer (or for an SM2 key), kNotFound
  // above the tip.
  Result<ledger::SignedCheckpoint> signed_checkpoint(std::uint64_t height) const;

  // Witnesses' cosignatures of this node's log (node/cosignatures.h): checks
  // and keeps those `note` carries; the latest kept per witness.
  Result<std::vector<StoredCosignature>> add_cosignatures(std::string_view note);
  std::vector<StoredCosignature> cosignatures() const;

  // This node's read log (node/read_log.h): the RPC appends every
  // authenticated read to it. The node commits its checkpoints on chain.
  ReadLog& read_log();

  // Called after every commit, on the node's core strand: must not block
  // (post any real work elsewhere). Register before start().
  void add_commit_listener(std::function<void(const CommitNotice&)> listener);

  // Calls `beat` on the core strand every `period` while the node runs and
  // has met no fatal error: a core that is stuck (a blocked disk write, a
  // deadlock) stops the beats, which is what a watchdog (systemd's
  // WatchdogSec=) needs to see. `beat` must not block. Register before
  // start().
  void set_heartbeat(std::chrono::milliseconds period, std::function<void()> beat);

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
