#!/usr/bin/env bash
# The embedded default's scenario on a 4-validator testnet on loopback
# (tracectl testnet init, deploy/testnet.sh), every step through tracectl
# over JSON-RPC:
#
#   governors admit a participant (two of three approve); an attestor attests
#   the provider and two buyers; the provider registers an L2 asset and a
#   reviewer approves its source; trade-1 runs its whole lifecycle to
#   settlement; trade-2 is refused at review, because its buyer's
#   attestation was revoked (the refusal stays on the record); validator-3
#   is killed while trade-3 is delivered, disputed, resolved by an
#   arbitrator and settled, then restarted and catches up; the auditor reads
#   the trails with every receipt verified and each trail proven complete,
#   saves a receipt and verifies it, a witness outside the consortium
#   cosigns the log and the receipt is verified again with that witness
#   required, proves a trade's state and a
#   participant's whole list of trades
#   offline, backs up a node's data and re-executes it (audit verify), and
#   writes an HTML audit report.
#
# Usage: scripts/scenario-testnet.sh [--stop] [WORK_DIR]
#   WORK_DIR defaults to build/scenario-testnet (recreated; a testnet still
#   running there is stopped first). The testnet keeps running afterwards
#   unless --stop is given; the last lines say how to reach and stop it.
# Node i listens on $TRACECHAIN_SCENARIO_PORT + 10i (default 26800): P2P,
# then RPC (+1) and metrics (+2). $TRACECHAIN_BIN names another build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/scenario-lib.sh"
stop_after=false
if [[ ${1:-} == --stop ]]; then stop_after=true; shift; fi
work=$(realpath -m "${1:-$root/build/scenario-testnet}")
base=${TRACECHAIN_SCENARIO_PORT:-26800}
net=$work/testnet
testnet() { TRACECHAIN_BIN=$bin "$root/deploy/testnet.sh" "$@"; }
rpc_of() { echo "http://127.0.0.1:$((base + 10 * $1 + 1))"; }
export TRACECHAIN_NODE=$(rpc_of 0)

# A node's committed height, asked over RPC (0 while it cannot answer).
height_of() {
  "$tracectl" status --node "$(rpc_of "$1")" --output json 2>/dev/null |
    grep -o '"height": *[0-9]*' | head -1 | grep -o '[0-9]*$' || echo 0
}
# Waits (at most 60 s) until node $1 has reached height $2.
wait_for_height() {
  local deadline=$((SECONDS + 60))
  until [[ $(height_of "$1") -ge $2 ]]; do
    if [[ $SECONDS -ge $deadline ]]; then
      echo "node$1 did not reach height $2 within 60 s; its log:" >&2
      tail -20 "$net/node$1.log" >&2
      exit 1
    fi
    sleep 0.2
  done
}

[[ -d $net ]] && testnet stop "$net" >/dev/null 2>&1 || true
rm -rf "$work"
mkdir -p "$work"
started=$SECONDS

step "a 4-validator testnet: a consortium CA, the demo participants' keys, genesis, four homes"
"$tracectl" testnet init --out "$net" --validators 4 --base-port "$base" --chain-id tracechain-demo
# Every node serves the web console (docs/console.md) from this checkout.
sed -i "s|^console = .*|console = '$root/clients'|" "$net"/node*/config/node.toml
cleanup() { testnet stop "$net" >/dev/null 2>&1 || true; }
trap cleanup EXIT
testnet start "$net"
for i in 0 1 2 3; do wait_for_height "$i" 1; done
"$tracectl" status
cd "$net"

docs=$work/documents
make_documents "$docs" "${scenario_documents[@]}" kyc-coop terms-3 compliance-3 delivery-3 \
  revocation dispute ruling refund

step "governors admit a new buyer, buyer-coop: the exchange proposes, the regulator approves (2 of 3)"
propose_buyer_coop
tx governance approve --key keys/regulator.pem --proposal admit-buyer-coop

step "an attestor attests the provider and both buyers"
attest provider-acme kyc-provider
provider_attestation=$hash
attest buyer-bank kyc-buyer
buyer_attestation=$hash
attest buyer-coop kyc-coop
coop_attestation=$hash

step "the provider registers an L2 asset; a reviewer approves its source"
register_asset

step "trade-1: buyer-bank buys weather-2026, through its whole lifecycle to settlement"
trade_to_settlement

step "trade-2: buyer-coop's attestation is revoked; an approval relying on it is refused, then the trade is rejected"
request_trade_2
tx revoke --key keys/attestor-ca.pem --attestation "$coop_attestation" --reason @"$docs/revocation"
# The ledger refuses the approval and records why (exit 2: a failure receipt).
tx trade review --key keys/reviewer-2.pem --trade trade-2 --verdict approve \
  --report @"$docs/compliance-2" --buyer-attestation "$coop_attestation" \
  --provider-attestation "$provider_attestation" --source-review "$source_review" 2>&1 ||
  echo "(refused, as it should be: the refusal is on the record)"
reject_trade_2

