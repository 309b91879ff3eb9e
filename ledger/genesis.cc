#include "ledger/genesis.h"

#include <algorithm>
#include <set>

#include "crypto/file_util.h"
#include "ledger/checkpoint.h"
#include "ledger/json_fields.h"
#include "ledger/state_tree.h"

namespace tracechain::ledger {

namespace {

using json = Json;

constexpr std::size_t kMaxGenesisBytes = 16 * 1024 * 1024;

Error invalid(const std::string& message) { return Error(ErrorCode::kInvalidInput, message); }

std::size_t count_active_governors(const Genesis& genesis) {
  std::size_t governors = 0;
  for (const auto& p : genesis.participants) governors += has_role(p.roles, Role::kGovernor);
  return governors;
}

constexpr std::size_t kMaxText = 1024;  // an identifier, a suite or a jurisdiction
constexpr std::size_t kMaxKeyBytes = 1024;

Result<RoleSet> parse_roles(const json& node, const std::string& path) {
  if (!node.is_array()) return invalid(path + ": expected an array of role names");
  RoleSet roles = 0;
  for (const auto& entry : node) {
    if (!entry.is_string()) return invalid(path + ": expected role names");
    auto role = parse_role(entry.get<std::string>());
    if (!role) return role.error().with_context(path);
    roles |= role_bit(*role);
  }
  return roles;
}

Result<Policy> parse_policy(const json& node, const std::string& path) {
  auto r = JsonFields::of(node, path);
  if (!r) return r.error();
  Policy policy;
  auto threshold = r->whole_number("governance_threshold", 255);
  if (!threshold) return threshold.error();
  policy.governance_threshold = static_cast<std::uint8_t>(*threshold);
  auto tx_lifetime = r->whole_number("max_transaction_lifetime_blocks", 1'000'000);
  if (!tx_lifetime) return tx_lifetime.error();
  policy.max_transaction_lifetime = *tx_lifetime;
  auto proposal_lifetime = r->whole_number("max_proposal_lifetime_blocks", 100'000'000);
  if (!proposal_lifetime) return proposal_lifetime.error();
  policy.max_proposal_lifetime = *proposal_lifetime;

  auto levels = r->array("levels");
  if (!levels) return levels.error();
  if ((*levels)->size() != kMaxLevel) {
    return invalid(r->path("levels") + ": expected exactly 4 entries, for L1 to L4");
  }
  for (std::size_t i = 0; i < kMaxLevel; ++i) {
    auto level = JsonFields::of((**levels)[i], r->path("levels") + "[" + std::to_string(i) + "]");
    if (!level) return level.error();
    auto number = level->whole_number("level", kMaxLevel);
    if (!number) return number.error();
    if (*number != i + 1) {
      return invalid(level->path("level") + ": entries must be in order L1, L2, L3, L4");
    }
    auto tradable = level->boolean("tradable");
    if (!tradable) return tradable.error();
    auto reviews = level->whole_number("required_reviews", 16);
    if (!reviews) return reviews.error();
    auto assessment = level->boolean("cross_border_assessment");
    if (!assessment) return assessment.error();
    LevelRule& rule = policy.levels[i];
    rule.tradable = *tradable;
    rule.required_reviews = static_cast<std::uint8_t>(*reviews);
    rule.cross_border_assessment = *assessment;
    if (const json* claims = level->find("accepted_claims")) {
      std::string claims_path = level->path("accepted_claims");
      if (!claims->is_array()) return invalid(claims_path + ": expected an array of claim types");
      if (claims->size() > kMaxAcceptedClaims) {
        return invalid(claims_path + ": at most " + std::to_string(kMaxAcceptedClaims) +
                       " claim types");
      }
      for (std::size_t c = 0; c < claims->size(); ++c) {
        auto claim = read_identifier((*claims)[c]);
        if (!claim) return claim.error().with_context(claims_path + "[" + std::to_string(c) + "]");
        rule.accepted_claims.push_back(*claim);
      }
      // The encoding keeps them sorted; the file may list them in any order.
      std::sort(rule.accepted_claims.begin(), rule.accepted_claims.end());
      auto repeated = std::adjacent_find(rule.accepted_claims.begin(), rule.accepted_claims.end());
      if (repeated != rule.accepted_claims.end()) {
        return invalid(claims_path + ": '" + *repeated + "' is listed twice");
      }
    }
    if (const json* roles = level->find("attestor_roles")) {
      auto parsed = parse_roles(*roles, level->path("attestor_roles"));
      if (!parsed) return parsed.error();
      rule.attestor_roles = *parsed;
    }
    if (level->has("identity_until_settlement")) {
      auto until = level->boolean("identity_until_settlement");
      if (!until) return until.error();
      rule.identity_until_settlement = *until;
    }
  }
  if (const json* witnesses = r->find("witnesses")) {
    const std::string witnesses_path = r->path("witnesses");
    if (!witnesses->is_array()) return invalid(witnesses_path + ": expected an array of witnesses");
    if (witnesses->size() > kMaxPolicyWitnesses) {
      return invalid(witnesses_path + ": at most " + std::to_string(kMaxPolicyWitnesses) +
                     " witnesses");
    }
    for (std::size_t i = 0; i < witnesses->size(); ++i) {
      auto entry = JsonFields::of((*witnesses)[i], witnesses_path + "[" + std::to_string(i) + "]");
      if (!entry) return entry.error();
      auto participant = entry->identifier("participant");
      if (!participant) return participant.error();
      auto key_text = entry->text("cosigning_key", 256);
      if (!key_text) return key_text.error();
      auto cosigner = parse_cosigner_key(*key_text);
      if (!cosigner) return cosigner.error().with_context(entry->path("cosigning_key"));
      policy.witnesses.push_back({*participant, cosigner->name, cosigner->key.bytes()});
    }
    // The encoding keeps them sorted; the file may list them in any order.
    std::sort(policy.witnesses.begin(), policy.witnesses.end(),
              [](const PolicyWitness& a, const PolicyWitness& b) { return a.participant < b.participant; });
  }
  if (Status s = validate(policy); !s) return s.error().with_context(path);
  return policy;
}

json policy_json(const Policy& policy) {
  json levels = json::array();
  for (std::size_t i = 0; i < policy.levels.size(); ++i) {
    const LevelRule& rule = policy.levels[i];
    levels.push_back({{"level", i + 1},
                      {"tradable", rule.tradable},
                      {"required_reviews", rule.required_reviews},
                      {"cross_border_assessment", rule.cross_border_assessment},
                      {"accepted_claims", rule.accepted_claims},
                      {"attestor_roles", roles_json(rule.attestor_roles)},
                      {"identity_until_settlement", rule.identity_until_settlement}});
  }
  json document = {{"governance_threshold", policy.governance_threshold},
                   {"max_transaction_lifetime_blocks", policy.max_transaction_lifetime},
                   {"max_proposal_lifetime_blocks", policy.max_proposal_lifetime},
                   {"levels", levels}};
  if (!policy.witnesses.empty()) {
    json witnesses = json::array();
    for (const PolicyWitness& witness : policy.witnesses) {
      witnesses.push_back({{"participant", witness.participant},
                           {"cosigning_key", cosigning_key_text(witness)}});
    }
    document["witnesses"] = std::move(witnesses);
  }
  return document;
}

}  // namespace

Status validate(const Genesis& genesis) {
  if (Status s = validate_identifier("chain id", genesis.chain_id); !s) return s;
  if (auto suite = crypto::suite_from_byte(static_cast<std::uint8_t>(genesis.suite)); !suite) {
    return suite.error();
  }
  if (Status s = validate(genesis.policy); !s) return s.error().with_context("policy");
  std::set<std::string_view> ids;
  for (std::size_t i = 0; i < genesis.participants.size(); ++i) {
    const GenesisParticipant& p = genesis.participants[i];
    std::string where = "participants[" + std::to_string(i) + "]";
    if (Status s = validate_identifier("id", p.id); !s) return s.error().with_context(where);
    if (!ids.insert(p.id).second) return invalid(where + ": participant '" + p.id + "' repeats");
    if (auto key = crypto::PublicKey::from_bytes(genesis.suite, p.public_key); !key) {
      return key.error().with_context(where + ".public_key");
    }
    if (p.roles == 0 || (p.roles & ~kAllRoles) != 0) {
      return invalid(where + ".roles: at least one known role is needed");
    }
    if (Status s = validate_jurisdiction(p.jurisdiction); !s) {
      return s.error().with_context(where + ".jurisdiction");
    }
  }
  for (const PolicyWitness& witness : genesis.policy.witnesses) {
    auto p = std::find_if(genesis.participants.begin(), genesis.participants.end(),
                          [&](const GenesisParticipant& g) { return g.id == witness.participant; });
    if (p == genesis.participants.end() || !has_role(p->roles, Role::kWitness)) {
      return invalid("policy.witnesses: '" + witness.participant +
                     "' must be a participant with the witness role");
    }
  }
  if (count_active_governors(genesis) < genesis.policy.governance_threshold) {
    return invalid("policy.governance_threshold is " +
                   std::to_string(genesis.policy.governance_threshold) + " but only " +
                   std::to_string(count_active_governors(genesis)) +
                   " participants are governors");
  }
  if (genesis.validators.suite != genesis.suite) {
    return invalid("validators use a different suite from the chain");
  }
  if (Status s = validate(genesis.validators); !s) return s.error().with_context("validators");
  return {};
}

Digest genesis_hash(const Genesis& genesis) {
  return crypto::hash(crypto::suite_hash(genesis.suite), encode(genesis));
}

ChainParams chain_params(const Genesis& genesis) {
  ChainParams params;
  params.chain_id = genesis.chain_id;
  params.suite = genesis.suite;
  params.genesis_hash = genesis_hash(genesis);
  params.state_tree = genesis.state_tree;
  return params;
}

StateDelta genesis_delta(const Genesis& genesis) {
  MemoryState empty;
  StateOverlay state(&empty);
  state.put(keys::kChain, encode(chain_params(genesis)));
  state.put(keys::kPolicy, encode(genesis.policy));
  state.put(keys::kValidators, encode(genesis.validators));
  for (const GenesisParticipant& p : genesis.participants) {
    Participant participant;
    participant.id = p.id;
    participant.roles = p.roles;
    participant.jurisdiction = p.jurisdiction;
    participant.keys.push_back({0, p.public_key});
    state.put(keys::participant(p.id), encode(participant));
  }
  return state.delta();
}

Digest genesis_state_root(const Genesis& genesis) {
  const crypto::HashAlgorithm algorithm = crypto::suite_hash(genesis.suite);
  if (genesis.state_tree) return StateTree(algorithm).apply(genesis_delta(genesis)).root();
  return next_state_root(algorithm, Digest{}, genesis_delta(genesis));
}

Result<Genesis> parse_genesis_json(std::string_view text, std::string_view source) {
  auto fail = [&](const Error& error) { return error.with_context(std::string(source)); };
  auto parsed = parse_json(text, source);
  if (!parsed) return parsed.error();
  const json& document = *parsed;
  auto r = JsonFields::of(document, "");
  if (!r) return fail(invalid("expected a JSON object"));

  Genesis genesis;
  auto chain_id = r->text("chain_id", kMaxText);
  if (!chain_id) return fail(chain_id.error());
  genesis.chain_id = *chain_id;
  auto suite_text = r->text("suite", kMaxText);
  if (!suite_text) return fail(suite_text.error());
  auto suite = crypto::parse_suite(*suite_text);
  if (!suite) return fail(suite.error().with_context("suite"));
  genesis.suite = *suite;
  auto time = r->whole_number("genesis_time_ms", std::uint64_t{1} << 53);
  if (!time) return fail(time.error());
  genesis.time_ms = *time;
  auto policy_node = r->field("policy");
  if (!policy_node) return fail(policy_node.error());
  auto policy = parse_policy(**policy_node, "policy");
  if (!policy) return fail(policy.error());
  genesis.policy = *policy;
  if (r->has("state_tree")) {
    auto state_tree = r->boolean("state_tree");
    if (!state_tree) return fail(state_tree.error());
    genesis.state_tree = *state_tree;
  }

  auto participants = r->array("participants");
  if (!participants) return fail(participants.error());
  for (std::size_t i = 0; i < (*participants)->size(); ++i) {
    auto p = JsonFields::of((**participants)[i], "participants[" + std::to_string(i) + "]");
    if (!p) return fail(p.error());
    GenesisParticipant participant;
    auto id = p->text("id", kMaxText);
    if (!id) return fail(id.error());
    participant.id = *id;
    auto key = p->hex("public_key", kMaxKeyBytes);
    if (!key) return fail(key.error());
    participant.public_key = *key;
    auto roles_node = p->field("roles");
    if (!roles_node) return fail(roles_node.error());
    auto roles = parse_roles(**roles_node, p->path("roles"));
    if (!roles) return fail(roles.error());
    participant.roles = *roles;
    auto jurisdiction = p->text("jurisdiction", kMaxText);
    if (!jurisdiction) return fail(jurisdiction.error());
    participant.jurisdiction = *jurisdiction;
    genesis.participants.push_back(std::move(participant));
  }

  auto validators = r->array("validators");
  if (!validators) return fail(validators.error());
  genesis.validators.suite = genesis.suite;
  for (std::size_t i = 0; i < (*validators)->size(); ++i) {
    auto v = JsonFields::of((**validators)[i], "validators[" + std::to_string(i) + "]");
    if (!v) return fail(v.error());
    Validator validator;
    auto id = v->text("id", kMaxText);
    if (!id) return fail(id.error());
    validator.id = *id;
    auto key = v->hex("public_key", kMaxKeyBytes);
    if (!key) return fail(key.error());
    validator.public_key = *key;
    auto power = v->whole_number("power", kMaxTotalVotingPower);
    if (!power) return fail(power.error());
    validator.power = *power;
    genesis.validators.validators.push_back(std::move(validator));
  }
  // The set is canonical when sorted; the file may list validators in any order.
  std::sort(genesis.validators.validators.begin(), genesis.validators.validators.end(),
            [](const Validator& a, const Validator& b) { return a.id < b.id; });

  if (Status s = validate(genesis); !s) return fail(s.error());
  return genesis;
}

std::string genesis_to_json(const Genesis& genesis) {
  json participants = json::array();
  for (const auto& p : genesis.participants) {
    participants.push_back({{"id", p.id},
                            {"public_key", to_hex(p.public_key)},
                            {"roles", roles_json(p.roles)},
                            {"jurisdiction", p.jurisdiction}});
  }
  json validators = json::array();
  for (const auto& v : genesis.validators.validators) {
    validators.push_back({{"id", v.id}, {"public_key", to_hex(v.public_key)}, {"power", v.power}});
  }
  json document = {{"chain_id", genesis.chain_id},
                   {"suite", std::string(crypto::suite_name(genesis.suite))},
                   {"genesis_time_ms", genesis.time_ms},
                   {"policy", policy_json(genesis.policy)},
                   {"participants", participants},
                   {"validators", validators}};
  if (genesis.state_tree) document["state_tree"] = true;
  return document.dump(2) + "\n";
}

Result<Genesis> load_genesis(const std::filesystem::path& path) {
  auto text = read_file(path, kMaxGenesisBytes);
  if (!text) return text.error().with_context("genesis");
  return parse_genesis_json(*text, path.string());
}

Json roles_json(RoleSet roles) {
  Json out = Json::array();
  for (Role role : all_roles()) {
    if (has_role(roles, role)) out.push_back(std::string(role_name(role)));
  }
  return out;
}

Result<Policy> parse_policy_json(std::string_view text, std::string_view source) {
  auto parsed = parse_json(text, source);
  if (!parsed) return parsed.error();
  const json& node = *parsed;
  return parse_policy(node, std::string(source));
}

}  // namespace tracechain::ledger
