// Algorithm 1, rule by rule: each case scripts the events one validator sees
// and checks the actions that come out. Four validators of power 1 unless
// said otherwise: 2f+1 = 3, f+1 = 2.
#include <algorithm>

#include "harness.h"

using namespace tracechain;
using namespace tracechain::consensus;
using namespace tracechain::consensus::testing;
using ledger::VoteType;

namespace {

// Three validators other than `me`, in index order.
std::vector<std::size_t> others(const Validators& vals, std::size_t me) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < vals.size(); ++i) {
    if (i != me) out.push_back(i);
  }
  return out;
}

// Ends round `round` through 2f+1 precommits and timeoutPrecommit (lines 47, 65).
void finish_round(Node& node, const Validators& vals, std::uint32_t round) {
  auto helpers = others(vals, node.index());
  for (std::size_t i = 0; i < 3; ++i) {
    node.on(VoteReceived{vals.precommit(helpers[i], 1, round, std::nullopt)});
  }
  node.on(TimeoutFired{1, round, Step::kPrecommit});
  REQUIRE(node.engine().round() == round + 1);
}

}  // namespace

TEST_CASE("StartRound: the proposer asks for a value, everyone schedules timeoutPropose "
          "(lines 11-21)",
          "[consensus][rules]") {
  Validators vals({1, 1, 1, 1});
  Node proposer(vals, vals.proposer(1, 0));
  auto& start = proposer.on(StartHeight{1, vals.set()});
  REQUIRE(actions_of<GetValue>(start).size() == 1);
  CHECK(actions_of<GetValue>(start)[0].height == 1);
  // Line 21 is for the others in the paper; the proposer schedules it too,
  // so that it prevotes nil if it cannot prevote its own proposal in time.
  auto own_timeout = scheduled(start);
  REQUIRE(own_timeout.has_value());
  CHECK(own_timeout->step == Step::kPropose);

  const Digest v = block("v");
  auto& proposed = proposer.on(ValueReady{1, 0, v});
  auto proposals = actions_of<BroadcastProposal>(proposed);
  REQUIRE(proposals.size() == 1);
  CHECK(proposals[0].proposal.block_hash == v);
  CHECK_FALSE(proposals[0].proposal.valid_round.has_value());  // validRound_p = -1
  CHECK(ledger::verify_signature(proposals[0].proposal, vals.key(proposer.index()).public_key()).ok());
  // The persist action comes before the broadcast (the harness checks the
  // state; this checks the order).
  REQUIRE(std::holds_alternative<PersistSigningState>(proposed.front()));
  // Its own block is validated like anyone's.
  CHECK(actions_of<ValidateBlock>(proposed).size() == 1);
  // A stale answer to getValue is ignored.
  CHECK(proposer.on(ValueReady{1, 0, block("late")}).empty());
  // Without valid(v), the proposer's own timeout makes it prevote nil.
  auto vote = sent_vote(proposer.on(TimeoutFired{1, 0, Step::kPropose}));
  REQUIRE(vote.has_value());
  CHECK_FALSE(vote->block_hash.has_value());

  Node other(vals, vals.non_proposer(1, 0));
  auto timeout = scheduled(other.on(StartHeight{1, vals.set()}));
  REQUIRE(timeout.has_value());
  CHECK(timeout->step == Step::kPropose);
  CHECK(timeout->round == 0);
  CHECK(timeout->duration_ms == 300);
}

