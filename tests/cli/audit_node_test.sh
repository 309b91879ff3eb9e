#!/usr/bin/env bash
# tracectl audit verify --node on a chain long enough to outrun the node's
# rate limit: the audit waits for the limit and finishes (exit 0), with
# batches larger than the node's whole burst.
# Usage: audit_node_test.sh BUILD_DIR PORT
set -euo pipefail
bin=$1 port=$2
tracectl=$bin/cli/tracectl
tracechaind=$bin/node/tracechaind
work=$(mktemp -d "${TMPDIR:-/tmp}/tracechain-audit-node.XXXXXX")
node_pid=
cleanup() {
  [[ -n $node_pid ]] && { kill "$node_pid" 2>/dev/null; wait "$node_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [[ -f $work/node.log ]] && tail -20 "$work/node.log" >&2; exit 1; }
export TRACECHAIN_NODE=http://127.0.0.1:$port
"$tracechaind" --version | grep -q '^tracechaind [0-9]' || fail "tracechaind --version"
home=$work/home
"$tracectl" init --home "$home" --chain-id audit-node-test >/dev/null

# Empty blocks every 5 ms make a long chain quickly; a client may send 40
# requests at once and 40 a second after.
"$tracechaind" --home "$home" \
  --set rpc.listen=127.0.0.1:$port \
  --set p2p.listen=127.0.0.1:$((port + 1)) \
  --set rpc.metrics_listen=127.0.0.1:$((port + 2)) \
  --set consensus.idle_block_interval_ms=5 \
  --set rpc.rate_per_second=40 --set rpc.rate_burst=40 >"$work/node.log" 2>&1 &
node_pid=$!
height=0
for _ in $(seq 600); do
  kill -0 "$node_pid" 2>/dev/null || fail "the node stopped"
  height=$("$tracectl" status --output json 2>/dev/null |
    sed -n 's/.*"height": *\([0-9]*\).*/\1/p' | head -1) || height=0
  [[ ${height:-0} -ge 300 ]] && break
  sleep 0.1
done
[[ ${height:-0} -ge 300 ]] || fail "the chain reached only height ${height:-0}"

cd "$home"
# 100 blocks a batch: more than the node's burst of 40, so the client splits
# it; 300 blocks at 40 requests a second take several seconds of waiting.
set +e
"$tracectl" audit verify --key keys/auditor-1.pem --genesis config/genesis.json --batch 100 \
  >"$work/audit.out" 2>"$work/audit.err"
status=$?
set -e
cat "$work/audit.out"
grep -v '^audit ' "$work/audit.err" || true
[[ $status -eq 0 ]] || fail "audit verify --node exited $status"
grep -q '^VERIFIED' "$work/audit.out" || fail "the audit did not say VERIFIED"
grep -q 'for the node.s rate limit' "$work/audit.err" || fail "the audit never waited for the rate limit"

echo "audit over a rate-limited node passed"
