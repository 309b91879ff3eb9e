#include "crypto/merkle.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>

namespace tracechain::crypto {

namespace {

// Largest power of two strictly below n (n >= 2).
std::uint64_t split_point(std::uint64_t n) {
  TC_ASSERT(n >= 2);
  return std::bit_floor(n - 1);
}

bool is_perfect(std::uint64_t begin, std::uint64_t end) {
  std::uint64_t width = end - begin;
  return std::has_single_bit(width) && begin % width == 0;
}

Error verification_failed(const std::string& what) {
  return Error(ErrorCode::kVerificationFailed, what);
}

}  // namespace

// ------------------------------------------------------------- MerkleHasher

Digest MerkleHasher::leaf(ByteView data) const {
  return Hasher(algorithm_).update(std::uint8_t{0x00}).update(data).finish();
}

Digest MerkleHasher::node(const Digest& left, const Digest& right) const {
  std::uint8_t buffer[1 + 2 * kDigestSize];
  buffer[0] = 0x01;
  std::memcpy(buffer + 1, left.data(), kDigestSize);
  std::memcpy(buffer + 1 + kDigestSize, right.data(), kDigestSize);
  return hash(algorithm_, ByteView(buffer, sizeof(buffer)));
}

Digest MerkleHasher::empty_root() const { return hash(algorithm_, ByteView()); }

Digest merkle_root(const MerkleHasher& hasher, std::span<const Digest> leaf_hashes) {
  if (leaf_hashes.empty()) return hasher.empty_root();
  // Bottom-up in place: an odd node at the end of a level is carried up
  // unchanged, which gives exactly RFC 9162's MTH.
  std::vector<Digest> level(leaf_hashes.begin(), leaf_hashes.end());
  while (level.size() > 1) {
    std::size_t pairs = level.size() / 2;
    for (std::size_t i = 0; i < pairs; ++i) level[i] = hasher.node(level[2 * i], level[2 * i + 1]);
    if (level.size() % 2 == 1) {
      level[pairs] = level.back();
      level.resize(pairs + 1);
    } else {
      level.resize(pairs);
    }
  }
  return level.front();
}

// ---------------------------------------------------- MemoryMerkleNodeStore

Result<Digest> MemoryMerkleNodeStore::get(std::uint32_t level, std::uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return Error(ErrorCode::kNotFound, "Merkle node (level " + std::to_string(level) +
                                           ", index " + std::to_string(index) + ") is absent");
  }
  return levels_[level][index];
}

void MemoryMerkleNodeStore::put(std::uint32_t level, std::uint64_t index, const Digest& hash) {
  if (level >= levels_.size()) levels_.resize(level + 1);
  auto& nodes = levels_[level];
  // Nodes of a level are completed left to right, so a put is an append or a
  // rewrite of the same value (a log reopened and replayed).
  TC_ASSERT_MSG(index <= nodes.size(), "Merkle nodes must be put in order");
  if (index == nodes.size()) {
    nodes.push_back(hash);
  } else {
    nodes[index] = hash;
  }
}

// ----------------------------------------------------------- MerkleFrontier

MerkleFrontier::MerkleFrontier(std::uint64_t size, std::vector<Digest> roots)
    : size_(size), roots_(std::move(roots)) {
  TC_ASSERT_MSG(roots_.size() == static_cast<std::size_t>(std::popcount(size_)),
                "a frontier holds one root per set bit of its size");
}

Digest MerkleFrontier::root(const MerkleHasher& hasher) const {
  if (roots_.empty()) return hasher.empty_root();
  // Fold from the smallest (rightmost) subtree up: H(P1, H(P2, ... Pt)).
  Digest root = roots_.back();
  for (std::size_t i = roots_.size() - 1; i-- > 0;) root = hasher.node(roots_[i], root);
  return root;
}

// ---------------------------------------------------------------- MerkleLog

MerkleLog::MerkleLog(HashAlgorithm algorithm, MerkleNodeStore& store)
    : hasher_(algorithm), store_(&store) {}

Result<MerkleLog> MerkleLog::open(HashAlgorithm algorithm, MerkleNodeStore& store,
                                  std::uint64_t size) {
  MerkleLog log(algorithm, store);
  std::vector<Digest> roots;
  std::uint64_t begin = 0;
  for (int level = 63; level >= 0; --level) {
    std::uint64_t width = std::uint64_t{1} << level;
    if ((size & width) == 0) continue;
    auto node = store.get(static_cast<std::uint32_t>(level), begin >> level);
    if (!node) {
      return node.error().with_context("Merkle log of size " + std::to_string(size) +
                                       " is incomplete");
    }
    roots.push_back(*node);
    begin += width;
  }
  log.frontier_ = MerkleFrontier(size, std::move(roots));
  return log;
}

void MerkleLog::append(const Digest& leaf_hash) {
  frontier_.append(hasher_, leaf_hash,
                   [this](std::uint32_t level, std::uint64_t index, const Digest& node) {
                     store_->put(level, index, node);
                   });
}

Result<Digest> MerkleLog::range_root(std::uint64_t begin, std::uint64_t end) const {
  TC_ASSERT(begin < end && end <= size());
  if (is_perfect(begin, end)) {
    std::uint32_t level = static_cast<std::uint32_t>(std::countr_zero(end - begin));
    return store_->get(level, begin >> level);
  }
  std::uint64_t k = split_point(end - begin);
  auto left = range_root(begin, begin + k);
  if (!left) return left.error();
  auto right = range_root(begin + k, end);
  if (!right) return right.error();
  return hasher_.node(*left, *right);
}

