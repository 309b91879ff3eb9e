// Identity attestations, key rotation, and data assets with their source reviews.
#include <catch2/catch.hpp>

#include "tests/support/test_chain.h"

using namespace tracechain;
using namespace tracechain::ledger;
using test::label_hash;
using test::TestChain;

namespace {

AttestPayload claim(const std::string& subject, const TestChain& chain) {
  return {subject, "legal-entity", label_hash("salted evidence"), chain.genesis().time_ms,
          chain.genesis().time_ms + 1'000'000};
}

}  // namespace

TEST_CASE("attestors attest and revoke identity claims", "[ledger][identity]") {
  TestChain chain;
  Receipt attested = chain.run("attestor-ca", TxKind::kIdentityAttest, claim("buyer-bank", chain));
  REQUIRE(attested.ok());
  CHECK(attested.events == std::vector<Event>{{"identity.attested", "buyer-bank"}});
  auto attestation = find_attestation(chain.state(), attested.tx_hash);
  REQUIRE(attestation.ok());
  CHECK(attestation->attestor == "attestor-ca");
  CHECK(attestation->claim_type == "legal-entity");
  CHECK(attestation->evidence_hash == label_hash("salted evidence"));
  CHECK_FALSE(attestation->revoked_height.has_value());

  CHECK(chain.run("attestor-ca", TxKind::kIdentityAttest, claim("ghost", chain)).reason ==
        Reason::kNotFound);
  CHECK(chain.run("attestor-ca", TxKind::kIdentityAttest, claim("attestor-ca", chain)).reason ==
        Reason::kWrongParty);

  // Only the attestor that made it may revoke it, and only once.
  Change grant;
  grant.type = ChangeType::kGrantRoles;
  grant.subject = "auditor-1";
  grant.roles = test::roles({"attestor"});
  REQUIRE(chain.run("exchange", TxKind::kGovernancePropose,
                    ProposePayload{"second-ca", grant, chain.height() + 5})
              .ok());
  REQUIRE(chain.run("regulator", TxKind::kGovernanceApprove, ApprovePayload{"second-ca"}).ok());
  Receipt foreign = chain.run("auditor-1", TxKind::kIdentityRevoke,
                              RevokePayload{attested.tx_hash, label_hash("why")});
  CHECK(foreign.reason == Reason::kWrongParty);
  Receipt revoked = chain.run("attestor-ca", TxKind::kIdentityRevoke,
                              RevokePayload{attested.tx_hash, label_hash("licence lapsed")});
  REQUIRE(revoked.ok());
  attestation = find_attestation(chain.state(), attested.tx_hash);
  CHECK(attestation->revoked_height == chain.height());
  CHECK(attestation->revocation_tx == revoked.tx_hash);
  Receipt twice = chain.run("attestor-ca", TxKind::kIdentityRevoke,
                            RevokePayload{attested.tx_hash, label_hash("again")});
  CHECK(twice.reason == Reason::kWrongState);
  CHECK(chain.run("attestor-ca", TxKind::kIdentityRevoke,
                  RevokePayload{label_hash("no such"), label_hash("x")})
            .reason == Reason::kNotFound);

  auto list = attestations_page(chain.state(), "buyer-bank", std::nullopt, 100);
  REQUIRE(list.ok());
  REQUIRE(list->attestations.size() == 1);
  CHECK(list->attestations[0].id == attested.tx_hash);
}

TEST_CASE("an attestation's validity window must be non-empty", "[ledger][identity]") {
  TestChain chain;
  AttestPayload empty_window = claim("buyer-bank", chain);
  empty_window.valid_until_ms = empty_window.valid_from_ms;
  auto refused = chain.commit({chain.make("attestor-ca", TxKind::kIdentityAttest, empty_window)});
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message(), Catch::Contains("validity window is empty"));
}

