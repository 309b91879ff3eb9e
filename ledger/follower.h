// Following a chain that others committed, and the roots a header commits to.
//
// derive_roots() is the one derivation of what a header says about its
// block's transactions and receipts: the transactions root, the receipts
// root and the ledger-wide log after the block. Execution uses it to fill a
// header; the store's commit and open checks and verify_chain use it (with
// check_roots) to check one.
//
// apply_certified_block() is the one way a block committed elsewhere is
// taken in: its certificate must be for its header and signed by the set
// that signs its height (read from the state it applies to), and its
// re-execution must give every field of its header. A node's block sync
// applies it to its store's state; ChainFollower applies it to a state in
// memory, for `tracectl audit verify` against a node and for
// storage::replay_chain over a data directory.
//
// Pure functions of their arguments; ChainFollower is a value owned by one
// thread.
#pragma once

#include <span>
#include <vector>

#include "ledger/execution.h"

namespace tracechain::ledger {

struct BlockRoots {
  std::vector<LogLeaf> leaves;
  Digest transactions_root{};
  Digest receipts_root{};
  crypto::MerkleFrontier log;  // the ledger-wide log after the block's leaves
  Digest log_root{};
};

// The roots of block `height` whose transactions and receipts hash to
// `tx_hashes` and `receipt_hashes` (of equal length), on top of the log
// `log_before`. `completed` is called for every log node the block's leaves
// complete, as (level, index, hash): the store writes them.
template <typename Sink>
BlockRoots derive_roots(const crypto::MerkleHasher& hasher, std::span<const Digest> tx_hashes,
                        std::span<const Digest> receipt_hashes, std::uint64_t height,
                        crypto::MerkleFrontier log_before, Sink&& completed);
BlockRoots derive_roots(const crypto::MerkleHasher& hasher, std::span<const Digest> tx_hashes,
                        std::span<const Digest> receipt_hashes, std::uint64_t height,
                        crypto::MerkleFrontier log_before);

// kVerificationFailed naming the first of the header's transactions root,
// receipts root, log size and log root that `roots` do not give.
Status check_roots(const BlockHeader& header, const BlockRoots& roots);

// kVerificationFailed unless `receipts` are, in order, the receipts of
// `tx_hashes` as transactions 0, 1, ... of block `height`.
Status check_receipt_positions(std::span<const Digest> tx_hashes,
                               std::span<const Receipt> receipts, std::uint64_t height);

// kVerificationFailed naming the first receipt in `found` that differs from
// re-execution's (`expected`), by its hash.
Status check_same_receipts(crypto::HashAlgorithm algorithm, std::span<const Receipt> found,
                           std::span<const Receipt> expected);

enum class CertificateCheck {
  kSignatures,  // verify the certificate's signatures against the signing set
  kLinkOnly,    // only that it is for this block (its signatures are checked elsewhere)
};

// Checks that `certificate` certifies `block`, the next block after `tip`,
// and (kSignatures) is signed by more than two thirds of the set `state`
// holds; then re-executes the block on `state` and checks every header
// field (validate_block). kConflict when the block does not follow the tip,
// kVerificationFailed for anything else that disagrees.
Result<ExecutedBlock> apply_certified_block(
    const StateView& state, const ChainTip& tip, const AdmittedBlock& block,
    const CommitCertificate& certificate,
    const SignatureChecker& checker = default_signature_checker(),
    CertificateCheck check = CertificateCheck::kSignatures);
// The same for a decoded block: each transaction is encoded and hashed.
Result<ExecutedBlock> apply_certified_block(
    const StateView& state, const ChainTip& tip, const Block& block,
    const CommitCertificate& certificate,
    const SignatureChecker& checker = default_signature_checker(),
    CertificateCheck check = CertificateCheck::kSignatures);

// A chain followed from its genesis in memory: state and tip advance by each
// certified block applied.
class ChainFollower {
 public:
  explicit ChainFollower(const Genesis& genesis);

  // apply_certified_block() on the follower's state and tip; on success the
  // block's writes are applied and the tip moves to it. On failure nothing
  // changes.
  Result<ExecutedBlock> apply(const AdmittedBlock& block, const CommitCertificate& certificate,
                              const SignatureChecker& checker = default_signature_checker(),
                              CertificateCheck check = CertificateCheck::kSignatures);
  Result<ExecutedBlock> apply(const Block& block, const CommitCertificate& certificate,
                              const SignatureChecker& checker = default_signature_checker(),
                              CertificateCheck check = CertificateCheck::kSignatures);

  const ChainParams& params() const { return params_; }
  const ChainTip& tip() const { return tip_; }
  const MemoryState& state() const { return state_; }

 private:
  ChainParams params_;
  MemoryState state_;
  ChainTip tip_;
};

template <typename Sink>
BlockRoots derive_roots(const crypto::MerkleHasher& hasher, std::span<const Digest> tx_hashes,
                        std::span<const Digest> receipt_hashes, std::uint64_t height,
                        crypto::MerkleFrontier log_before, Sink&& completed) {
  TC_ASSERT(tx_hashes.size() == receipt_hashes.size());
  TC_ASSERT(tx_hashes.size() <= std::numeric_limits<std::uint32_t>::max());
  BlockRoots roots;
  roots.log = std::move(log_before);
  roots.leaves.reserve(tx_hashes.size());
  for (std::size_t i = 0; i < tx_hashes.size(); ++i) {
    LogLeaf leaf{tx_hashes[i], receipt_hashes[i], height, static_cast<std::uint32_t>(i)};
    roots.log.append(hasher, log_leaf_hash(hasher, leaf), completed);
    roots.leaves.push_back(leaf);
  }
  roots.transactions_root = digest_list_root(hasher, tx_hashes);
  roots.receipts_root = digest_list_root(hasher, receipt_hashes);
  roots.log_root = roots.log.root(hasher);
  return roots;
}

}  // namespace tracechain::ledger
