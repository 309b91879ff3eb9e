// M-of-N governance: proposals, approvals, expiry, and every kind of change.
#include <catch2/catch.hpp>

#include "tests/support/test_chain.h"

using namespace tracechain;
using namespace tracechain::ledger;
using test::TestChain;

namespace {

Change admit(const std::string& id, const crypto::PrivateKey& key, RoleSet roles) {
  Change change;
  change.type = ChangeType::kAdmitParticipant;
  change.subject = id;
  change.public_key = key.public_key().bytes();
  change.roles = roles;
  change.jurisdiction = "cn";
  return change;
}

Change on_subject(ChangeType type, const std::string& subject, RoleSet roles = 0) {
  Change change;
  change.type = type;
  change.subject = subject;
  change.roles = roles;
  return change;
}

// Proposes by `exchange` and approves by `regulator` (threshold 2); returns
// the approval's receipt, or the proposal's if the change was refused then
// (a change is tried against state when proposed and again when it applies).
Receipt pass(TestChain& chain, const std::string& id, const Change& change) {
  Receipt proposed = chain.run("exchange", TxKind::kGovernancePropose,
                               ProposePayload{id, change, chain.height() + 20});
  if (!proposed.ok()) return proposed;
  return chain.run("regulator", TxKind::kGovernanceApprove, ApprovePayload{id});
}

}  // namespace

TEST_CASE("a change applies when the threshold of distinct governors approves",
          "[ledger][governance]") {
  TestChain chain;
  auto newcomer = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  Receipt proposed =
      chain.run("exchange", TxKind::kGovernancePropose,
                ProposePayload{"admit-newco", admit("newco", newcomer, test::roles({"buyer"})),
                               chain.height() + 20});
  REQUIRE(proposed.ok());
  CHECK(proposed.events == std::vector<Event>{{"governance.proposed", "admit-newco"}});
  CHECK_FALSE(find_participant(chain.state(), "newco").ok());

  // The proposer's approval is already counted.
  Receipt again = chain.run("exchange", TxKind::kGovernanceApprove, ApprovePayload{"admit-newco"});
  CHECK(again.reason == Reason::kDuplicateApproval);

  Receipt approved =
      chain.run("member-bank", TxKind::kGovernanceApprove, ApprovePayload{"admit-newco"});
  REQUIRE(approved.ok());
  CHECK(approved.events == std::vector<Event>{{"governance.approved", "admit-newco"},
                                              {"governance.applied", "admit-newco"},
                                              {"participant.admitted", "newco"}});
  auto participant = find_participant(chain.state(), "newco");
  REQUIRE(participant.ok());
  CHECK(participant->roles == test::roles({"buyer"}));
  CHECK(participant->admitted_height == chain.height());
  auto proposal = find_proposal(chain.state(), "admit-newco");
  REQUIRE(proposal.ok());
  CHECK(proposal->status == ProposalStatus::kApplied);
  REQUIRE(proposal->approvals.size() == 2);
  CHECK(proposal->approvals[1].governor == "member-bank");

  Receipt late = chain.run("regulator", TxKind::kGovernanceApprove, ApprovePayload{"admit-newco"});
  CHECK(late.reason == Reason::kProposalClosed);
  CHECK_THAT(late.message, Catch::Contains("already applied"));

  // The newcomer can now transact.
  chain.set_key("newco", newcomer);
  CHECK(chain.commit({chain.make("newco", TxKind::kTradeCreate,
                                 TradeCreatePayload{"t", "none", test::label_hash("x")})})
            .ok());
}

TEST_CASE("proposals expire, repeat ids are refused, and unknown ones are not found",
          "[ledger][governance]") {
  TestChain chain;
  Change grant = on_subject(ChangeType::kGrantRoles, "buyer-bank", test::roles({"auditor"}));
  REQUIRE(chain.run("exchange", TxKind::kGovernancePropose,
                    ProposePayload{"p1", grant, chain.height() + 2})
              .ok());
  CHECK(chain.run("regulator", TxKind::kGovernancePropose,
                  ProposePayload{"p1", grant, chain.height() + 2})
            .reason == Reason::kAlreadyExists);
  CHECK(chain.commit({}).ok());
  Receipt expired = chain.run("regulator", TxKind::kGovernanceApprove, ApprovePayload{"p1"});
  CHECK(expired.reason == Reason::kProposalClosed);
  CHECK_THAT(expired.message, Catch::Contains("expired at height"));
  CHECK(chain.run("regulator", TxKind::kGovernanceApprove, ApprovePayload{"nope"}).reason ==
        Reason::kNotFound);

  Receipt too_long = chain.run("exchange", TxKind::kGovernancePropose,
                               ProposePayload{"p2", grant, chain.height() + 1000});
  CHECK(too_long.reason == Reason::kInvalidChange);
  Receipt already_past = chain.run("exchange", TxKind::kGovernancePropose,
                                   ProposePayload{"p3", grant, chain.height()});
  CHECK(already_past.reason == Reason::kInvalidChange);
}

