// Untrusted input: garbage is counted and ignored, equivocation becomes
// evidence, early messages wait for their height, and validator sets change
// at height boundaries.
#include <algorithm>
#include <random>

#include "harness.h"

using namespace tracechain;
using namespace tracechain::consensus;
using namespace tracechain::consensus::testing;
using ledger::VoteType;

TEST_CASE("garbage is counted and ignored", "[consensus][input]") {
  Validators vals({1, 1, 1, 1});
  Validators strangers({1, 1, 1, 1, 1, 1});  // other keys, and a "validator-5"
  const std::size_t me = vals.non_proposer(1, 0);
  const std::size_t other = (me + 1) % 4;
  Node node(vals, me);

  // Before the first height, nothing is accepted.
  CHECK(node.on(VoteReceived{vals.prevote(other, 1, 0, block("a"))}).empty());
  CHECK(node.engine().stats().wrong_height == 1);
  node.on(StartHeight{1, vals.set()});

  // Each piece of garbage must leave no action and bump its counter.
  InputStats expected;
  auto reject = [&](const Event& e, std::uint64_t InputStats::*counter) {
    CHECK(node.on(e).empty());
    if (counter != nullptr) ++(expected.*counter);
  };
  reject(VoteReceived{strangers.prevote(5, 1, 0, block("a"))}, &InputStats::not_a_validator);
  reject(VoteReceived{vals.prevote(other, 3, 0, block("a"))}, &InputStats::wrong_height);
  reject(VoteReceived{vals.prevote(other, 0, 0, block("a"))}, &InputStats::wrong_height);
  // Right validator id, wrong key.
  reject(VoteReceived{strangers.prevote(other, 1, 0, block("a"))}, &InputStats::bad_signature);
  ledger::Vote tampered = vals.prevote(other, 1, 0, block("a"));
  tampered.block_hash = block("b");
  reject(VoteReceived{tampered}, &InputStats::bad_signature);
  ledger::Vote truncated = vals.prevote(other, 1, 0, block("a"));
  truncated.signature.resize(10);
  reject(VoteReceived{truncated}, &InputStats::bad_signature);
  ledger::Vote wrong_type = vals.prevote(other, 1, 0, block("a"));
  wrong_type.type = static_cast<VoteType>(9);
  reject(VoteReceived{wrong_type}, &InputStats::malformed);
  ledger::Vote bad_id = vals.prevote(other, 1, 0, block("a"));
  bad_id.validator = "Validator 1";
  reject(VoteReceived{bad_id}, &InputStats::malformed);
  ledger::Vote other_chain = vals.prevote(other, 1, 0, block("a"));
  other_chain.chain_id = "another-chain";
  reject(VoteReceived{other_chain}, &InputStats::malformed);
  ledger::Vote huge_signature = vals.prevote(other, 1, 0, block("a"));
  huge_signature.signature.resize(100000);
  reject(VoteReceived{huge_signature}, &InputStats::malformed);
  reject(ProposalReceived{vals.proposal(vals.non_proposer(1, 0), 1, 0, block("a"))},
         &InputStats::not_the_proposer);
  ledger::Proposal bad_valid_round = vals.proposal(vals.proposer(1, 0), 1, 0, block("a"));
  bad_valid_round.valid_round = 0;  // must be below the round
  reject(ProposalReceived{bad_valid_round}, &InputStats::malformed);
  ledger::Proposal forged = vals.proposal(vals.proposer(1, 0), 1, 0, block("a"));
  forged.signature[3] ^= 1;
  reject(ProposalReceived{forged}, &InputStats::bad_signature);
  // Answers and timeouts for other heights, or not asked for, are no input
  // to count: they are simply without effect.
  reject(TimeoutFired{7, 0, Step::kPropose}, nullptr);
  reject(BlockValidated{9, block("a"), true}, nullptr);
  reject(ValueReady{1, 0, block("a")}, nullptr);

  const InputStats& stats = node.engine().stats();
  CHECK(stats.not_a_validator == expected.not_a_validator);
  CHECK(stats.wrong_height == expected.wrong_height + 1);
  CHECK(stats.bad_signature == expected.bad_signature);
  CHECK(stats.malformed == expected.malformed);
  CHECK(stats.not_the_proposer == expected.not_the_proposer);
  CHECK(stats.accepted == 0);
  CHECK(node.engine().round() == 0);
  CHECK(node.engine().step() == Step::kPropose);

  // Duplicates are recognised before any signature check and change nothing.
  ledger::Vote good = vals.prevote(other, 1, 0, block("a"));
  node.on(VoteReceived{good});
  CHECK(node.on(VoteReceived{good}).empty());
  ledger::Vote resigned = good;
  resigned.signature.back() ^= 1;  // same content, mangled signature: still a duplicate
  CHECK(node.on(VoteReceived{resigned}).empty());
  CHECK(node.engine().stats().duplicate == 2);
  CHECK(node.engine().stats().accepted == 1);
}

