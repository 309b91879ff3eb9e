#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

#include "ledger/checkpoint.h"
#include "ledger/execution.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_chain.h"

using namespace tracechain;
using namespace tracechain::ledger;
using nlohmann::json;

namespace {

json sample_json(const test::TestChain& chain) {
  return json::parse(genesis_to_json(chain.genesis()));
}

std::string parse_error(const json& document) {
  auto parsed = parse_genesis_json(document.dump(), "genesis.json");
  REQUIRE_FALSE(parsed.ok());
  return parsed.error().message();
}

}  // namespace

TEST_CASE("genesis round-trips through JSON and hashes canonically", "[ledger][genesis]") {
  test::TestChain chain(test::default_members(), test::default_policy(),
                        crypto::Suite::kSm2Sm3, 4);
  std::string text = genesis_to_json(chain.genesis());
  auto parsed = parse_genesis_json(text, "genesis.json");
  REQUIRE(parsed.ok());
  CHECK(*parsed == chain.genesis());
  CHECK(genesis_hash(*parsed) == genesis_hash(chain.genesis()));
  // JSON layout does not matter: the hash is of the canonical encoding.
  auto compact = parse_genesis_json(json::parse(text).dump(), "genesis.json");
  REQUIRE(compact.ok());
  CHECK(genesis_hash(*compact) == genesis_hash(chain.genesis()));
  // Validators may be listed in any order; the set is sorted.
  json shuffled = json::parse(text);
  std::reverse(shuffled["validators"].begin(), shuffled["validators"].end());
  CHECK(genesis_hash(*parse_genesis_json(shuffled.dump(), "g")) == genesis_hash(chain.genesis()));

  // The genesis state holds the chain parameters, policy, validators and participants.
  MemoryState state;
  state.apply(genesis_delta(*parsed));
  auto params = read_chain_params(state);
  REQUIRE(params.ok());
  CHECK(params->genesis_hash == genesis_hash(*parsed));
  CHECK(params->suite == crypto::Suite::kSm2Sm3);
  CHECK(*read_policy(state) == test::default_policy());
  CHECK(read_validators(state)->validators.size() == 4);
  CHECK(find_participant(state, "buyer-abroad")->jurisdiction == "sg");
  CHECK(genesis_tip(*parsed).state_root == genesis_state_root(*parsed));
}

TEST_CASE("genesis errors name the file and the field", "[ledger][genesis]") {
  test::TestChain chain;
  json good = sample_json(chain);

  // The line, and the column where the parser gave up (inside the bad token).
  CHECK_THAT(parse_genesis_json("{\n  not json", "genesis.json").error().message(),
             Catch::StartsWith("genesis.json:2:4: not valid JSON: syntax error"));

  json missing = good;
  missing.erase("chain_id");
  CHECK(parse_error(missing) == "genesis.json: chain_id: missing");

  json bad_suite = good;
  bad_suite["suite"] = "rsa";
  CHECK_THAT(parse_error(bad_suite), Catch::Contains("suite: unknown signature suite 'rsa'"));

  json bad_key = good;
  bad_key["participants"][2]["public_key"] = "zz";
  CHECK_THAT(parse_error(bad_key), Catch::StartsWith("genesis.json: participants[2].public_key"));

  json bad_role = good;
  bad_role["participants"][0]["roles"] = {"emperor"};
  CHECK_THAT(parse_error(bad_role),
             Catch::Contains("participants[0].roles: unknown role 'emperor'"));

  json duplicate = good;
  duplicate["participants"][1]["id"] = duplicate["participants"][0]["id"];
  CHECK_THAT(parse_error(duplicate), Catch::Contains("repeats"));

  json levels = good;
  levels["policy"]["levels"].erase(3);
  CHECK_THAT(parse_error(levels), Catch::Contains("policy.levels: expected exactly 4"));

  json threshold = good;
  threshold["policy"]["governance_threshold"] = 9;
  CHECK_THAT(parse_error(threshold), Catch::Contains("only 3 participants are governors"));

  json negative = good;
  negative["genesis_time_ms"] = -5;
  CHECK_THAT(parse_error(negative), Catch::Contains("genesis_time_ms: expected a whole number from 0 to"));

  json no_validators = good;
  no_validators["validators"] = json::array();
  CHECK_THAT(parse_error(no_validators), Catch::Contains("validators: has no validators"));

  json jurisdiction = good;
  jurisdiction["participants"][0]["jurisdiction"] = "China";
  CHECK_THAT(parse_error(jurisdiction), Catch::Contains("two-letter ISO 3166 code"));
}

