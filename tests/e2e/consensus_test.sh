#!/usr/bin/env bash
# A 4-validator testnet on loopback: it commits transactions submitted to
# any node (through tracectl over JSON-RPC); kill -9 of one validator does
# not stop the others; the restarted validator catches up and takes part
# again; with two of four stopped nothing is committed (and nothing forks)
# until one returns; every node holds the same hash at every height.
# Usage: consensus_test.sh BUILD_DIR BASE_PORT
BIN=$1 BASE_PORT=$2
source "$(dirname "$0")/lib.sh"

TRACECTL=$BIN/cli/tracectl
rpc() { echo "http://127.0.0.1:$((BASE_PORT + 10 * $1 + 1))"; }
# Registers asset $1 through node $2 and waits for its receipt; prints the
# transaction hash.
register() {
  local out
  out=$("$TRACECTL" asset register --node "$(rpc "$2")" --key "$NET/keys/provider-acme.pem" \
    --asset "$1" --content "$(printf '%064x' 1)" --metadata "$(printf '%064x' 2)" --level 2 \
    --source-declaration "$(printf '%064x' 3)" --licence "$(printf '%064x' 4)" --timeout 60) ||
    fail "asset $1 through node $2: $out"
  grep -q '^status      ok' <<<"$out" || fail "asset $1: $out"
  awk '$1 == "transaction" { print $2 }' <<<"$out"
}

step "a 4-validator testnet commits transactions submitted to any node"
"$TESTNET" init "$NET" 4 "$BASE_PORT" >/dev/null
"$TESTNET" start "$NET" >/dev/null
for n in node0 node1 node2 node3; do wait_height "$NET" $n 2; done
hashes=()
for i in 0 1 2 3 4 5 6 7; do hashes+=("$(register "asset-$i" $((i % 4)))"); done
# Every node serves every one of them, committed at the same place.
for i in 0 1 2 3 4 5 6 7; do
  first=""
  for n in 0 1 2 3; do
    receipt=$("$TRACECTL" receipt get "${hashes[$i]}" --node "$(rpc $n)" \
      --key "$NET/keys/auditor-1.pem") || fail "node $n does not serve ${hashes[$i]}: $receipt"
    at=$(grep -m1 '"blockHash"' <<<"$receipt")
    [[ -z $first || $at == "$first" ]] || fail "nodes disagree on the block of ${hashes[$i]}"
    first=$at
  done
done
echo "   8 transactions committed, each served identically by all four nodes"

step "kill -9 of node3 under load: the other three keep committing"
load() {  # asset registrations through node0 and node1 until told to stop
  local i=0
  while [[ ! -f $WORK/stop-load ]]; do
    register "load-$i" $((i % 2)) >/dev/null
    i=$((i + 1))
  done
  echo $i >"$WORK/loaded"
}
load &
load_pid=$!
sleep 1
"$TESTNET" kill "$NET" node3 >/dev/null
h=$(max_height "$NET" node0 node1 node2)
for n in node0 node1 node2; do wait_height "$NET" $n $((h + 4)); done
touch "$WORK/stop-load"
wait $load_pid || fail "a transaction submitted while node3 was down was not committed"
echo "   $(cat "$WORK/loaded") transactions committed while node3 was killed and down"

step "node3 restarts, catches up and takes part again"
"$TESTNET" start "$NET" node3 >/dev/null
h=$(max_height "$NET" node0 node1 node2)
wait_height "$NET" node3 "$h"
h=$(max_height "$NET" node0 node1 node2 node3)
for n in node0 node1 node2 node3; do wait_height "$NET" $n $((h + 3)); done
grep -q 'committed .* via sync' "$NET/node3.log" || fail "node3 did not catch up by block sync"

step "with two of four stopped, nothing is committed"
"$TESTNET" stop "$NET" node2 node3 >/dev/null
sleep 2  # a block that had its quorum before the stop may still land
stalled=$(max_height "$NET" node0 node1)
sleep 5
now=$(max_height "$NET" node0 node1)
[[ $now -eq $stalled ]] || fail "height moved from $stalled to $now with only two of four validators"
echo "   stalled at height $stalled"

step "one returns: commits resume"
"$TESTNET" start "$NET" node2 >/dev/null
for n in node0 node1 node2; do wait_height "$NET" $n $((stalled + 3)); done

step "every node holds the same hash at every height"
"$TESTNET" stop "$NET" >/dev/null
same_chain "$NET" node0 node1 node2 node3
echo "consensus end-to-end test passed"
