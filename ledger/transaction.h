// The transaction envelope: what a participant signs and submits.
//
// Encoding, format version 1 (docs/encoding.md has the byte-level detail and
// golden vectors):
//   u8      format version (1)
//   text    chain id
//   text    sender (participant id)
//   u16     kind (TxKind)
//   bytes   payload (the kind's own canonical encoding)
//   u64     nonce          } replay guard: a sender never reuses a nonce, and
//   u64     expiry height  } the transaction is void after this height
//   u8      signature suite (crypto::Suite)
//   bytes   signature
// The signature covers the signing bytes: 0x01 (SigningDomain::kTransaction)
// followed by every field above except the signature. The transaction hash is
// the chain's hash of the whole encoding, signature included.
//
// Plain value type; no shared state.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "crypto/signature.h"
#include "ledger/encoding.h"
#include "ledger/identifiers.h"

namespace tracechain::ledger {

// The first byte of every signed message, so a signature made for one kind
// of message can never be replayed as another.
enum class SigningDomain : std::uint8_t {
  kTransaction = 0x01,
  kVote = 0x02,
  kProposal = 0x03,
  kRpcRequest = 0x04,  // a participant's signature on a JSON-RPC request (docs/rpc.md)
};

// Signing bytes of a value with serialize_unsigned(): the domain byte, then
// the canonical encoding of every field but the signature.
template <typename T>
Bytes signing_bytes_of(SigningDomain domain, const T& value) {
  Bytes out{static_cast<std::uint8_t>(domain)};
  CanonicalOutputArchive ar(out);
  const_cast<T&>(value).serialize_unsigned(ar);  // saving does not modify
  return out;
}

// Every transaction kind with its number on the wire, grouped by area:
// governance (changes proposed by one governor, applied on M-of-N approval),
// identity, data assets, trades and nodes' read logs. Each kind has exactly one payload type in
// ledger/payloads.h, which also gives its name, roles and fields; a
// static_assert there fails when a kind listed here has none.
#define TRACECHAIN_TX_KINDS(X)     \
  X(kGovernancePropose, 0x0101)    \
  X(kGovernanceApprove, 0x0102)    \
  X(kIdentityAttest, 0x0201)       \
  X(kIdentityRevoke, 0x0202)       \
  X(kIdentityRotateKey, 0x0203)    \
  X(kAssetRegister, 0x0301)        \
  X(kAssetReview, 0x0302)          \
  X(kTradeCreate, 0x0401)          \
  X(kTradeAccept, 0x0402)          \
  X(kTradeDecline, 0x0403)         \
  X(kTradeReview, 0x0404)          \
  X(kTradeDeliver, 0x0405)         \
  X(kTradeConfirm, 0x0406)         \
  X(kTradeRecordUsage, 0x0407)     \
  X(kTradeSettle, 0x0408)          \
  X(kTradeOpenDispute, 0x0409)     \
  X(kTradeResolveDispute, 0x040A)  \
  X(kTradeCancel, 0x040B)          \
  X(kAccessCheckpoint, 0x0501)

#define TRACECHAIN_TX_KIND_ENUMERATOR(name, number) name = number,
enum class TxKind : std::uint16_t { TRACECHAIN_TX_KINDS(TRACECHAIN_TX_KIND_ENUMERATOR) };
#undef TRACECHAIN_TX_KIND_ENUMERATOR

#define TRACECHAIN_TX_KIND_ENTRY(name, number) TxKind::name,
inline constexpr TxKind kAllTxKinds[] = {TRACECHAIN_TX_KINDS(TRACECHAIN_TX_KIND_ENTRY)};
#undef TRACECHAIN_TX_KIND_ENTRY

// "trade.create", "identity.attest", ... (the name its payload type declares);
// std::nullopt for an unknown number.
std::optional<std::string_view> tx_kind_name(TxKind kind);
Result<TxKind> parse_tx_kind(std::string_view name);

inline constexpr std::size_t kMaxPayloadSize = 64 * 1024;
// An encoded transaction never exceeds this (payload plus envelope).
inline constexpr std::size_t kMaxTransactionSize = kMaxPayloadSize + 512;

struct Transaction {
  static constexpr std::string_view kTypeName = "transaction";
  static constexpr std::uint8_t kFormatVersion = 1;

  ChainId chain_id;
  ParticipantId sender;
  TxKind kind{};
  Bytes payload;
  std::uint64_t nonce = 0;
  std::uint64_t expiry_height = 0;
  crypto::Suite suite = crypto::kDefaultSuite;
  Bytes signature;

  template <class Archive>
  void serialize_unsigned(Archive& ar) {
    FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, chain_id, sender, kind, payload, nonce, expiry_height, suite);
  }

  template <class Archive>
  void serialize(Archive& ar) {
    serialize_unsigned(ar);
    ar(signature);
  }

  bool operator==(const Transaction&) const = default;
};

// Bounds and enum values; decode() applies it to every parsed transaction.
Status validate(const Transaction& tx);

Bytes signing_bytes(const Transaction& tx);

// Refuses signatures longer than any suite produces (shared by every signed type).
Status validate_signature_size(const Bytes& signature);

// The hash that names a transaction: the chain hash of its full encoding.
Digest transaction_hash(const Transaction& tx);
// The same from already-encoded bytes (no re-encoding), for a node that
// received them.
Digest transaction_hash(crypto::Suite suite, ByteView encoded);

// Sets tx.suite to the key's suite and fills in tx.signature.
void sign(Transaction& tx, const crypto::PrivateKey& key);

// Checks tx.signature against `key`; fails if the suites differ.
Status verify_signature(const Transaction& tx, const crypto::PublicKey& key);

}  // namespace tracechain::ledger
