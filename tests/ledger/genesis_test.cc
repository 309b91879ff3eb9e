#include <catch2/catch.hpp>

#include <fstream>
#include <nlohmann/json.hpp>

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
