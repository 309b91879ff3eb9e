#!/usr/bin/env bash
# The sanitizer pass of CI: builds the whole tree with clang 14,
# AddressSanitizer, UndefinedBehaviorSanitizer and libFuzzer's coverage
# (-DTRACECHAIN_FUZZ=ON, in build-sanitize/), runs every test but the
# end-to-end ones under the sanitizers, then runs each fuzz target for
# FUZZ_SECONDS (30 by default) from a copy of its checked-in corpus. Any
# sanitizer report, test failure or fuzz finding fails it; a finding's input
# is kept in build-sanitize/fuzz-work/<target>/findings/ (scripts/fuzz.sh).
# docs/testing.md explains.
#
#   scripts/sanitize.sh            build, test, fuzz
#   FUZZ_SECONDS=1800 FUZZ_SEED=0 scripts/sanitize.sh   the long fuzzing campaign
#
# FUZZ_SEED (1 by default) is libFuzzer's -seed, so that CI's short runs
# repeat the same search from the same corpus; 0 draws a new seed each run.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
build_dir=${TRACECHAIN_SANITIZE_BUILD_DIR:-build-sanitize}
fuzz_seconds=${FUZZ_SECONDS:-30}
fuzz_seed=${FUZZ_SEED:-1}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}  # as build.sh

started=$SECONDS
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRACECHAIN_FUZZ=ON -DTRACECHAIN_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" -j "$(nproc)"
echo "sanitizer build: $((SECONDS - started)) s"

export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/fuzz/ubsan.supp"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1"  # scripts/fuzz.sh uses the same
vectors=${TRACECHAIN_VECTORS:-$(pwd)/../shared/vectors}
[[ -d $vectors ]] && export TRACECHAIN_VECTORS=$vectors

started=$SECONDS
(cd "$build_dir" && ctest --output-on-failure --timeout 1200 -j "$(nproc)" -E '^e2e: ')
echo "tests under the sanitizers: $((SECONDS - started)) s"

started=$SECONDS
fuzz_ok=1
FUZZ_SEED=$fuzz_seed TRACECHAIN_SANITIZE_BUILD_DIR=$build_dir scripts/fuzz.sh "$fuzz_seconds" || fuzz_ok=0
echo "fuzzing: $((SECONDS - started)) s"
[[ $fuzz_ok -eq 1 ]] || { echo "sanitizer pass: a fuzz target found something" >&2; exit 1; }
echo "sanitizer pass: ok"
