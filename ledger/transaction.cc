#include "ledger/transaction.h"

#include <array>
#include <utility>

namespace tracechain::ledger {

namespace {

constexpr std::array<std::pair<TxKind, std::string_view>, 18> kKindNames{{
    {TxKind::kGovernancePropose, "governance.propose"},
    {TxKind::kGovernanceApprove, "governance.approve"},
    {TxKind::kIdentityAttest, "identity.attest"},
    {TxKind::kIdentityRevoke, "identity.revoke"},
    {TxKind::kIdentityRotateKey, "identity.rotate-key"},
    {TxKind::kAssetRegister, "asset.register"},
    {TxKind::kAssetReview, "asset.review"},
    {TxKind::kTradeCreate, "trade.create"},
    {TxKind::kTradeAccept, "trade.accept"},
    {TxKind::kTradeDecline, "trade.decline"},
    {TxKind::kTradeReview, "trade.review"},
    {TxKind::kTradeDeliver, "trade.deliver"},
    {TxKind::kTradeConfirm, "trade.confirm"},
    {TxKind::kTradeRecordUsage, "trade.record-usage"},
    {TxKind::kTradeSettle, "trade.settle"},
    {TxKind::kTradeOpenDispute, "trade.open-dispute"},
    {TxKind::kTradeResolveDispute, "trade.resolve-dispute"},
    {TxKind::kTradeCancel, "trade.cancel"},
}};

}  // namespace

std::optional<std::string_view> tx_kind_name(TxKind kind) {
  for (const auto& [k, name] : kKindNames) {
    if (k == kind) return name;
  }
  return std::nullopt;
}

Result<TxKind> parse_tx_kind(std::string_view name) {
  for (const auto& [kind, n] : kKindNames) {
    if (n == name) return kind;
  }
  return Error(ErrorCode::kInvalidInput, "unknown transaction kind '" + std::string(name) + "'");
}

Status validate(const Transaction& tx) {
  if (Status s = validate_identifier("chain id", tx.chain_id); !s) return s;
  if (Status s = validate_identifier("sender", tx.sender); !s) return s;
  if (!tx_kind_name(tx.kind)) {
    return Error(ErrorCode::kInvalidInput,
                 "unknown transaction kind " + std::to_string(static_cast<unsigned>(tx.kind)));
  }
  if (tx.payload.size() > kMaxPayloadSize) {
    return Error(ErrorCode::kInvalidInput, "payload is " + std::to_string(tx.payload.size()) +
                                               " bytes, more than the " +
                                               std::to_string(kMaxPayloadSize) + " allowed");
  }
  if (auto suite = crypto::suite_from_byte(static_cast<std::uint8_t>(tx.suite)); !suite) {
    return suite.error();
  }
  return validate_signature_size(tx.signature);
}

Status validate_signature_size(const Bytes& signature) {
  if (signature.size() > crypto::kMaxSignatureSize) {
    return Error(ErrorCode::kInvalidInput, "signature is " + std::to_string(signature.size()) +
                                               " bytes, more than any suite produces");
  }
  return {};
}

Bytes signing_bytes(const Transaction& tx) {
  return signing_bytes_of(SigningDomain::kTransaction, tx);
}

Digest transaction_hash(const Transaction& tx) {
  return transaction_hash(tx.suite, encode(tx));
}

Digest transaction_hash(crypto::Suite suite, ByteView encoded) {
  return crypto::hash(crypto::suite_hash(suite), encoded);
}

void sign(Transaction& tx, const crypto::PrivateKey& key) {
  tx.suite = key.suite();
  tx.signature = key.sign(signing_bytes(tx));
}

Status verify_signature(const Transaction& tx, const crypto::PublicKey& key) {
  if (tx.suite != key.suite()) {
    return Error(ErrorCode::kVerificationFailed,
                 "transaction is signed with suite " + std::string(crypto::suite_name(tx.suite)) +
                     " but the sender's key is " + std::string(crypto::suite_name(key.suite())));
  }
  return key.verify(signing_bytes(tx), tx.signature);
}

}  // namespace tracechain::ledger