TEST_CASE("one signer cannot open unbounded future rounds", "[consensus][input]") {
  Validators vals({1, 1, 1, 1});
  const std::size_t me = vals.non_proposer(1, 0);
  const std::size_t other = (me + 1) % 4;
  Node node(vals, me);
  node.on(StartHeight{1, vals.set()});
  node.on(VoteReceived{vals.prevote(other, 1, 5, std::nullopt)});
  node.on(VoteReceived{vals.precommit(other, 1, 5, std::nullopt)});  // same round: fine
  node.on(VoteReceived{vals.prevote(other, 1, 9, std::nullopt)});
  for (std::uint32_t r = 10; r < 1000; ++r) {
    node.on(VoteReceived{vals.prevote(other, 1, r, std::nullopt)});
  }
  CHECK(node.engine().stats().accepted == 3);
  CHECK(node.engine().stats().beyond_limits == 990);
  CHECK(node.engine().round() == 0);
}

TEST_CASE("conflicting votes become evidence", "[consensus][input]") {
  Validators vals({1, 1, 1, 1});
  const std::size_t me = vals.non_proposer(1, 0);
  const std::size_t liar = (me + 1) % 4;
  Node node(vals, me);
  node.on(StartHeight{1, vals.set()});
  const ledger::Vote first = vals.prevote(liar, 1, 0, block("a"));
  const ledger::Vote second = vals.prevote(liar, 1, 0, block("b"));
  node.on(VoteReceived{first});
  CHECK(node.engine().evidence().empty());
  auto& actions = node.on(VoteReceived{second});
  auto reports = actions_of<ReportEvidence>(actions);
  REQUIRE(reports.size() == 1);
  CHECK(reports[0].evidence.first == first);
  CHECK(reports[0].evidence.second == second);
  REQUIRE(node.engine().evidence().size() == 1);
  CHECK(node.engine().evidence()[0] == reports[0].evidence);
  // Both signatures verify: anyone with the set can check the evidence.
  const crypto::PublicKey& key = vals.key(liar).public_key();
  CHECK(ledger::verify_signature(reports[0].evidence.first, key).ok());
  CHECK(ledger::verify_signature(reports[0].evidence.second, key).ok());

  // A block and nil conflict too, in precommits as in prevotes.
  node.on(VoteReceived{vals.precommit(liar, 1, 0, std::nullopt)});
  CHECK(actions_of<ReportEvidence>(node.on(VoteReceived{vals.precommit(liar, 1, 0, block("a"))}))
            .size() == 1);
  // Repeats are duplicates, a third variant is beyond the limit, and
  // different rounds or types never conflict.
  CHECK(node.on(VoteReceived{second}).empty());
  CHECK(node.on(VoteReceived{vals.prevote(liar, 1, 0, std::nullopt)}).empty());
  node.on(VoteReceived{vals.prevote(liar, 1, 1, block("c"))});
  CHECK(node.engine().evidence().size() == 2);
  CHECK(node.engine().stats().equivocations == 2);
  CHECK(node.engine().stats().beyond_limits == 1);
}

