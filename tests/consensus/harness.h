// Scripted drivers for engine tests: a validator set with its keys, signed
// messages from any member, and a Node that feeds events to one engine,
// executes its actions the way a driver must (persist before broadcast, in
// order) and checks that order after every event.
#pragma once

#include <catch2/catch.hpp>

#include <optional>
#include <string>
#include <vector>

#include "consensus/engine.h"

namespace tracechain::consensus::testing {

inline const std::string kChain = "tracechain-test";

inline Digest block(std::string_view name) {
  return crypto::hash(crypto::HashAlgorithm::kSha256, as_bytes(name));
}

// Small timeouts with distinct values so tests can tell them apart.
inline Timeouts test_timeouts() {
  Timeouts t;
  t.propose_ms = 300;
  t.propose_delta_ms = 30;
  t.prevote_ms = 200;
  t.prevote_delta_ms = 20;
  t.precommit_ms = 100;
  t.precommit_delta_ms = 10;
  return t;
}

class Validators {
 public:
  explicit Validators(std::vector<std::uint64_t> powers,
                      crypto::Suite suite = crypto::Suite::kEd25519Sha256);

  std::size_t size() const { return keys_.size(); }
  const ledger::ValidatorSet& set() const { return set_; }
  const crypto::PrivateKey& key(std::size_t i) const { return keys_[i]; }
  static std::string id(std::size_t i) { return "validator-" + std::to_string(i); }
  Config config(std::size_t i) const { return Config{kChain, id(i), test_timeouts()}; }

  // proposer(height, round) as an index.
  std::size_t proposer(std::uint64_t height, std::uint32_t round) const;
  // Some validator other than proposer(height, round).
  std::size_t non_proposer(std::uint64_t height, std::uint32_t round) const;

  ledger::Vote vote(std::size_t i, ledger::VoteType type, std::uint64_t height,
                    std::uint32_t round, std::optional<Digest> value) const;
  ledger::Vote prevote(std::size_t i, std::uint64_t h, std::uint32_t r,
                       std::optional<Digest> value) const {
    return vote(i, ledger::VoteType::kPrevote, h, r, value);
  }
  ledger::Vote precommit(std::size_t i, std::uint64_t h, std::uint32_t r,
                         std::optional<Digest> value) const {
    return vote(i, ledger::VoteType::kPrecommit, h, r, value);
  }
  ledger::Proposal proposal(std::size_t i, std::uint64_t height, std::uint32_t round,
                            const Digest& value,
                            std::optional<std::uint32_t> valid_round = std::nullopt) const;

 private:
  std::vector<crypto::PrivateKey> keys_;
  ledger::ValidatorSet set_;
};

// One engine and the store its persist actions go to.
class Node {
 public:
  Node(const Validators& validators, std::size_t index)
      : validators_(validators), index_(index), engine_(make_engine()) {}

  Engine& engine() { return engine_; }
  const Engine& engine() const { return engine_; }
  std::size_t index() const { return index_; }
  const SigningState& persisted() const { return persisted_; }
  // Every message this node has broadcast, across restarts.
  const std::vector<Message>& sent() const { return sent_; }

  // Feeds one event and executes the actions in order; returns them. With
  // `crash_after`, only the first crash_after actions are executed and the
  // node then crashes and restarts (restart()).
  const std::vector<Action>& on(const Event& event,
                                std::size_t crash_after = static_cast<std::size_t>(-1));
  const std::vector<Action>& last() const { return last_; }

  // Crash and restart: a new engine from what was persisted, nothing else.
  void restart() { engine_ = make_engine(); }

 private:
  Engine make_engine() const {
    return Engine(validators_.config(index_), validators_.key(index_), persisted_);
  }

  const Validators& validators_;
  std::size_t index_;
  SigningState persisted_;
  Engine engine_;
  std::vector<Action> last_;
  std::vector<Message> sent_;
};

// Brings `node`, a non-proposer of round 0 at height 1 among four validators
// of power 1, to a lock on `value` in round 0: the proposal, its validation,
// and prevotes from two other validators make 2f+1 with its own.
void lock_in_round_0(Node& node, const Validators& vals, const Digest& value);

// ------------------------------------------------------------ action queries

template <typename T>
std::vector<T> actions_of(const std::vector<Action>& actions) {
  std::vector<T> found;
  for (const Action& a : actions) {
    if (const T* t = std::get_if<T>(&a)) found.push_back(*t);
  }
  return found;
}

template <typename T>
bool has_action(const std::vector<Action>& actions) {
  return !actions_of<T>(actions).empty();
}

// The single vote broadcast in `actions` (fails the test if there are several).
std::optional<ledger::Vote> sent_vote(const std::vector<Action>& actions);
std::optional<ScheduleTimeout> scheduled(const std::vector<Action>& actions);

// Checks that no two messages in `messages` share (height, round, step)
// with different content.
void check_no_conflicts(const std::vector<Message>& messages);

}  // namespace tracechain::consensus::testing
