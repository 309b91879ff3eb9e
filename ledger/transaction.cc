#include "ledger/transaction.h"

#include "ledger/payloads.h"

namespace tracechain::ledger {

std::optional<std::string_view> tx_kind_name(TxKind kind) {
  std::optional<std::string_view> name;
  with_payload_type(kind, [&]<class P>(std::type_identity<P>) { name = P::kName; });
  return name;
}

Result<TxKind> parse_tx_kind(std::string_view name) {
  std::optional<TxKind> kind;
  for_each_payload_type([&]<class P>(std::type_identity<P>) {
    if (P::kName == name) kind = P::kKind;
  });
  if (kind) return *kind;
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
