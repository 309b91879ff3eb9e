// Block headers, consensus votes and commit certificates: the bytes that make
// a committed block verifiable by anyone who knows the validator set.
//
// BlockHeader, format version 1 or 2 (the same fields; in version 2 the
// state root is the state tree's):
//   u8 version, text chain id, u64 height, digest previous header hash,
//   u64 time (Unix milliseconds, chosen by the proposer), text proposer,
//   digest transactions root, digest receipts root, digest state root,
//   u64 log size, digest log root, digest validator set hash,
//   digest next validator set hash
// Its hash is the chain hash of that encoding.
//
// Vote, format version 1 (signed with SigningDomain::kVote):
//   u8 version, text chain id, u8 type (1 prevote, 2 precommit), u64 height,
//   u32 round, optional digest block hash (absent = a vote for nil),
//   text validator, bytes signature
//
// CommitCertificate, format version 1:
//   u8 version, u64 height, u32 round, digest block hash,
//   list of (text validator, bytes signature)
// Each signature is that validator's precommit for (height, round, block
// hash); precommit_of() rebuilds the vote it signed.
//
// Plain value types; no shared state.
#pragma once

#include <optional>
#include <vector>

#include "ledger/transaction.h"

namespace tracechain::ledger {

inline constexpr std::size_t kMaxValidators = 256;

struct BlockHeader {
  static constexpr std::string_view kTypeName = "block header";
  static constexpr std::uint8_t kFormatVersion = 1;
  static constexpr std::uint8_t kStateTreeFormatVersion = 2;

  // 1: state_root is the hash chain of state deltas (ledger/state.h);
  // 2: state_root is the root of the state tree (ledger/state_tree.h).
  // The chain's parameters say which its headers carry.
  std::uint8_t format = kFormatVersion;
  ChainId chain_id;
  std::uint64_t height = 0;
  Digest previous_hash{};
  std::uint64_t time_ms = 0;
  ParticipantId proposer;
  Digest transactions_root{};
  Digest receipts_root{};
  Digest state_root{};
  std::uint64_t log_size = 0;
  Digest log_root{};
  Digest validator_set_hash{};
  // The set that signs the next block: equal to validator_set_hash unless this
  // block changed the set. Signed by this block's certificate, it carries an
  // auditor from one validator set to the next.
  Digest next_validator_set_hash{};

  template <class Archive>
  void save(Archive& ar) const {
    ar(format);
    fields(ar, *this);
  }

  template <class Archive>
  void load(Archive& ar) {
    format = load_state_tree_version(ar, kTypeName) ? kStateTreeFormatVersion : kFormatVersion;
    fields(ar, *this);
  }

  bool state_tree() const { return format == kStateTreeFormatVersion; }
  bool operator==(const BlockHeader&) const = default;

 private:
  template <class Archive, class Self>
  static void fields(Archive& ar, Self& h) {
    ar(h.chain_id, h.height, h.previous_hash, h.time_ms, h.proposer, h.transactions_root,
       h.receipts_root, h.state_root, h.log_size, h.log_root, h.validator_set_hash,
       h.next_validator_set_hash);
  }
};

Status validate(const BlockHeader& header);
Digest header_hash(crypto::HashAlgorithm algorithm, const BlockHeader& header);

enum class VoteType : std::uint8_t {
  kPrevote = 1,
  kPrecommit = 2,
};

struct Vote {
  static constexpr std::string_view kTypeName = "vote";
  static constexpr std::uint8_t kFormatVersion = 1;

  ChainId chain_id;
  VoteType type = VoteType::kPrevote;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  std::optional<Digest> block_hash;  // nullopt: a vote for nil
  ParticipantId validator;
  Bytes signature;

  template <class Archive>
  void serialize_unsigned(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, chain_id, type, height, round, block_hash, validator);
  }

  template <class Archive>
  void serialize(Archive& ar) {
    serialize_unsigned(ar);
    ar(signature);
  }

  bool operator==(const Vote&) const = default;
};

Status validate(const Vote& vote);
Bytes signing_bytes(const Vote& vote);
void sign(Vote& vote, const crypto::PrivateKey& key);
Status verify_signature(const Vote& vote, const crypto::PublicKey& key);

// A proposer's signed proposal of a block for (height, round); the block's
// bytes travel separately. Format version 1 (signed with SigningDomain::kProposal):
//   u8 version, text chain id, u64 height, u32 round, digest block hash,
//   optional u32 valid round (absent = -1 in the paper), text proposer,
//   bytes signature
struct Proposal {
  static constexpr std::string_view kTypeName = "proposal";
  static constexpr std::uint8_t kFormatVersion = 1;

  ChainId chain_id;
  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Digest block_hash{};
  std::optional<std::uint32_t> valid_round;
  ParticipantId proposer;
  Bytes signature;

  template <class Archive>
  void serialize_unsigned(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, chain_id, height, round, block_hash, valid_round, proposer);
  }

  template <class Archive>
  void serialize(Archive& ar) {
    serialize_unsigned(ar);
    ar(signature);
  }

  bool operator==(const Proposal&) const = default;
};

Status validate(const Proposal& proposal);
Bytes signing_bytes(const Proposal& proposal);
void sign(Proposal& proposal, const crypto::PrivateKey& key);
Status verify_signature(const Proposal& proposal, const crypto::PublicKey& key);

struct CommitSignature {
  ParticipantId validator;
  Bytes signature;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(validator, signature);
  }

  bool operator==(const CommitSignature&) const = default;
};

struct CommitCertificate {
  static constexpr std::string_view kTypeName = "commit certificate";
  static constexpr std::uint8_t kFormatVersion = 1;

  std::uint64_t height = 0;
  std::uint32_t round = 0;
  Digest block_hash{};
  std::vector<CommitSignature> signatures;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, height, round, block_hash, signatures);
  }

  bool operator==(const CommitCertificate&) const = default;
};

Status validate(const CommitCertificate& certificate);

// The precommit vote that `signature` in `certificate` signed, on `chain_id`.
Vote precommit_of(const ChainId& chain_id, const CommitCertificate& certificate,
                  const CommitSignature& signature);

}  // namespace tracechain::ledger
