#include "harness.h"

#include <map>
#include <tuple>

namespace tracechain::consensus::testing {

Validators::Validators(std::vector<std::uint64_t> powers, crypto::Suite suite) {
  set_.suite = suite;
  for (std::size_t i = 0; i < powers.size(); ++i) {
    keys_.push_back(*crypto::PrivateKey::generate(suite));
    set_.validators.push_back({id(i), keys_.back().public_key().bytes(), powers[i]});
  }
  REQUIRE(powers.size() <= 10);  // ids stay sorted as "validator-0".."validator-9"
  REQUIRE(ledger::validate(set_).ok());
}

std::size_t Validators::proposer(std::uint64_t height, std::uint32_t round) const {
  return ProposerSchedule(set_).proposer_index(height, round);
}

std::size_t Validators::non_proposer(std::uint64_t height, std::uint32_t round) const {
  return (proposer(height, round) + 1) % size();
}

ledger::Vote Validators::vote(std::size_t i, ledger::VoteType type, std::uint64_t height,
                              std::uint32_t round, std::optional<Digest> value) const {
  ledger::Vote v;
  v.chain_id = kChain;
  v.type = type;
  v.height = height;
  v.round = round;
  v.block_hash = value;
  v.validator = id(i);
  ledger::sign(v, keys_[i]);
  return v;
}

ledger::Proposal Validators::proposal(std::size_t i, std::uint64_t height, std::uint32_t round,
                                      const Digest& value,
                                      std::optional<std::uint32_t> valid_round) const {
  ledger::Proposal p;
  p.chain_id = kChain;
  p.height = height;
  p.round = round;
  p.block_hash = value;
  p.valid_round = valid_round;
  p.proposer = id(i);
  ledger::sign(p, keys_[i]);
  return p;
}

const std::vector<Action>& Node::on(const Event& event, std::size_t crash_after) {
  last_ = engine_.on(event);
  for (std::size_t i = 0; i < last_.size(); ++i) {
    if (i == crash_after) {
      restart();
      return last_;
    }
    const Action& action = last_[i];
    if (const auto* persist = std::get_if<PersistSigningState>(&action)) {
      REQUIRE(validate(persist->state).ok());
      persisted_ = persist->state;
      continue;
    }
    std::optional<Message> message;
    if (const auto* p = std::get_if<BroadcastProposal>(&action)) message = p->proposal;
    if (const auto* v = std::get_if<BroadcastVote>(&action)) message = v->vote;
    if (!message) continue;
    // Whatever leaves must already be in the persisted state, exactly.
    std::optional<Message> stored = signed_of_type(persisted_, step_of(*message));
    INFO("broadcast of a message that was not persisted first");
    REQUIRE(stored.has_value());
    REQUIRE(*stored == *message);
    sent_.push_back(*message);
  }
  if (crash_after == last_.size()) restart();
  return last_;
}

void lock_in_round_0(Node& node, const Validators& vals, const Digest& value) {
  const std::size_t me = node.index();
  REQUIRE(vals.size() == 4);
  REQUIRE(me != vals.proposer(1, 0));
  node.on(StartHeight{1, vals.set()});
  node.on(ProposalReceived{vals.proposal(vals.proposer(1, 0), 1, 0, value)});
  node.on(BlockValidated{1, value, true});
  node.on(VoteReceived{vals.prevote((me + 1) % 4, 1, 0, value)});
  node.on(VoteReceived{vals.prevote((me + 2) % 4, 1, 0, value)});
  REQUIRE(node.engine().locked_value() == value);
  REQUIRE(node.engine().locked_round() == 0u);
}

std::optional<ledger::Vote> sent_vote(const std::vector<Action>& actions) {
  auto votes = actions_of<BroadcastVote>(actions);
  REQUIRE(votes.size() <= 1);
  if (votes.empty()) return std::nullopt;
  return votes.front().vote;
}

std::optional<ScheduleTimeout> scheduled(const std::vector<Action>& actions) {
  auto timeouts = actions_of<ScheduleTimeout>(actions);
  REQUIRE(timeouts.size() <= 1);
  if (timeouts.empty()) return std::nullopt;
  return timeouts.front();
}

void check_no_conflicts(const std::vector<Message>& messages) {
  std::map<std::tuple<std::uint64_t, std::uint32_t, Step>, Message> first;
  for (const Message& m : messages) {
    auto key = std::tuple(height_of(m), round_of(m), step_of(m));
    auto [it, inserted] = first.emplace(key, m);
    if (!inserted) {
      INFO("conflicting messages at height " << height_of(m) << " round " << round_of(m)
                                             << " step " << step_name(step_of(m)));
      REQUIRE(it->second == m);
    }
  }
}

}  // namespace tracechain::consensus::testing