Result<Digest> MerkleLog::root_at(std::uint64_t size) const {
  if (size > this->size()) {
    return Error(ErrorCode::kNotFound, "log size " + std::to_string(size) +
                                           " is beyond the current size " +
                                           std::to_string(this->size()));
  }
  if (size == this->size()) return root();
  if (size == 0) return hasher_.empty_root();
  return range_root(0, size);
}

Result<std::vector<Digest>> MerkleLog::inclusion_proof(std::uint64_t index,
                                                       std::uint64_t size) const {
  if (size > this->size()) {
    return Error(ErrorCode::kNotFound, "tree size " + std::to_string(size) +
                                           " is beyond the log's size " +
                                           std::to_string(this->size()));
  }
  if (index >= size) {
    return Error(ErrorCode::kInvalidInput, "leaf index " + std::to_string(index) +
                                               " is not below tree size " +
                                               std::to_string(size));
  }
  // PATH(m, D[begin:end]) of RFC 9162 2.1.3.1, iteratively; the proof is
  // built from the leaf up, so siblings are collected top-down and reversed.
  std::vector<Digest> proof;
  std::uint64_t begin = 0;
  std::uint64_t end = size;
  while (end - begin > 1) {
    std::uint64_t k = split_point(end - begin);
    Result<Digest> sibling = Digest{};
    if (index < begin + k) {
      sibling = range_root(begin + k, end);
      end = begin + k;
    } else {
      sibling = range_root(begin, begin + k);
      begin += k;
    }
    if (!sibling) return sibling.error();
    proof.push_back(*sibling);
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

Status MerkleLog::subproof(std::uint64_t m, std::uint64_t begin, std::uint64_t end, bool whole,
                           std::vector<Digest>& proof) const {
  // SUBPROOF(m, D[begin:end], b) of RFC 9162 2.1.4.1, with m relative to begin.
  std::uint64_t n = end - begin;
  if (m == n) {
    if (whole) return {};
    auto root = range_root(begin, end);
    if (!root) return root.error();
    proof.push_back(*root);
    return {};
  }
  std::uint64_t k = split_point(n);
  if (m <= k) {
    if (Status s = subproof(m, begin, begin + k, whole, proof); !s) return s;
    auto right = range_root(begin + k, end);
    if (!right) return right.error();
    proof.push_back(*right);
  } else {
    if (Status s = subproof(m - k, begin + k, end, false, proof); !s) return s;
    auto left = range_root(begin, begin + k);
    if (!left) return left.error();
    proof.push_back(*left);
  }
  return {};
}

Result<std::vector<Digest>> MerkleLog::consistency_proof(std::uint64_t size1,
                                                         std::uint64_t size2) const {
  if (size2 > size()) {
    return Error(ErrorCode::kNotFound, "tree size " + std::to_string(size2) +
                                           " is beyond the log's size " + std::to_string(size()));
  }
  if (size1 == 0 || size1 > size2) {
    return Error(ErrorCode::kInvalidInput,
                 "a consistency proof needs 0 < size1 <= size2, got size1 " +
                     std::to_string(size1) + " and size2 " + std::to_string(size2));
  }
  std::vector<Digest> proof;
  if (size1 == size2) return proof;
  if (Status s = subproof(size1, 0, size2, true, proof); !s) return s.error();
  return proof;
}

// -------------------------------------------------------------- verification

Status verify_inclusion(const MerkleHasher& hasher, std::uint64_t index, std::uint64_t size,
                        const Digest& leaf_hash, std::span<const Digest> proof,
                        const Digest& root) {
  if (index >= size) {
    return verification_failed("leaf index " + std::to_string(index) +
                               " is not below tree size " + std::to_string(size));
  }
  std::uint64_t fn = index;
  std::uint64_t sn = size - 1;
  Digest r = leaf_hash;
  for (const Digest& p : proof) {
    if (sn == 0) return verification_failed("inclusion proof is longer than the tree is deep");
    if ((fn & 1) || fn == sn) {
      r = hasher.node(p, r);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = hasher.node(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return verification_failed("inclusion proof is shorter than the tree is deep");
  if (r != root) return verification_failed("inclusion proof does not lead to the tree root");
  return {};
}

Status verify_consistency(const MerkleHasher& hasher, std::uint64_t size1, std::uint64_t size2,
                          const Digest& root1, const Digest& root2,
                          std::span<const Digest> proof) {
  if (size1 > size2) {
    return verification_failed("size1 " + std::to_string(size1) + " is larger than size2 " +
                               std::to_string(size2));
  }
  if (size1 == size2) {
    if (!proof.empty()) return verification_failed("equal sizes need an empty proof");
    if (root1 != root2) return verification_failed("equal sizes but different roots");
    return {};
  }
  if (size1 == 0) {
    return verification_failed("a consistency proof from the empty tree proves nothing");
  }
  if (proof.empty()) return verification_failed("consistency proof is empty");

  // RFC 9162 2.1.4.2: when size1 is a power of two, root1 is itself the first
  // node of the path.
  std::size_t next = 0;
  Digest first = std::has_single_bit(size1) ? root1 : proof[next++];
  std::uint64_t fn = size1 - 1;
  std::uint64_t sn = size2 - 1;
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  Digest fr = first;
  Digest sr = first;
  for (; next < proof.size(); ++next) {
    const Digest& c = proof[next];
    if (sn == 0) return verification_failed("consistency proof is too long");
    if ((fn & 1) || fn == sn) {
      fr = hasher.node(c, fr);
      sr = hasher.node(c, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = hasher.node(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  if (sn != 0) return verification_failed("consistency proof is too short");
  if (fr != root1) return verification_failed("consistency proof does not lead to root1");
  if (sr != root2) return verification_failed("consistency proof does not lead to root2");
  return {};
}

}  // namespace tracechain::crypto
