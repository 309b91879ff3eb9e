#include "node/wire.h"

#include "ledger/transaction.h"

namespace tracechain::node {

namespace {

constexpr std::uint32_t kMaxBlocksPerResponse = 256;
constexpr std::size_t kMaxTransactionsPerMessage = 10'000;

Error invalid(const std::string& message) { return Error(ErrorCode::kInvalidInput, message); }

template <typename M>
Result<WireMessage> decode_as(ByteView body) {
  auto message = ledger::decode<M>(body);
  if (!message) return message.error();
  return WireMessage(std::move(*message));
}

// Writes the length header of a frame whose type and body follow it.
void write_frame_length(Bytes& frame) {
  const std::size_t length = frame.size() - kFrameHeaderSize;
  TC_ASSERT(length <= 0xffffffffu);
  for (std::size_t i = 0; i < kFrameHeaderSize; ++i) {
    frame[i] = static_cast<std::uint8_t>(length >> (8 * i));
  }
}

// length | type | the canonical encoding of `message`.
template <typename M>
Bytes frame_of(MessageType type, const M& message) {
  Bytes frame(kFrameHeaderSize + 1, 0);
  frame[kFrameHeaderSize] = static_cast<std::uint8_t>(type);
  ledger::encode_to(frame, message);
  write_frame_length(frame);
  return frame;
}

}  // namespace

Status validate(const Hello& m) {
  if (m.protocol_version != kProtocolVersion) {
    return invalid("protocol version " + std::to_string(m.protocol_version) +
                   " is not supported (this node speaks " + std::to_string(kProtocolVersion) + ")");
  }
  if (Status s = ledger::validate_identifier("chain id", m.chain_id); !s) return s;
  return ledger::validate_identifier("node id", m.node_id);
}

Status validate(const TransactionsMessage& m) {
  if (m.transactions.size() > kMaxTransactionsPerMessage) {
    return invalid("more than " + std::to_string(kMaxTransactionsPerMessage) + " transactions");
  }
  for (const Bytes& tx : m.transactions) {
    if (tx.size() > ledger::kMaxTransactionSize) return invalid("a transaction is too large");
  }
  return {};
}

Status validate(const ProposalMessage& m) { return ledger::validate(m.proposal); }
Status validate(const VoteMessage& m) { return ledger::validate(m.vote); }

Status validate(const BlockRequest& m) {
  if (m.max_blocks == 0 || m.max_blocks > kMaxBlocksPerResponse) {
    return invalid("a block request asks for 1 to " + std::to_string(kMaxBlocksPerResponse) +
                   " blocks");
  }
  return {};
}

Status validate(const BlockResponse& m) {
  if (m.blocks.size() > kMaxBlocksPerResponse) return invalid("too many blocks in one response");
  for (const CommittedBlock& b : m.blocks) {
    if (Status s = ledger::validate(b.certificate); !s) return s;
  }
  return {};
}

MessageType message_type(const WireMessage& message) {
  return std::visit(
      [](const auto& m) -> MessageType {
        using M = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<M, Hello>) return MessageType::kHello;
        if constexpr (std::is_same_v<M, TransactionsMessage>) return MessageType::kTransactions;
        if constexpr (std::is_same_v<M, ProposalMessage>) return MessageType::kProposal;
        if constexpr (std::is_same_v<M, VoteMessage>) return MessageType::kVote;
        if constexpr (std::is_same_v<M, StatusMessage>) return MessageType::kStatus;
        if constexpr (std::is_same_v<M, BlockRequest>) return MessageType::kBlockRequest;
        if constexpr (std::is_same_v<M, BlockResponse>) return MessageType::kBlockResponse;
        if constexpr (std::is_same_v<M, ProposalRequest>) return MessageType::kProposalRequest;
      },
      message);
}

std::string_view message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kHello:
      return "hello";
    case MessageType::kTransactions:
      return "transactions";
    case MessageType::kProposal:
      return "proposal";
    case MessageType::kVote:
      return "vote";
    case MessageType::kStatus:
      return "status";
    case MessageType::kBlockRequest:
      return "block-request";
    case MessageType::kBlockResponse:
      return "block-response";
    case MessageType::kProposalRequest:
      return "proposal-request";
    case MessageType::kKeepalive:
      return "keepalive";
  }
  return "unknown";
}

Bytes encode_frame(const WireMessage& message) {
  return std::visit([&](const auto& m) { return frame_of(message_type(message), m); }, message);
}

Bytes encode_transactions_frame(const std::vector<std::shared_ptr<const Bytes>>& transactions) {
  std::size_t size = kFrameHeaderSize + 1 + 4;
  for (const auto& tx : transactions) size += 4 + tx->size();
  Bytes frame;
  frame.reserve(size);
  frame.resize(kFrameHeaderSize + 1);
  frame[kFrameHeaderSize] = static_cast<std::uint8_t>(MessageType::kTransactions);
  {
    ledger::CanonicalOutputArchive ar(frame);
    ledger::write_length(ar, transactions.size());
    for (const auto& tx : transactions) ar(*tx);
  }
  TC_ASSERT(frame.size() == size);
  write_frame_length(frame);
  return frame;
}

Bytes encode_frame(const Keepalive& keepalive) {
  return frame_of(MessageType::kKeepalive, keepalive);
}

std::uint32_t frame_length(const std::uint8_t header[kFrameHeaderSize]) {
  return std::uint32_t(header[0]) | std::uint32_t(header[1]) << 8 |
         std::uint32_t(header[2]) << 16 | std::uint32_t(header[3]) << 24;
}

Result<WireMessage> decode_payload(ByteView payload) {
  if (payload.empty()) return invalid("empty message");
  ByteView body = payload.subspan(1);
  switch (static_cast<MessageType>(payload[0])) {
    case MessageType::kHello:
      return decode_as<Hello>(body);
    case MessageType::kTransactions:
      return decode_as<TransactionsMessage>(body);
    case MessageType::kProposal:
      return decode_as<ProposalMessage>(body);
    case MessageType::kVote:
      return decode_as<VoteMessage>(body);
    case MessageType::kStatus:
      return decode_as<StatusMessage>(body);
    case MessageType::kBlockRequest:
      return decode_as<BlockRequest>(body);
    case MessageType::kBlockResponse:
      return decode_as<BlockResponse>(body);
    case MessageType::kProposalRequest:
      return decode_as<ProposalRequest>(body);
    case MessageType::kKeepalive:
      // The transport consumes keepalives before decoding messages.
      return invalid("a keepalive is not a message");
  }
  return invalid("unknown message type " + std::to_string(payload[0]));
}

bool is_keepalive(ByteView payload) {
  return !payload.empty() && payload[0] == static_cast<std::uint8_t>(MessageType::kKeepalive);
}

Result<Keepalive> decode_keepalive(ByteView payload) {
  if (!is_keepalive(payload)) return invalid("not a keepalive");
  return ledger::decode<Keepalive>(payload.subspan(1));
}

}  // namespace tracechain::node
