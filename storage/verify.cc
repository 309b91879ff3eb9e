#include "storage/verify.h"

#include "ledger/follower.h"
#include "ledger/genesis.h"

namespace tracechain::storage {

namespace {

Error disagree(std::uint64_t height, const std::string& what) {
  return Error(ErrorCode::kCorruption, "block " + std::to_string(height) + ": " + what);
}

// Verifies one block against the one before it; advances `frontier` over its
// leaves.
class ChainWalker {
 public:
  ChainWalker(const BlockStore& store, const VerifyOptions& options)
      : store_(store), options_(options), hasher_(store.params().hash_algorithm()) {}

  Status start(std::uint64_t from) {
    previous_hash_ = store_.params().genesis_hash;
    previous_root_ = hasher_.empty_root();
    std::uint64_t size = 0;
    if (from > 1) {
      auto before = store_.header(from - 1);
      if (!before) return before.error();
      previous_hash_ = ledger::header_hash(hasher_.algorithm(), *before);
      previous_root_ = before->log_root;
      size = before->log_size;
    }
    auto tip_header = store_.header(store_.height());
    if (!tip_header) return tip_header.error();
    tip_size_ = tip_header->log_size;
    tip_root_ = tip_header->log_root;
    auto frontier = store_.log_frontier(size);
    if (!frontier) return frontier.error();
    frontier_ = std::move(*frontier);
    return {};
  }

  Status check(std::uint64_t height, VerifyReport& report) {
    auto header = store_.header(height);
    if (!header) return header.error();
    Digest hash = ledger::header_hash(hasher_.algorithm(), *header);
    if (header->previous_hash != previous_hash_) {
      return disagree(height, "its previous hash is not the hash of the block before it");
    }
    if (Status s = check_certificate(height, *header, hash); !s) return s;

    auto block = store_.admitted_block(height);
    if (!block) return block.error();
    auto receipts = store_.receipts(height);
    if (!receipts) return receipts.error();
    const std::size_t n = block->transactions.size();
    std::vector<Digest> tx_hashes;
    std::vector<Digest> receipt_hashes;
    for (std::size_t i = 0; i < n; ++i) {
      const Digest& tx_hash = block->transactions[i]->hash;
      auto location = store_.locate(tx_hash);
      if (!location) return location.error().with_context("block " + std::to_string(height));
      if (location->height != height || location->index != i) {
        return disagree(height, "the index places transaction " + std::to_string(i) +
                                    " at height " + std::to_string(location->height) +
                                    ", index " + std::to_string(location->index));
      }
      tx_hashes.push_back(tx_hash);
    }
    for (const ledger::Receipt& receipt : *receipts) {
      receipt_hashes.push_back(ledger::receipt_hash(hasher_.algorithm(), receipt));
    }
    if (Status s = ledger::check_receipt_positions(tx_hashes, *receipts, height); !s) {
      return disagree(height, s.error().message());
    }
    std::uint64_t previous_size = frontier_.size();
    ledger::BlockRoots roots =
        ledger::derive_roots(hasher_, tx_hashes, receipt_hashes, height, frontier_);
    if (Status s = ledger::check_roots(*header, roots); !s) {
      return disagree(height, s.error().message());
    }
    frontier_ = std::move(roots.log);
    if (Status s = check_log(height, *header, tx_hashes, previous_size); !s) return s;

    previous_hash_ = hash;
    previous_root_ = header->log_root;
    ++report.blocks;
    report.transactions += n;
    return {};
  }

 private:
  Status check_certificate(std::uint64_t height, const ledger::BlockHeader& header,
                           const Digest& hash) const {
    auto certificate = store_.certificate(height);
    if (!certificate) return certificate.error();
    if (certificate->height != height || certificate->block_hash != hash) {
      return disagree(height, "its commit certificate is for another block");
    }
    auto signers = store_.validators_at(height);
    if (!signers) return signers.error();
    if (ledger::validator_set_hash(*signers) != header.validator_set_hash) {
      return disagree(height, "the stored validator set is not the one its header names");
    }
    if (options_.check_signatures) {
      if (Status s = ledger::verify_certificate(store_.params().chain_id, *signers, *certificate);
          !s) {
        return disagree(height, "its commit certificate does not verify: " + s.error().message());
      }
    }
    return {};
  }

