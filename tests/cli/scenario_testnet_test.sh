#!/usr/bin/env bash
# The README's run scenario on a 4-validator testnet (scripts/
# scenario-testnet.sh): every step succeeds, the trades end where the story
# says, the refused approval is on trade-2's trail, validator-3 caught up
# after its crash, every receipt verifies, the backup re-executes, and the
# HTML report is written with every receipt verified, and the web console is
# served and its address printed.
# Usage: scenario_testnet_test.sh BUILD_DIR BASE_PORT
set -euo pipefail
export TRACECHAIN_BIN=$1 TRACECHAIN_SCENARIO_PORT=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/tracechain-scenario-testnet.XXXXXX")
cleanup() {
  "$(dirname "$0")/../../deploy/testnet.sh" stop "$work/run/testnet" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

out=$("$(dirname "$0")/../../scripts/scenario-testnet.sh" --stop "$work/run" 2>&1) ||
  { echo "$out"; fail "scenario"; }
echo "$out" | tail -30
for expected in 'trade trade-1: provider-acme → buyer-bank, asset weather-2026, state settled' \
                'trade trade-2: provider-acme → buyer-coop, asset weather-2026, state rejected' \
                'trade trade-3: provider-acme → buyer-bank, asset weather-2026, state settled'; do
  grep -q "$expected" <<<"$out" || fail "missing: $expected"
done
grep -Eq 'reviewer-2 +trade.review +failed \(attestation-invalid\) +✓' <<<"$out" ||
  fail "the refused approval is not on trade-2's trail"
grep -Eq '^status +failed \(attestation-invalid\): attestation [0-9a-f]{64} was revoked at height [0-9]+' \
  <<<"$out" || fail "the refusal does not say the attestation was revoked"
grep -Eq 'arbitrator-1 +trade.resolve-dispute +ok +✓' <<<"$out" || fail "trade-3 was not resolved"
grep -q '^node3 killed' <<<"$out" || fail "validator-3 was not killed"
caught_up=$(grep -E '^validator-3 is at height [0-9]+; validator-0 at [0-9]+' <<<"$out") ||
  fail "validator-3 did not catch up"
echo "$caught_up"
[[ $(grep -c '✗' <<<"$out") -eq 0 ]] || fail "a receipt failed verification"
grep -q '^VERIFIED: transaction' <<<"$out" || fail "the saved receipt did not verify"
grep -Eq ': cosigned height [0-9]+, log size [0-9]+' <<<"$out" || fail "the witness cosigned nothing"
grep -Eq '^[1-9][0-9]* proven in a checkpoint on chain, [0-9]+ recorded after it \(not yet committed\), 0 failed$' \
  <<<"$out" || fail "no read-log entry was proven against the node's checkpoint on chain"
grep -q '^✓ checkpoint on chain: access.checkpoint of' <<<"$out" || fail "the read log's checkpoint did not verify"
grep -q '^✓ witnesses: 1 of the 1 witnesses given cosigned a checkpoint holding the transaction' \
  <<<"$out" || fail "the saved receipt was not verified with the witness required"
[[ $(grep -Ec '^✓ complete at height [0-9]+: [0-9]+ transactions, none missing, none added, in order' \
  <<<"$out") -eq 4 ]] || fail "the three trails and buyer-bank's trades are not each proven complete"
grep -q "^VERIFIED: 't/trade-1' held this value at height" <<<"$out" ||
  fail "trade-1's state proof did not verify"
grep -Eq '^[0-9]+ +trade-3 ' <<<"$out" || fail "buyer-bank's trades do not list trade-3"
grep -Eq '^VERIFIED [0-9]+ blocks' <<<"$out" || fail "audit verify over the backup failed"
grep -Eq 'weather-2026-report.html: 3 trades, [0-9]+ transactions, ([0-9]+) verified, 0 failed' \
  <<<"$out" || fail "the HTML report is not complete"
grep -q '✓ verified' "$work/run/weather-2026-report.html" || fail "the HTML report marks nothing verified"
grep -Eq '^console +http://127\.0\.0\.1:[0-9]+/console/ \(sign in with .*/keys/auditor-1\.pem' <<<"$out" ||
  fail "the web console's address is not printed"
echo "testnet scenario test passed"
