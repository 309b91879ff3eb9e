#include "ledger/state_tree.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <future>
#include <span>

namespace tracechain::ledger {

struct StateTree::Node {
  struct Kids {
    const Node* left;  // null: an empty side; each holds a reference
    const Node* right;
  };

  Node() : kids{nullptr, nullptr} {}

  mutable std::atomic<std::uint32_t> refs{0};
  bool is_leaf = false;
  Digest hash{};
  union {
    Kids kids;           // an inner node's
    StateTreeLeaf leaf;  // a leaf's
  };
};

namespace {

void drop(const StateTree::Node* node) {
  if (node == nullptr || node->refs.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
  if (!node->is_leaf) {
    drop(node->kids.left);
    drop(node->kids.right);
  }
  delete node;
}

}  // namespace

StateTree::NodePtr StateTree::NodePtr::share(const Node* node) {
  NodePtr ptr;
  if (node != nullptr) node->refs.fetch_add(1, std::memory_order_relaxed);
  ptr.node_ = node;
  return ptr;
}

StateTree::NodePtr::NodePtr(const NodePtr& other) : node_(other.node_) {
  if (node_ != nullptr) node_->refs.fetch_add(1, std::memory_order_relaxed);
}

StateTree::NodePtr::~NodePtr() { drop(node_); }

namespace {

using NodePtr = StateTree::NodePtr;
using Node = StateTree::Node;

constexpr std::uint8_t kLeafTag = 0x00;
constexpr std::uint8_t kInnerTag = 0x01;

Digest tagged_hash(crypto::HashAlgorithm algorithm, std::uint8_t tag, const Digest& a,
                   const Digest& b) {
  std::uint8_t buffer[1 + 2 * kDigestSize];
  buffer[0] = tag;
  std::memcpy(buffer + 1, a.data(), kDigestSize);
  std::memcpy(buffer + 1 + kDigestSize, b.data(), kDigestSize);
  return crypto::hash(algorithm, ByteView(buffer, sizeof(buffer)));
}

// Bit `depth` of a path, from the most significant bit of byte 0.
int bit(const Digest& path, std::size_t depth) {
  return (path[depth / 8] >> (7 - depth % 8)) & 1;
}

Digest hash_of(const StateTree::Node* node) { return node ? node->hash : Digest{}; }
Digest hash_of(const StateTree::NodePtr& node) { return hash_of(node.get()); }

// One key's change: a new value's hash, or nullopt to delete.
struct Change {
  Digest path{};
  std::optional<Digest> value_hash;
};

class Builder {
 public:
  explicit Builder(crypto::HashAlgorithm algorithm) : algorithm_(algorithm) {}

  NodePtr leaf(const StateTreeLeaf& leaf) const {
    auto* node = new Node();
    node->is_leaf = true;
    node->leaf = leaf;
    node->hash = tagged_hash(algorithm_, kLeafTag, leaf.path, leaf.value_hash);
    return NodePtr::share(node);
  }

  // The subtree with these two sides, in its one canonical shape: nothing
  // for two empty sides, the leaf itself for a leaf beside an empty side.
  NodePtr inner(NodePtr left, NodePtr right) const {
    if (!left && !right) return {};
    if (!left && right->is_leaf) return right;
    if (!right && left->is_leaf) return left;
    auto* node = new Node();
    node->hash = tagged_hash(algorithm_, kInnerTag, hash_of(left), hash_of(right));
    node->kids.left = left.release();
    node->kids.right = right.release();
    return NodePtr::share(node);
  }

  // The subtree at `depth` holding exactly `leaves` (sorted by path,
  // distinct, all on this subtree's path prefix).
  NodePtr build(std::size_t depth, std::span<const StateTreeLeaf> leaves) const {
    if (leaves.empty()) return {};
    if (leaves.size() == 1) return leaf(leaves.front());
    TC_ASSERT(depth < kMaxStateProofDepth);
    auto split = std::partition_point(leaves.begin(), leaves.end(),
                                      [&](const StateTreeLeaf& l) { return bit(l.path, depth) == 0; });
    auto at = static_cast<std::size_t>(split - leaves.begin());
    return inner(build(depth + 1, leaves.first(at)), build(depth + 1, leaves.subspan(at)));
  }

