#include <catch2/catch.hpp>

#include "ledger/validators.h"

using namespace tracechain;
using ledger::CommitCertificate;
using ledger::ValidatorSet;

namespace {

struct Consortium {
  std::vector<crypto::PrivateKey> keys;
  ValidatorSet set;

  explicit Consortium(std::vector<std::uint64_t> powers,
                      crypto::Suite suite = crypto::Suite::kP256Sha256) {
    set.suite = suite;
    for (std::size_t i = 0; i < powers.size(); ++i) {
      keys.push_back(*crypto::PrivateKey::generate(suite));
      set.validators.push_back(
          {"validator-" + std::to_string(i), keys.back().public_key().bytes(), powers[i]});
    }
  }

  CommitCertificate certify(const std::vector<std::size_t>& signers,
                            const std::string& chain_id = "tracechain-test") const {
    CommitCertificate certificate;
    certificate.height = 9;
    certificate.round = 2;
    certificate.block_hash = crypto::hash(crypto::HashAlgorithm::kSha256, as_bytes("block 9"));
    for (std::size_t i : signers) {
      ledger::CommitSignature entry{set.validators[i].id, {}};
      ledger::Vote vote = ledger::precommit_of(chain_id, certificate, entry);
      ledger::sign(vote, keys[i]);
      entry.signature = vote.signature;
      certificate.signatures.push_back(entry);
    }
    return certificate;
  }
};

}  // namespace

TEST_CASE("validator sets are validated and hashed canonically", "[ledger][validators]") {
  Consortium consortium({1, 1, 1, 1});
  REQUIRE(ledger::validate(consortium.set).ok());
  auto decoded = ledger::decode<ValidatorSet>(ledger::encode(consortium.set));
  REQUIRE(decoded.ok());
  CHECK(ledger::validator_set_hash(*decoded) == ledger::validator_set_hash(consortium.set));
  CHECK(consortium.set.total_power() == 4);
  CHECK(consortium.set.quorum_power() == 3);
  CHECK(consortium.set.find("validator-2") == &consortium.set.validators[2]);
  CHECK(consortium.set.find("validator-9") == nullptr);

  ValidatorSet unsorted = consortium.set;
  std::swap(unsorted.validators[0], unsorted.validators[1]);
  CHECK_THAT(ledger::validate(unsorted).error().message(), Catch::Contains("sorted"));
  ValidatorSet duplicate = consortium.set;
  duplicate.validators[1].id = duplicate.validators[0].id;
  CHECK_THAT(ledger::validate(duplicate).error().message(), Catch::Contains("sorted"));
  ValidatorSet zero = consortium.set;
  zero.validators[0].power = 0;
  CHECK_THAT(ledger::validate(zero).error().message(), Catch::Contains("power 0"));
  ValidatorSet overflow = consortium.set;
  overflow.validators[0].power = ledger::kMaxTotalVotingPower;
  CHECK_FALSE(ledger::validate(overflow).ok());
  ValidatorSet bad_key = consortium.set;
  bad_key.validators[3].public_key.back() ^= 1;
  CHECK_THAT(ledger::validate(bad_key).error().message(), Catch::Contains("validator-3"));
  CHECK_FALSE(ledger::validate(ValidatorSet{}).ok());
  // decode() refuses an invalid set as well.
  CHECK_FALSE(ledger::decode<ValidatorSet>(ledger::encode(unsorted)).ok());
}

TEST_CASE("commit certificates need more than two thirds of the power", "[ledger][validators]") {
  Consortium consortium({1, 1, 1, 1});
  const std::string chain = "tracechain-test";
  CHECK(ledger::verify_certificate(chain, consortium.set, consortium.certify({0, 1, 2})).ok());
  CHECK(ledger::verify_certificate(chain, consortium.set, consortium.certify({0, 1, 2, 3})).ok());

  auto too_few = ledger::verify_certificate(chain, consortium.set, consortium.certify({1, 3}));
  REQUIRE_FALSE(too_few.ok());
  CHECK_THAT(too_few.error().message(), Catch::Contains("power 2 of 4"));

  CommitCertificate twice = consortium.certify({0, 1, 2});
  twice.signatures[2] = twice.signatures[0];
  CHECK_THAT(ledger::verify_certificate(chain, consortium.set, twice).error().message(),
             Catch::Contains("signed more than once"));

  CommitCertificate stranger = consortium.certify({0, 1, 2});
  stranger.signatures[1].validator = "validator-7";
  CHECK_THAT(ledger::verify_certificate(chain, consortium.set, stranger).error().message(),
             Catch::Contains("not in the validator set"));

  CommitCertificate forged = consortium.certify({0, 1, 2});
  forged.signatures[1].signature = forged.signatures[0].signature;
  CHECK_THAT(ledger::verify_certificate(chain, consortium.set, forged).error().message(),
             Catch::Contains("signature of 'validator-1'"));

  CommitCertificate other_block = consortium.certify({0, 1, 2});
  other_block.block_hash[0] ^= 1;
  CHECK_FALSE(ledger::verify_certificate(chain, consortium.set, other_block).ok());
  CHECK_FALSE(ledger::verify_certificate("other-chain", consortium.set,
                                         consortium.certify({0, 1, 2}))
                  .ok());
}

TEST_CASE("voting power is weighted", "[ledger][validators]") {
  Consortium consortium({10, 1, 1, 1}, crypto::Suite::kEd25519Sha256);
  const std::string chain = "tracechain-test";
  CHECK(consortium.set.quorum_power() == 9);
  CHECK(ledger::verify_certificate(chain, consortium.set, consortium.certify({0})).ok());
  CHECK_FALSE(ledger::verify_certificate(chain, consortium.set, consortium.certify({1, 2, 3})).ok());
}

TEST_CASE("proposals round-trip and are signed in their own domain", "[ledger][validators]") {
  auto key = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  REQUIRE(key.ok());
  ledger::Proposal proposal;
  proposal.chain_id = "tracechain-test";
  proposal.height = 3;
  proposal.round = 2;
  proposal.block_hash = crypto::hash(crypto::HashAlgorithm::kSha256, as_bytes("b"));
  proposal.valid_round = 1;
  proposal.proposer = "validator-0";
  ledger::sign(proposal, *key);
  CHECK(ledger::signing_bytes(proposal).front() == 0x03);
  auto decoded = ledger::decode<ledger::Proposal>(ledger::encode(proposal));
  REQUIRE(decoded.ok());
  CHECK(*decoded == proposal);
  CHECK(ledger::verify_signature(*decoded, key->public_key()).ok());

  ledger::Proposal future_round = proposal;
  future_round.valid_round = 2;
  CHECK_THAT(ledger::decode<ledger::Proposal>(ledger::encode(future_round)).error().message(),
             Catch::Contains("valid round 2 is not below the round 2"));
  ledger::Proposal no_valid_round = proposal;
  no_valid_round.valid_round.reset();
  CHECK(ledger::decode<ledger::Proposal>(ledger::encode(no_valid_round)).ok());
}
