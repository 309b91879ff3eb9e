// What nodes say to each other over P2P, and how it is framed.
//
// Every message travels as one frame:  u32 length (little-endian) | payload,
// where payload = u8 message type | the message's canonical encoding
// (docs/encoding.md). A frame longer than the configured cap, a payload that
// does not decode, or trailing bytes close that connection; nothing a peer
// sends can make the node allocate more than the cap per connection.
//
// Plain value types; pure functions.
#pragma once

#include <memory>
#include <variant>
#include <vector>

#include "ledger/block.h"
#include "ledger/encoding.h"

namespace tracechain::node {

inline constexpr std::uint8_t kProtocolVersion = 1;
inline constexpr std::size_t kFrameHeaderSize = 4;

enum class MessageType : std::uint8_t {
  kHello = 1,
  kTransactions = 2,
  kProposal = 3,
  kVote = 4,
  kStatus = 5,
  kBlockRequest = 6,
  kBlockResponse = 7,
  kProposalRequest = 8,
  kKeepalive = 9,
};

// First message each way after the TLS handshake.
struct Hello {
  static constexpr std::string_view kTypeName = "hello";
  std::uint8_t protocol_version = kProtocolVersion;
  ledger::ChainId chain_id;
  Digest genesis_hash{};
  std::string node_id;
  std::uint64_t height = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(protocol_version, chain_id, genesis_hash, node_id, height);
  }
  bool operator==(const Hello&) const = default;
};

// Encoded transactions, relayed between mempools.
struct TransactionsMessage {
  static constexpr std::string_view kTypeName = "transactions message";
  std::vector<Bytes> transactions;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(transactions);
  }
  bool operator==(const TransactionsMessage&) const = default;
};

// A signed proposal and the block it names (its encoding).
struct ProposalMessage {
  static constexpr std::string_view kTypeName = "proposal message";
  ledger::Proposal proposal;
  Bytes block;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(proposal, block);
  }
  bool operator==(const ProposalMessage&) const = default;
};

struct VoteMessage {
  static constexpr std::string_view kTypeName = "vote message";
  ledger::Vote vote;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(vote);
  }
  bool operator==(const VoteMessage&) const = default;
};

// The sender's last committed height, sent on every commit.
struct StatusMessage {
  static constexpr std::string_view kTypeName = "status message";
  std::uint64_t height = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(height);
  }
  bool operator==(const StatusMessage&) const = default;
};

// Committed blocks from `from_height` on, at most `max_blocks`.
struct BlockRequest {
  static constexpr std::string_view kTypeName = "block request";
  std::uint64_t from_height = 0;
  std::uint32_t max_blocks = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(from_height, max_blocks);
  }
  bool operator==(const BlockRequest&) const = default;
};

struct CommittedBlock {
  Bytes block;  // the encoded ledger::Block
  ledger::CommitCertificate certificate;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(block, certificate);
  }
  bool operator==(const CommittedBlock&) const = default;
};

struct BlockResponse {
  static constexpr std::string_view kTypeName = "block response";
  std::uint64_t peer_height = 0;  // the responder's committed height
  std::vector<CommittedBlock> blocks;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(peer_height, blocks);
  }
  bool operator==(const BlockResponse&) const = default;
};

// "Send me the proposal and block with this hash", when a quorum voted for a
// block this node never received.
struct ProposalRequest {
  static constexpr std::string_view kTypeName = "proposal request";
  std::uint64_t height = 0;
  Digest block_hash{};

  template <class Archive>
  void serialize(Archive& ar) {
    ar(height, block_hash);
  }
  bool operator==(const ProposalRequest&) const = default;
};

Status validate(const Hello& m);
Status validate(const TransactionsMessage& m);
Status validate(const ProposalMessage& m);
Status validate(const VoteMessage& m);
inline Status validate(const StatusMessage&) { return {}; }
Status validate(const BlockRequest& m);
Status validate(const BlockResponse& m);
inline Status validate(const ProposalRequest&) { return {}; }

// Sent by the transport on a connection that has sent nothing for about a
// second, so the other side can tell a quiet peer from a silent one (a paused
// machine, a pulled cable, a half-open TCP connection) and close the latter.
// It is deliberately not a WireMessage: the transport consumes it, and the
// node's handlers of WireMessage never have to know it exists.
struct Keepalive {
  static constexpr std::string_view kTypeName = "keepalive";

  template <class Archive>
  void serialize(Archive&) {}
  bool operator==(const Keepalive&) const = default;
};
inline Status validate(const Keepalive&) { return {}; }

using WireMessage = std::variant<Hello, TransactionsMessage, ProposalMessage, VoteMessage,
                                 StatusMessage, BlockRequest, BlockResponse, ProposalRequest>;

MessageType message_type(const WireMessage& message);
std::string_view message_type_name(MessageType type);

// The whole frame: length, type, encoding.
Bytes encode_frame(const WireMessage& message);
// The frame of a TransactionsMessage of these encoded transactions, written
// from the shared buffers in one pass: the same bytes as encode_frame of the
// message, without first copying each transaction into one.
Bytes encode_transactions_frame(const std::vector<std::shared_ptr<const Bytes>>& transactions);

// The keepalive frame: 01 00 00 00 09.
Bytes encode_frame(const Keepalive& keepalive);

// The payload length a frame header announces.
std::uint32_t frame_length(const std::uint8_t header[kFrameHeaderSize]);

// Decodes a frame's payload (type byte and body). A keepalive is an error
// here: check is_keepalive() first.
Result<WireMessage> decode_payload(ByteView payload);

// Whether a frame's payload has the keepalive type (its body unchecked).
bool is_keepalive(ByteView payload);
// Decodes a keepalive payload: the type byte and nothing after it.
Result<Keepalive> decode_keepalive(ByteView payload);

}  // namespace tracechain::node