TEST_CASE("every kind of change applies, and changes that make no sense are refused",
          "[ledger][governance]") {
  TestChain chain;
  SECTION("grant and revoke roles") {
    REQUIRE(pass(chain, "g", on_subject(ChangeType::kGrantRoles, "buyer-bank",
                                        test::roles({"provider"})))
                .ok());
    CHECK(find_participant(chain.state(), "buyer-bank")->roles ==
          test::roles({"buyer", "provider"}));
    CHECK(pass(chain, "g2", on_subject(ChangeType::kGrantRoles, "buyer-bank",
                                       test::roles({"buyer"})))
              .reason == Reason::kInvalidChange);
    REQUIRE(pass(chain, "r", on_subject(ChangeType::kRevokeRoles, "buyer-bank",
                                        test::roles({"buyer"})))
                .ok());
    CHECK(find_participant(chain.state(), "buyer-bank")->roles == test::roles({"provider"}));
  }
  SECTION("suspend and reinstate") {
    REQUIRE(pass(chain, "s", on_subject(ChangeType::kSuspendParticipant, "buyer-bank")).ok());
    CHECK_FALSE(find_participant(chain.state(), "buyer-bank")->active());
    CHECK(pass(chain, "s2", on_subject(ChangeType::kSuspendParticipant, "buyer-bank")).reason ==
          Reason::kInvalidChange);
    REQUIRE(pass(chain, "u", on_subject(ChangeType::kReinstateParticipant, "buyer-bank")).ok());
    CHECK(find_participant(chain.state(), "buyer-bank")->active());
  }
  SECTION("governance cannot lock itself out") {
    // Threshold 2 with 3 governors: one may go, a second may not.
    REQUIRE(pass(chain, "s", on_subject(ChangeType::kSuspendParticipant, "member-bank")).ok());
    Receipt refused = pass(chain, "s2", on_subject(ChangeType::kRevokeRoles, "regulator",
                                                   test::roles({"governor"})));
    CHECK(refused.reason == Reason::kInvalidChange);
    CHECK_THAT(refused.message, Catch::Contains("fewer than the threshold of 2"));
  }
  SECTION("admitting an existing participant") {
    CHECK(chain.run("exchange", TxKind::kGovernancePropose,
                    ProposePayload{"a", admit("buyer-bank", chain.key("buyer-bank"),
                                              test::roles({"buyer"})),
                                   chain.height() + 5})
              .reason == Reason::kAlreadyExists);
  }
  SECTION("a change about someone unknown") {
    CHECK(chain.run("exchange", TxKind::kGovernancePropose,
                    ProposePayload{"x", on_subject(ChangeType::kSuspendParticipant, "ghost"),
                                   chain.height() + 5})
              .reason == Reason::kNotFound);
  }
  SECTION("policy") {
    Change change;
    change.type = ChangeType::kChangePolicy;
    Policy policy = test::default_policy();
    policy.levels[3].tradable = true;
    change.policy = policy;
    REQUIRE(pass(chain, "p", change).ok());
    CHECK(read_policy(chain.state())->levels[3].tradable);
    policy.governance_threshold = 4;  // only three governors exist
    change.policy = policy;
    CHECK(pass(chain, "p2", change).reason == Reason::kInvalidChange);
  }
  SECTION("a policy naming witnesses: each must hold the witness role") {
    auto cosigning = crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256).value();
    Change change;
    change.type = ChangeType::kChangePolicy;
    Policy policy = test::default_policy();
    policy.witnesses = {{"auditor-1", "witness.example/auditor", cosigning.public_key().bytes()}};
    change.policy = policy;
    Receipt refused = pass(chain, "w1", change);
    CHECK(refused.reason == Reason::kInvalidChange);
    CHECK_THAT(refused.message, Catch::Contains("'auditor-1' must be a participant with the "
                                                "witness role"));
    REQUIRE(pass(chain, "grant", on_subject(ChangeType::kGrantRoles, "auditor-1",
                                            test::roles({"witness"})))
                .ok());
    REQUIRE(pass(chain, "w2", change).ok());
    CHECK(read_policy(chain.state())->witnesses == policy.witnesses);
  }
}