  // `node` at `depth` with `changes` (sorted by path, distinct, on this
  // subtree's prefix) applied; `size` follows the number of keys.
  NodePtr update(const NodePtr& node, std::size_t depth, std::span<const Change> changes,
                 std::size_t& size) const {
    if (changes.empty()) return node;
    if (!node || node->is_leaf) {
      // Few keys here: gather them all and build the subtree again.
      std::vector<StateTreeLeaf> leaves;
      leaves.reserve(changes.size() + 1);
      bool kept_old = !node;
      for (const Change& change : changes) {
        if (node && !kept_old && node->leaf.path <= change.path) {
          kept_old = true;
          if (node->leaf.path == change.path) {
            if (change.value_hash) {
              leaves.push_back({change.path, *change.value_hash});
            } else {
              --size;
            }
            continue;
          }
          leaves.push_back(node->leaf);
        }
        if (change.value_hash) {
          leaves.push_back({change.path, *change.value_hash});
          ++size;
        }
      }
      if (!kept_old) leaves.push_back(node->leaf);
      return build(depth, leaves);
    }
    TC_ASSERT(depth < kMaxStateProofDepth);
    auto split = std::partition_point(changes.begin(), changes.end(),
                                      [&](const Change& c) { return bit(c.path, depth) == 0; });
    auto at = static_cast<std::size_t>(split - changes.begin());
    NodePtr left = update(NodePtr::share(node->kids.left), depth + 1, changes.first(at), size);
    NodePtr right = update(NodePtr::share(node->kids.right), depth + 1, changes.subspan(at), size);
    if (left.get() == node->kids.left && right.get() == node->kids.right) return node;
    return inner(std::move(left), std::move(right));
  }

