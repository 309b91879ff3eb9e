#!/usr/bin/env bash
# A 4-validator testnet on loopback: it commits; kill -9 of one validator does
# not stop the others; the restarted validator catches up and takes part
# again; with two of four stopped nothing is committed (and nothing forks)
# until one returns; every node holds the same hash at every height.
# Usage: consensus_test.sh BUILD_DIR BASE_PORT
BIN=$1 BASE_PORT=$2
source "$(dirname "$0")/lib.sh"

step "a 4-validator testnet commits"
"$TESTNET" init "$NET" 4 "$BASE_PORT" >/dev/null
"$TESTNET" start "$NET" >/dev/null
for n in node0 node1 node2 node3; do wait_height "$NET" $n 5; done

step "kill -9 of node3: the other three keep committing"
"$TESTNET" kill "$NET" node3 >/dev/null
h=$(max_height "$NET" node0 node1 node2)
for n in node0 node1 node2; do wait_height "$NET" $n $((h + 4)); done

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