TEST_CASE("a proposal with validRound -1 is prevoted once valid(v) is known (lines 22-27)",
          "[consensus][rules]") {
  Validators vals({1, 1, 1, 1});
  Node node(vals, vals.non_proposer(1, 0));
  const Digest v = block("v");
  node.on(StartHeight{1, vals.set()});
  auto& received = node.on(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, v)});
  REQUIRE(actions_of<ValidateBlock>(received).size() == 1);
  CHECK(actions_of<ValidateBlock>(received)[0].proposal.block_hash == v);
  CHECK_FALSE(sent_vote(received).has_value());  // not before valid(v) is known

  SECTION("valid: prevote id(v) (line 24)") {
    auto vote = sent_vote(node.on(BlockValidated{1, v, true}));
    REQUIRE(vote.has_value());
    CHECK(vote->type == VoteType::kPrevote);
    CHECK(vote->block_hash == v);
    CHECK(node.engine().step() == Step::kPrevote);  // line 27
  }
  SECTION("invalid: prevote nil (line 26)") {
    auto vote = sent_vote(node.on(BlockValidated{1, v, false}));
    REQUIRE(vote.has_value());
    CHECK_FALSE(vote->block_hash.has_value());
    CHECK(node.engine().step() == Step::kPrevote);
  }
  SECTION("no answer before timeoutPropose: prevote nil (lines 57-60), no second prevote later") {
    auto vote = sent_vote(node.on(TimeoutFired{1, 0, Step::kPropose}));
    REQUIRE(vote.has_value());
    CHECK_FALSE(vote->block_hash.has_value());
    CHECK(node.on(BlockValidated{1, v, true}).empty());
  }
}

TEST_CASE("a locked validator prevotes nil for another value with validRound -1 (line 23)",
          "[consensus][rules]") {
  Validators vals({1, 1, 1, 1});
  Node node(vals, vals.non_proposer(1, 0));
  const Digest w = block("w");
  lock_in_round_0(node, vals, w);
  finish_round(node, vals, 0);
  const std::uint32_t r = 1;
  if (vals.proposer(1, r) == node.index()) return;  // covered by the proposer's own test

  SECTION("another value: nil") {
    node.on(ProposalReceived{vals.proposal(vals.proposer(1, r), 1, r, block("v"))});
    auto vote = sent_vote(node.on(BlockValidated{1, block("v"), true}));
    REQUIRE(vote.has_value());
    CHECK_FALSE(vote->block_hash.has_value());
  }
  SECTION("the locked value: prevote it (lockedValue_p = v)") {
    // w is already known valid from round 0.
    auto vote = sent_vote(node.on(ProposalReceived{vals.proposal(vals.proposer(1, r), 1, r, w)}));
    REQUIRE(vote.has_value());
    CHECK(vote->block_hash == w);
  }
}

