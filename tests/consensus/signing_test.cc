// Never double-sign: the signing-state rule, its persistence, and restarts
// of a validator at every step of a height.
#include <algorithm>
#include <map>

#include "harness.h"

using namespace tracechain;
using namespace tracechain::consensus;
using namespace tracechain::consensus::testing;
using ledger::VoteType;

namespace {

// Candidates for check_signing(): their signatures play no part in it.
const Validators& signer() {
  static const Validators vals({1});
  return vals;
}

ledger::Vote candidate_vote(VoteType type, std::uint64_t h, std::uint32_t r,
                           std::optional<Digest> value) {
  return signer().vote(0, type, h, r, value);
}

ledger::Proposal candidate_proposal(std::uint64_t h, std::uint32_t r, const Digest& value) {
  return signer().proposal(0, h, r, value);
}

SigningVerdict verdict(const SigningState& state, const Message& candidate) {
  return check_signing(state, candidate).verdict;
}

}  // namespace

TEST_CASE("the signing state allows only forward steps", "[consensus][signing]") {
  SigningState state;
  const Digest a = block("a");
  const Digest b = block("b");
  CHECK(verdict(state, candidate_vote(VoteType::kPrevote, 1, 0, a)) == SigningVerdict::kSign);

  record_signed(state, candidate_proposal(3, 1, a));
  record_signed(state, candidate_vote(VoteType::kPrevote, 3, 1, a));
  CHECK(state.height == 3);

  // The same (height, round, step): whatever was signed goes out again.
  auto again = check_signing(state, candidate_vote(VoteType::kPrevote, 3, 1, std::nullopt));
  CHECK(again.verdict == SigningVerdict::kResend);
  REQUIRE(again.previous.has_value());
  CHECK(std::get<ledger::Vote>(*again.previous).block_hash == a);
  CHECK(verdict(state, candidate_proposal(3, 1, b)) == SigningVerdict::kResend);
  // Backwards: an earlier round, an earlier step in the same round, an earlier height.
  CHECK(verdict(state, candidate_vote(VoteType::kPrevote, 3, 0, b)) == SigningVerdict::kRefuse);
  CHECK(verdict(state, candidate_vote(VoteType::kPrecommit, 3, 0, b)) == SigningVerdict::kRefuse);
  CHECK(verdict(state, candidate_vote(VoteType::kPrevote, 2, 9, b)) == SigningVerdict::kRefuse);
  // Forwards.
  CHECK(verdict(state, candidate_vote(VoteType::kPrecommit, 3, 1, a)) == SigningVerdict::kSign);
  CHECK(verdict(state, candidate_proposal(3, 2, b)) == SigningVerdict::kSign);
  CHECK(verdict(state, candidate_vote(VoteType::kPrevote, 4, 0, b)) == SigningVerdict::kSign);

  // A precommit for a block is the lock; a later nil precommit keeps it.
  record_signed(state, candidate_vote(VoteType::kPrecommit, 3, 1, a));
  CHECK(state.locked_round == 1u);
  CHECK(state.locked_value == a);
  record_signed(state, candidate_vote(VoteType::kPrecommit, 3, 2, std::nullopt));
  CHECK(state.locked_round == 1u);
  // A new height starts afresh.
  record_signed(state, candidate_vote(VoteType::kPrevote, 4, 0, b));
  CHECK(state.height == 4);
  CHECK_FALSE(state.proposal.has_value());
  CHECK_FALSE(state.precommit.has_value());
  CHECK_FALSE(state.locked_round.has_value());
}

