// tracechain-sim: runs simulator seeds outside the test suite, for soak
// sessions and to replay a failing seed with a trace.
//
//   tracechain-sim --mix chaos-n7 --seed 1234 --trace   replay one seed, event by event
//   tracechain-sim --first-seed 1000000 --seeds 50000   seed s runs mix (s mod the mixes)
//   tracechain-sim --mix replicas --seeds 2000          only the real-replica mixes
//   tracechain-sim --mix engines --seeds 2000           only the bare-engine mixes
//   tracechain-sim --mix fork-n4 --seeds 100            f+1 Byzantine: forks are expected
//   tracechain-sim --mix amnesia-n4 --seeds 100         lost signing state: double signing expected
//   tracechain-sim --mix lossy-n4 --seeds 100 --verbose  one line per seed
//
// Prints progress and a summary on stderr and every violation with its
// replay line on stdout. Exit status: 0 when no mix that tolerates its
// faults saw a violation, 1 otherwise, 2 on bad usage.
#include <charconv>
#include <cstdio>
#include <iostream>
#include <functional>
#include <map>
#include <string>

#include "replica_sim.h"
#include "simulator.h"

using namespace tracechain::sim;

namespace {

// A mix of either simulator, run by seed.
struct Runner {
  std::string name;
  bool expects_violation = false;
  std::function<RunResult(std::uint64_t seed, std::ostream* trace)> run;
};

Runner engine_runner(FaultMix mix) {
  std::string name = mix.name;
  bool expected = mix.expects_violation;
  return {name, expected, [mix = std::move(mix)](std::uint64_t seed, std::ostream* trace) {
            return run(mix, seed, trace);
          }};
}

Runner replica_runner(ReplicaMix mix) {
  std::string name = mix.name;
  bool expected = mix.expects_violation;
  return {name, expected, [mix = std::move(mix)](std::uint64_t seed, std::ostream* trace) {
            return run_replicas(mix, seed, trace);
          }};
}

int usage(const char* message) {
  std::cerr << "tracechain-sim: " << message << "\n"
            << "usage: tracechain-sim [--mix NAME|all] [--seed S | --first-seed S --seeds N] "
               "[--trace] [--verbose]\n"
            << "mixes:";
  for (const FaultMix& m : standard_mixes()) std::cerr << " " << m.name;
  std::cerr << " fork-n4 fork-n7 amnesia-n4";
  for (const ReplicaMix& m : standard_replica_mixes()) std::cerr << " " << m.name;
  std::cerr << " " << forgetful_replica_mix().name;
  std::cerr << "\n  (or all, engines, replicas)\n";
  return 2;
}

bool parse_number(const char* text, std::uint64_t& out) {
  const char* end = text + std::char_traits<char>::length(text);
  auto [ptr, ec] = std::from_chars(text, end, out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mix_name = "all";
  std::uint64_t first_seed = 0;
  std::uint64_t seeds = 1;
  bool trace = false;
  bool verbose = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--mix" && has_value) {
      mix_name = argv[++i];
    } else if ((arg == "--seed" || arg == "--first-seed") && has_value) {
      if (!parse_number(argv[++i], first_seed)) return usage("a seed is a number");
    } else if (arg == "--seeds" && has_value) {
      if (!parse_number(argv[++i], seeds) || seeds == 0) return usage("--seeds takes a count");
    } else if (arg == "--trace") {
      trace = true;
    } else if (arg == "--verbose") {
      verbose = true;
    } else {
      return usage(("unknown argument " + arg).c_str());
    }
  }
  std::vector<Runner> mixes;
  if (mix_name == "all" || mix_name == "engines") {
    for (FaultMix& m : standard_mixes()) mixes.push_back(engine_runner(std::move(m)));
  }
  if (mix_name == "all" || mix_name == "replicas") {
    for (ReplicaMix& m : standard_replica_mixes()) mixes.push_back(replica_runner(std::move(m)));
  }
  if (mixes.empty()) {
    if (auto mix = find_mix(mix_name)) {
      mixes.push_back(engine_runner(*mix));
    } else if (auto replica_mix = find_replica_mix(mix_name)) {
      mixes.push_back(replica_runner(*replica_mix));
    } else {
      return usage(("unknown mix " + mix_name).c_str());
    }
  }
  if (trace && seeds != 1) return usage("--trace replays one seed");

  std::map<std::string, std::uint64_t> runs;
  std::map<std::string, bool> expected_by_mix;
  std::map<std::string, std::uint64_t> violations;
  std::uint64_t unexpected = 0;
  const std::uint64_t progress_every = std::max<std::uint64_t>(1, seeds / 20);
  for (std::uint64_t i = 0; i < seeds; ++i) {
    const std::uint64_t seed = first_seed + i;
    const Runner& mix = mixes[seed % mixes.size()];
    RunResult result = mix.run(seed, trace ? &std::cout : nullptr);
    ++runs[mix.name];
    expected_by_mix[mix.name] = mix.expects_violation;
    if (result.violation) {
      ++violations[mix.name];
      if (!mix.expects_violation) ++unexpected;
      std::cout << (mix.expects_violation ? "expected " : "VIOLATION ") << result.describe()
                << "\n";
    } else if (trace || verbose) {
      std::cout << result.describe() << "\n";
    }
    if ((i + 1) % progress_every == 0 || i + 1 == seeds) {
      std::cerr << "progress: " << (i + 1) << "/" << seeds << " seeds, " << unexpected
                << " violations\n";
    }
  }
  std::cerr << "summary: " << seeds << " seeds run (" << first_seed << ".."
            << first_seed + seeds - 1 << ")\n";
  for (const auto& [name, count] : runs) {
    const bool expected = expected_by_mix[name];
    std::cerr << "  " << name << ": " << count << " seeds, " << violations[name]
              << (expected ? " violations found (outside the fault model: expected)\n" : " violations\n");
  }
  std::cerr << "violations: " << unexpected << "\n";
  return unexpected == 0 ? 0 : 1;
}
