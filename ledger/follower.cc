#include "ledger/follower.h"

namespace tracechain::ledger {

namespace {

Error disagrees(const std::string& message) {
  return Error(ErrorCode::kVerificationFailed, message);
}

std::string brief(const Digest& d) { return to_hex(d).substr(0, 16); }

template <typename AnyBlock>  // Block or AdmittedBlock
Result<ExecutedBlock> apply_checked(const StateView& state, const ChainTip& tip,
                                    const AnyBlock& block,
                                    const CommitCertificate& certificate,
                                    const SignatureChecker& checker, CertificateCheck check) {
  const BlockHeader& header = block.header;
  if (header.height != tip.height + 1) {
    return Error(ErrorCode::kConflict, "block " + std::to_string(header.height) +
                                           " does not follow height " + std::to_string(tip.height));
  }
  if (header.previous_hash != tip.header_hash) {
    return disagrees("its previous hash " + brief(header.previous_hash) +
                     " is not the hash of block " + std::to_string(tip.height) + " (" +
                     brief(tip.header_hash) + ")");
  }
  auto params = read_chain_params(state);
  if (!params) return params.error();
  Digest hash = header_hash(params->hash_algorithm(), header);
  if (certificate.height != header.height || certificate.block_hash != hash) {
    return disagrees("its commit certificate is for height " + std::to_string(certificate.height) +
                     ", block " + brief(certificate.block_hash) + ", not this block (" +
                     brief(hash) + ")");
  }
  auto signers = read_validators(state);
  if (!signers) return signers.error();
  Digest set_hash = validator_set_hash(*signers);
  if (header.validator_set_hash != set_hash) {
    return disagrees("its header names validator set " + brief(header.validator_set_hash) +
                     ", but the set in force is " + brief(set_hash));
  }
  if (check == CertificateCheck::kSignatures) {
    if (Status s = verify_certificate(params->chain_id, *signers, certificate); !s) {
      return disagrees("its commit certificate does not verify: " + s.error().message());
    }
  }
  return validate_block(state, tip, block, checker);
}

}  // namespace

BlockRoots derive_roots(const crypto::MerkleHasher& hasher, std::span<const Digest> tx_hashes,
                        std::span<const Digest> receipt_hashes, std::uint64_t height,
                        crypto::MerkleFrontier log_before) {
  return derive_roots(hasher, tx_hashes, receipt_hashes, height, std::move(log_before),
                      [](std::uint32_t, std::uint64_t, const Digest&) {});
}

Status check_roots(const BlockHeader& header, const BlockRoots& roots) {
  if (roots.transactions_root != header.transactions_root) {
    return disagrees("its transactions do not give its transactions root");
  }
  if (roots.receipts_root != header.receipts_root) {
    return disagrees("its receipts do not give its receipts root");
  }
  if (roots.log.size() != header.log_size) {
    return disagrees("its transactions put the log at size " + std::to_string(roots.log.size()) +
                     ", its header says " + std::to_string(header.log_size));
  }
  if (roots.log_root != header.log_root) {
    return disagrees("its transactions and receipts do not give its log root");
  }
  return {};
}

Status check_receipt_positions(std::span<const Digest> tx_hashes,
                               std::span<const Receipt> receipts, std::uint64_t height) {
  if (receipts.size() != tx_hashes.size()) {
    return disagrees(std::to_string(tx_hashes.size()) + " transactions but " +
                     std::to_string(receipts.size()) + " receipts");
  }
  for (std::size_t i = 0; i < receipts.size(); ++i) {
    const Receipt& r = receipts[i];
    if (r.tx_hash != tx_hashes[i] || r.height != height || r.index != i) {
      return disagrees("receipt " + std::to_string(i) + " is not the receipt of transaction " +
                       std::to_string(i));
    }
  }
  return {};
}

Status check_same_receipts(crypto::HashAlgorithm algorithm, std::span<const Receipt> found,
                           std::span<const Receipt> expected) {
  if (found.size() != expected.size()) {
    return disagrees("receipts: re-execution gives " + std::to_string(expected.size()) + ", found " +
                     std::to_string(found.size()));
  }
  for (std::size_t i = 0; i < found.size(); ++i) {
    if (found[i] != expected[i]) {
      return disagrees("receipt " + std::to_string(i) + " differs from re-execution: expected hash " +
                       to_hex(receipt_hash(algorithm, expected[i])) + ", found " +
                       to_hex(receipt_hash(algorithm, found[i])));
    }
  }
  return {};
}

namespace {

template <typename AnyBlock>
Result<ExecutedBlock> apply_guarded(const StateView& state, const ChainTip& tip,
                                    const AnyBlock& block, const CommitCertificate& certificate,
                                    const SignatureChecker& checker, CertificateCheck check) {
  try {
    return apply_checked(state, tip, block, certificate, checker, check);
  } catch (const StateReadError& e) {
    return Error(ErrorCode::kCorruption, std::string("state could not be read: ") + e.what());
  }
}

}  // namespace

Result<ExecutedBlock> apply_certified_block(const StateView& state, const ChainTip& tip,
                                            const AdmittedBlock& block,
                                            const CommitCertificate& certificate,
                                            const SignatureChecker& checker,
                                            CertificateCheck check) {
  return apply_guarded(state, tip, block, certificate, checker, check);
}

Result<ExecutedBlock> apply_certified_block(const StateView& state, const ChainTip& tip,
                                            const Block& block,
                                            const CommitCertificate& certificate,
                                            const SignatureChecker& checker,
                                            CertificateCheck check) {
  return apply_guarded(state, tip, block, certificate, checker, check);
}

ChainFollower::ChainFollower(const Genesis& genesis)
    : params_(chain_params(genesis)), tip_(genesis_tip(genesis)) {
  state_.apply(genesis_delta(genesis));
}

Result<ExecutedBlock> ChainFollower::apply(const AdmittedBlock& block,
                                           const CommitCertificate& certificate,
                                           const SignatureChecker& checker,
                                           CertificateCheck check) {
  auto executed = apply_certified_block(state_, tip_, block, certificate, checker, check);
  if (!executed) return executed.error();
  state_.apply(executed->delta);
  tip_ = next_tip(params_, block.header, *executed);
  return executed;
}

Result<ExecutedBlock> ChainFollower::apply(const Block& block,
                                           const CommitCertificate& certificate,
                                           const SignatureChecker& checker,
                                           CertificateCheck check) {
  return apply(AdmittedBlock::from_block(block, params_.suite), certificate, checker, check);
}

}  // namespace tracechain::ledger
