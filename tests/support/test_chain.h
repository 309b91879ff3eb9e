// A small chain in memory for tests: a genesis with named participants and
// their keys, signed transactions built from payloads, and blocks executed
// and committed onto a MemoryState.
//
// Single-threaded; every TestChain is independent.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ledger/execution.h"
#include "ledger/queries.h"

namespace tracechain::test {

struct Member {
  std::string id;
  ledger::RoleSet roles = 0;
  std::string jurisdiction = "cn";
};

// Roles from names: roles({"governor", "operator"}).
ledger::RoleSet roles(std::initializer_list<const char*> names);

// A policy with every level tradable except L4, one review needed (two for
// L3), and a cross-border assessment for L3.
ledger::Policy default_policy();

// The consortium most tests use: three governors (exchange also operator),
// an attestor, a provider, two buyers (one abroad), two reviewers, an
// arbitrator and an auditor.
std::vector<Member> default_members();

class TestChain {
 public:
  explicit TestChain(std::vector<Member> members = default_members(),
                     ledger::Policy policy = default_policy(),
                     crypto::Suite suite = crypto::Suite::kP256Sha256,
                     std::size_t validators = 1);
  // A chain over an existing genesis (a node's), signing with the given
  // participants' keys (and, to certify blocks, its validators' keys in
  // the set's order). Throws if the genesis is invalid.
  TestChain(ledger::Genesis genesis, std::map<std::string, crypto::PrivateKey> keys,
            std::vector<crypto::PrivateKey> validator_keys = {});

  const ledger::Genesis& genesis() const { return genesis_; }
  const ledger::ChainParams& params() const { return params_; }
  const ledger::MemoryState& state() const { return state_; }
  const ledger::ChainTip& tip() const { return tip_; }
  std::uint64_t height() const { return tip_.height; }
  // The time the next block gets (each block advances it by one second).
  std::uint64_t next_time_ms() const { return tip_.time_ms + 1000; }
  const crypto::PrivateKey& key(const std::string& participant) const;
  const std::vector<crypto::PrivateKey>& validator_keys() const { return validator_keys_; }
  // Replaces a participant's key in the fixture (after a rotation).
  void set_key(const std::string& participant, crypto::PrivateKey key);

  // A signed transaction with the next unused nonce of `sender`, expiring 100
  // blocks ahead unless `expiry_height` is given.
  template <typename P>
  ledger::Transaction make(const std::string& sender, ledger::TxKind kind, const P& payload,
                           std::optional<std::uint64_t> expiry_height = std::nullopt) {
    return make_raw(sender, kind, ledger::encode(payload), expiry_height);
  }
  ledger::Transaction make_raw(const std::string& sender, ledger::TxKind kind, Bytes payload,
                               std::optional<std::uint64_t> expiry_height = std::nullopt);

  // Executes a block of `transactions` at the next height and, on success,
  // commits it (applies the delta, advances the tip, keeps the block).
  Result<ledger::ExecutedBlock> commit(const std::vector<ledger::Transaction>& transactions);
  // A block with one transaction that must authenticate; returns its receipt.
  ledger::Receipt run(const ledger::Transaction& tx);
  template <typename P>
  ledger::Receipt run(const std::string& sender, ledger::TxKind kind, const P& payload) {
    return run(make(sender, kind, payload));
  }

  const std::vector<ledger::Block>& blocks() const { return blocks_; }
  const std::vector<std::vector<ledger::Receipt>>& receipts() const { return receipts_; }
  // Receipt of a committed transaction by hash (the test fails if absent).
  const ledger::Receipt& receipt_of(const Digest& tx_hash) const;

 private:
  void start_from_genesis();

  ledger::Genesis genesis_;
  ledger::ChainParams params_;
  ledger::MemoryState state_;
  ledger::ChainTip tip_;
  std::map<std::string, crypto::PrivateKey> keys_;
  std::map<std::string, std::uint64_t> next_nonce_;
  std::vector<crypto::PrivateKey> validator_keys_;
  std::vector<ledger::Block> blocks_;
  std::vector<std::vector<ledger::Receipt>> receipts_;
};

// A digest derived from a label, for the hashes payloads carry.
Digest label_hash(std::string_view label);

}  // namespace tracechain::test