  // The stored nodes agree with the header, and proofs served from them
  // verify: inclusion of the block's first and last transactions, at this
  // block's size and at the tip's, and consistency with the block before.
  Status check_log(std::uint64_t height, const ledger::BlockHeader& header,
                   const std::vector<Digest>& tx_hashes, std::uint64_t previous_size) const {
    auto root = store_.log_root(header.log_size);
    if (!root) return root.error();
    if (*root != header.log_root) {
      return disagree(height, "the stored log nodes give another root at its log size");
    }
    std::vector<Digest> proven;
    if (!tx_hashes.empty()) proven = {tx_hashes.front(), tx_hashes.back()};
    for (const Digest& tx_hash : proven) {
      for (auto [size, expected_root] : {std::pair{header.log_size, header.log_root},
                                         std::pair{tip_size_, tip_root_}}) {
        auto proof = store_.inclusion_proof(tx_hash, size);
        if (!proof) return proof.error().with_context("block " + std::to_string(height));
        if (Status s = verify_inclusion_proof(hasher_, *proof, expected_root); !s) {
          return disagree(height, "an inclusion proof does not verify: " + s.error().message());
        }
      }
    }
    if (previous_size > 0) {
      auto proof = store_.consistency_proof(previous_size, header.log_size);
      if (!proof) return proof.error().with_context("block " + std::to_string(height));
      if (Status s = crypto::verify_consistency(hasher_, previous_size, header.log_size,
                                                previous_root_, header.log_root, *proof);
          !s) {
        return disagree(height, "the consistency proof from the block before does not verify: " +
                                    s.error().message());
      }
    }
    return {};
  }

  const BlockStore& store_;
  const VerifyOptions& options_;
  crypto::MerkleHasher hasher_;
  Digest previous_hash_{};
  Digest previous_root_{};
  std::uint64_t tip_size_ = 0;
  Digest tip_root_{};
  crypto::MerkleFrontier frontier_;
};

Status compare_state(const ledger::MemoryState& expected, const ledger::StateView& stored) {
  std::size_t count = 0;
  std::optional<Error> failure;
  stored.scan("", [&](std::string_view key, ByteView value) {
    ++count;
    auto want = expected.get(key);
    if (!want || !std::equal(want->begin(), want->end(), value.begin(), value.end())) {
      failure = Error(ErrorCode::kCorruption,
                      "state entry '" + std::string(key) +
                          (want ? "' differs from re-execution" : "' should not exist"));
      return false;
    }
    return true;
  });
  if (failure) return *failure;
  if (count != expected.size()) {
    return Error(ErrorCode::kCorruption, "the store's state has " + std::to_string(count) +
                                             " entries; re-execution gives " +
                                             std::to_string(expected.size()));
  }
  return {};
}

}  // namespace

Result<VerifyReport> verify_chain(const BlockStore& store, std::uint64_t from, std::uint64_t to,
                                  const VerifyOptions& options) {
  VerifyReport report;
  if (to == 0) return report;
  if (from == 0 || from > to || to > store.height()) {
    return Error(ErrorCode::kInvalidInput,
                 "cannot verify blocks " + std::to_string(from) + " to " + std::to_string(to) +
                     " of a chain at height " + std::to_string(store.height()));
  }
  ChainWalker walker(store, options);
  if (Status s = walker.start(from); !s) return s.error();
  for (std::uint64_t height = from; height <= to; ++height) {
    if (Status s = walker.check(height, report); !s) return s.error();
  }
  return report;
}

Result<VerifyReport> verify_chain(const BlockStore& store, const VerifyOptions& options) {
  return verify_chain(store, 1, store.height(), options);
}

Result<VerifyReport> replay_chain(const BlockStore& store, const ledger::Genesis& genesis,
                                  const ledger::SignatureChecker& checker,
                                  const ReplayHooks& hooks,
                                  ledger::CertificateCheck certificates) {
  const ledger::ChainParams& params = store.params();
  if (ledger::genesis_hash(genesis) != params.genesis_hash) {
    return Error(ErrorCode::kInvalidInput, "the genesis given is not the store's");
  }
  ledger::ChainFollower follower(genesis);
  VerifyReport report;
  std::uint64_t last = store.height();
  for (std::uint64_t height = 1; height <= last; ++height) {
    if (hooks.before && !hooks.before(height)) {
      return Error(ErrorCode::kConflict, "replay stopped before block " + std::to_string(height));
    }
    auto block = store.admitted_block(height);
    if (!block) return block.error().with_context("block " + std::to_string(height));
    auto certificate = store.certificate(height);
    if (!certificate) return certificate.error().with_context("block " + std::to_string(height));
    auto executed = follower.apply(*block, *certificate, checker, certificates);
    if (!executed) {
      return disagree(height, "does not re-execute to its header: " + executed.error().message());
    }
    auto receipts = store.receipts(height);
    if (!receipts) return receipts.error().with_context("block " + std::to_string(height));
    if (Status s = ledger::check_same_receipts(params.hash_algorithm(), *receipts,
                                               executed->receipts);
        !s) {
      return disagree(height, "its stored receipts differ from re-execution: " +
                                  s.error().message());
    }
    ++report.blocks;
    report.transactions += block->transactions.size();
    if (hooks.after) hooks.after(height, block->transactions.size());
  }
  if (follower.tip() != store.tip()) {
    return Error(ErrorCode::kCorruption, "the store's tip differs from re-execution");
  }
  try {
    if (Status s = compare_state(follower.state(), store.state()); !s) return s.error();
  } catch (const ledger::StateReadError& e) {
    return Error(ErrorCode::kCorruption, std::string("state cannot be read: ") + e.what());
  }
  return report;
}

}  // namespace tracechain::storage
