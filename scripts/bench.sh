#!/usr/bin/env bash
# The standard node benchmark set (docs/performance.md, "Node throughput and
# latency"): starts fresh nodes on loopback, drives them with
# tracechain-bench, stops them, and leaves one JSON result per run plus a
# summary in OUT.
#
#   scripts/bench.sh [OUT]           default OUT: $BIN/bench-results/<date-time>
#
# Runs, each REPEAT times (default 3) on a fresh chain:
#   single    one validator (the embedded default), closed loop
#   testnet   four validators, closed loop, clients spread over the four
#   paced     four validators, open loop at PACED_FRACTION (default 0.9) of
#             the testnet median
# Every node commits with fsync (not configurable). Environment: BIN (the
# build directory, default ./build), REPEAT, SETS (default "single testnet
# paced"), SINGLE_TX, TESTNET_TX, CLIENTS, BATCH, PACED_RATE (tx/s, instead
# of the fraction), PACED_FRACTION, PORT (first port used,
# default 27600), STATE_TREE (default true: chains of format 2, whose headers
# commit to the state tree; false: format 1). Takes about 8 minutes.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/build}
out=${1:-$bin/bench-results/$(date +%Y%m%d-%H%M%S)}
repeat=${REPEAT:-3}
sets=${SETS:-single testnet paced}
single_tx=${SINGLE_TX:-100000}
testnet_tx=${TESTNET_TX:-20000}
clients=${CLIENTS:-4}
batch=${BATCH:-100}
port=${PORT:-27600}
state_tree=${STATE_TREE:-true}
bench=$bin/bench/tracechain-bench
tracectl=$bin/cli/tracectl
tracechaind=$bin/node/tracechaind
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/tracechain-bench.XXXXXX")

# Benchmark settings: no per-client rate limit (every client is on
# loopback), blocks as soon as there is work.
export TRACECHAIN_RPC_RATE_PER_SECOND=0
export TRACECHAIN_RPC_MAX_CONNECTIONS=1024
export TRACECHAIN_CONSENSUS_IDLE_BLOCK_INTERVAL_MS=1000

pids=()
stop_nodes() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  pids=()
}
cleanup() { stop_nodes; rm -rf "$work"; }
trap cleanup EXIT

wait_ready() {  # wait_ready URL
  for _ in $(seq 100); do
    curl -sf "$1/health" >/dev/null && return 0
    sleep 0.1
  done
  echo "no answer from $1/health" >&2
  exit 1
}

start_node() {  # start_node HOME LOG: the pid goes to LOG's name with .pid
  "$tracechaind" --home "$1" --set log.file= >>"$2" 2>&1 &
  pids+=($!)
  echo $! >"${2%.log}.pid"
}

single() {  # single RUN_NAME
  local dir=$work/$1 rpc=http://127.0.0.1:$((port + 1))
  "$tracectl" init --home "$dir" --state-tree "$state_tree" >/dev/null
  "$bench" participants --keys "$dir/bench-keys" "$dir/config/genesis.json" >/dev/null
  TRACECHAIN_P2P_LISTEN=127.0.0.1:$port TRACECHAIN_RPC_LISTEN=127.0.0.1:$((port + 1)) \
    TRACECHAIN_RPC_METRICS_LISTEN=127.0.0.1:$((port + 2)) start_node "$dir" "$out/$1.log"
  wait_ready "$rpc"
  "$bench" run --label "$1" --rpc "$rpc" --genesis "$dir/config/genesis.json" \
    --keys "$dir/bench-keys" --keys "$dir/keys" --pid "${pids[0]}" --validators 1 \
    --clients "$clients" --batch "$batch" --transactions "$single_tx" --out "$out/$1.json" |
    tee -a "$out/summary.txt"
  stop_nodes
  rm -rf "$dir"
}

testnet() {  # testnet RUN_NAME [RATE]
  local dir=$work/$1 rpcs=() urls=()
  "$tracectl" testnet init --out "$dir" --validators 4 --base-port $((port + 100)) \
    --state-tree "$state_tree" >/dev/null
  "$bench" participants --keys "$dir/bench-keys" "$dir/genesis.json" "$dir"/node*/config/genesis.json >/dev/null
  for i in 0 1 2 3; do
    start_node "$dir/node$i" "$out/$1.node$i.log"
    urls+=(--rpc "http://127.0.0.1:$((port + 100 + 10 * i + 1))")
  done
  for i in 0 1 2 3; do wait_ready "http://127.0.0.1:$((port + 100 + 10 * i + 1))"; done
  local pid_args=()
  for pid in "${pids[@]}"; do pid_args+=(--pid "$pid"); done
  "$bench" run --label "$1" "${urls[@]}" --genesis "$dir/genesis.json" \
    --keys "$dir/bench-keys" --keys "$dir/keys" "${pid_args[@]}" --validators 4 \
    --clients "$clients" --batch "$batch" --transactions "$testnet_tx" --rate "${2:-0}" \
    --out "$out/$1.json" | tee -a "$out/summary.txt"
  stop_nodes
  rm -rf "$dir"
}

median() {  # median FIELD FILE...: the median of a numeric JSON field
  local field=$1; shift
  jq -s "map($field) | sort | .[length / 2 | floor]" "$@"
}

echo "tracechain-bench: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), state tree $state_tree" |
  tee "$out/summary.txt"
for set in $sets; do
  case $set in
    single) for r in $(seq "$repeat"); do single "single-$r"; done ;;
    testnet) for r in $(seq "$repeat"); do testnet "testnet-$r"; done ;;
    paced)
      # A fraction of the closed-loop testnet median of this run, else PACED_RATE.
      rate=${PACED_RATE:-}
      if [[ -z $rate ]]; then
        rate=$(jq -n "$(median .committed_tx_per_s "$out"/testnet-*.json) * ${PACED_FRACTION:-0.9} | floor")
      fi
      for r in $(seq "$repeat"); do testnet "paced-$r" "$rate"; done
      ;;
  esac
done

{
  echo
  echo "medians of $repeat runs:"
  for set in $sets; do
    printf '  %-8s %6.0f tx/s  ratio %.2f  p50 %5.0f ms  p99 %5.0f ms  lost %d  peak RSS %.0f MiB\n' \
      "$set" "$(median .committed_tx_per_s "$out/$set"-*.json)" \
      "$(median .ratio "$out/$set"-*.json)" "$(median .latency_ms.p50 "$out/$set"-*.json)" \
      "$(median .latency_ms.p99 "$out/$set"-*.json)" \
      "$(jq -s 'map(.lost) | add' "$out/$set"-*.json)" \
      "$(median '.peak_rss_kib / 1024' "$out/$set"-*.json)"
  done
  echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$out/summary.txt"
