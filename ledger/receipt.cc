#include "ledger/receipt.h"

namespace tracechain::ledger {

Status validate(const Block& block) {
  if (Status s = validate(block.header); !s) return s;
  for (std::size_t i = 0; i < block.transactions.size(); ++i) {
    if (Status s = validate(block.transactions[i]); !s) {
      return s.error().with_context("transaction " + std::to_string(i));
    }
  }
  return {};
}

std::string_view reason_name(Reason reason) {
  switch (reason) {
    case Reason::kNone:
      return "none";
    case Reason::kNotFound:
      return "not-found";
    case Reason::kAlreadyExists:
      return "already-exists";
    case Reason::kWrongState:
      return "wrong-state";
    case Reason::kWrongParty:
      return "wrong-party";
    case Reason::kNotTradable:
      return "not-tradable";
    case Reason::kAttestationInvalid:
      return "attestation-invalid";
    case Reason::kSourceReviewInvalid:
      return "source-review-invalid";
    case Reason::kDuplicateReview:
      return "duplicate-review";
    case Reason::kProposalClosed:
      return "proposal-closed";
    case Reason::kDuplicateApproval:
      return "duplicate-approval";
    case Reason::kAssessmentMissing:
      return "assessment-missing";
    case Reason::kInvalidChange:
      return "invalid-change";
    case Reason::kInconsistentLog:
      return "inconsistent-log";
  }
  return "unknown";
}

Status validate(const Receipt& receipt) {
  if (receipt.status != TxStatus::kOk && receipt.status != TxStatus::kFailed) {
    return Error(ErrorCode::kInvalidInput,
                 "unknown status " + std::to_string(static_cast<unsigned>(receipt.status)));
  }
  if (reason_name(receipt.reason) == "unknown") {
    return Error(ErrorCode::kInvalidInput,
                 "unknown reason " + std::to_string(static_cast<unsigned>(receipt.reason)));
  }
  if ((receipt.status == TxStatus::kOk) != (receipt.reason == Reason::kNone)) {
    return Error(ErrorCode::kInvalidInput, "status and reason disagree");
  }
  return {};
}

Digest receipt_hash(crypto::HashAlgorithm algorithm, const Receipt& receipt) {
  return crypto::hash(algorithm, encode(receipt));
}

Digest log_leaf_hash(const crypto::MerkleHasher& hasher, const LogLeaf& leaf) {
  return hasher.leaf(encode(leaf));
}

Digest digest_list_root(const crypto::MerkleHasher& hasher, std::span<const Digest> digests) {
  std::vector<Digest> leaves;
  leaves.reserve(digests.size());
  for (const Digest& d : digests) leaves.push_back(hasher.leaf(d));
  return crypto::merkle_root(hasher, leaves);
}

}  // namespace tracechain::ledger
