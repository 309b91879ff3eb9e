// What the RPC needs from a node, and nothing more: its status, committed
// reads, and admission of signed transactions. The RPC never reaches the
// consensus engine, the mempool or the network (CometBFT's rpc/core/env.go
// gives its RPC the same kind of narrow interfaces).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <functional>
#include <memory>
#include <vector>

#include "node/node.h"

namespace tracechain::node::rpc {

class Backend {
 public:
  virtual ~Backend() = default;

  virtual NodeStatus status() const = 0;
  // Committed blocks, receipts, proofs; snapshot() for state.
  virtual const storage::BlockStore& store() const = 0;
  // Admission of a signed transaction; `done` gets its hash or why it was
  // refused (kResourceExhausted: mempool full, retry), on any thread.
  virtual void submit(Bytes encoded, std::function<void(Result<Digest>)> done) = 0;
  // Admission of several transactions with one hand-off (a batch's
  // tx_submit calls); `done` gets one result per transaction, in order, on
  // any thread. The default submits them one at a time.
  virtual void submit_batch(std::vector<Bytes> encoded,
                            std::function<void(std::vector<Result<Digest>>)> done);
  // The checkpoint at a committed height signed by this node's validator
  // key (Node::signed_checkpoint); kUnsupported where the node has none.
  virtual Result<ledger::SignedCheckpoint> signed_checkpoint(std::uint64_t height) const {
    (void)height;
    return Error(ErrorCode::kUnsupported, "this node signs no checkpoints");
  }
  // Witnesses' cosignatures (Node::add_cosignatures, Node::cosignatures).
  virtual Result<std::vector<StoredCosignature>> add_cosignatures(std::string_view note) {
    (void)note;
    return Error(ErrorCode::kUnsupported, "this node keeps no cosignatures");
  }
  virtual std::vector<StoredCosignature> cosignatures() const { return {}; }
  // The node's read log (Node::read_log), which records every authenticated
  // read; none where reads are not recorded (test doubles).
  virtual ReadLog* read_log() { return nullptr; }
};

// The backend of a live node.
class NodeBackend final : public Backend {
 public:
  explicit NodeBackend(Node& node) : node_(node) {}
  NodeStatus status() const override { return node_.status(); }
  Result<ledger::SignedCheckpoint> signed_checkpoint(std::uint64_t height) const override {
    return node_.signed_checkpoint(height);
  }
  Result<std::vector<StoredCosignature>> add_cosignatures(std::string_view note) override {
    return node_.add_cosignatures(note);
  }
  std::vector<StoredCosignature> cosignatures() const override { return node_.cosignatures(); }
  ReadLog* read_log() override { return &node_.read_log(); }
  const storage::BlockStore& store() const override { return node_.store(); }
  void submit(Bytes encoded, std::function<void(Result<Digest>)> done) override {
    node_.submit(std::move(encoded), std::move(done));
  }
  void submit_batch(std::vector<Bytes> encoded,
                    std::function<void(std::vector<Result<Digest>>)> done) override {
    node_.submit_batch(std::move(encoded), std::move(done));
  }

 private:
  Node& node_;
};

}  // namespace tracechain::node::rpc
