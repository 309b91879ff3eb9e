// proposer(h, round): weighted round-robin, fair in proportion to power and
// the same on every node.
#include <catch2/catch.hpp>

#include <map>

#include "consensus/proposer.h"

using namespace tracechain;
using tracechain::consensus::ProposerSchedule;

namespace {

ledger::ValidatorSet set_with_powers(const std::vector<std::uint64_t>& powers) {
  // The schedule reads ids and powers only; keys need not be real here.
  ledger::ValidatorSet set;
  for (std::size_t i = 0; i < powers.size(); ++i) {
    set.validators.push_back({"validator-" + std::string(1, static_cast<char>('a' + i)),
                              Bytes{}, powers[i]});
  }
  return set;
}

// How often each validator proposes over `slots` consecutive (h, round) slots.
std::vector<std::uint64_t> counts(const ProposerSchedule& schedule, std::size_t validators,
                                  std::uint64_t first_height, std::uint64_t slots,
                                  bool by_round) {
  std::vector<std::uint64_t> seen(validators, 0);
  for (std::uint64_t i = 0; i < slots; ++i) {
    std::size_t index = by_round ? schedule.proposer_index(first_height, static_cast<std::uint32_t>(i))
                                 : schedule.proposer_index(first_height + i, 0);
    ++seen.at(index);
  }
  return seen;
}

}  // namespace

TEST_CASE("equal powers take turns", "[consensus][proposer]") {
  ProposerSchedule schedule(set_with_powers({1, 1, 1, 1}));
  CHECK(schedule.total_power() == 4);
  for (std::uint64_t h : {1u, 2u, 99u}) {
    CHECK(counts(schedule, 4, h, 4, true) == std::vector<std::uint64_t>{1, 1, 1, 1});
    CHECK(counts(schedule, 4, h, 4, false) == std::vector<std::uint64_t>{1, 1, 1, 1});
  }
  // Round r of height h is the slot h + r.
  CHECK(schedule.proposer_index(5, 2) == schedule.proposer_index(7, 0));
}

TEST_CASE("every validator proposes in proportion to its power", "[consensus][proposer]") {
  const std::vector<std::vector<std::uint64_t>> cases = {
      {10, 1, 1, 1}, {3, 1, 1, 1}, {5, 7, 11}, {1, 2, 3, 4, 5, 6, 7}, {100, 1}, {1}};
  for (const auto& powers : cases) {
    ProposerSchedule schedule(set_with_powers(powers));
    const std::uint64_t total = schedule.total_power();
    for (bool by_round : {true, false}) {
      // Exactly `power` turns in any window of `total` consecutive slots...
      for (std::uint64_t start : {0u, 1u, 17u, 1000u}) {
        CHECK(counts(schedule, powers.size(), start, total, by_round) == powers);
      }
      // ...hence proportional over long runs.
      auto many = counts(schedule, powers.size(), 3, total * 50, by_round);
      for (std::size_t i = 0; i < powers.size(); ++i) CHECK(many[i] == powers[i] * 50);
    }
  }
}

TEST_CASE("a heavy validator's turns are spread out, not bunched", "[consensus][proposer]") {
  ProposerSchedule schedule(set_with_powers({10, 1, 1, 1}));
  // The three light validators never propose back to back, and the heavy one
  // never has more than four turns in a row in a cycle of 13.
  std::size_t run = 0;
  std::size_t longest = 0;
  for (std::uint64_t h = 0; h < 26; ++h) {
    const std::size_t now = schedule.proposer_index(h, 0);
    const std::size_t next = schedule.proposer_index(h + 1, 0);
    if (now != 0) CHECK(next == 0);
    run = now == 0 ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  CHECK(longest <= 4);
}

TEST_CASE("the schedule depends on the set only", "[consensus][proposer]") {
  auto set = set_with_powers({4, 2, 9, 1, 1});
  ProposerSchedule a(set);
  ProposerSchedule b(set_with_powers({4, 2, 9, 1, 1}));
  for (std::uint64_t h = 0; h < 200; ++h) {
    for (std::uint32_t r = 0; r < 5; ++r) REQUIRE(a.proposer_index(h, r) == b.proposer_index(h, r));
  }
  // Huge powers and heights neither overflow nor lose fairness.
  ProposerSchedule huge(set_with_powers({std::uint64_t{1} << 59, (std::uint64_t{1} << 59) - 1}));
  std::map<std::size_t, int> seen;
  for (std::uint64_t h = 0; h < 64; ++h) {
    ++seen[huge.proposer_index(std::numeric_limits<std::uint64_t>::max() - h, 0xffffffffu)];
  }
  CHECK(seen.size() == 2);
  CHECK(seen[0] > 16);
  CHECK(seen[1] > 16);
}
