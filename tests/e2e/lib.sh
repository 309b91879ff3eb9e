# Shared helpers for the end-to-end tests: real tracechaind processes on
# loopback, managed through deploy/testnet.sh. Source it; set BIN (the build
# directory) and BASE_PORT first. Every wait is bounded and a failure prints
# the nodes' logs.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TESTNET="$REPO/deploy/testnet.sh"
export TRACECHAIN_BIN=$BIN
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tracechain-e2e.XXXXXX")
NET=$WORK/net

# Fast consensus for tests: short timeouts, frequent empty blocks.
export TRACECHAIN_CONSENSUS_TIMEOUT_PROPOSE_MS=600
export TRACECHAIN_CONSENSUS_TIMEOUT_PREVOTE_MS=300
export TRACECHAIN_CONSENSUS_TIMEOUT_PRECOMMIT_MS=300
export TRACECHAIN_CONSENSUS_IDLE_BLOCK_INTERVAL_MS=300
export TRACECHAIN_P2P_RECONNECT_MAX_MS=1000

# A test may define on_cleanup (run after the nodes are killed) to undo
# what it set up outside $WORK.
cleanup() {
  local status=$?
  for pidfile in "$WORK"/*/*.pid; do
    [[ -f $pidfile ]] && kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
  done
  declare -F on_cleanup >/dev/null && { on_cleanup || true; }
  if [[ $status -ne 0 ]]; then
    for log in "$WORK"/*/*.log; do
      [[ -f $log ]] || continue
      echo "----- last lines of $log" >&2
      tail -25 "$log" >&2
    done
  fi
  rm -rf "$WORK"
  exit $status
}
trap cleanup EXIT

step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# height DIR NODE: the last height the node's log says it committed (0 if none).
height() {
  local h
  h=$(grep -o 'height=[0-9]* round=[0-9]* committed' "$1/$2.log" 2>/dev/null | tail -1 |
      sed 's/height=\([0-9]*\).*/\1/' || true)
  echo "${h:-0}"
}

# wait_height DIR NODE H [SECONDS]: until NODE has committed height H.
wait_height() {
  local dir=$1 node=$2 target=$3 limit=${4:-60}
  local deadline=$((SECONDS + limit))
  while [[ $(height "$dir" "$node") -lt $target ]]; do
    [[ $SECONDS -lt $deadline ]] || fail "$node did not reach height $target within ${limit}s (at $(height "$dir" "$node"))"
    sleep 0.2
  done
}

# max_height DIR NODE...: the highest committed height among the nodes.
max_height() {
  local dir=$1 best=0 h; shift
  for node in "$@"; do h=$(height "$dir" "$node"); [[ $h -gt $best ]] && best=$h; done
  echo "$best"
}

# same_chain DIR NODE...: every pair agrees on the hash of every height both hold.
same_chain() {
  local dir=$1 first=$2; shift 2
  "$BIN/cli/tracectl" inspect --home "$dir/$first" --headers | tail -n +3 >"$WORK/$first.headers"
  for node in "$@"; do
    "$BIN/cli/tracectl" inspect --home "$dir/$node" --headers | tail -n +3 >"$WORK/$node.headers"
    local common
    common=$(( $(wc -l <"$WORK/$first.headers") < $(wc -l <"$WORK/$node.headers") ?
               $(wc -l <"$WORK/$first.headers") : $(wc -l <"$WORK/$node.headers") ))
    [[ $common -gt 0 ]] || fail "$node holds no blocks"
    cmp -s <(head -n "$common" "$WORK/$first.headers" | cut -d' ' -f1,2) \
           <(head -n "$common" "$WORK/$node.headers" | cut -d' ' -f1,2) ||
      fail "$first and $node disagree within their first $common heights"
    echo "   $first and $node hold identical hashes at heights 1..$common"
  done
}

# register_asset PORT|HOST:PORT ASSET_ID [tracectl option...]: provider-acme
# registers an asset through the node whose RPC is there (on 127.0.0.1 unless
# a host is given), waiting for its receipt unless --no-wait is given;
# tracectl's output and exit status.
register_asset() {
  local address=$1 asset=$2; shift 2
  [[ $address == *:* ]] || address=127.0.0.1:$address
  "$BIN/cli/tracectl" asset register --node "http://$address" \
    --key "$NET/keys/provider-acme.pem" --asset "$asset" --content "$(printf '%064x' 1)" \
    --metadata "$(printf '%064x' 2)" --level 2 --source-declaration "$(printf '%064x' 3)" \
    --licence "$(printf '%064x' 4)" "$@"
}
