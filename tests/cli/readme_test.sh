#!/usr/bin/env bash
# README.md's five-minute tour, run as written against the testnet that
# ./run's scenario leaves running (here in a temporary directory and on this
# test's ports): every command succeeds and says what the README says.
# Usage: readme_test.sh BUILD_DIR BASE_PORT
set -euo pipefail
BIN=$1 BASE=$2
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/tracechain-readme.XXXXXX")
cleanup() {
  "$repo/deploy/testnet.sh" stop "$work/run/testnet" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

TRACECHAIN_BIN=$BIN TRACECHAIN_SCENARIO_PORT=$BASE "$repo/scripts/scenario-testnet.sh" "$work/run" \
  >"$work/scenario.out" 2>&1 || { cat "$work/scenario.out"; fail "the scenario"; }

# The block between the tour markers, its paths and port moved to this run's.
awk '/<!-- tour:begin -->/ { on = 1; next } /<!-- tour:end -->/ { on = 0 } on && !/^```/' \
  "$repo/README.md" >"$work/tour.sh"
[[ $(grep -c tracectl "$work/tour.sh") -ge 8 ]] || fail "the tour block was not found in README.md"
sed -i -e "s|build/scenario-testnet|$work/run|g" -e "s|http://127.0.0.1:26801|http://127.0.0.1:$((BASE + 1))|" \
  -e "s|build/cli/tracectl|$BIN/cli/tracectl|" "$work/tour.sh"
(cd "$repo" && bash -euo pipefail "$work/tour.sh") >"$work/tour.out" 2>&1 ||
  { cat "$work/tour.out"; fail "the tour"; }
cat "$work/tour.out"
for expected in '^chain +tracechain-demo' '^L1 +yes' 'trade-3 +weather-2026' \
                'trade trade-3: provider-acme → buyer-bank' '^jurisdiction +cn' \
                'event +trade.requested tour-1' 'event +trade.agreed tour-1' 'tour-1 +weather-2026 +provider-acme +buyer-bank +agreed' \
                '"chainId":"tracechain-demo"'; do
  grep -Eq "$expected" "$work/tour.out" || fail "the tour's output lacks /$expected/"
done
echo "readme test passed"