step "validator-3 is killed; the other three go on with trade-3"
testnet kill "$net" node3
tx trade create --key keys/buyer-bank.pem --trade trade-3 --asset weather-2026 \
  --terms @"$docs/terms-3"
tx trade accept --key keys/provider-acme.pem --trade trade-3
tx trade review --key keys/reviewer-1.pem --trade trade-3 --verdict approve \
  --report @"$docs/compliance-3" --buyer-attestation "$buyer_attestation" \
  --provider-attestation "$provider_attestation" --source-review "$source_review"
tx trade deliver --key keys/provider-acme.pem --trade trade-3 \
  --delivery @"$docs/delivery-3" --method api

step "trade-3: the buyer disputes the delivery; an arbitrator rules a split; the operator settles it"
tx trade dispute --key keys/buyer-bank.pem --trade trade-3 --reason @"$docs/dispute"
tx trade resolve --key keys/arbitrator-1.pem --trade trade-3 --ruling @"$docs/ruling" \
  --outcome split
tx trade settle --key keys/exchange.pem --trade trade-3 \
  --payment-reference @"$docs/refund" --amount 60000 --currency CNY

step "validator-3 restarts and catches up from its peers"
tip=$(height_of 0)
testnet start "$net" node3
wait_for_height 3 "$tip"
echo "validator-3 is at height $(height_of 3); validator-0 at $(height_of 0)"
testnet status "$net"

step "the auditor reads the three trails, each receipt verified and each trail proven complete against genesis"
for trade in trade-1 trade-2 trade-3; do
  "$tracectl" trail "$trade" --key keys/auditor-1.pem --genesis genesis.json
  echo
done

step "the buyer saves trade-1's delivery receipt; it verifies offline, against genesis alone"
"$tracectl" receipt get "$saved_tx" --key keys/buyer-bank.pem --out "$work/receipt.json"
"$tracectl" verify "$work/receipt.json" --genesis genesis.json

step "a witness outside the consortium follows all four validators and cosigns the log's checkpoint; the receipt, with the witnessed checkpoint, verifies with one witness required"
mkdir -p "$work/witness"
"$tracectl" witness run --once --node "$(rpc_of 0)" --node "$(rpc_of 1)" --node "$(rpc_of 2)" \
  --node "$(rpc_of 3)" --genesis genesis.json --cosigning-key keys/witness-1.cosigning.pem \
  --name witness.tracechain.example/witness-1 --state "$work/witness/state.json"
"$tracectl" receipt get "$saved_tx" --witnessed --key keys/buyer-bank.pem --out "$work/receipt.json"
"$tracectl" verify "$work/receipt.json" --genesis genesis.json --min-witnesses 1

step "who read records about buyer-bank through validator-0: each signed read is in the node's read log, proven against the node's checkpoint on chain"
wait_for_read_log_checkpoint --key keys/buyer-bank.pem --genesis genesis.json --node "$(rpc_of 0)"
"$tracectl" access reads --key keys/buyer-bank.pem --genesis genesis.json --node "$(rpc_of 0)"

step "the buyer proves trade-1's current state; the auditor lists buyer-bank's trades, proven complete"
"$tracectl" state-proof --trade trade-1 --key keys/buyer-bank.pem --out "$work/trade-1-state.json"
"$tracectl" verify-state "$work/trade-1-state.json" --genesis genesis.json
"$tracectl" history participant buyer-bank --key keys/auditor-1.pem --genesis genesis.json

step "a backup of validator-3's data, re-executed block by block (audit verify)"
"$tracectl" backup create --home "$net/node3" --out "$work/backup"
"$tracectl" audit verify --data-dir "$work/backup"

step "an HTML audit report of weather-2026's trades, for the regulator"
"$tracectl" audit report --asset weather-2026 --key keys/regulator.pem --genesis genesis.json \
  --format html --out "$work/weather-2026-report.html"

step "where everything is"
console_url=$(rpc_of 0)/console/
curl -fsS -o /dev/null "$console_url" || { echo "the web console is not served at $console_url" >&2; exit 1; }
cat <<INFO
testnet     $net (homes node0..node3, logs node*.log, participant keys keys/, genesis.json)
receipt     $work/receipt.json (witnessed)
witness     $work/witness/state.json (the last checkpoint it cosigned)
state proof $work/trade-1-state.json
backup      $work/backup
report      $work/weather-2026-report.html
console     $console_url (sign in with $net/keys/auditor-1.pem and $net/genesis.json)
documents   $docs (off chain; their hashes are on chain)
took        $((SECONDS - started)) s
INFO
if $stop_after; then
  testnet stop "$net"
else
  trap - EXIT
  cat <<INFO

The testnet is still running. Try:
  the web console: $console_url (a browser on this machine)
  $tracectl status --node $(rpc_of 2)
  $tracectl trail trade-3 --key $net/keys/auditor-1.pem --genesis $net/genesis.json
Stop it with:
  $root/deploy/testnet.sh stop $net
INFO
fi