TEST_CASE("genesis files are read with the path in every error", "[ledger][genesis]") {
  test::TempDir dir;
  test::TestChain chain;
  auto path = dir.path() / "genesis.json";
  std::ofstream(path) << genesis_to_json(chain.genesis());
  auto loaded = load_genesis(path);
  REQUIRE(loaded.ok());
  CHECK(*loaded == chain.genesis());
  auto missing = load_genesis(dir.path() / "nope.json");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message(), Catch::Contains("nope.json"));
}

TEST_CASE("identity rules in a policy: read from JSON, encoded only when set",
          "[ledger][genesis][identity]") {
  test::TestChain chain;
  json document = sample_json(chain);
  const Genesis plain = chain.genesis();
  const Bytes plain_policy = encode(plain.policy);
  REQUIRE(plain_policy.front() == 1);  // no identity rules: format version 1, as ever

  // Any order in the file; sorted in the encoding.
  json& l3 = document["policy"]["levels"][2];
  l3["accepted_claims"] = {"licensed-broker", "legal-entity"};
  l3["attestor_roles"] = {"attestor", "governor"};
  l3["identity_until_settlement"] = true;
  auto parsed = parse_genesis_json(document.dump(), "genesis.json");
  REQUIRE(parsed.ok());
  const LevelRule& rule = parsed->policy.level(3);
  CHECK(rule.accepted_claims == std::vector<std::string>{"legal-entity", "licensed-broker"});
  CHECK(rule.attestor_roles == test::roles({"attestor", "governor"}));
  CHECK(rule.identity_until_settlement);
  CHECK_FALSE(parsed->policy.level(2).has_identity_rules());
  CHECK(genesis_hash(*parsed) != genesis_hash(plain));

  Bytes bytes = encode(parsed->policy);
  CHECK(bytes.front() == 2);
  auto decoded = decode<Policy>(bytes);
  REQUIRE(decoded.ok());
  CHECK(*decoded == parsed->policy);
  // Written back as JSON and read again: the same genesis.
  auto again = parse_genesis_json(genesis_to_json(*parsed), "genesis.json");
  REQUIRE(again.ok());
  CHECK(*again == *parsed);

  // One encoding per policy: version 2 without identity rules is refused,
  // and so are claims out of order.
  Bytes relabelled;
  {
    CanonicalOutputArchive ar(relabelled);
    const Policy& p = plain.policy;
    ar(std::uint8_t{2}, p.governance_threshold, p.max_transaction_lifetime,
       p.max_proposal_lifetime);
    for (const LevelRule& l : p.levels) {
      ar(l.tradable, l.required_reviews, l.cross_border_assessment, std::vector<std::string>{},
         RoleSet{0}, false);
    }
  }
  auto v2_plain = decode<Policy>(relabelled);
  REQUIRE_FALSE(v2_plain.ok());
  CHECK_THAT(v2_plain.error().message(), Catch::Contains("without identity rules"));
  Bytes future = plain_policy;
  future[0] = 4;
  CHECK_THAT(decode<Policy>(future).error().message(),
             Catch::Contains("policy format version 4 is not supported"));
  Policy unsorted = parsed->policy;
  std::swap(unsorted.levels[2].accepted_claims[0], unsorted.levels[2].accepted_claims[1]);
  auto out_of_order = decode<Policy>(encode(unsorted));
  REQUIRE_FALSE(out_of_order.ok());
  CHECK_THAT(out_of_order.error().message(), Catch::Contains("sorted and distinct"));

  // Errors name the field.
  json repeated = document;
  repeated["policy"]["levels"][2]["accepted_claims"] = {"kyc", "kyc"};
  CHECK_THAT(parse_error(repeated),
             Catch::Contains("policy.levels[2].accepted_claims: 'kyc' is listed twice"));
  json bad_claim = document;
  bad_claim["policy"]["levels"][2]["accepted_claims"] = {"Legal Entity"};
  CHECK_THAT(parse_error(bad_claim), Catch::Contains("policy.levels[2].accepted_claims[0]"));
  json bad_role = document;
  bad_role["policy"]["levels"][0]["attestor_roles"] = {"notary"};
  CHECK_THAT(parse_error(bad_role),
             Catch::Contains("policy.levels[0].attestor_roles: unknown role 'notary'"));
  json bad_flag = document;
  bad_flag["policy"]["levels"][0]["identity_until_settlement"] = "yes";
  CHECK_THAT(parse_error(bad_flag), Catch::Contains("policy.levels[0].identity_until_settlement"));
}