TEST_CASE("an equivocating validator counts once toward each value it signed",
          "[consensus][input]") {
  Validators vals({1, 1, 1, 1});
  const std::size_t me = vals.non_proposer(1, 0);
  std::vector<std::size_t> peers;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i != me) peers.push_back(i);
  }
  Node node(vals, me);
  const Digest a = block("a");
  node.on(StartHeight{1, vals.set()});
  node.on(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, a)});
  node.on(BlockValidated{1, a, true});  // own prevote a
  // peers[0] prevotes nil first, then a: its prevote for a still counts, so
  // a has 2f+1 (me, peers[0], peers[1]).
  node.on(VoteReceived{vals.prevote(peers[0], 1, 0, std::nullopt)});
  node.on(VoteReceived{vals.prevote(peers[0], 1, 0, a)});
  auto vote = sent_vote(node.on(VoteReceived{vals.prevote(peers[1], 1, 0, a)}));
  REQUIRE(vote.has_value());
  CHECK(vote->type == VoteType::kPrecommit);
  CHECK(vote->block_hash == a);
}

TEST_CASE("a round's log can be relayed to a peer that lacks it", "[consensus][input]") {
  Validators vals({1, 1, 1, 1});
  const std::size_t me = vals.non_proposer(1, 0);
  const std::size_t liar = (me + 1) % 4;
  Node node(vals, me);
  node.on(StartHeight{1, vals.set()});
  const ledger::Proposal proposal = vals.proposal(vals.proposer(1, 0), 1, 0, block("a"));
  node.on(ProposalReceived{proposal});
  node.on(VoteReceived{vals.prevote(liar, 1, 0, block("a"))});
  node.on(VoteReceived{vals.prevote(liar, 1, 0, std::nullopt)});
  node.on(VoteReceived{vals.precommit((me + 2) % 4, 1, 0, std::nullopt)});
  node.on(TimeoutFired{1, 0, Step::kPropose});  // own prevote nil

  std::vector<Message> log = node.engine().round_messages(0);
  CHECK(log.size() == 5);  // the proposal, both of the liar's prevotes, own prevote, a precommit
  CHECK(std::count(log.begin(), log.end(), Message{proposal}) == 1);
  // A fresh validator fed this log reaches the same counts.
  Node peer(vals, (me + 3) % 4);
  peer.on(StartHeight{1, vals.set()});
  for (const Message& m : log) {
    if (const auto* p = std::get_if<ledger::Proposal>(&m)) {
      peer.on(ProposalReceived{*p});
    } else {
      peer.on(VoteReceived{std::get<ledger::Vote>(m)});
    }
  }
  CHECK(peer.engine().stats().accepted == 5);
  CHECK(peer.engine().evidence().size() == 1);
  // Its own messages only, for the round it is in.
  auto own = node.engine().own_messages(0);
  REQUIRE(own.size() == 1);
  CHECK(signer_of(own[0]) == Validators::id(me));
  CHECK(node.engine().round_messages(5).empty());
}

TEST_CASE("messages for the next height wait for it", "[consensus][input]") {
  Validators vals({1, 1, 1, 1});
  const std::size_t me = vals.non_proposer(1, 0);
  Node node(vals, me);
  const Digest a = block("a");
  const Digest next = block("next");
  node.on(StartHeight{1, vals.set()});
  const std::size_t p2 = vals.proposer(2, 0);
  if (p2 != me) {
    node.on(ProposalReceived{vals.proposal(p2, 2, 0, next)});
    node.on(ProposalReceived{vals.proposal(p2, 2, 0, next)});  // kept once
  }
  node.on(VoteReceived{vals.prevote((me + 1) % 4, 2, 0, next)});
  CHECK(node.engine().stats().buffered == (p2 != me ? 2u : 1u));
  // Decide height 1.
  node.on(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, a)});
  node.on(BlockValidated{1, a, true});
  for (std::size_t i = 1; i <= 3; ++i) node.on(VoteReceived{vals.precommit((me + i) % 4, 1, 0, a)});
  REQUIRE(node.engine().decision() == a);

  auto& started = node.on(StartHeight{2, vals.set()});
  if (p2 != me) {
    auto validations = actions_of<ValidateBlock>(started);
    REQUIRE(validations.size() == 1);
    CHECK(validations[0].proposal.block_hash == next);
  }
  CHECK(node.engine().stats().accepted >= 1);
}

