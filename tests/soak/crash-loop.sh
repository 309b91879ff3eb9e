#!/usr/bin/env bash
# Runs the storage kill -9 crash test for N kill cycles (default 2000), far
# more than the test suite's 200: a child process commits blocks to a real
# RocksDB store and is SIGKILLed at random moments; after each kill the store
# is reopened and checked (every committed block whole, nothing half-written,
# indexes and Merkle log agreeing with the blocks). See
# tests/storage/crash_test.cc and docs/storage.md.
#
#   tests/soak/crash-loop.sh [N]
#
# Environment: TRACECHAIN_BUILD_DIR (default build) names the build directory;
# TRACECHAIN_CRASH_SEED replays a failing run's seed. Prints progress every 50
# cycles and a summary; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

cycles=${1:-2000}
if ! [[ $cycles =~ ^[1-9][0-9]*$ ]]; then
  echo "crash-loop: N must be a positive number of kill cycles, got '$cycles'" >&2
  exit 2
fi
build_dir=${TRACECHAIN_BUILD_DIR:-build}
binary=$build_dir/tests/storage/storage_tests
if [[ ! -x $binary ]]; then
  echo "crash-loop: $binary not found; build first (TRACECHAIN_BUILD_DIR=$build_dir scripts/build.sh)" >&2
  exit 2
fi

echo "crash-loop: $cycles kill cycles with $binary"
started=$(date +%s)
status=0
TRACECHAIN_CRASH_CYCLES=$cycles TRACECHAIN_CRASH_PROGRESS=1 \
  "$binary" "[crash]" --reporter compact || status=$?
elapsed=$(( $(date +%s) - started ))
if [[ $status -eq 0 ]]; then
  echo "crash-loop: PASSED, $cycles kill cycles in ${elapsed}s"
else
  echo "crash-loop: FAILED after ${elapsed}s (exit status $status); the seed above replays the run" >&2
fi
exit $status