 private:
  crypto::HashAlgorithm algorithm_;
};

// Blocks writing at least this many keys update the tree on two threads.
constexpr std::size_t kParallelChanges = 1024;

bool by_path(const StateTreeLeaf& a, const StateTreeLeaf& b) { return a.path < b.path; }

}  // namespace

Digest state_tree_leaf_hash(crypto::HashAlgorithm algorithm, const Digest& path,
                            const Digest& value_hash) {
  return tagged_hash(algorithm, kLeafTag, path, value_hash);
}

Digest state_tree_inner_hash(crypto::HashAlgorithm algorithm, const Digest& left,
                             const Digest& right) {
  return tagged_hash(algorithm, kInnerTag, left, right);
}

Status validate(const StateTreeProof& proof) {
  if (proof.siblings.size() > kMaxStateProofDepth) {
    return Error(ErrorCode::kInvalidInput,
                 "state proof has " + std::to_string(proof.siblings.size()) +
                     " siblings (at most " + std::to_string(kMaxStateProofDepth) + ")");
  }
  return {};
}

Status verify_state_proof(crypto::HashAlgorithm algorithm, const Digest& root,
                          std::string_view key, const std::optional<Bytes>& value,
                          const StateTreeProof& proof) {
  if (Status s = validate(proof); !s) return s;
  const Digest path = crypto::hash(algorithm, as_bytes(key));
  const std::size_t depth = proof.siblings.size();
  Digest node{};
  if (proof.leaf) {
    for (std::size_t i = 0; i < depth; ++i) {
      if (bit(proof.leaf->path, i) != bit(path, i)) {
        return Error(ErrorCode::kVerificationFailed,
                     "the proof's leaf is not on the path of key '" + std::string(key) + "'");
      }
    }
    node = state_tree_leaf_hash(algorithm, proof.leaf->path, proof.leaf->value_hash);
  }
  for (std::size_t i = depth; i-- > 0;) {
    node = bit(path, i) ? state_tree_inner_hash(algorithm, proof.siblings[i], node)
                        : state_tree_inner_hash(algorithm, node, proof.siblings[i]);
  }
  if (node != root) {
    return Error(ErrorCode::kVerificationFailed,
                 "the proof for key '" + std::string(key) + "' leads to state root " +
                     to_hex(node) + ", not " + to_hex(root));
  }
  const bool present = proof.leaf && proof.leaf->path == path;
  if (present && !value) {
    return Error(ErrorCode::kVerificationFailed,
                 "key '" + std::string(key) + "' has a value under this root");
  }
  if (!present && value) {
    return Error(ErrorCode::kVerificationFailed,
                 "key '" + std::string(key) + "' has no value under this root");
  }
  if (present && crypto::hash(algorithm, *value) != proof.leaf->value_hash) {
    return Error(ErrorCode::kVerificationFailed,
                 "key '" + std::string(key) + "' has another value under this root");
  }
  return {};
}

StateTree StateTree::of(crypto::HashAlgorithm algorithm, const StateView& state,
                        const std::function<void(std::size_t)>& progress) {
  // One thread reads the state while another hashes what it has read, a
  // chunk at a time; the two halves of the tree are then sorted and built
  // on a thread each. The tree is the same as a single thread would build.
  constexpr std::size_t kChunk = 1 << 14;
  constexpr std::size_t kProgressEvery = 1 << 20;
  using Chunk = std::vector<std::pair<std::string, Bytes>>;
  auto hash_chunk = [algorithm](Chunk chunk) {
    std::vector<StateTreeLeaf> leaves;
    leaves.reserve(chunk.size());
    for (const auto& [key, value] : chunk) {
      leaves.push_back({crypto::hash(algorithm, as_bytes(key)), crypto::hash(algorithm, value)});
    }
    return leaves;
  };
  std::vector<StateTreeLeaf> leaves;
  std::future<std::vector<StateTreeLeaf>> hashing;
  auto collect = [&] {
    if (!hashing.valid()) return;
    std::vector<StateTreeLeaf> hashed = hashing.get();
    leaves.insert(leaves.end(), hashed.begin(), hashed.end());
  };
  Chunk chunk;
  std::size_t read = 0;
  std::optional<std::size_t> told;  // what progress last heard
  auto hand_over = [&] {
    collect();
    hashing = std::async(std::launch::async, hash_chunk, std::move(chunk));
    chunk = Chunk();
    chunk.reserve(kChunk);
  };
  chunk.reserve(kChunk);
  state.scan("", [&](std::string_view key, ByteView value) {
    chunk.emplace_back(std::string(key), Bytes(value.begin(), value.end()));
    if (chunk.size() == kChunk) hand_over();
    if (++read % kProgressEvery == 0 && progress) progress(*(told = read));
    return true;
  });
  hand_over();
  collect();
  if (progress && told != read) progress(read);

  auto right_half = std::partition(leaves.begin(), leaves.end(),
                                   [](const StateTreeLeaf& l) { return bit(l.path, 0) == 0; });
  std::span<StateTreeLeaf> left(leaves.begin(), right_half);
  std::span<StateTreeLeaf> right(right_half, leaves.end());
  const Builder builder(algorithm);
  auto build_half = [&builder](std::span<StateTreeLeaf> half) {
    std::sort(half.begin(), half.end(), by_path);
    return builder.build(1, half);
  };
  auto left_root = std::async(std::launch::async, build_half, left);
  NodePtr right_root = build_half(right);
  NodePtr root = builder.inner(left_root.get(), std::move(right_root));
  return StateTree(algorithm, std::move(root), leaves.size());
}

Digest StateTree::root() const { return hash_of(root_); }

StateTree StateTree::apply(const StateDelta& delta) const {
  std::vector<Change> changes;
  changes.reserve(delta.size());
  for (const StateWrite& write : delta) {
    Change change{crypto::hash(algorithm_, as_bytes(write.key)), std::nullopt};
    if (write.value) change.value_hash = crypto::hash(algorithm_, *write.value);
    changes.push_back(change);
  }
  std::sort(changes.begin(), changes.end(),
            [](const Change& a, const Change& b) { return a.path < b.path; });
  std::size_t size = size_;
  const Builder builder(algorithm_);
  if (changes.size() < kParallelChanges || !root_ || root_->is_leaf) {
    NodePtr root = builder.update(root_, 0, changes, size);
    return StateTree(algorithm_, std::move(root), size);
  }
  // A large block's update: the root's two halves on a thread each (the
  // tree is the same as one thread makes). Each half counts the keys it
  // adds and removes modulo 2^64, so the two counts add up to the change.
  auto split = std::partition_point(changes.begin(), changes.end(),
                                    [](const Change& c) { return bit(c.path, 0) == 0; });
  std::span<const Change> left_changes(changes.begin(), split);
  std::span<const Change> right_changes(split, changes.end());
  std::size_t left_count = 0;
  std::size_t right_count = 0;
  auto left = std::async(std::launch::async, [&] {
    return builder.update(NodePtr::share(root_->kids.left), 1, left_changes, left_count);
  });
  NodePtr right = builder.update(NodePtr::share(root_->kids.right), 1, right_changes, right_count);
  NodePtr root = builder.inner(left.get(), std::move(right));
  return StateTree(algorithm_, std::move(root), size + left_count + right_count);
}

StateTreeProof StateTree::prove(std::string_view key) const {
  const Digest path = crypto::hash(algorithm_, as_bytes(key));
  StateTreeProof proof;
  const Node* node = root_.get();
  std::size_t depth = 0;
  while (node && !node->is_leaf) {
    const bool right = bit(path, depth) == 1;
    proof.siblings.push_back(hash_of(right ? node->kids.left : node->kids.right));
    node = right ? node->kids.right : node->kids.left;
    ++depth;
  }
  if (node) proof.leaf = node->leaf;
  return proof;
}

StateTreeReleaser::StateTreeReleaser() : thread_([this] { run(); }) {}

StateTreeReleaser::~StateTreeReleaser() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void StateTreeReleaser::release(std::shared_ptr<const StateTree> tree) {
  if (!tree) return;
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() < kMaxPending) {
      pending_.push_back(std::move(tree));
      tree = nullptr;
    }
  }
  if (tree) {
    tree.reset();  // behind: freed here
  } else {
    wake_.notify_one();
  }
}

void StateTreeReleaser::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;
    std::shared_ptr<const StateTree> tree = std::move(pending_.front());
    pending_.pop_front();
    lock.unlock();
    tree.reset();
    lock.lock();
  }
}

}  // namespace tracechain::ledger