TEST_CASE("validator changes take effect from the next block", "[ledger][governance]") {
  TestChain chain(test::default_members(), test::default_policy(), crypto::Suite::kP256Sha256, 4);
  auto before = read_validators(chain.state());
  REQUIRE(before.ok());
  REQUIRE(before->validators.size() == 4);
  Digest before_hash = validator_set_hash(*before);

  auto key = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  Change add;
  add.type = ChangeType::kAddValidator;
  add.subject = "validator-regulator";
  add.public_key = key.public_key().bytes();
  add.power = 2;
  REQUIRE(chain.run("exchange", TxKind::kGovernancePropose,
                    ProposePayload{"add-v", add, chain.height() + 5})
              .ok());
  auto applied = chain.commit({chain.make("regulator", TxKind::kGovernanceApprove,
                                          ApprovePayload{"add-v"})});
  REQUIRE(applied.ok());
  REQUIRE(applied->next_validators.has_value());
  CHECK(applied->next_validators->validators.size() == 5);
  CHECK(applied->next_validators->find("validator-regulator")->power == 2);
  // The block that changed the set was still signed by the old set, and
  // names the new one...
  CHECK(chain.blocks().back().header.validator_set_hash == before_hash);
  CHECK(chain.blocks().back().header.next_validator_set_hash ==
        validator_set_hash(*applied->next_validators));
  // ...and the next block by the new one.
  auto next = chain.commit({});
  REQUIRE(next.ok());
  CHECK_FALSE(next->next_validators.has_value());
  CHECK(chain.blocks().back().header.next_validator_set_hash ==
        chain.blocks().back().header.validator_set_hash);
  CHECK(chain.blocks().back().header.validator_set_hash ==
        validator_set_hash(*applied->next_validators));

  Change remove = on_subject(ChangeType::kRemoveValidator, "validator-0");
  REQUIRE(pass(chain, "rm", remove).ok());
  CHECK(read_validators(chain.state())->find("validator-0") == nullptr);
  CHECK(pass(chain, "rm2", remove).reason == Reason::kNotFound);
  add.subject = "validator-1";
  CHECK(pass(chain, "dup", add).reason == Reason::kAlreadyExists);
}

TEST_CASE("a change's fields are checked for shape before it is proposed",
          "[ledger][governance]") {
  TestChain chain;
  Change stray = on_subject(ChangeType::kSuspendParticipant, "buyer-bank");
  stray.power = 5;
  auto refused = chain.commit({chain.make("exchange", TxKind::kGovernancePropose,
                                          ProposePayload{"x", stray, chain.height() + 5})});
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message(), Catch::Contains("this change takes no power"));

  Change bad_key = admit("newco", chain.key("buyer-bank"), test::roles({"buyer"}));
  bad_key.public_key.back() ^= 1;
  CHECK_FALSE(chain.commit({chain.make("exchange", TxKind::kGovernancePropose,
                                       ProposePayload{"y", bad_key, chain.height() + 5})})
                  .ok());
}

TEST_CASE("a change that no longer fits when approved fails that approval",
          "[ledger][governance]") {
  TestChain chain;
  auto key = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  Change change = admit("newco", key, test::roles({"buyer"}));
  REQUIRE(chain.run("exchange", TxKind::kGovernancePropose,
                    ProposePayload{"first", change, chain.height() + 20})
              .ok());
  REQUIRE(chain.run("regulator", TxKind::kGovernancePropose,
                    ProposePayload{"second", change, chain.height() + 20})
              .ok());
  REQUIRE(chain.run("member-bank", TxKind::kGovernanceApprove, ApprovePayload{"first"}).ok());
  Receipt stale = chain.run("member-bank", TxKind::kGovernanceApprove, ApprovePayload{"second"});
  CHECK(stale.reason == Reason::kAlreadyExists);
  CHECK_THAT(stale.message, Catch::StartsWith("proposal 'second' cannot apply: "));
  // The failed approval is not recorded; the proposal stays open until it expires.
  auto second = find_proposal(chain.state(), "second");
  CHECK(second->status == ProposalStatus::kOpen);
  CHECK(second->approvals.size() == 1);
}
