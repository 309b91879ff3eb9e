// `tracectl demo`: the embedded default, run by the README's first command.
//
// With no node yet, it exercises the real libraries end to end in one
// process: a fresh key, a signed transaction in the canonical encoding, a
// ledger-style Merkle log of several transactions, and an inclusion proof for
// one of them, verified as an auditor would.
#include <ostream>

#include "cli/commands.h"
#include "crypto/merkle.h"
#include "ledger/transaction.h"

namespace tracechain::cli {

namespace {

constexpr const char* kDemoChain = "tracechain-demo";
constexpr const char* kDemoSender = "provider-demo";

ledger::Transaction sample_transaction(std::uint64_t nonce, const crypto::PrivateKey& key) {
  ledger::Transaction tx;
  tx.chain_id = kDemoChain;
  tx.sender = kDemoSender;
  tx.kind = ledger::TxKind::kAssetRegister;
  // The asset-registration payload encoding belongs to the ledger; until it
  // exists the demo carries the content hash of a sample dataset as payload.
  std::string dataset = "sample dataset #" + std::to_string(nonce);
  Digest content_hash = crypto::hash(crypto::suite_hash(key.suite()), as_bytes(dataset));
  tx.payload.assign(content_hash.begin(), content_hash.end());
  tx.nonce = nonce;
  tx.expiry_height = 1000;
  ledger::sign(tx, key);
  return tx;
}

}  // namespace

int demo(const DemoOptions& options, std::ostream& out, std::ostream& err) {
  if (options.log_size == 0 || options.prove_index >= options.log_size) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   "--prove must be below --transactions (got " +
                                       std::to_string(options.prove_index) + " and " +
                                       std::to_string(options.log_size) + ")"));
  }
  out << "tracechain demo: one process, real libraries, no node yet\n\n";

  auto key = crypto::PrivateKey::generate(options.suite);
  if (!key) return report_error(err, key.error());
  out << "key\n"
      << "  suite         " << crypto::suite_name(key->suite()) << "\n"
      << "  public key    " << to_hex(key->public_key().bytes()) << "\n\n";

  crypto::MemoryMerkleNodeStore store;
  crypto::MerkleLog log(crypto::suite_hash(options.suite), store);
  Digest proven_leaf{};
  ledger::Transaction proven_tx;
  for (std::uint64_t i = 0; i < options.log_size; ++i) {
    ledger::Transaction tx = sample_transaction(i + 1, *key);
    Digest tx_hash = ledger::transaction_hash(tx);
    Digest leaf = log.hasher().leaf(tx_hash);
    log.append(leaf);
    if (i == options.prove_index) {
      proven_leaf = leaf;
      proven_tx = tx;
    }
  }

  Bytes encoded = ledger::encode(proven_tx);
  out << "transaction #" << options.prove_index << "\n"
      << "  kind          " << *ledger::tx_kind_name(proven_tx.kind) << "\n"
      << "  sender        " << proven_tx.sender << "\n"
      << "  nonce         " << proven_tx.nonce << "\n"
      << "  encoded       " << encoded.size() << " bytes\n"
      << "  signature     " << to_hex(proven_tx.signature) << "\n"
      << "  hash          " << to_hex(ledger::transaction_hash(proven_tx)) << "\n";

  // Check it the way a node does: decode the bytes, then verify the signature.
  auto decoded = ledger::decode<ledger::Transaction>(encoded);
  if (!decoded) return report_error(err, decoded.error());
  if (Status s = ledger::verify_signature(*decoded, key->public_key()); !s) {
    return report_error(err, s.error());
  }
  out << "  signature     verified\n\n";

  auto proof = log.inclusion_proof(options.prove_index, log.size());
  if (!proof) return report_error(err, proof.error());
  Digest root = log.root();
  out << "log (RFC 9162 Merkle tree over transaction hashes)\n"
      << "  size          " << log.size() << "\n"
      << "  root          " << to_hex(root) << "\n"
      << "  inclusion proof for leaf " << options.prove_index << ":\n";
  for (std::size_t i = 0; i < proof->size(); ++i) {
    out << "    [" << i << "] " << to_hex((*proof)[i]) << "\n";
  }
  if (Status s = crypto::verify_inclusion(log.hasher(), options.prove_index, log.size(),
                                          proven_leaf, *proof, root);
      !s) {
    return report_error(err, s.error());
  }
  out << "  proof         verified against the root\n";
  return kExitOk;
}

}  // namespace tracechain::cli
