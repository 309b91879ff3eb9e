// A chain whose blocks are certified as consensus would, committed to a
// store: the cli tests' stand-in for a node, from which they build what a
// node's RPC answers (receipts, checkpoints, validator changes).
#pragma once

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <optional>

#include "cli/verify.h"
#include "node/rpc/shapes.h"
#include "storage/block_store.h"
#include "tests/support/test_chain.h"

namespace tracechain::test {

using cli::Json;
using ledger::TxKind;

// A chain whose blocks are certified by whichever set is in force and
// committed to a store, as consensus would: the test's stand-in for a node.
class CertifiedChain {
 public:
  // In memory, or in RocksDB at `data_dir`.
  explicit CertifiedChain(const std::filesystem::path& data_dir = {})
      : store_(data_dir.empty() ? *storage::open_memory_block_store(chain.genesis())
                                : *storage::open_rocksdb_block_store(data_dir, chain.genesis())) {
    for (std::size_t i = 0; i < chain.validator_keys().size(); ++i) {
      keys_.emplace(chain.genesis().validators.validators[i].id, chain.validator_keys()[i]);
    }
  }

  test::TestChain chain;

  storage::BlockStore& store() { return *store_; }
  void add_validator_key(const std::string& id, crypto::PrivateKey key) {
    keys_.insert_or_assign(id, std::move(key));
  }

  // A certificate of `header` signed by every validator of its height, as
  // colluding validators could make for any header.
  ledger::CommitCertificate certify(const ledger::BlockHeader& header) {
    auto signers = store_->validators_at(header.height);
    REQUIRE(signers.ok());
    ledger::CommitCertificate certificate;
    certificate.height = header.height;
    certificate.block_hash = ledger::header_hash(chain.params().hash_algorithm(), header);
    for (const ledger::Validator& v : signers->validators) {
      ledger::Vote vote;
      vote.chain_id = chain.genesis().chain_id;
      vote.type = ledger::VoteType::kPrecommit;
      vote.height = certificate.height;
      vote.block_hash = certificate.block_hash;
      vote.validator = v.id;
      ledger::sign(vote, keys_.at(v.id));
      certificate.signatures.push_back({v.id, vote.signature});
    }
    return certificate;
  }

  // Commits one block of `txs`; returns the hashes.
  std::vector<Digest> commit(const std::vector<ledger::Transaction>& txs) {
    auto executed = chain.commit(txs);
    REQUIRE(executed.ok());
    const ledger::Block& block = chain.blocks().back();
    const ledger::CommitCertificate certificate = certify(block.header);
    REQUIRE(store_->commit(block, certificate, *executed).ok());
    return executed->tx_hashes;
  }

  Digest register_asset(const std::string& id) {
    ledger::AssetRegisterPayload asset;
    asset.asset_id = id;
    asset.content_hash = test::label_hash(id);
    asset.metadata_hash = test::label_hash(id + "-meta");
    asset.level = 2;
    asset.source_declaration_hash = test::label_hash(id + "-source");
    asset.licence_terms_hash = test::label_hash(id + "-licence");
    return commit({chain.make("provider-acme", TxKind::kAssetRegister, asset)}).front();
  }

  // What tx_getVerifiableReceipt answers (node/rpc/methods.cc).
  Json receipt(const Digest& tx_hash, std::optional<std::uint64_t> at = std::nullopt) {
    namespace shapes = node::rpc;
    auto stored = store_->transaction(tx_hash);
    REQUIRE(stored.ok());
    std::uint64_t height = at.value_or(stored->location.height);
    auto header = store_->header(height);
    auto receipt = store_->receipt_at(stored->location);
    auto proof = store_->inclusion_proof(tx_hash, header->log_size);
    REQUIRE(proof.ok());
    crypto::MerkleHasher hasher(chain.params().hash_algorithm());
    auto sender = ledger::find_participant(chain.state(), stored->transaction.sender);
    REQUIRE(sender.ok());
    const Bytes* key = sender->key_at(stored->location.height);
    return {{"format", "tracechain-verifiable-receipt/1"},
            {"chainId", chain.genesis().chain_id},
            {"suite", crypto::suite_name(chain.genesis().suite)},
            {"genesisHash", to_hex(chain.params().genesis_hash)},
            {"transaction", shapes::transaction_json(stored->transaction, stored->hash)},
            {"receipt", shapes::receipt_json(*receipt, hasher.algorithm())},
            {"inclusionProof", shapes::inclusion_proof_json(*proof, hasher)},
            {"header", shapes::header_json(*header, hasher.algorithm())},
            {"certificate", shapes::certificate_json(*store_->certificate(height))},
            {"validatorSet", shapes::validator_set_json(*store_->validators_at(height))},
            {"senderKey", {{"publicKey", to_hex(*key)}, {"fromHeight", 0}}}};
  }

  // What chain_getValidatorSetChanges answers from height 1.
  Json changes() {
    namespace shapes = node::rpc;
    Json list = Json::array();
    auto algorithm = chain.params().hash_algorithm();
    for (std::uint64_t h = 1; h <= store_->height(); ++h) {
      auto header = *store_->header(h);
      if (header.next_validator_set_hash == header.validator_set_hash) continue;
      list.push_back({{"height", h},
                      {"header", shapes::header_json(header, algorithm)},
                      {"certificate", shapes::certificate_json(*store_->certificate(h))},
                      {"nextValidatorSet", shapes::validator_set_json(*store_->validators_at(h + 1))}});
    }
    return {{"fromHeight", 1}, {"toHeight", store_->height()}, {"next", nullptr},
            {"initialValidatorSet", shapes::validator_set_json(*store_->validators_at(1))},
            {"changes", list}};
  }

 private:
  std::unique_ptr<storage::BlockStore> store_;
  std::map<std::string, crypto::PrivateKey> keys_;
};

}  // namespace tracechain::test
