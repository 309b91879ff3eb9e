#!/usr/bin/env bash
# The embedded default's scenario: a single-node chain (tracectl init), a
# tracechaind process, and every step through tracectl over JSON-RPC.
#
# A governor admits a new buyer, an attestor attests the provider and the
# buyer, the provider registers an asset and a reviewer approves its source;
# one trade runs its whole lifecycle and one is refused at review. Then both
# trails are printed with each receipt verified, and one receipt is saved and
# verified offline against genesis alone.
#
# Usage: scripts/scenario.sh [WORK_DIR]   (default build/scenario, recreated)
# The node listens on 127.0.0.1:$TRACECHAIN_SCENARIO_PORT (default 26757,
# +1 for P2P, +2 for metrics). $TRACECHAIN_BIN names another build directory.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TRACECHAIN_BIN:-$root/build}  # the build directory
tracectl=$bin/cli/tracectl
tracechaind=$bin/node/tracechaind
work=$(realpath -m "${1:-$root/build/scenario}")
port=${TRACECHAIN_SCENARIO_PORT:-26757}
export TRACECHAIN_NODE=http://127.0.0.1:$port

rm -rf "$work"
mkdir -p "$work"
home=$work/home
"$tracectl" init --home "$home" --chain-id tracechain-demo >/dev/null
cd "$home"

step() { printf '\n== %s\n' "$*"; }
# Runs tracectl, shows its output, and leaves the transaction hash in $hash.
tx() {
  local output
  output=$("$tracectl" "$@") || { echo "$output"; return 1; }
  echo "$output"
  hash=$(awk '$1 == "transaction" { print $2 }' <<<"$output")
}

step "start tracechaind (single validator, data in $home/data)"
"$tracechaind" --home "$home" \
  --set rpc.listen=127.0.0.1:$port \
  --set p2p.listen=127.0.0.1:$((port + 1)) \
  --set rpc.metrics_listen=127.0.0.1:$((port + 2)) >"$work/node.log" 2>&1 &
node_pid=$!
trap 'kill "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  "$tracectl" status >/dev/null 2>&1 && break
  kill -0 "$node_pid" 2>/dev/null || { cat "$work/node.log"; exit 1; }
  sleep 0.1
done
"$tracectl" status

# Documents stay off the chain; their hashes go on it (@FILE).
docs=$work/documents
mkdir -p "$docs"
for name in kyc-provider kyc-buyer data metadata source-declaration licence source-review \
            terms-1 terms-2 compliance-1 compliance-2 delivery usage payment; do
  printf '%s: document of the scenario, %s\n' "$name" "$(date -u +%FT%TZ)" >"$docs/$name"
done

step "a governor admits a new buyer, buyer-coop (this chain's policy: one approval suffices)"
"$tracectl" keys generate --out keys/buyer-coop.pem >/dev/null
# The buyer hands the governor its public key, never its private key file.
buyer_coop_key=$("$tracectl" keys show --key keys/buyer-coop.pem | awk '$1 == "public" { print $3 }')
tx governance propose --key keys/exchange.pem --proposal admit-buyer-coop \
  --change admit-participant --subject buyer-coop --public-key "$buyer_coop_key" \
  --roles buyer --jurisdiction cn --proposal-expiry 1000

step "an attestor attests the provider and the buyer"
tx attest --key keys/attestor-ca.pem --subject provider-acme --claim legal-entity \
  --evidence @"$docs/kyc-provider" --valid-from 2026-01-01 --valid-until 2030-01-01
provider_attestation=$hash
tx attest --key keys/attestor-ca.pem --subject buyer-bank --claim legal-entity \
  --evidence @"$docs/kyc-buyer" --valid-from 2026-01-01 --valid-until 2030-01-01
buyer_attestation=$hash

step "the provider registers an asset; a reviewer approves its source"
tx asset register --key keys/provider-acme.pem --asset weather-2026 \
  --content @"$docs/data" --metadata @"$docs/metadata" --level 2 \
  --source-declaration @"$docs/source-declaration" --licence @"$docs/licence"
tx asset review --key keys/reviewer-1.pem --asset weather-2026 --verdict approve \
  --report @"$docs/source-review" --rules 2026.1
source_review=$hash

step "trade-1: buyer-bank buys weather-2026, through its whole lifecycle"
tx trade create --key keys/buyer-bank.pem --trade trade-1 --asset weather-2026 \
  --terms @"$docs/terms-1"
tx trade accept --key keys/provider-acme.pem --trade trade-1
tx trade review --key keys/reviewer-2.pem --trade trade-1 --verdict approve \
  --report @"$docs/compliance-1" --buyer-attestation "$buyer_attestation" \
  --provider-attestation "$provider_attestation" --source-review "$source_review"
tx trade deliver --key keys/provider-acme.pem --trade trade-1 \
  --delivery @"$docs/delivery" --method download
saved_tx=$hash
tx trade confirm --key keys/buyer-bank.pem --trade trade-1
tx trade usage --key keys/buyer-bank.pem --trade trade-1 --report @"$docs/usage" --units 1200
tx trade settle --key keys/exchange.pem --trade trade-1 \
  --payment-reference @"$docs/payment" --amount 120000 --currency CNY

step "trade-2: buyer-coop, with no identity attestation, is refused at review"
tx trade create --key keys/buyer-coop.pem --trade trade-2 --asset weather-2026 \
  --terms @"$docs/terms-2"
tx trade accept --key keys/provider-acme.pem --trade trade-2
tx trade review --key keys/reviewer-2.pem --trade trade-2 --verdict reject \
  --report @"$docs/compliance-2" --provider-attestation "$provider_attestation" \
  --source-review "$source_review"

step "the auditor reads both trails"
"$tracectl" trail trade-1 --key keys/auditor-1.pem --genesis config/genesis.json
echo
"$tracectl" trail trade-2 --key keys/auditor-1.pem --genesis config/genesis.json

step "the day's reads: proposals, assets, a reviewer's queue, a trade, a participant, a transaction"
"$tracectl" governance list --key keys/regulator.pem
"$tracectl" asset list --key keys/reviewer-1.pem
"$tracectl" trade list --state settled --key keys/auditor-1.pem
"$tracectl" trade show trade-2 --key keys/auditor-1.pem
"$tracectl" participant show buyer-coop --key keys/auditor-1.pem
"$tracectl" tx get "$saved_tx" --key keys/buyer-bank.pem

step "the buyer saves the delivery's self-contained receipt"
"$tracectl" receipt get "$saved_tx" --key keys/buyer-bank.pem --out "$work/receipt.json"

step "the node stops; the receipt is verified offline, against genesis alone"
kill "$node_pid"
wait "$node_pid" 2>/dev/null || true
trap - EXIT
"$tracectl" verify "$work/receipt.json" --genesis config/genesis.json
