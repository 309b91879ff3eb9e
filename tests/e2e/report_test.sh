#!/usr/bin/env bash
# tracectl audit report after the validator set changed: governance adds a
# fifth validator (power 1, never started: four of five still commit), then
# a trade runs; the report, given only genesis, follows the node's verified
# validator-set changes and verifies every receipt, in every format.
# Usage: report_test.sh BUILD_DIR BASE_PORT
BIN=$1 BASE_PORT=$2
source "$(dirname "$0")/lib.sh"

TRACECTL=$BIN/cli/tracectl
export TRACECHAIN_NODE=http://127.0.0.1:$((BASE_PORT + 1))
ok() {  # runs a transaction through node0, waits for an ok receipt, prints its hash
  local out
  out=$("$TRACECTL" "$@" --timeout 60) || fail "$*: $out"
  grep -q '^status      ok' <<<"$out" || fail "$*: $out"
  awk '$1 == "transaction" { print $2 }' <<<"$out"
}
hex() { printf '%064x' "$1"; }

step "a 4-validator testnet; governance adds validator-9"
"$TESTNET" init "$NET" 4 "$BASE_PORT" >/dev/null
"$TESTNET" start "$NET" >/dev/null
for n in node0 node1 node2 node3; do wait_height "$NET" $n 2; done
"$TRACECTL" keys generate --out "$WORK/validator-9.pem" >/dev/null
ok >/dev/null governance propose --key "$NET/keys/exchange.pem" --proposal add-validator-9 \
  --change add-validator --subject validator-9 --public-key "$WORK/validator-9.pem" --power 1 \
  --proposal-expiry 500
ok >/dev/null governance approve --key "$NET/keys/regulator.pem" --proposal add-validator-9
changes=$("$TRACECTL" validator-changes get --key "$NET/keys/auditor-1.pem")
grep -q 'validator-9' <<<"$changes" || fail "the node lists no change adding validator-9"

step "a trade after the change, reviewed; then the buyer's attestation is revoked"
attest() {
  ok attest --key "$NET/keys/attestor-ca.pem" --subject "$1" --claim legal-entity \
    --evidence "$(hex 9)" --valid-from 2026-01-01 --valid-until 2030-01-01
}
provider_attestation=$(attest provider-acme)
buyer_attestation=$(attest buyer-bank)
ok >/dev/null asset register --key "$NET/keys/provider-acme.pem" --asset asset-r --content "$(hex 1)" \
  --metadata "$(hex 2)" --level 1 --source-declaration "$(hex 3)" --licence "$(hex 4)"
source_review=$(ok asset review --key "$NET/keys/reviewer-1.pem" --asset asset-r --verdict approve \
  --report "$(hex 6)" --rules 2026.1)
ok >/dev/null trade create --key "$NET/keys/buyer-bank.pem" --trade trade-r --asset asset-r \
  --terms "$(hex 5)"
ok >/dev/null trade accept --key "$NET/keys/provider-acme.pem" --trade trade-r
ok >/dev/null trade review --key "$NET/keys/reviewer-2.pem" --trade trade-r --verdict approve \
  --report "$(hex 7)" --buyer-attestation "$buyer_attestation" \
  --provider-attestation "$provider_attestation" --source-review "$source_review"
ok >/dev/null revoke --key "$NET/keys/attestor-ca.pem" --attestation "$buyer_attestation" \
  --reason "$(hex 8)"

step "audit report with genesis alone, in JSON, CSV and HTML"
for format in json csv html; do
  status=0
  "$TRACECTL" audit report --key "$NET/keys/auditor-1.pem" --genesis "$NET/genesis.json" \
    --trade trade-r --format "$format" --out "$WORK/report.$format" >"$WORK/report.out" 2>&1 ||
    status=$?
  cat "$WORK/report.out"
  [[ $status -eq 0 ]] || fail "audit report --format $format exited $status"
  grep -q ' 0 failed' "$WORK/report.out" || fail "a receipt failed in the $format report"
done
grep -q '"failed": 0' "$WORK/report.json" || fail "the JSON report counts failures"
# Every entry has its block's time (from a certified header), in order, and
# the steps' own fields.
python3 - "$WORK/report.json" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
entries = report["trades"][0]["entries"]
assert all(e.get("time", "").endswith(" UTC") for e in entries), "an entry without its time"
order = [(e["height"], e["index"]) for e in entries]
assert order == sorted(order), "entries out of time order"
create = [e for e in entries if e["kind"] == "trade.create"][0]
assert "termsHash" in create["details"], "trade.create without its terms hash"
assert report["summary"]["parties"] == ["buyer-bank", "provider-acme"], report["summary"]["parties"]
review = [e for e in entries if e["kind"] == "trade.review"][0]
assert review["details"]["verdict"] == "approve", review["details"]
# The buyer's attestation: in force when the review relied on it, revoked
# later, with the revocation's certified time.
revoked = [e for e in entries if e["section"] == "attestation" and "revokedHeight" in e]
assert len(revoked) == 1, [e["section"] for e in entries]
assert revoked[0]["revokedHeight"] > review["height"]
assert revoked[0]["revokedTime"].endswith(" UTC")
assert revoked[0]["usedBy"] == [{"reviewHeight": review["height"], "inForce": True}], revoked[0]["usedBy"]
EOF
grep -q 'trade-r' "$WORK/report.csv" || fail "the CSV report lacks the trade"
grep -q '<h2>Trade trade-r' "$WORK/report.html" || fail "the HTML report lacks the trade"
grep -q '✓ verified' "$WORK/report.html" || fail "the HTML report marks no verified receipt"
head -1 "$WORK/report.csv" | grep -q '^trade,time,' || fail "the CSV report has no time column"

