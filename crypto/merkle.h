// RFC 9162 (RFC 6962) Merkle trees: roots, inclusion and consistency proofs.
//
//   leaf hash  H(0x00 || leaf)
//   node hash  H(0x01 || left || right)
//   root       MTH(D[0:n]) = H(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest
//              power of two below n; the empty tree's root is H("")
//
// MerkleLog is the append-only, ledger-wide log. It never holds the leaves:
// it keeps only the roots of the perfect subtrees of the current size (the
// "frontier", at most 64 hashes) and writes every completed perfect subtree's
// root to a MerkleNodeStore as it appears. Those stored nodes never change, so
// the root of any earlier size and every proof come from O(log n) node reads.
// A MerkleLog is owned by one thread; the store decides its own thread-safety.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/hash.h"

namespace tracechain::crypto {

// Hash functions of the tree, over a chain's hash algorithm.
class MerkleHasher {
 public:
  explicit MerkleHasher(HashAlgorithm algorithm) : algorithm_(algorithm) {}

  HashAlgorithm algorithm() const { return algorithm_; }
  Digest leaf(ByteView data) const;
  Digest node(const Digest& left, const Digest& right) const;
  Digest empty_root() const;

 private:
  HashAlgorithm algorithm_;
};

// Root of the tree whose leaf hashes are given (in memory; for the per-block
// transaction and receipt trees).
Digest merkle_root(const MerkleHasher& hasher, std::span<const Digest> leaf_hashes);

// Storage of perfect-subtree roots: node (level, index) is the root of leaves
// [index * 2^level, (index + 1) * 2^level); level 0 holds the leaf hashes.
class MerkleNodeStore {
 public:
  virtual ~MerkleNodeStore() = default;
  // Fails with kNotFound (or the store's I/O error) if the node was never put.
  virtual Result<Digest> get(std::uint32_t level, std::uint64_t index) const = 0;
  virtual void put(std::uint32_t level, std::uint64_t index, const Digest& hash) = 0;
};

// Keeps every node in memory: for tests, tools and small logs.
class MemoryMerkleNodeStore final : public MerkleNodeStore {
 public:
  Result<Digest> get(std::uint32_t level, std::uint64_t index) const override;
  void put(std::uint32_t level, std::uint64_t index, const Digest& hash) override;

 private:
  std::vector<std::vector<Digest>> levels_;
};

// The state of an append-only tree without its nodes: its size and the roots
// of the perfect subtrees that make it up (largest first, one per set bit of
// the size). Enough to append and to compute the root; a value type of at
// most 64 hashes, cheap to copy for "what would the root be after these
// leaves" without touching any store.
class MerkleFrontier {
 public:
  MerkleFrontier() = default;
  MerkleFrontier(std::uint64_t size, std::vector<Digest> roots);

  std::uint64_t size() const { return size_; }
  const std::vector<Digest>& roots() const { return roots_; }
  Digest root(const MerkleHasher& hasher) const;

  // Appends a leaf hash. `completed` (if given) is called for the leaf and
  // for every perfect subtree root the leaf completes, as (level, index, hash).
  template <typename Sink>
  void append(const MerkleHasher& hasher, const Digest& leaf_hash, Sink&& completed);
  void append(const MerkleHasher& hasher, const Digest& leaf_hash) {
    append(hasher, leaf_hash, [](std::uint32_t, std::uint64_t, const Digest&) {});
  }

  bool operator==(const MerkleFrontier&) const = default;

 private:
  std::uint64_t size_ = 0;
  std::vector<Digest> roots_;
};

template <typename Sink>
void MerkleFrontier::append(const MerkleHasher& hasher, const Digest& leaf_hash,
                            Sink&& completed) {
  TC_ASSERT_MSG(size_ < (std::uint64_t{1} << 63), "Merkle log is full");
  std::uint64_t index = size_;
  std::uint32_t level = 0;
  Digest node = leaf_hash;
  completed(level, index, node);
  // Each trailing 1 bit of the old size is a perfect subtree the new leaf
  // completes into a larger one; its root is the last frontier entry.
  while (index & 1) {
    node = hasher.node(roots_.back(), node);
    roots_.pop_back();
    index >>= 1;
    ++level;
    completed(level, index, node);
  }
  roots_.push_back(node);
  ++size_;
}

class MerkleLog {
 public:
  // An empty log writing to `store`; the store must outlive the log.
  MerkleLog(HashAlgorithm algorithm, MerkleNodeStore& store);

  // Reopens a log of `size` leaves whose nodes are in `store` (reads O(log n)
  // nodes). Fails if a node the size implies is missing.
  static Result<MerkleLog> open(HashAlgorithm algorithm, MerkleNodeStore& store,
                                std::uint64_t size);

  const MerkleHasher& hasher() const { return hasher_; }
  std::uint64_t size() const { return frontier_.size(); }
  const MerkleFrontier& frontier() const { return frontier_; }
  Digest root() const { return frontier_.root(hasher_); }

  // Appends a leaf by its leaf hash (hasher().leaf(data)) and puts the leaf
  // and every perfect subtree it completes into the store. Reads nothing.
  void append(const Digest& leaf_hash);

  // Root of the log when it had `size` leaves (size <= this->size()).
  Result<Digest> root_at(std::uint64_t size) const;

  // Audit path of leaf `index` in the tree of `size` leaves (RFC 9162 2.1.3.1).
  Result<std::vector<Digest>> inclusion_proof(std::uint64_t index, std::uint64_t size) const;

  // Proof that the tree of `size2` leaves extends the tree of `size1` leaves
  // (RFC 9162 2.1.4.1). Requires 0 < size1 <= size2 <= size().
  Result<std::vector<Digest>> consistency_proof(std::uint64_t size1, std::uint64_t size2) const;

 private:
  Result<Digest> range_root(std::uint64_t begin, std::uint64_t end) const;
  Status subproof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool whole,
                  std::vector<Digest>& proof) const;

  MerkleHasher hasher_;
  MerkleNodeStore* store_;
  MerkleFrontier frontier_;
};

// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves whose
// root is `root` (RFC 9162 2.1.3.2). Says what failed.
Status verify_inclusion(const MerkleHasher& hasher, std::uint64_t index, std::uint64_t size,
                        const Digest& leaf_hash, std::span<const Digest> proof,
                        const Digest& root);

// Verifies that the tree (size2, root2) extends the tree (size1, root1)
// (RFC 9162 2.1.4.2). Equal sizes need an empty proof and equal roots; a
// proof from the empty tree is refused as meaningless.
Status verify_consistency(const MerkleHasher& hasher, std::uint64_t size1, std::uint64_t size2,
                          const Digest& root1, const Digest& root2,
                          std::span<const Digest> proof);

}  // namespace tracechain::crypto
