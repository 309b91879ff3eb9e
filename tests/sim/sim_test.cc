// The simulator under CTest: a fixed set of seeds per fault mix (each mix its
// own case, so ctest -j runs them side by side), replay determinism, and
// proof that the checker sees violations when the fault model is exceeded.
// Longer sessions: tests/sim/soak.sh.
#include <catch2/catch.hpp>

#include <vector>

#include "simulator.h"

using namespace tracechain::sim;

namespace {

// Runs seeds 0..count-1 of `name`; every violation fails the case with the
// seed, the faults it drew and the command that replays it.
void check_seeds(const std::string& name, std::uint64_t count) {
  const std::optional<FaultMix> mix = find_mix(name);
  REQUIRE(mix.has_value());
  std::uint64_t violations = 0;
  for (std::uint64_t seed = 0; seed < count; ++seed) {
    const RunResult result = run(*mix, seed);
    if (result.violation) {
      ++violations;
      FAIL_CHECK(result.describe());
    }
  }
  CHECK(violations == 0);
}

}  // namespace

TEST_CASE("sim single: one validator that crashes and restarts", "[sim]") {
  check_seeds("single", 400);
}

TEST_CASE("sim lossy-n4: loss up to 30%, duplication, delays and reordering", "[sim]") {
  check_seeds("lossy-n4", 300);
}

TEST_CASE("sim partition-n4: partitions that heal", "[sim]") { check_seeds("partition-n4", 300); }

TEST_CASE("sim crash-n4: crashes and restarts, also in the middle of a step", "[sim]") {
  check_seeds("crash-n4", 300);
}

TEST_CASE("sim byzantine-n4: one Byzantine validator of four", "[sim]") {
  check_seeds("byzantine-n4", 300);
}

TEST_CASE("sim change-n4: the validator set changes at a height", "[sim]") {
  check_seeds("change-n4", 200);
}

TEST_CASE("sim byzantine-n7: two Byzantine validators of seven", "[sim]") {
  check_seeds("byzantine-n7", 100);
}

TEST_CASE("sim chaos-n7: every fault at once", "[sim]") { check_seeds("chaos-n7", 150); }

TEST_CASE("sim sm2-n4: the sm2-sm3 suite", "[sim]") { check_seeds("sm2-n4", 10); }

TEST_CASE("sim replay: a seed replays exactly", "[sim]") {
  for (const FaultMix& mix : standard_mixes()) {
    std::vector<std::uint64_t> hashes;
    for (std::uint64_t seed : {7u, 8u}) {
      const RunResult first = run(mix, seed);
      const RunResult second = run(mix, seed);
      INFO(first.describe());
      CHECK(first.trace_hash == second.trace_hash);
      CHECK(first.events == second.events);
      CHECK(first.describe() == second.describe());
      hashes.push_back(first.trace_hash);
    }
    // And the trace hash does tell runs apart.
    CHECK(hashes[0] != hashes[1]);
  }
  const RunResult fork = run(fork_mix(4), 3);
  CHECK(fork.trace_hash == run(fork_mix(4), 3).trace_hash);
}

TEST_CASE("sim fork-n4, fork-n7: with f+1 Byzantine validators the checker finds a fork",
          "[sim]") {
  for (std::size_t n : {4u, 7u}) {
    const FaultMix mix = fork_mix(n);
    std::uint64_t forks = 0;
    for (std::uint64_t seed = 0; seed < 10; ++seed) {
      const RunResult result = run(mix, seed);
      if (result.violation && result.violation->kind == "agreement") {
        ++forks;
        // What a failing run prints: the seed, the faults, the replay command.
        CHECK_THAT(result.describe(), Catch::Contains("seed " + std::to_string(seed)) &&
                                          Catch::Contains("fork-coalition") &&
                                          Catch::Contains("--mix " + mix.name));
      }
    }
    INFO(mix.name);
    CHECK(forks >= 1);
  }
}

TEST_CASE("sim amnesia-n4: a validator restarted without its signing state is caught "
          "double-signing",
          "[sim]") {
  // The same crashes as crash-n4, but the restarted validator has lost what
  // it signed: the engine can no longer protect it, and the checker must see it.
  const FaultMix mix = amnesia_mix();
  std::uint64_t double_signs = 0;
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    const RunResult result = run(mix, seed);
    if (result.violation && result.violation->kind == "double-sign") ++double_signs;
  }
  CHECK(double_signs >= 1);
}
