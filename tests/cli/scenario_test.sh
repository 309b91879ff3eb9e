#!/usr/bin/env bash
# The README's run scenario on a live node: every step succeeds, the trails
# end where the story says, every receipt of them verifies, and the saved
# receipt verifies offline; then a copy of it with one byte changed fails.
# Usage: scenario_test.sh BUILD_DIR PORT
set -euo pipefail
export TRACECHAIN_BIN=$1 TRACECHAIN_SCENARIO_PORT=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/tracechain-scenario.XXXXXX")
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$(dirname "$0")/../../scripts/scenario.sh" "$work/run" 2>&1) || { echo "$out"; fail "scenario"; }
echo "$out" | tail -40
grep -q 'trade trade-1: provider-acme → buyer-bank, asset weather-2026, state settled' <<<"$out" ||
  fail "trade-1 did not settle"
grep -q 'trade trade-2: provider-acme → buyer-coop, asset weather-2026, state rejected' <<<"$out" ||
  fail "trade-2 was not refused at review"
[[ $(grep -c '  ok  *✓$' <<<"$out") -eq 10 ]] || fail "not every trail step verified"
grep -q '^VERIFIED: transaction' <<<"$out" || fail "the saved receipt did not verify"
grep -Eq ': cosigned height [0-9]+, log size [0-9]+' <<<"$out" || fail "the witness cosigned nothing"
grep -Eq '^[1-9][0-9]* proven in a checkpoint on chain, [0-9]+ recorded after it \(not yet committed\), 0 failed$' \
  <<<"$out" || fail "no read-log entry was proven against the node's checkpoint on chain"
grep -q '^✓ checkpoint on chain: access.checkpoint of' <<<"$out" || fail "the read log's checkpoint did not verify"
grep -q '^the saved read-log answer verifies offline too' <<<"$out" || fail "verify-reads failed"
grep -q '^✓ witnesses: 1 of the 1 witnesses given cosigned a checkpoint holding the transaction' \
  <<<"$out" || fail "the saved receipt was not verified with the witness required"
[[ $(grep -Ec '^✓ complete at height [0-9]+: [0-9]+ transactions, none missing' <<<"$out") -eq 3 ]] ||
  fail "the two trails and the provider's trades are not each proven complete"
grep -Eq '^admit-buyer-coop +admit-participant +buyer-coop +exchange +exchange +height [0-9]+ +applied' \
  <<<"$out" || fail "governance list does not show the applied proposal"
grep -Eq '^weather-2026 +provider-acme +L2 +approve' <<<"$out" || fail "asset list lacks the asset"
grep -Eq '^trade-1 +weather-2026 +provider-acme +buyer-bank +settled' <<<"$out" ||
  fail "trade list --state settled lacks trade-1"
grep -Eq '^state +rejected' <<<"$out" || fail "trade show does not give trade-2's state"
grep -Eq '^jurisdiction +cn' <<<"$out" || fail "participant show does not give buyer-coop's record"

# The 41st digit of the receipt's first long hex field changed (0 -> 1, any
# other -> 0): verification fails (exit 1).
receipt=$work/run/receipt.json
genesis=$work/run/home/config/genesis.json
sed -E '0,/"hex": "[0-9a-f]{41}/{
  s/("hex": "[0-9a-f]{40})0/\1X/
  s/("hex": "[0-9a-f]{40})[1-9a-f]/\10/
  s/("hex": "[0-9a-f]{40})X/\11/
}' "$receipt" >"$work/tampered.json"
cmp -s "$receipt" "$work/tampered.json" && fail "the tamper step changed nothing"
set +e
"$TRACECHAIN_BIN/cli/tracectl" verify "$work/tampered.json" --genesis "$genesis" >"$work/verify.out" 2>&1
status=$?
set -e
cat "$work/verify.out"
[[ $status -eq 1 ]] || fail "a tampered receipt exited $status, not 1"
grep -q '✗' "$work/verify.out" || fail "the failed check is not named"
echo "scenario test passed"