TEST_CASE("the signing state has a canonical encoding and is validated",
          "[consensus][signing]") {
  SigningState state;
  record_signed(state, candidate_proposal(7, 2, block("a")));
  record_signed(state, candidate_vote(VoteType::kPrevote, 7, 2, block("a")));
  record_signed(state, candidate_vote(VoteType::kPrecommit, 7, 2, block("a")));
  REQUIRE(validate(state).ok());
  auto decoded = ledger::decode<SigningState>(ledger::encode(state));
  REQUIRE(decoded.ok());
  CHECK(*decoded == state);
  CHECK(ledger::decode<SigningState>(ledger::encode(SigningState{})).ok());

  SigningState wrong_height = state;
  wrong_height.prevote->height = 6;
  CHECK_FALSE(validate(wrong_height).ok());
  SigningState wrong_type = state;
  wrong_type.prevote->type = VoteType::kPrecommit;
  CHECK_FALSE(validate(wrong_type).ok());
  SigningState half_lock = state;
  half_lock.locked_value.reset();
  CHECK_FALSE(validate(half_lock).ok());
  SigningState other_height = state;
  other_height.round_proof.push_back(candidate_vote(VoteType::kPrecommit, 6, 1, std::nullopt));
  CHECK_FALSE(validate(other_height).ok());
  other_height.round_proof.back().height = 7;
  CHECK(validate(other_height).ok());
  other_height.round_proof_proposal = candidate_proposal(8, 1, block("x"));
  CHECK_FALSE(validate(other_height).ok());
  SigningState proven = state;
  proven.lock_proof.push_back(candidate_vote(VoteType::kPrevote, 7, 2, block("a")));
  CHECK(validate(proven).ok());
  CHECK(*ledger::decode<SigningState>(ledger::encode(proven)) == proven);
  SigningState wrong_proof = state;
  wrong_proof.lock_proof.push_back(candidate_vote(VoteType::kPrevote, 7, 1, block("a")));
  CHECK_FALSE(validate(wrong_proof).ok());
  wrong_proof.lock_proof.back() = candidate_vote(VoteType::kPrevote, 7, 2, block("b"));
  CHECK_FALSE(validate(wrong_proof).ok());
  CHECK_FALSE(ledger::decode<SigningState>(ledger::encode(half_lock)).ok());

  InMemorySigningStateStore store;
  CHECK(*store.load() == SigningState{});
  REQUIRE(store.save(state).ok());
  CHECK(*store.load() == state);
}

TEST_CASE("an engine restarted from its signing state resumes, resends and signs nothing "
          "conflicting",
          "[consensus][signing]") {
  Validators vals({1, 1, 1, 1});
  const std::size_t me = vals.non_proposer(1, 0);
  Node node(vals, me);
  const Digest v = block("v");
  node.on(StartHeight{1, vals.set()});
  node.on(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, v)});
  node.on(BlockValidated{1, v, true});  // prevote v
  REQUIRE(node.persisted().prevote.has_value());

  node.restart();
  auto& resumed = node.on(StartHeight{1, vals.set()});
  CHECK(node.engine().round() == 0);
  CHECK(node.engine().step() == Step::kPrevote);
  // The prevote goes out again, byte for byte, without a new persist.
  auto votes = actions_of<BroadcastVote>(resumed);
  REQUIRE(votes.size() == 1);
  CHECK(votes[0].vote == *node.persisted().prevote);
  CHECK_FALSE(has_action<PersistSigningState>(resumed));
  CHECK_FALSE(scheduled(resumed).has_value());

  // A different proposal for the same round (an equivocating proposer) and
  // the propose timeout cannot make it prevote again.
  const Digest w = block("w");
  CHECK_FALSE(sent_vote(node.on(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, w)})));
  CHECK_FALSE(sent_vote(node.on(BlockValidated{1, w, true})));
  CHECK_FALSE(sent_vote(node.on(TimeoutFired{1, 0, Step::kPropose})));
  check_no_conflicts(node.sent());

  // Its own prevote counts after the restart: once the proposal for v is
  // gossiped again, two more prevotes make a quorum for v.
  node.on(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, v)});
  node.on(BlockValidated{1, v, true});
  node.on(VoteReceived{vals.prevote((me + 1) % 4, 1, 0, v)});
  node.on(VoteReceived{vals.prevote((me + 2) % 4, 1, 0, v)});
  CHECK(node.engine().locked_value() == v);
}

TEST_CASE("a restarted validator keeps its lock", "[consensus][signing]") {
  Validators vals({1, 1, 1, 1});
  const std::size_t me = vals.non_proposer(1, 0);
  Node node(vals, me);
  const Digest v = block("v");
  lock_in_round_0(node, vals, v);
  REQUIRE(node.persisted().locked_value == v);

  node.restart();
  node.on(StartHeight{1, vals.set()});
  CHECK(node.engine().step() == Step::kPrecommit);
  CHECK(node.engine().locked_value() == v);
  CHECK(node.engine().locked_round() == 0u);
  // Without the lock it would prevote a new value in round 1; with it, nil.
  for (std::size_t i = 1; i <= 3; ++i) {
    node.on(VoteReceived{vals.precommit((me + i) % 4, 1, 0, std::nullopt)});
  }
  node.on(TimeoutFired{1, 0, Step::kPrecommit});
  REQUIRE(node.engine().round() == 1);
  const std::size_t p1 = vals.proposer(1, 1);
  if (p1 != me) {
    node.on(ProposalReceived{vals.proposal(p1, 1, 1, block("other"))});
    auto vote = sent_vote(node.on(BlockValidated{1, block("other"), true}));
    REQUIRE(vote.has_value());
    CHECK_FALSE(vote->block_hash.has_value());
  }
}

