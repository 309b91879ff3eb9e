// The authenticated state: a sparse Merkle tree over every state key, whose
// root a block header of format 2 commits to (docs/storage.md says why this
// tree, and what it costs; docs/encoding.md gives its bytes).
//
// Each key sits on the path of its hash, path = H(key), read bit by bit from
// the most significant bit of byte 0. A subtree holding no key has the hash
// 0^32; a subtree holding one key is that key's leaf, at the highest level
// where it is alone; any other subtree is an inner node:
//
//   leaf   H(0x00 || path || H(value))
//   inner  H(0x01 || left || right)       (an empty side is 0^32)
//
// So the tree has one shape for one set of keys, however it was built, and a
// block's update touches only the paths of the keys it wrote.
//
// A proof for a key is the sibling hashes from the root down to where the
// key's path ends (at its leaf, at another key's leaf, or at an empty
// subtree) and that other leaf if there is one: enough to prove the key's
// value, or that it has none.
//
// StateTree is an immutable version of the tree: applying a block's delta
// gives a new version sharing every untouched subtree with the old one, so
// versions are cheap to keep and safe to read from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "ledger/encoding.h"
#include "ledger/state.h"

namespace tracechain::ledger {

// Longest proof: one sibling per bit of the path.
inline constexpr std::size_t kMaxStateProofDepth = 256;

struct StateTreeLeaf {
  Digest path{};        // H(key)
  Digest value_hash{};  // H(value)

  template <class Archive>
  void serialize(Archive& ar) {
    ar(path, value_hash);
  }

  bool operator==(const StateTreeLeaf&) const = default;
};

// A key's proof against a tree root. Format version 1:
//   u8 version, list of digest siblings (from the root down),
//   optional (digest path, digest value hash) leaf where the path ends
struct StateTreeProof {
  static constexpr std::string_view kTypeName = "state proof";
  static constexpr std::uint8_t kFormatVersion = 1;

  std::vector<Digest> siblings;
  std::optional<StateTreeLeaf> leaf;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, siblings, leaf);
  }

  bool operator==(const StateTreeProof&) const = default;
};
Status validate(const StateTreeProof& proof);

// Checks that under `root`, `key` has `value` (nullopt: no value). The error
// says what does not hold: a proof for another key, a value that differs, a
// root that differs.
Status verify_state_proof(crypto::HashAlgorithm algorithm, const Digest& root,
                          std::string_view key, const std::optional<Bytes>& value,
                          const StateTreeProof& proof);

class StateTree {
 public:
  struct Node;
  // A counted reference to an immutable node: one allocation per node, a
  // 4-byte count inside it (a tree holds about two nodes per key, so their
  // size is the tree's memory).
  class NodePtr {
   public:
    NodePtr() = default;
    // A reference to `node` (null for none), counted.
    static NodePtr share(const Node* node);
    NodePtr(const NodePtr& other);
    NodePtr(NodePtr&& other) noexcept : node_(other.node_) { other.node_ = nullptr; }
    NodePtr& operator=(NodePtr other) noexcept {
      std::swap(node_, other.node_);
      return *this;
    }
    ~NodePtr();

    const Node* get() const { return node_; }
    const Node* operator->() const { return node_; }
    explicit operator bool() const { return node_ != nullptr; }
    bool operator==(const NodePtr& other) const { return node_ == other.node_; }
    // Gives up this reference without dropping it (a parent node keeps it).
    const Node* release() {
      const Node* node = node_;
      node_ = nullptr;
      return node;
    }

   private:
    const Node* node_ = nullptr;
  };

  // The empty tree.
  explicit StateTree(crypto::HashAlgorithm algorithm) : algorithm_(algorithm) {}

  // The tree of every key of `state`, on two threads; `progress`, if set,
  // hears the number of keys read every 2^20 keys and at the end.
  static StateTree of(crypto::HashAlgorithm algorithm, const StateView& state,
                      const std::function<void(std::size_t)>& progress = {});

  crypto::HashAlgorithm algorithm() const { return algorithm_; }
  Digest root() const;
  std::size_t size() const { return size_; }

  // A new version with `delta` applied (a write sets a key, nullopt deletes
  // it); this one is unchanged.
  StateTree apply(const StateDelta& delta) const;

  // The proof for `key`, present or not.
  StateTreeProof prove(std::string_view key) const;

 private:
  StateTree(crypto::HashAlgorithm algorithm, NodePtr root, std::size_t size)
      : algorithm_(algorithm), root_(std::move(root)), size_(size) {}

  crypto::HashAlgorithm algorithm_;
  NodePtr root_;  // null: empty
  std::size_t size_ = 0;
};

// Frees the versions it is given on a thread of its own. Freeing the nodes a
// replaced version no longer shares takes about a third as long as the
// update that replaced it (docs/performance.md), and need not hold up a
// commit. If freeing falls behind by more than kMaxPending versions, release()
// frees on the caller's thread, so memory stays bounded.
class StateTreeReleaser {
 public:
  static constexpr std::size_t kMaxPending = 16;

  StateTreeReleaser();
  ~StateTreeReleaser();  // frees what is pending
  StateTreeReleaser(const StateTreeReleaser&) = delete;
  StateTreeReleaser& operator=(const StateTreeReleaser&) = delete;

  void release(std::shared_ptr<const StateTree> tree);

 private:
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::shared_ptr<const StateTree>> pending_;  // guarded by mutex_
  bool stopping_ = false;                                  // guarded by mutex_
  std::thread thread_;
};

// The hashes of the tree, for tests and tools that check vectors.
Digest state_tree_leaf_hash(crypto::HashAlgorithm algorithm, const Digest& path,
                            const Digest& value_hash);
Digest state_tree_inner_hash(crypto::HashAlgorithm algorithm, const Digest& left,
                             const Digest& right);

}  // namespace tracechain::ledger