TEST_CASE("a proposal with validRound needs 2f+1 prevotes of that round (lines 28-33)",
          "[consensus][rules]") {
  Validators vals({1, 1, 1, 1});
  const Digest v = block("v");
  // Round 0: this validator misses the proposal and prevotes nil on timeout,
  // while the three others prevote v: a proof of lock for v in round 0.
  std::size_t me = 0;
  while (me == vals.proposer(1, 0) || me == vals.proposer(1, 1) || me == vals.proposer(1, 2)) ++me;
  Node node(vals, me);
  node.on(StartHeight{1, vals.set()});
  node.on(TimeoutFired{1, 0, Step::kPropose});
  std::vector<std::size_t> helpers = others(vals, me);

  SECTION("with the proof of lock: prevote v (lockedRound -1 <= vr)") {
    for (std::size_t i : helpers) node.on(VoteReceived{vals.prevote(i, 1, 0, v)});
    finish_round(node, vals, 0);
    node.on(ProposalReceived{vals.proposal(vals.proposer(1, 1), 1, 1, v, 0)});
    auto vote = sent_vote(node.on(BlockValidated{1, v, true}));
    REQUIRE(vote.has_value());
    CHECK(vote->round == 1);
    CHECK(vote->block_hash == v);
  }
  SECTION("without it: no prevote until timeoutPropose") {
    node.on(VoteReceived{vals.prevote(helpers[0], 1, 0, v)});
    node.on(VoteReceived{vals.prevote(helpers[1], 1, 0, v)});
    finish_round(node, vals, 0);
    node.on(ProposalReceived{vals.proposal(vals.proposer(1, 1), 1, 1, v, 0)});
    CHECK_FALSE(sent_vote(node.on(BlockValidated{1, v, true})).has_value());
    // The missing prevote arrives late: now line 28 holds.
    auto vote = sent_vote(node.on(VoteReceived{vals.prevote(helpers[2], 1, 0, v)}));
    REQUIRE(vote.has_value());
    CHECK(vote->block_hash == v);
  }
  SECTION("locked in a later round than vr on another value: prevote nil") {
    for (std::size_t i : helpers) node.on(VoteReceived{vals.prevote(i, 1, 0, v)});
    finish_round(node, vals, 0);
    // Round 1: lock on w.
    const Digest w = block("w");
    node.on(ProposalReceived{vals.proposal(vals.proposer(1, 1), 1, 1, w)});
    node.on(BlockValidated{1, w, true});
    node.on(VoteReceived{vals.prevote(helpers[0], 1, 1, w)});
    node.on(VoteReceived{vals.prevote(helpers[1], 1, 1, w)});
    REQUIRE(node.engine().locked_round() == 1u);
    finish_round(node, vals, 1);
    // Round 2: v with vr = 0 < lockedRound = 1.
    node.on(ProposalReceived{vals.proposal(vals.proposer(1, 2), 1, 2, v, 0)});
    auto vote = sent_vote(node.on(BlockValidated{1, v, true}));
    REQUIRE(vote.has_value());
    CHECK_FALSE(vote->block_hash.has_value());
  }
  SECTION("an invalid value with a proof of lock: prevote nil") {
    for (std::size_t i : helpers) node.on(VoteReceived{vals.prevote(i, 1, 0, v)});
    finish_round(node, vals, 0);
    node.on(ProposalReceived{vals.proposal(vals.proposer(1, 1), 1, 1, v, 0)});
    auto vote = sent_vote(node.on(BlockValidated{1, v, false}));
    REQUIRE(vote.has_value());
    CHECK_FALSE(vote->block_hash.has_value());
  }
}

TEST_CASE("2f+1 prevotes of any kind schedule timeoutPrevote once (lines 34-35, 61-64)",
          "[consensus][rules]") {
  Validators vals({1, 1, 1, 1});
  Node node(vals, vals.non_proposer(1, 0));
  node.on(StartHeight{1, vals.set()});
  node.on(TimeoutFired{1, 0, Step::kPropose});  // prevote nil, step prevote
  auto helpers = others(vals, node.index());
  CHECK_FALSE(scheduled(node.on(VoteReceived{vals.prevote(helpers[0], 1, 0, block("a"))})));
  auto timeout = scheduled(node.on(VoteReceived{vals.prevote(helpers[1], 1, 0, block("b"))}));
  REQUIRE(timeout.has_value());
  CHECK(timeout->step == Step::kPrevote);
  CHECK(timeout->duration_ms == 200);
  // For the first time only.
  CHECK_FALSE(scheduled(node.on(VoteReceived{vals.prevote(helpers[2], 1, 0, block("c"))})));
  // A timeout for another round or height does nothing (line 62).
  CHECK(node.on(TimeoutFired{1, 1, Step::kPrevote}).empty());
  CHECK(node.on(TimeoutFired{2, 0, Step::kPrevote}).empty());
  auto vote = sent_vote(node.on(TimeoutFired{1, 0, Step::kPrevote}));
  REQUIRE(vote.has_value());
  CHECK(vote->type == VoteType::kPrecommit);
  CHECK_FALSE(vote->block_hash.has_value());
  CHECK(node.engine().step() == Step::kPrecommit);
  // Fired twice: nothing more.
  CHECK(node.on(TimeoutFired{1, 0, Step::kPrevote}).empty());
}

