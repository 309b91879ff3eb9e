// RFC 9162 inclusion and consistency proofs (crypto/merkle.h). The first
// byte picks what the rest of the input is:
//   0  an inclusion proof to verify: u64 index, u64 size, leaf hash, root,
//      then the proof's hashes (32 bytes each, a short tail ignored)
//   1  a consistency proof to verify: u64 size1, u64 size2, root1, root2,
//      then the proof's hashes
//   2  a tree to build: u16 leaf count (1 to 512), u16 and u16 choosing the
//      sizes and the leaf, the rest seeding the leaves. Proofs the log makes
//      must verify, and with any byte of a proof or root changed must not.
// An odd first byte above 2 uses SM3 instead of SHA-256.
#include <cstring>

#include "crypto/merkle.h"
#include "tests/fuzz/fuzz.h"

using namespace tracechain;

namespace {

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
  bool take(void* out, std::size_t n) {
    if (size_ - at_ < n) return false;
    std::memcpy(out, data_ + at_, n);
    at_ += n;
    return true;
  }
  template <typename T>
  bool integer(T& value) {
    std::uint8_t raw[sizeof(T)];
    if (!take(raw, sizeof(T))) return false;
    value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) value = static_cast<T>(value | T(raw[i]) << (8 * i));
    return true;
  }
  std::vector<Digest> digests() {
    std::vector<Digest> out;
    Digest d{};
    while (take(d.data(), d.size())) out.push_back(d);
    return out;
  }
  std::size_t left() const { return size_ - at_; }
  const std::uint8_t* rest() const { return data_ + at_; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

void built_tree(const crypto::MerkleHasher& hasher, Reader& in) {
  std::uint16_t count = 0, pick_size = 0, pick_leaf = 0;
  if (!in.integer(count) || !in.integer(pick_size) || !in.integer(pick_leaf)) return;
  const std::uint64_t n = count % 512 + 1;
  crypto::MemoryMerkleNodeStore store;
  crypto::MerkleLog log(hasher.algorithm(), store);
  std::vector<Digest> leaves;
  for (std::uint64_t i = 0; i < n; ++i) {
    Bytes leaf{static_cast<std::uint8_t>(i), static_cast<std::uint8_t>(i >> 8)};
    if (in.left() > 0) leaf.insert(leaf.end(), in.rest(), in.rest() + std::min<std::size_t>(in.left(), 8));
    leaves.push_back(hasher.leaf(leaf));
    log.append(leaves.back());
  }
  fuzz::check(log.root() == crypto::merkle_root(hasher, leaves),
              "the log's root differs from merkle_root over the same leaves");
  const std::uint64_t size2 = pick_size % n + 1;
  const std::uint64_t size1 = pick_leaf % size2 + 1;
  const std::uint64_t index = pick_leaf % size2;
  auto root1 = log.root_at(size1);
  auto root2 = log.root_at(size2);
  fuzz::check(root1.ok() && root2.ok(), "root_at refused a size the log has");

  auto inclusion = log.inclusion_proof(index, size2);
  fuzz::check(inclusion.ok(), "inclusion_proof refused a leaf the log has");
  fuzz::check(crypto::verify_inclusion(hasher, index, size2, leaves[index], *inclusion, *root2).ok(),
              "a proof the log made does not verify (inclusion)");
  auto consistency = log.consistency_proof(size1, size2);
  fuzz::check(consistency.ok(), "consistency_proof refused sizes the log has");
  fuzz::check(
      crypto::verify_consistency(hasher, size1, size2, *root1, *root2, *consistency).ok(),
      "a proof the log made does not verify (consistency)");

  // Any change to a proof hash or a root must be caught.
  const std::size_t flip = pick_size % 32;
  for (std::size_t i = 0; i < inclusion->size(); ++i) {
    std::vector<Digest> bad = *inclusion;
    bad[i][flip] ^= 0x01;
    fuzz::check(!crypto::verify_inclusion(hasher, index, size2, leaves[index], bad, *root2).ok(),
                "a changed inclusion proof verifies");
  }
  for (std::size_t i = 0; i < consistency->size(); ++i) {
    std::vector<Digest> bad = *consistency;
    bad[i][flip] ^= 0x01;
    fuzz::check(!crypto::verify_consistency(hasher, size1, size2, *root1, *root2, bad).ok(),
                "a changed consistency proof verifies");
  }
  Digest bad_root = *root2;
  bad_root[flip] ^= 0x80;
  fuzz::check(!crypto::verify_inclusion(hasher, index, size2, leaves[index], *inclusion, bad_root).ok(),
              "an inclusion proof verifies against a changed root");
  fuzz::check(!crypto::verify_consistency(hasher, size1, size2, *root1, bad_root, *consistency).ok(),
              "a consistency proof verifies against a changed root");
  // A proof for one leaf never proves another (leaves are distinct).
  if (size2 > 1) {
    const std::uint64_t other = (index + 1) % size2;
    fuzz::check(!crypto::verify_inclusion(hasher, other, size2, leaves[index], *inclusion, *root2).ok() ||
                    leaves[other] == leaves[index],
                "an inclusion proof verifies at another index");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t mode = data[0];
  const crypto::MerkleHasher hasher(mode > 2 && (mode & 1) ? crypto::HashAlgorithm::kSm3
                                                           : crypto::HashAlgorithm::kSha256);
  Reader in(data + 1, size - 1);
  switch (mode % 3) {
    case 0: {
      std::uint64_t index = 0, tree_size = 0;
      Digest leaf{}, root{};
      if (!in.integer(index) || !in.integer(tree_size) || !in.take(leaf.data(), 32) ||
          !in.take(root.data(), 32)) {
        return 0;
      }
      (void)crypto::verify_inclusion(hasher, index, tree_size, leaf, in.digests(), root);
      return 0;
    }
    case 1: {
      std::uint64_t size1 = 0, size2 = 0;
      Digest root1{}, root2{};
      if (!in.integer(size1) || !in.integer(size2) || !in.take(root1.data(), 32) ||
          !in.take(root2.data(), 32)) {
        return 0;
      }
      (void)crypto::verify_consistency(hasher, size1, size2, root1, root2, in.digests());
      return 0;
    }
    default:
      built_tree(hasher, in);
      return 0;
  }
}