TEST_CASE("witnesses in a policy: a participant with the witness role and an Ed25519 cosigning key",
          "[ledger][genesis][witness]") {
  test::TestChain chain;
  json document = sample_json(chain);
  auto cosigning = crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256).value();
  auto other = crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256).value();
  const std::string key_text =
      format_cosigner_key({"witness.example/regulator", cosigning.public_key()}).value();
  const std::string other_text =
      format_cosigner_key({"witness.example/association", other.public_key()}).value();
  json witness = document["participants"][0];
  witness["id"] = "witness-reg";
  witness["roles"] = {"witness"};
  json association = witness;
  association["id"] = "witness-assoc";
  document["participants"].push_back(witness);
  document["participants"].push_back(association);
  // Listed in any order; sorted by participant in the encoding.
  document["policy"]["witnesses"] = {{{"participant", "witness-reg"}, {"cosigning_key", key_text}},
                                     {{"participant", "witness-assoc"}, {"cosigning_key", other_text}}};
  auto parsed = parse_genesis_json(document.dump(), "genesis.json");
  INFO((parsed ? std::string("ok") : parsed.error().message()));
  REQUIRE(parsed.ok());
  REQUIRE(parsed->policy.witnesses.size() == 2);
  CHECK(parsed->policy.witnesses[0].participant == "witness-assoc");
  CHECK(parsed->policy.witnesses[1].name == "witness.example/regulator");
  CHECK(parsed->policy.witnesses[1].key == cosigning.public_key().bytes());
  CHECK(cosigning_key_text(parsed->policy.witnesses[1]) == key_text);

  Bytes bytes = encode(parsed->policy);
  CHECK(bytes.front() == 3);
  CHECK(decode<Policy>(bytes).value() == parsed->policy);
  auto again = parse_genesis_json(genesis_to_json(*parsed), "genesis.json");
  REQUIRE(again.ok());
  CHECK(*again == *parsed);

  // One encoding: version 3 with no witnesses is refused, and so is an unsorted list.
  Policy none = parsed->policy;
  none.witnesses.clear();
  Bytes relabelled = encode(none);
  CHECK(relabelled.front() == 1);
  {
    relabelled.clear();
    CanonicalOutputArchive ar(relabelled);
    const Policy& p = none;
    ar(std::uint8_t{3}, p.governance_threshold, p.max_transaction_lifetime,
       p.max_proposal_lifetime);
    for (const LevelRule& l : p.levels) {
      ar(l.tradable, l.required_reviews, l.cross_border_assessment, l.accepted_claims,
         l.attestor_roles, l.identity_until_settlement);
    }
    ar(std::vector<PolicyWitness>{});
  }
  CHECK_THAT(decode<Policy>(relabelled).error().message(), Catch::Contains("without witnesses"));
  Policy unsorted = parsed->policy;
  std::swap(unsorted.witnesses[0], unsorted.witnesses[1]);
  CHECK_THAT(decode<Policy>(encode(unsorted)).error().message(), Catch::Contains("sorted"));

  // A witness must be a participant with the witness role.
  json not_a_witness = document;
  not_a_witness["policy"]["witnesses"][0]["participant"] = "regulator";
  CHECK_THAT(parse_error(not_a_witness), Catch::Contains("'regulator' must be a participant with "
                                                         "the witness role"));
  // The key must be a cosigning (type 0x04) key, once per witness.
  json note_key = document;
  note_key["policy"]["witnesses"][0]["cosigning_key"] =
      format_note_verifier({"n", cosigning.public_key()}).value();
  CHECK_THAT(parse_error(note_key), Catch::Contains("policy.witnesses[0].cosigning_key"));
  json shared = document;
  shared["policy"]["witnesses"][1]["cosigning_key"] = key_text;
  CHECK_THAT(parse_error(shared), Catch::Contains("shares its cosigning key"));
}