TEST_CASE("a proposal with 2f+1 prevotes locks and precommits (lines 36-43)",
          "[consensus][rules]") {
  Validators vals({1, 1, 1, 1});
  Node node(vals, vals.non_proposer(1, 0));
  const Digest v = block("v");
  auto helpers = others(vals, node.index());
  node.on(StartHeight{1, vals.set()});
  node.on(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, v)});

  SECTION("in the prevote step: lock, precommit id(v), validValue") {
    node.on(BlockValidated{1, v, true});
    node.on(VoteReceived{vals.prevote(helpers[0], 1, 0, v)});
    auto vote = sent_vote(node.on(VoteReceived{vals.prevote(helpers[1], 1, 0, v)}));
    REQUIRE(vote.has_value());
    CHECK(vote->type == VoteType::kPrecommit);
    CHECK(vote->block_hash == v);
    CHECK(node.engine().step() == Step::kPrecommit);
    CHECK(node.engine().locked_value() == v);
    CHECK(node.engine().locked_round() == 0u);
    CHECK(node.engine().valid_value() == v);
    CHECK(node.engine().valid_round() == 0u);
    // The lock is persisted with the precommit.
    CHECK(node.persisted().locked_value == v);
    // For the first time only.
    CHECK_FALSE(sent_vote(node.on(VoteReceived{vals.prevote(helpers[2], 1, 0, v)})));
  }
  SECTION("already in the precommit step: only validValue and validRound change") {
    node.on(TimeoutFired{1, 0, Step::kPropose});  // prevote nil before valid(v) is known
    node.on(VoteReceived{vals.prevote(helpers[0], 1, 0, v)});
    node.on(VoteReceived{vals.prevote(helpers[1], 1, 0, v)});
    node.on(TimeoutFired{1, 0, Step::kPrevote});  // precommit nil
    REQUIRE(node.engine().step() == Step::kPrecommit);
    node.on(VoteReceived{vals.prevote(helpers[2], 1, 0, v)});
    CHECK_FALSE(node.engine().valid_value().has_value());  // valid(v) still unknown
    CHECK_FALSE(sent_vote(node.on(BlockValidated{1, v, true})).has_value());
    CHECK(node.engine().valid_value() == v);
    CHECK(node.engine().valid_round() == 0u);
    CHECK_FALSE(node.engine().locked_value().has_value());
  }
  SECTION("an invalid value is never locked") {
    node.on(BlockValidated{1, v, false});
    for (std::size_t i : helpers) node.on(VoteReceived{vals.prevote(i, 1, 0, v)});
    CHECK_FALSE(node.engine().locked_value().has_value());
    CHECK_FALSE(node.engine().valid_value().has_value());
  }
}

TEST_CASE("2f+1 prevotes for nil precommit nil (lines 44-46)", "[consensus][rules]") {
  Validators vals({1, 1, 1, 1});
  Node node(vals, vals.non_proposer(1, 0));
  auto helpers = others(vals, node.index());
  node.on(StartHeight{1, vals.set()});
  node.on(VoteReceived{vals.prevote(helpers[0], 1, 0, std::nullopt)});
  node.on(VoteReceived{vals.prevote(helpers[1], 1, 0, std::nullopt)});
  node.on(VoteReceived{vals.prevote(helpers[2], 1, 0, std::nullopt)});
  // Still in the propose step: line 44 waits for step_p = prevote.
  CHECK(node.engine().step() == Step::kPropose);
  auto& actions = node.on(TimeoutFired{1, 0, Step::kPropose});
  auto votes = actions_of<BroadcastVote>(actions);
  REQUIRE(votes.size() == 2);
  CHECK(votes[0].vote.type == VoteType::kPrevote);
  CHECK(votes[1].vote.type == VoteType::kPrecommit);
  CHECK_FALSE(votes[1].vote.block_hash.has_value());
  CHECK(node.engine().step() == Step::kPrecommit);
}