TEST_CASE("validator sets change at height boundaries", "[consensus][input]") {
  // Height 1: validators 0-3. Height 2: validator 3 leaves, validator 4 joins
  // with power 2 (total 5, 2f+1 = 4).
  Validators keys({1, 1, 1, 1, 2});
  ledger::ValidatorSet first = keys.set();
  first.validators.pop_back();
  ledger::ValidatorSet second = keys.set();
  second.validators.erase(second.validators.begin() + 3);
  REQUIRE(ledger::validate(first).ok());
  REQUIRE(ledger::validate(second).ok());

  Node leaving(keys, 3);
  Node joining(keys, 4);
  leaving.on(StartHeight{1, first});
  joining.on(StartHeight{1, first});
  CHECK(leaving.engine().is_validator());
  CHECK_FALSE(joining.engine().is_validator());
  // An observer follows the height but signs nothing, even on timeouts.
  CHECK(joining.on(TimeoutFired{1, 0, Step::kPropose}).empty());

  const Digest a = block("a");
  for (Node* node : {&leaving, &joining}) {
    node->on(BlockValidated{1, a, true});
    for (std::size_t i = 0; i < 3; ++i) node->on(VoteReceived{keys.precommit(i, 1, 0, a)});
    REQUIRE(node->engine().decision() == a);
    node->on(StartHeight{2, second});
  }
  CHECK_FALSE(leaving.engine().is_validator());
  CHECK(joining.engine().is_validator());
  // The leaver's votes no longer count; the joiner's do, with its power.
  joining.on(VoteReceived{keys.prevote(3, 2, 0, std::nullopt)});
  CHECK(joining.engine().stats().not_a_validator == 1);
  CHECK(joining.engine().validators().quorum_power() == 4);
  joining.on(TimeoutFired{2, 0, Step::kPropose});  // own prevote nil: power 2
  joining.on(VoteReceived{keys.prevote(0, 2, 0, std::nullopt)});
  auto vote = sent_vote(joining.on(VoteReceived{keys.prevote(1, 2, 0, std::nullopt)}));
  REQUIRE(vote.has_value());
  CHECK(vote->type == VoteType::kPrecommit);
  // The proposer schedule follows the new set.
  CHECK(joining.engine().proposer(0).id ==
        second.validators[ProposerSchedule(second).proposer_index(2, 0)].id);
}

TEST_CASE("randomly mutated messages never crash the engine", "[consensus][input]") {
  Validators vals({1, 1, 1, 1});
  Node node(vals, vals.non_proposer(1, 0));
  node.on(StartHeight{1, vals.set()});
  std::mt19937_64 rng(20240601);
  const std::vector<ledger::Vote> seeds = {
      vals.prevote(0, 1, 0, block("a")), vals.precommit(1, 1, 0, std::nullopt),
      vals.prevote(2, 1, 3, block("b"))};
  for (int i = 0; i < 3000; ++i) {
    // Mutate the encoding, decode what still parses, and feed it.
    Bytes bytes = ledger::encode(seeds[i % seeds.size()]);
    for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips) {
      bytes[rng() % bytes.size()] ^= static_cast<std::uint8_t>(1u << (rng() % 8));
    }
    if (auto vote = ledger::decode<ledger::Vote>(bytes)) node.on(VoteReceived{*vote});
    ledger::Proposal p = vals.proposal(vals.proposer(1, 0), 1, 0, block("p"));
    p.round = static_cast<std::uint32_t>(rng() % 4);
    p.height = rng() % 3;
    if (rng() % 2 == 0) p.valid_round = static_cast<std::uint32_t>(rng() % 5);
    node.on(ProposalReceived{p});
  }
  // Whatever happened, the engine's own messages never conflict.
  check_no_conflicts(node.sent());
  CHECK(node.engine().stats().bad_signature + node.engine().stats().malformed > 0);
}
