// `tracectl demo`: the embedded default, run by the README's first command.
//
// A single-validator chain in one process, on the real libraries: genesis
// with fresh keys, a provider's signed asset registrations executed in blocks
// with receipts, and an inclusion proof of one transaction's receipt in the
// ledger-wide log, verified against the block header as an auditor would.
// Nothing is persisted; the node daemon and storage are where a chain lives.
#include <ostream>

#include "cli/commands.h"
#include "crypto/merkle.h"
#include "ledger/execution.h"
#include "ledger/queries.h"

namespace tracechain::cli {

namespace {

constexpr const char* kDemoChain = "tracechain-demo";
constexpr const char* kProvider = "provider-demo";
constexpr std::uint64_t kGenesisTimeMs = 1'767'225'600'000ull;  // 2026-01-01T00:00:00Z

Digest text_hash(crypto::Suite suite, const std::string& text) {
  return crypto::hash(crypto::suite_hash(suite), as_bytes(text));
}

ledger::Transaction registration(std::uint64_t n, const crypto::PrivateKey& key) {
  crypto::Suite suite = key.suite();
  std::string id = "dataset-" + std::to_string(n);
  ledger::AssetRegisterPayload payload{id,
                                       text_hash(suite, "content of " + id),
                                       text_hash(suite, "metadata of " + id),
                                       static_cast<std::uint8_t>(1 + n % 3),
                                       text_hash(suite, "source declaration of " + id),
                                       text_hash(suite, "licence terms of " + id)};
  ledger::Transaction tx;
  tx.chain_id = kDemoChain;
  tx.sender = kProvider;
  tx.kind = ledger::TxKind::kAssetRegister;
  tx.payload = ledger::encode(payload);
  tx.nonce = n;
  tx.expiry_height = 100;
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
  const crypto::Suite suite = options.suite;
  out << "tracechain demo: a single-validator chain in one process (nothing is saved)\n\n";

  // Genesis: an exchange that governs, a provider, one validator.
  auto exchange_key = crypto::PrivateKey::generate(suite);
  auto provider_key = crypto::PrivateKey::generate(suite);
  auto validator_key = crypto::PrivateKey::generate(suite);
  for (const auto* key : {&exchange_key, &provider_key, &validator_key}) {
    if (!*key) return report_error(err, key->error());
  }
  ledger::Genesis genesis;
  genesis.chain_id = kDemoChain;
  genesis.suite = suite;
  genesis.time_ms = kGenesisTimeMs;
  genesis.state_tree = true;
  genesis.policy.levels.fill(ledger::level_rule(true, 1, false));
  genesis.participants = {
      {"exchange", exchange_key->public_key().bytes(),
       ledger::role_bit(ledger::Role::kGovernor) | ledger::role_bit(ledger::Role::kOperator), "cn"},
      {kProvider, provider_key->public_key().bytes(), ledger::role_bit(ledger::Role::kProvider),
       "cn"}};
  genesis.validators.suite = suite;
  genesis.validators.validators = {{"validator-0", validator_key->public_key().bytes(), 1}};
  if (Status s = ledger::validate(genesis); !s) return report_error(err, s.error());
  ledger::ChainParams params = ledger::chain_params(genesis);

  out << "genesis\n"
      << "  chain         " << genesis.chain_id << " (" << crypto::suite_name(suite) << ")\n"
      << "  hash          " << to_hex(params.genesis_hash) << "\n"
      << "  provider key  " << to_hex(provider_key->public_key().bytes()) << "\n\n";

  ledger::MemoryState state;
  state.apply(ledger::genesis_delta(genesis));
  ledger::ChainTip tip = ledger::genesis_tip(genesis);

  // Blocks of up to four registrations each, as a proposer would build them.
  std::vector<ledger::Transaction> pending;
  for (std::uint64_t i = 0; i < options.log_size; ++i) pending.push_back(registration(i, *provider_key));
  crypto::MemoryMerkleNodeStore store;
  crypto::MerkleLog log(crypto::suite_hash(suite), store);
  ledger::BlockHeader proven_header;
  ledger::Receipt proven_receipt;
  ledger::LogLeaf proven_leaf;
  std::size_t next = 0;
  while (next < pending.size()) {
    ledger::BlockContext context{tip.height + 1, tip.time_ms + 1000, "validator-0"};
    ledger::BlockLimits limits;
    limits.max_transactions = 4;
    auto built = ledger::build_block(state, tip, context,
                                     std::span(pending).subspan(next), limits);
    if (!built) return report_error(err, built.error());
    if (!built->dropped.empty()) return report_error(err, built->dropped.front().second);
    // Every validator re-executes before voting; here the one validator does.
    auto validated = ledger::validate_block(state, tip, built->block);
    if (!validated) return report_error(err, validated.error());
    for (const ledger::LogLeaf& leaf : validated->leaves) {
      log.append(ledger::log_leaf_hash(log.hasher(), leaf));
    }
    std::size_t first = next;
    next += built->block.transactions.size();
    if (options.prove_index >= first && options.prove_index < next) {
      proven_header = built->block.header;
      proven_receipt = validated->receipts[options.prove_index - first];
      proven_leaf = validated->leaves[options.prove_index - first];
    }
    out << "block " << context.height << "  " << built->block.transactions.size()
        << " transactions, state root " << to_hex(validated->state_root).substr(0, 16)
        << "..., log size " << validated->log.size() << "\n";
    state.apply(validated->delta);
    tip = ledger::next_tip(params, built->block.header, *validated);
  }

  const ledger::Transaction& tx = pending[options.prove_index];
  out << "\ntransaction #" << options.prove_index << "\n"
      << "  kind          " << *ledger::tx_kind_name(tx.kind) << " by " << tx.sender << "\n"
      << "  hash          " << to_hex(proven_receipt.tx_hash) << "\n"
      << "  signature     " << to_hex(tx.signature) << "\n"
      << "  receipt       " << (proven_receipt.ok() ? "ok" : "failed") << ", block "
      << proven_receipt.height << " index " << proven_receipt.index << ", events";
  for (const ledger::Event& event : proven_receipt.events) {
    out << " " << event.kind << "(" << event.subject << ")";
  }
  out << "\n";

  // The auditor's check: the receipt's leaf is in the log whose root the
  // header (certified by the validators) carries.
  ledger::LogLeaf leaf{proven_receipt.tx_hash,
                       ledger::receipt_hash(crypto::suite_hash(suite), proven_receipt),
                       proven_receipt.height, proven_receipt.index};
  if (!(leaf == proven_leaf)) {
    return report_error(err, Error(ErrorCode::kVerificationFailed, "log leaf mismatch"));
  }
  // Every transaction of this chain is in the log in order, so the n-th
  // transaction is leaf n.
  std::uint64_t leaf_index = options.prove_index;
  auto proof = log.inclusion_proof(leaf_index, proven_header.log_size);
  if (!proof) return report_error(err, proof.error());
  out << "\ninclusion proof (RFC 9162) of leaf " << leaf_index << " in the log of size "
      << proven_header.log_size << " at block " << proven_header.height << ":\n";
  for (std::size_t i = 0; i < proof->size(); ++i) {
    out << "  [" << i << "] " << to_hex((*proof)[i]) << "\n";
  }
  if (Status s = crypto::verify_inclusion(log.hasher(), leaf_index, proven_header.log_size,
                                          ledger::log_leaf_hash(log.hasher(), leaf), *proof,
                                          proven_header.log_root);
      !s) {
    return report_error(err, s.error());
  }
  out << "  verified      against log root " << to_hex(proven_header.log_root) << "\n";

  auto history = ledger::asset_history(state, "dataset-" + std::to_string(options.prove_index));
  if (!history) return report_error(err, history.error());
  out << "  asset         " << history->asset.id << " (level L" << int(history->asset.level)
      << "), registered at height " << history->asset.registered_height << "\n";
  return kExitOk;
}

}  // namespace tracechain::cli