TEST_CASE("2f+1 precommits of any kind schedule timeoutPrecommit, which starts the next round "
          "(lines 47-48, 65-67)",
          "[consensus][rules]") {
  Validators vals({1, 1, 1, 1});
  Node node(vals, vals.non_proposer(1, 0));
  auto helpers = others(vals, node.index());
  node.on(StartHeight{1, vals.set()});
  node.on(VoteReceived{vals.precommit(helpers[0], 1, 0, block("a"))});
  node.on(VoteReceived{vals.precommit(helpers[1], 1, 0, std::nullopt)});
  // Line 47 has no step condition: it fires in the propose step too.
  auto timeout = scheduled(node.on(VoteReceived{vals.precommit(helpers[2], 1, 0, block("b"))}));
  REQUIRE(timeout.has_value());
  CHECK(timeout->step == Step::kPrecommit);
  CHECK(timeout->duration_ms == 100);
  CHECK(node.on(TimeoutFired{1, 1, Step::kPrecommit}).empty());  // not this round

  auto& next = node.on(TimeoutFired{1, 0, Step::kPrecommit});
  CHECK(node.engine().round() == 1);
  CHECK(node.engine().step() == Step::kPropose);
  if (vals.proposer(1, 1) == node.index()) CHECK(actions_of<GetValue>(next).size() == 1);
  auto propose = scheduled(next);
  REQUIRE(propose.has_value());
  CHECK(propose->round == 1);
  CHECK(propose->duration_ms == 330);  // timeoutPropose(1) = 300 + 1 * 30
}

TEST_CASE("timeouts grow with the round", "[consensus][rules]") {
  Timeouts t = test_timeouts();
  CHECK(t.duration_ms(Step::kPropose, 0) == 300);
  CHECK(t.duration_ms(Step::kPropose, 5) == 450);
  CHECK(t.duration_ms(Step::kPrevote, 5) == 300);
  CHECK(t.duration_ms(Step::kPrecommit, 5) == 150);
  for (Step s : {Step::kPropose, Step::kPrevote, Step::kPrecommit}) {
    for (std::uint32_t r = 0; r < 50; ++r) CHECK(t.duration_ms(s, r + 1) > t.duration_ms(s, r));
  }
  // Saturates instead of wrapping around.
  t.propose_delta_ms = std::uint64_t{1} << 40;
  CHECK(t.duration_ms(Step::kPropose, 0xffffffffu) == std::numeric_limits<std::uint64_t>::max());

  // The engine asks for timeoutPropose(r) in each round it reaches.
  Validators vals({1, 1, 1, 1});
  Node node(vals, 0);
  node.on(StartHeight{1, vals.set()});
  for (std::uint32_t r = 0; r < 6; ++r) {
    REQUIRE(node.engine().round() == r);
    // Skip ahead through f+1 messages of the next round (line 55).
    auto helpers = others(vals, 0);
    auto& actions = [&]() -> const std::vector<Action>& {
      node.on(VoteReceived{vals.prevote(helpers[0], 1, r + 1, std::nullopt)});
      return node.on(VoteReceived{vals.prevote(helpers[1], 1, r + 1, std::nullopt)});
    }();
    auto timeout = scheduled(actions);
    REQUIRE(timeout.has_value());
    CHECK(timeout->step == Step::kPropose);
    CHECK(timeout->duration_ms == 300 + 30 * (r + 1));
  }
}