TEST_CASE("a restarted proposer still justifies its locked value with the proof of lock",
          "[consensus][signing]") {
  Validators vals({1, 1, 1, 1});
  const std::size_t me = vals.non_proposer(1, 0);
  std::uint32_t my_round = 1;
  while (vals.proposer(1, my_round) != me) ++my_round;
  Node node(vals, me);
  const Digest v = block("v");
  lock_in_round_0(node, vals, v);
  REQUIRE(node.persisted().lock_proof.size() == 3);

  node.restart();
  node.on(StartHeight{1, vals.set()});
  // Others move on to the round this validator proposes in (f+1 suffice).
  for (std::size_t i = 1; i <= 2; ++i) {
    node.on(VoteReceived{vals.prevote((me + i) % 4, 1, my_round, std::nullopt)});
  }
  REQUIRE(node.engine().round() == my_round);
  auto proposals = actions_of<BroadcastProposal>(node.last());
  REQUIRE(proposals.size() == 1);
  CHECK(proposals[0].proposal.block_hash == v);
  CHECK(proposals[0].proposal.valid_round == 0u);
  // Its gossip carries the proof, and line 28 holds for its own proposal
  // once the block is validated again.
  std::size_t proof = 0;
  for (const Message& m : node.engine().gossip()) {
    if (round_of(m) == 0 && step_of(m) == Step::kPrevote) ++proof;
  }
  CHECK(proof == 3);
  auto vote = sent_vote(node.on(BlockValidated{1, v, true}));
  REQUIRE(vote.has_value());
  CHECK(vote->round == my_round);
  CHECK(vote->block_hash == v);
}

TEST_CASE("a restarted validator can still show why it left a round", "[consensus][signing]") {
  // Round 0 ends for this validator on 2f+1 precommits, one of them from a
  // validator that sent it to this one only. After a restart it must still
  // be able to hand those precommits to peers left behind in round 0.
  Validators vals({1, 1, 1, 1});
  const std::size_t me = vals.non_proposer(1, 0);
  Node node(vals, me);
  node.on(StartHeight{1, vals.set()});
  std::vector<ledger::Vote> precommits;
  for (std::size_t i = 1; i <= 3; ++i) {
    precommits.push_back(vals.precommit((me + i) % 4, 1, 0, std::nullopt));
    node.on(VoteReceived{precommits.back()});
  }
  node.on(TimeoutFired{1, 0, Step::kPrecommit});
  REQUIRE(node.engine().round() == 1);
  node.on(TimeoutFired{1, 1, Step::kPropose});  // its first signature in round 1
  REQUIRE(node.persisted().prevote.has_value());
  CHECK(node.persisted().round_proof.size() == 3);
  CHECK(ledger::decode<SigningState>(ledger::encode(node.persisted())).ok());

  node.restart();
  node.on(StartHeight{1, vals.set()});
  CHECK(node.engine().round() == 1);
  std::vector<Message> round_0 = node.engine().round_messages(0);
  for (const ledger::Vote& v : precommits) {
    CHECK(std::count(round_0.begin(), round_0.end(), Message{v}) == 1);
  }
  // And a skip by f+1 messages of a later round is kept the same way.
  const ledger::Vote skip_a = vals.prevote((me + 1) % 4, 1, 4, std::nullopt);
  const ledger::Vote skip_b = vals.prevote((me + 2) % 4, 1, 4, std::nullopt);
  node.on(VoteReceived{skip_a});
  node.on(VoteReceived{skip_b});
  REQUIRE(node.engine().round() == 4);
  node.on(TimeoutFired{1, 4, Step::kPropose});
  CHECK(node.persisted().round_proof.size() == 2);
  node.restart();
  node.on(StartHeight{1, vals.set()});
  std::vector<Message> round_4 = node.engine().round_messages(4);
  CHECK(std::count(round_4.begin(), round_4.end(), Message{skip_a}) == 1);
  CHECK(std::count(round_4.begin(), round_4.end(), Message{skip_b}) == 1);
}

