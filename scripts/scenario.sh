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
source "$root/scripts/scenario-lib.sh"
work=$(realpath -m "${1:-$root/build/scenario}")
port=${TRACECHAIN_SCENARIO_PORT:-26757}
export TRACECHAIN_NODE=http://127.0.0.1:$port

rm -rf "$work"
mkdir -p "$work"
home=$work/home
"$tracectl" init --home "$home" --chain-id tracechain-demo >/dev/null
cd "$home"

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

docs=$work/documents
make_documents "$docs" "${scenario_documents[@]}"

step "a governor admits a new buyer, buyer-coop (this chain's policy: one approval suffices)"
propose_buyer_coop

step "an attestor attests the provider and the buyer"
attest provider-acme kyc-provider
provider_attestation=$hash
attest buyer-bank kyc-buyer
buyer_attestation=$hash

step "the provider registers an asset; a reviewer approves its source"
register_asset

step "trade-1: buyer-bank buys weather-2026, through its whole lifecycle"
trade_to_settlement

step "trade-2: buyer-coop, with no identity attestation, is refused at review"
request_trade_2
reject_trade_2

step "the auditor reads both trails and the provider's trades, each proven complete"
"$tracectl" trail trade-1 --key keys/auditor-1.pem --genesis config/genesis.json
echo
"$tracectl" trail trade-2 --key keys/auditor-1.pem --genesis config/genesis.json
echo
"$tracectl" history participant provider-acme --key keys/auditor-1.pem --genesis config/genesis.json

step "the day's reads: proposals, assets, a reviewer's queue, a trade, a participant, a transaction"
"$tracectl" governance list --key keys/regulator.pem
"$tracectl" asset list --key keys/reviewer-1.pem
"$tracectl" trade list --state settled --key keys/auditor-1.pem
"$tracectl" trade show trade-2 --key keys/auditor-1.pem
"$tracectl" participant show buyer-coop --key keys/auditor-1.pem
"$tracectl" tx get "$saved_tx" --key keys/buyer-bank.pem

step "who read records about buyer-bank through this node: every signed read was recorded in the node's read log, each entry proven against the node's checkpoint on chain"
wait_for_read_log_checkpoint --key keys/buyer-bank.pem --genesis config/genesis.json
"$tracectl" access reads --key keys/buyer-bank.pem --genesis config/genesis.json --out "$work/reads.json"

step "a witness outside the consortium cosigns the log's checkpoint; the buyer saves the delivery's self-contained receipt, witnessed"
mkdir -p "$work/witness"
"$tracectl" witness run --once --genesis config/genesis.json \
  --cosigning-key keys/witness-1.cosigning.pem --name witness.tracechain.example/witness-1 \
  --state "$work/witness/state.json"
"$tracectl" receipt get "$saved_tx" --witnessed --key keys/buyer-bank.pem --out "$work/receipt.json"

step "the node stops; the receipt is verified offline, against genesis alone"
kill "$node_pid"
wait "$node_pid" 2>/dev/null || true
trap - EXIT
"$tracectl" verify "$work/receipt.json" --genesis config/genesis.json --min-witnesses 1
"$tracectl" verify-reads "$work/reads.json" --genesis config/genesis.json > /dev/null
echo "the saved read-log answer verifies offline too ($work/reads.json)"