TEST_CASE("a rotated key signs from the next height, the old one no longer does",
          "[ledger][identity]") {
  TestChain chain;
  auto new_key = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  const crypto::PrivateKey old_key = chain.key("buyer-bank");
  Receipt rotated = chain.run("buyer-bank", TxKind::kIdentityRotateKey,
                              RotateKeyPayload{new_key.public_key().bytes()});
  REQUIRE(rotated.ok());
  std::uint64_t rotation_height = chain.height() + 1;
  auto participant = find_participant(chain.state(), "buyer-bank");
  REQUIRE(participant->keys.size() == 2);
  CHECK(participant->keys[1].from_height == rotation_height);
  CHECK(*participant->key_at(rotation_height - 1) == old_key.public_key().bytes());
  CHECK(*participant->key_at(rotation_height) == new_key.public_key().bytes());

  // From the rotation height on, the retired key is refused...
  TradeCreatePayload payload{"t", "none", label_hash("x")};
  auto old_signed = chain.commit({chain.make("buyer-bank", TxKind::kTradeCreate, payload)});
  REQUIRE_FALSE(old_signed.ok());
  CHECK_THAT(old_signed.error().message(), Catch::Contains("does not verify"));
  // ...and the new key works.
  chain.set_key("buyer-bank", new_key);
  CHECK(chain.commit({chain.make("buyer-bank", TxKind::kTradeCreate, payload)}).ok());

  // A second rotation in the same block as the first is refused.
  auto third = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  auto fourth = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  auto both = chain.commit(
      {chain.make("buyer-bank", TxKind::kIdentityRotateKey, RotateKeyPayload{third.public_key().bytes()}),
       chain.make("buyer-bank", TxKind::kIdentityRotateKey,
                  RotateKeyPayload{fourth.public_key().bytes()})});
  REQUIRE(both.ok());
  CHECK(both->receipts[0].ok());
  CHECK(both->receipts[1].reason == Reason::kWrongState);

  // Rotating to the current key changes nothing and is refused.
  chain.set_key("buyer-bank", third);
  CHECK(chain.run("buyer-bank", TxKind::kIdentityRotateKey,
                  RotateKeyPayload{third.public_key().bytes()})
            .reason == Reason::kAlreadyExists);
  // A key of another suite is malformed.
  auto ed = *crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256);
  CHECK_FALSE(chain.commit({chain.make("buyer-bank", TxKind::kIdentityRotateKey,
                                       RotateKeyPayload{ed.public_key().bytes()})})
                  .ok());
}

TEST_CASE("providers register assets and reviewers record source reviews", "[ledger][assets]") {
  TestChain chain;
  AssetRegisterPayload payload{"weather",          label_hash("content"), label_hash("meta"), 3,
                               label_hash("source"), label_hash("licence")};
  Receipt registered = chain.run("provider-acme", TxKind::kAssetRegister, payload);
  REQUIRE(registered.ok());
  CHECK(registered.events == std::vector<Event>{{"asset.registered", "weather"}});
  auto asset = find_asset(chain.state(), "weather");
  REQUIRE(asset.ok());
  CHECK(asset->provider == "provider-acme");
  CHECK(asset->level == 3);
  CHECK(asset->content_hash == label_hash("content"));
  CHECK(asset->registration_tx == registered.tx_hash);
  CHECK_FALSE(asset->latest_verdict.has_value());

  CHECK(chain.run("provider-acme", TxKind::kAssetRegister, payload).reason ==
        Reason::kAlreadyExists);

  for (SourceVerdict verdict : {SourceVerdict::kApproveWithConditions, SourceVerdict::kReject}) {
    Receipt reviewed = chain.run("reviewer-1", TxKind::kAssetReview,
                                 AssetReviewPayload{"weather", verdict, label_hash("report"), "v2"});
    REQUIRE(reviewed.ok());
    auto review = find_source_review(chain.state(), reviewed.tx_hash);
    REQUIRE(review.ok());
    CHECK(review->verdict == verdict);
    CHECK(review->rule_set_version == "v2");
    CHECK(find_asset(chain.state(), "weather")->latest_verdict == verdict);
  }
  CHECK(chain.run("reviewer-1", TxKind::kAssetReview,
                  AssetReviewPayload{"ghost", SourceVerdict::kApprove, label_hash("r"), "v2"})
            .reason == Reason::kNotFound);

  auto history = asset_history(chain.state(), "weather");
  REQUIRE(history.ok());
  CHECK(history->entries.size() == 3);
  CHECK(history->reviews.size() == 2);
}

TEST_CASE("a provider cannot review its own asset's source", "[ledger][assets]") {
  TestChain chain({{"acme", test::roles({"provider", "reviewer"})},
                   {"gov", test::roles({"governor"})}},
                  [] {
                    Policy p = test::default_policy();
                    p.governance_threshold = 1;
                    return p;
                  }());
  REQUIRE(chain.run("acme", TxKind::kAssetRegister,
                    AssetRegisterPayload{"a", label_hash("c"), label_hash("m"), 1, label_hash("s"),
                                         label_hash("l")})
              .ok());
  CHECK(chain.run("acme", TxKind::kAssetReview,
                  AssetReviewPayload{"a", SourceVerdict::kApprove, label_hash("r"), "v1"})
            .reason == Reason::kWrongParty);
}