TEST_CASE("a validator restarted at every step of a height never signs conflicting messages",
          "[consensus][signing]") {
  Validators vals({1, 1, 1, 1});
  const Digest a = block("a");
  const Digest b = block("b");
  const Digest c = block("c");

  // Each validator in turn runs a height that takes two rounds: round 0 ends
  // on prevote and precommit timeouts, round 1 decides b. Round 1 is proposed
  // by proposer(1, 1), which is sometimes the validator under test.
  for (std::size_t me = 0; me < vals.size(); ++me) {
    std::vector<std::size_t> peers;
    for (std::size_t i = 0; i < vals.size(); ++i) {
      if (i != me) peers.push_back(i);
    }
    std::vector<Event> script;
    script.push_back(StartHeight{1, vals.set()});
    if (vals.proposer(1, 0) == me) {
      script.push_back(ValueReady{1, 0, a});
    } else {
      script.push_back(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, a)});
    }
    script.push_back(BlockValidated{1, a, true});
    script.push_back(VoteReceived{vals.prevote(peers[0], 1, 0, std::nullopt)});
    script.push_back(VoteReceived{vals.prevote(peers[1], 1, 0, std::nullopt)});
    script.push_back(TimeoutFired{1, 0, Step::kPropose});
    script.push_back(TimeoutFired{1, 0, Step::kPrevote});
    script.push_back(VoteReceived{vals.precommit(peers[0], 1, 0, std::nullopt)});
    script.push_back(VoteReceived{vals.precommit(peers[1], 1, 0, std::nullopt)});
    script.push_back(TimeoutFired{1, 0, Step::kPrecommit});
    if (vals.proposer(1, 1) == me) {
      script.push_back(ValueReady{1, 1, b});
    } else {
      script.push_back(ProposalReceived{vals.proposal(vals.proposer(1, 1), 1, 1, b)});
    }
    script.push_back(BlockValidated{1, b, true});
    script.push_back(VoteReceived{vals.prevote(peers[0], 1, 1, b)});
    script.push_back(VoteReceived{vals.prevote(peers[1], 1, 1, b)});
    script.push_back(VoteReceived{vals.precommit(peers[0], 1, 1, b)});
    script.push_back(VoteReceived{vals.precommit(peers[1], 1, 1, b)});

    // What a Byzantine proposer or a confused network could say afterwards:
    // other values for both rounds, and every timeout again.
    std::vector<Event> temptations;
    for (std::uint32_t r : {0u, 1u}) {
      if (vals.proposer(1, r) != me) {
        temptations.push_back(ProposalReceived{vals.proposal(vals.proposer(1, r), 1, r, c)});
      }
      temptations.push_back(ValueReady{1, r, c});
      for (std::size_t i : peers) temptations.push_back(VoteReceived{vals.prevote(i, 1, r, c)});
      for (Step s : {Step::kPropose, Step::kPrevote}) temptations.push_back(TimeoutFired{1, r, s});
    }
    temptations.push_back(BlockValidated{1, c, true});

    // Crash after every event and after every action within it.
    std::size_t runs = 0;
    for (std::size_t crash_event = 0; crash_event < script.size(); ++crash_event) {
      for (std::size_t crash_action = 0;; ++crash_action) {
        Node node(vals, me);
        for (std::size_t i = 0; i < crash_event; ++i) node.on(script[i]);
        const std::size_t actions = node.on(script[crash_event], crash_action).size();
        // Restarted (unless the crash point is past the last action).
        const bool crashed = crash_action <= actions;
        if (crashed) {
          ++runs;
          INFO("validator " << me << ", crash in event " << crash_event << " after action "
                            << crash_action);
          const std::uint64_t resume = node.persisted().height == 0 ? 1 : node.persisted().height;
          node.on(StartHeight{resume, vals.set()});
          for (const Event& e : temptations) node.on(e);
          for (std::size_t i = crash_event; i < script.size(); ++i) {
            if (!std::holds_alternative<StartHeight>(script[i])) node.on(script[i]);
          }
          check_no_conflicts(node.sent());
        }
        if (!crashed) break;
      }
    }
    CHECK(runs > script.size());
  }
}