TEST_CASE("a proposal and 2f+1 precommits decide, with a verifiable certificate (lines 49-54)",
          "[consensus][rules]") {
  Validators vals({1, 1, 1, 1});
  Node node(vals, vals.non_proposer(1, 0));
  auto helpers = others(vals, node.index());
  const Digest v = block("v");
  node.on(StartHeight{1, vals.set()});

  SECTION("with the proposal") {
    node.on(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, v)});
    node.on(BlockValidated{1, v, true});
    node.on(VoteReceived{vals.precommit(helpers[0], 1, 0, v)});
    node.on(VoteReceived{vals.precommit(helpers[1], 1, 0, v)});
    auto& actions = node.on(VoteReceived{vals.precommit(helpers[2], 1, 0, v)});
    auto commits = actions_of<CommitBlock>(actions);
    REQUIRE(commits.size() == 1);
    CHECK(commits[0].height == 1);
    CHECK(commits[0].block_hash == v);
    CHECK(commits[0].certificate.signatures.size() == 3);
    CHECK(ledger::verify_certificate(kChain, vals.set(), commits[0].certificate).ok());
    CHECK(node.engine().decision() == v);
    // Decided: nothing more happens at this height.
    CHECK(node.on(TimeoutFired{1, 0, Step::kPropose}).empty());
    CHECK(node.on(VoteReceived{vals.precommit(node.index(), 1, 0, v)}).empty());
    // Line 54: the next height starts with the set the node provides.
    node.on(StartHeight{2, vals.set()});
    CHECK(node.engine().height() == 2);
    CHECK(node.engine().round() == 0);
    CHECK_FALSE(node.engine().decision().has_value());
    CHECK_FALSE(node.engine().locked_value().has_value());
  }
  SECTION("in a later round than the current one") {
    node.on(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, v)});
    node.on(BlockValidated{1, v, true});
    // Precommits of round 3 arrive while this node is in round 0; two of
    // them move it to round 3 (line 55), the third decides.
    node.on(VoteReceived{vals.precommit(helpers[0], 1, 3, v)});
    node.on(VoteReceived{vals.precommit(helpers[1], 1, 3, v)});
    CHECK(node.engine().round() == 3);
    node.on(VoteReceived{vals.precommit(helpers[2], 1, 3, v)});
    REQUIRE(node.engine().decision() == v);
  }
  SECTION("without the proposal: the block is requested by hash") {
    node.on(VoteReceived{vals.precommit(helpers[0], 1, 0, v)});
    node.on(VoteReceived{vals.precommit(helpers[1], 1, 0, v)});
    auto& actions = node.on(VoteReceived{vals.precommit(helpers[2], 1, 0, v)});
    auto requests = actions_of<RequestBlock>(actions);
    REQUIRE(requests.size() == 1);
    CHECK(requests[0].block_hash == v);
    CHECK_FALSE(node.engine().decision().has_value());
    // Asked once only.
    CHECK(actions_of<RequestBlock>(node.on(TimeoutFired{1, 0, Step::kPropose})).empty());
    auto commits = actions_of<CommitBlock>(node.on(BlockValidated{1, v, true}));
    REQUIRE(commits.size() == 1);
    CHECK(ledger::verify_certificate(kChain, vals.set(), commits[0].certificate).ok());
  }
  SECTION("an invalid block is never decided (line 50)") {
    node.on(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, v)});
    node.on(BlockValidated{1, v, false});
    for (std::size_t i : helpers) node.on(VoteReceived{vals.precommit(i, 1, 0, v)});
    CHECK_FALSE(node.engine().decision().has_value());
  }
}

TEST_CASE("f+1 messages of a higher round start that round (lines 55-56)", "[consensus][rules]") {
  Validators vals({1, 1, 1, 1});
  Node node(vals, vals.non_proposer(1, 0));
  auto helpers = others(vals, node.index());
  node.on(StartHeight{1, vals.set()});
  node.on(VoteReceived{vals.prevote(helpers[0], 1, 4, std::nullopt)});
  CHECK(node.engine().round() == 0);  // f messages are not enough
  // Any message type counts: a proposal of round 4 from its proposer.
  const std::size_t p4 = vals.proposer(1, 4);
  if (p4 != helpers[0] && p4 != node.index()) {
    node.on(ProposalReceived{vals.proposal(p4, 1, 4, block("x"))});
  } else {
    node.on(VoteReceived{vals.precommit(helpers[1], 1, 4, std::nullopt)});
  }
  CHECK(node.engine().round() == 4);
  CHECK(node.engine().step() == Step::kPropose);
  // Lower rounds never move it back.
  node.on(VoteReceived{vals.prevote(helpers[1], 1, 2, std::nullopt)});
  node.on(VoteReceived{vals.prevote(helpers[2], 1, 2, std::nullopt)});
  CHECK(node.engine().round() == 4);
}

