#include "tests/support/test_chain.h"

#include <stdexcept>

namespace tracechain::test {

using namespace ledger;

RoleSet roles(std::initializer_list<const char*> names) {
  RoleSet set = 0;
  for (const char* name : names) {
    auto role = parse_role(name);
    if (!role) throw std::invalid_argument(role.error().message());
    set |= role_bit(*role);
  }
  return set;
}

Policy default_policy() {
  Policy policy;
  policy.governance_threshold = 2;
  policy.max_transaction_lifetime = 1000;
  policy.max_proposal_lifetime = 100;
  policy.levels[0] = level_rule(true, 1, false);
  policy.levels[1] = level_rule(true, 1, false);
  policy.levels[2] = level_rule(true, 2, true);
  policy.levels[3] = level_rule(false, 1, true);
  return policy;
}

std::vector<Member> default_members() {
  return {
      {"exchange", roles({"governor", "operator"})},
      {"regulator", roles({"governor", "auditor"})},
      {"member-bank", roles({"governor"})},
      {"attestor-ca", roles({"attestor"})},
      {"provider-acme", roles({"provider"})},
      {"buyer-bank", roles({"buyer"})},
      {"buyer-abroad", roles({"buyer"}), "sg"},
      {"reviewer-1", roles({"reviewer"})},
      {"reviewer-2", roles({"reviewer"})},
      {"arbitrator-1", roles({"arbitrator"})},
      {"auditor-1", roles({"auditor"})},
  };
}

TestChain::TestChain(std::vector<Member> members, Policy policy, crypto::Suite suite,
                     std::size_t validators) {
  genesis_.chain_id = "tracechain-test";
  genesis_.suite = suite;
  genesis_.time_ms = 1'767'225'600'000ull;  // 2026-01-01T00:00:00Z
  genesis_.policy = policy;
  genesis_.state_tree = true;
  for (const Member& member : members) {
    auto key = crypto::PrivateKey::generate(suite);
    if (!key) throw std::runtime_error(key.error().message());
    genesis_.participants.push_back(
        {member.id, key->public_key().bytes(), member.roles, member.jurisdiction});
    keys_.emplace(member.id, std::move(*key));
  }
  genesis_.validators.suite = suite;
  for (std::size_t i = 0; i < validators; ++i) {
    validator_keys_.push_back(*crypto::PrivateKey::generate(suite));
    genesis_.validators.validators.push_back(
        {"validator-" + std::to_string(i), validator_keys_.back().public_key().bytes(), 1});
  }
  start_from_genesis();
}

TestChain::TestChain(Genesis genesis, std::map<std::string, crypto::PrivateKey> keys,
                     std::vector<crypto::PrivateKey> validator_keys)
    : genesis_(std::move(genesis)),
      keys_(std::move(keys)),
      validator_keys_(std::move(validator_keys)) {
  start_from_genesis();
}

void TestChain::start_from_genesis() {
  if (Status s = validate(genesis_); !s) throw std::runtime_error(s.error().message());
  params_ = chain_params(genesis_);
  state_.apply(genesis_delta(genesis_));
  tip_ = genesis_tip(genesis_);
}

const crypto::PrivateKey& TestChain::key(const std::string& participant) const {
  auto it = keys_.find(participant);
  if (it == keys_.end()) throw std::invalid_argument("no key for " + participant);
  return it->second;
}

void TestChain::set_key(const std::string& participant, crypto::PrivateKey key) {
  keys_.insert_or_assign(participant, std::move(key));
}

Transaction TestChain::make_raw(const std::string& sender, TxKind kind, Bytes payload,
                                std::optional<std::uint64_t> expiry_height) {
  Transaction tx;
  tx.chain_id = genesis_.chain_id;
  tx.sender = sender;
  tx.kind = kind;
  tx.payload = std::move(payload);
  tx.nonce = next_nonce_[sender]++;
  tx.expiry_height = expiry_height.value_or(tip_.height + 100);
  sign(tx, key(sender));
  return tx;
}

Result<ExecutedBlock> TestChain::commit(const std::vector<Transaction>& transactions) {
  BlockContext context{tip_.height + 1, next_time_ms(), "validator-0"};
  auto executed = execute_block(state_, tip_, context, transactions);
  if (!executed) return executed.error();
  Block block;
  block.header = make_header(params_, tip_, context, *executed);
  block.transactions = transactions;
  state_.apply(executed->delta);
  tip_ = next_tip(params_, block.header, *executed);
  blocks_.push_back(std::move(block));
  receipts_.push_back(executed->receipts);
  return executed;
}

Receipt TestChain::run(const Transaction& tx) {
  auto executed = commit({tx});
  if (!executed) {
    throw std::runtime_error("transaction did not authenticate: " + executed.error().message());
  }
  return executed->receipts.front();
}

const Receipt& TestChain::receipt_of(const Digest& tx_hash) const {
  for (const auto& block : receipts_) {
    for (const Receipt& receipt : block) {
      if (receipt.tx_hash == tx_hash) return receipt;
    }
  }
  throw std::invalid_argument("no receipt for " + to_hex(tx_hash));
}

Digest label_hash(std::string_view label) {
  return crypto::hash(crypto::HashAlgorithm::kSha256, as_bytes(label));
}

}  // namespace tracechain::test