step "the trades of an asset, and of a period"
yesterday=$(date -u -d yesterday +%F) tomorrow=$(date -u -d tomorrow +%F)
for scope in "--asset asset-r" "--from $yesterday --to $tomorrow" \
             "--participant buyer-bank --from $yesterday --to $tomorrow"; do
  # shellcheck disable=SC2086
  "$TRACECTL" audit report --key "$NET/keys/auditor-1.pem" --genesis "$NET/genesis.json" \
    $scope --format csv --out "$WORK/scope.csv" >"$WORK/scope.out" 2>&1 ||
    { cat "$WORK/scope.out"; fail "audit report $scope"; }
  grep -q ' 1 trades, ' "$WORK/scope.out" || { cat "$WORK/scope.out"; fail "audit report $scope: not one trade"; }
done
"$TRACECTL" audit report --key "$NET/keys/auditor-1.pem" --genesis "$NET/genesis.json" \
  --from 2020-01-01 --to 2020-12-31 --format json --out "$WORK/none.json" >"$WORK/scope.out" 2>&1 ||
  fail "an empty period"
grep -q ' 0 trades, ' "$WORK/scope.out" || fail "a period without trades is not empty"

step "governance adopts identity rules for L1; the revoked attestation stops delivery"
python3 - "$NET/genesis.json" "$WORK/policy.json" <<'EOF'
import json, sys
policy = json.load(open(sys.argv[1]))["policy"]
policy["levels"][0].update(accepted_claims=["legal-entity"], attestor_roles=["attestor"],
                           identity_until_settlement=True)
json.dump(policy, open(sys.argv[2], "w"))
EOF
ok >/dev/null governance propose --key "$NET/keys/exchange.pem" --proposal identity-l1 \
  --change change-policy --policy "$WORK/policy.json" --proposal-expiry 500
ok >/dev/null governance approve --key "$NET/keys/regulator.pem" --proposal identity-l1
"$TRACECTL" governance policy >"$WORK/policy.out" || fail "governance policy"
cat "$WORK/policy.out"
grep -Eq '^L1 .*legal-entity +attestor +yes' "$WORK/policy.out" ||
  fail "governance policy does not show L1's identity rules"
"$TRACECTL" trade deliver --key "$NET/keys/provider-acme.pem" --trade trade-r \
  --delivery "$(hex 10)" --method download --timeout 60 >"$WORK/deliver.out" 2>&1 || true
cat "$WORK/deliver.out"
grep -q "status      failed (attestation-invalid): attestation $buyer_attestation of the buyer 'buyer-bank'.*was revoked at height" \
  "$WORK/deliver.out" || fail "delivery after the revocation was not refused with its reason"
"$TRACECTL" trail trade-r --key "$NET/keys/auditor-1.pem" >"$WORK/trail.out" || fail "trail"
cat "$WORK/trail.out"
grep -Eq "legal-entity of buyer-bank, revoked at block [0-9]+ \([0-9-]+ [0-9:]+ UTC\)" "$WORK/trail.out" ||
  fail "the trail does not say when the buyer's attestation was revoked"
grep -q "trade.deliver .*failed" "$WORK/trail.out" || fail "the refused delivery is not on the trail"
"$TRACECTL" trade cancel --key "$NET/keys/buyer-bank.pem" --trade trade-r --reason "$(hex 11)" \
  --timeout 60 | grep -q '^status      ok' || fail "the approved trade could not be cancelled"

step "with a changes file that lacks the change, the report says which receipts fail"
"$TRACECTL" validator-changes get --key "$NET/keys/auditor-1.pem" --out "$WORK/changes.json" >/dev/null
python3 - "$WORK/changes.json" <<'EOF'
import json, sys
path = sys.argv[1]
doc = json.load(open(path))
doc["changes"] = []
json.dump(doc, open(path, "w"))
EOF
set +e
"$TRACECTL" audit report --key "$NET/keys/auditor-1.pem" --genesis "$NET/genesis.json" \
  --changes "$WORK/changes.json" --trade trade-r --format html --out "$WORK/stale.html" \
  >"$WORK/stale.out" 2>&1
status=$?
set -e
cat "$WORK/stale.out"
[[ $status -eq 1 ]] || fail "a report whose receipts fail exited $status, not 1"
grep -q 'class="bad"' "$WORK/stale.html" || fail "the failed receipts are not marked"
echo "report test passed"
