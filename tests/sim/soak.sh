#!/usr/bin/env bash
# Runs N simulator seeds for a longer session than the test suite does, with
# the tracechain-sim binary already built (it builds nothing itself).
#
#   tests/sim/soak.sh N [FIRST_SEED] [MIX]
#
# Seeds FIRST_SEED .. FIRST_SEED+N-1 (default first seed 1000000, away from
# the seeds the test suite checks); seed s runs standard mix number s mod the
# number of mixes: MIX is all (both simulators, the default), engines (bare
# engines), replicas (real replicas), or one mix by name. Prints progress and a summary of seeds run and
# violations found; every violation is printed with the command that replays
# it. Exits non-zero on any violation. The binary is looked up in
# $TRACECHAIN_BUILD_DIR (default build/) under the repository.
set -euo pipefail
if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ ]]; then
  echo "usage: tests/sim/soak.sh N [FIRST_SEED] [MIX]" >&2
  exit 2
fi
seeds=$1
first=${2:-1000000}
mix=${3:-all}
root=$(cd "$(dirname "$0")/../.." && pwd)
build_dir=${TRACECHAIN_BUILD_DIR:-build}
[[ $build_dir = /* ]] || build_dir="$root/$build_dir"
binary="$build_dir/tests/sim/tracechain-sim"
if [[ ! -x $binary ]]; then
  echo "soak: $binary is missing; build first (scripts/build.sh)" >&2
  exit 2
fi
exec "$binary" --mix "$mix" --first-seed "$first" --seeds "$seeds"
