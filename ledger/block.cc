#include "ledger/block.h"

namespace tracechain::ledger {

Status validate(const BlockHeader& header) {
  if (header.format != BlockHeader::kFormatVersion &&
      header.format != BlockHeader::kStateTreeFormatVersion) {
    return Error(ErrorCode::kInvalidInput,
                 "block header format " + std::to_string(header.format) + " is not 1 or 2");
  }
  if (Status s = validate_identifier("chain id", header.chain_id); !s) return s;
  return validate_identifier("proposer", header.proposer);
}

Digest header_hash(crypto::HashAlgorithm algorithm, const BlockHeader& header) {
  return crypto::hash(algorithm, encode(header));
}

Status validate(const Vote& vote) {
  if (Status s = validate_identifier("chain id", vote.chain_id); !s) return s;
  if (vote.type != VoteType::kPrevote && vote.type != VoteType::kPrecommit) {
    return Error(ErrorCode::kInvalidInput,
                 "unknown vote type " + std::to_string(static_cast<unsigned>(vote.type)));
  }
  if (Status s = validate_identifier("validator", vote.validator); !s) return s;
  return validate_signature_size(vote.signature);
}

Bytes signing_bytes(const Vote& vote) { return signing_bytes_of(SigningDomain::kVote, vote); }

void sign(Vote& vote, const crypto::PrivateKey& key) {
  vote.signature = key.sign(signing_bytes(vote));
}

Status verify_signature(const Vote& vote, const crypto::PublicKey& key) {
  return key.verify(signing_bytes(vote), vote.signature);
}

Status validate(const Proposal& proposal) {
  if (Status s = validate_identifier("chain id", proposal.chain_id); !s) return s;
  if (proposal.valid_round && *proposal.valid_round >= proposal.round) {
    return Error(ErrorCode::kInvalidInput, "valid round " + std::to_string(*proposal.valid_round) +
                                               " is not below the round " +
                                               std::to_string(proposal.round));
  }
  if (Status s = validate_identifier("proposer", proposal.proposer); !s) return s;
  return validate_signature_size(proposal.signature);
}

Bytes signing_bytes(const Proposal& proposal) {
  return signing_bytes_of(SigningDomain::kProposal, proposal);
}

void sign(Proposal& proposal, const crypto::PrivateKey& key) {
  proposal.signature = key.sign(signing_bytes(proposal));
}

Status verify_signature(const Proposal& proposal, const crypto::PublicKey& key) {
  return key.verify(signing_bytes(proposal), proposal.signature);
}

Status validate(const CommitCertificate& certificate) {
  if (certificate.signatures.empty()) {
    return Error(ErrorCode::kInvalidInput, "has no signatures");
  }
  if (certificate.signatures.size() > kMaxValidators) {
    return Error(ErrorCode::kInvalidInput,
                 "has " + std::to_string(certificate.signatures.size()) +
                     " signatures, more than the " + std::to_string(kMaxValidators) +
                     " validators a chain may have");
  }
  for (const CommitSignature& entry : certificate.signatures) {
    if (Status s = validate_identifier("validator", entry.validator); !s) return s;
    if (Status s = validate_signature_size(entry.signature); !s) return s;
  }
  return {};
}

Vote precommit_of(const ChainId& chain_id, const CommitCertificate& certificate,
                  const CommitSignature& signature) {
  Vote vote;
  vote.chain_id = chain_id;
  vote.type = VoteType::kPrecommit;
  vote.height = certificate.height;
  vote.round = certificate.round;
  vote.block_hash = certificate.block_hash;
  vote.validator = signature.validator;
  vote.signature = signature.signature;
  return vote;
}

}  // namespace tracechain::ledger