TEST_CASE("thresholds are by voting power", "[consensus][rules]") {
  // Total 6: 2f+1 is 5 (more than two thirds), f+1 is 3 (more than one third).
  Validators vals({3, 1, 1, 1});
  std::size_t me = 1;
  while (me == vals.proposer(1, 0)) ++me;
  Node node(vals, me);
  node.on(StartHeight{1, vals.set()});
  // Validator 0 alone holds more than a third: it moves others to its round.
  node.on(VoteReceived{vals.prevote(0, 1, 2, std::nullopt)});
  CHECK(node.engine().round() == 2);
  node.on(TimeoutFired{1, 2, Step::kPropose});  // own prevote nil: power 1 + 3 = 4
  CHECK(node.engine().step() == Step::kPrevote);
  std::size_t third = 1;
  while (third == me) ++third;
  auto& quorum = node.on(VoteReceived{vals.prevote(third, 1, 2, std::nullopt)});  // 5
  auto vote = sent_vote(quorum);
  REQUIRE(vote.has_value());
  CHECK(vote->type == VoteType::kPrecommit);
}

TEST_CASE("a single validator decides alone", "[consensus][rules]") {
  Validators vals({1});
  Node node(vals, 0);
  for (std::uint64_t h = 1; h <= 3; ++h) {
    REQUIRE(actions_of<GetValue>(node.on(StartHeight{h, vals.set()})).size() == 1);
    const Digest v = block("block " + std::to_string(h));
    node.on(ValueReady{h, 0, v});
    auto commits = actions_of<CommitBlock>(node.on(BlockValidated{h, v, true}));
    REQUIRE(commits.size() == 1);
    CHECK(commits[0].block_hash == v);
    CHECK(ledger::verify_certificate(kChain, vals.set(), commits[0].certificate).ok());
  }
}

TEST_CASE("a proposer re-proposes its validValue with validRound (lines 15-16, 19)",
          "[consensus][rules]") {
  Validators vals({1, 1, 1, 1});
  // Find a validator that is not the proposer of round 0 but is of some later round.
  std::size_t me = vals.non_proposer(1, 0);
  std::uint32_t my_round = 1;
  while (vals.proposer(1, my_round) != me) ++my_round;
  Node node(vals, me);
  const Digest v = block("v");
  lock_in_round_0(node, vals, v);
  for (std::uint32_t r = 0; r < my_round; ++r) {
    auto helpers = others(vals, me);
    for (std::size_t i = 0; i < 3; ++i) {
      node.on(VoteReceived{vals.precommit(helpers[i], 1, r, std::nullopt)});
    }
    node.on(TimeoutFired{1, r, Step::kPrecommit});
  }
  REQUIRE(node.engine().round() == my_round);
  auto proposals = actions_of<BroadcastProposal>(node.last());
  REQUIRE(proposals.size() == 1);
  CHECK(proposals[0].proposal.block_hash == v);
  CHECK(proposals[0].proposal.valid_round == 0u);
  CHECK(actions_of<GetValue>(node.last()).empty());

  // Its gossip carries the proof of lock for round 0 with its own messages.
  auto gossip = node.engine().gossip();
  std::size_t prevotes_round_0 = 0;
  for (const Message& m : gossip) {
    if (round_of(m) == 0 && step_of(m) == Step::kPrevote) ++prevotes_round_0;
  }
  CHECK(prevotes_round_0 == 3);
  CHECK(std::count_if(gossip.begin(), gossip.end(), [](const Message& m) {
          return std::holds_alternative<ledger::Proposal>(m);
        }) == 1);
}
