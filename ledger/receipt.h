// Blocks, receipts and the leaves of the ledger-wide log.
//
// Block, format version 1:   u8 version, BlockHeader, list<Transaction>
// Receipt, format version 1: u8 version, digest transaction hash, u64 height,
//   u32 index in block, u8 status (0 ok, 1 failed), u16 reason, text message,
//   list<(text event kind, text subject)>
// LogLeaf, format version 1: u8 version, digest transaction hash,
//   digest receipt hash, u64 height, u32 index
//
// Every committed transaction has one receipt and one log leaf. The leaf's
// Merkle hash is H(0x00 || encode(leaf)); the block's transactions root and
// receipts root are RFC 9162 roots over leaves that are the 32-byte
// transaction hashes and receipt hashes.
//
// Plain value types; the functions are pure.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "crypto/merkle.h"
#include "ledger/block.h"

namespace tracechain::ledger {

struct Block {
  static constexpr std::string_view kTypeName = "block";
  static constexpr std::uint8_t kFormatVersion = 1;

  BlockHeader header;
  std::vector<Transaction> transactions;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, header, transactions);
  }

  bool operator==(const Block&) const = default;
};

Status validate(const Block& block);

enum class TxStatus : std::uint8_t {
  kOk = 0,
  kFailed = 1,
};

// Why a well-formed, authenticated transaction failed a business rule. The
// receipt's message says precisely what; the reason classifies it.
enum class Reason : std::uint16_t {
  kNone = 0,
  kNotFound = 1,             // a referenced trade, asset, attestation, review or proposal
  kAlreadyExists = 2,        // an id that is taken
  kWrongState = 3,           // the trade, proposal or attestation is not in a state for this
  kWrongParty = 4,           // the sender is not the party this step belongs to
  kNotTradable = 5,          // policy forbids trading the asset's classification level
  kAttestationInvalid = 6,   // missing, expired, revoked, or about someone else
  kSourceReviewInvalid = 7,  // missing, rejected, or for another asset
  kDuplicateReview = 8,      // this reviewer already reviewed
  kProposalClosed = 9,       // expired or already applied
  kDuplicateApproval = 10,   // this governor already approved
  kAssessmentMissing = 11,   // a cross-border trade lacks its security assessment
  kInvalidChange = 12,       // a governance change that cannot apply to the current state
  kInconsistentLog = 13,     // a read-log checkpoint that does not extend the sender's last one
};

std::string_view reason_name(Reason reason);

struct Event {
  std::string kind;     // e.g. "trade.approved"
  std::string subject;  // the id it concerns, e.g. the trade id

  template <class Archive>
  void serialize(Archive& ar) {
    ar(kind, subject);
  }

  bool operator==(const Event&) const = default;
};

struct Receipt {
  static constexpr std::string_view kTypeName = "receipt";
  static constexpr std::uint8_t kFormatVersion = 1;

  Digest tx_hash{};
  std::uint64_t height = 0;
  std::uint32_t index = 0;
  TxStatus status = TxStatus::kOk;
  Reason reason = Reason::kNone;
  std::string message;
  std::vector<Event> events;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, tx_hash, height, index, status, reason, message, events);
  }

  bool ok() const { return status == TxStatus::kOk; }
  bool operator==(const Receipt&) const = default;
};

Status validate(const Receipt& receipt);
Digest receipt_hash(crypto::HashAlgorithm algorithm, const Receipt& receipt);

struct LogLeaf {
  static constexpr std::string_view kTypeName = "log leaf";
  static constexpr std::uint8_t kFormatVersion = 1;

  Digest tx_hash{};
  Digest receipt_hash{};
  std::uint64_t height = 0;
  std::uint32_t index = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, tx_hash, receipt_hash, height, index);
  }

  bool operator==(const LogLeaf&) const = default;
};

inline Status validate(const LogLeaf&) { return {}; }
Digest log_leaf_hash(const crypto::MerkleHasher& hasher, const LogLeaf& leaf);

// RFC 9162 root over 32-byte digests used as leaves (transaction or receipt hashes).
Digest digest_list_root(const crypto::MerkleHasher& hasher, std::span<const Digest> digests);

}  // namespace tracechain::ledger
