#!/usr/bin/env bash
# A node started from an empty data directory (an observer that never signs)
# fetches the whole chain from the validators, checking each block's
# certificate and re-executing it, and then follows the chain.
# Usage: sync_test.sh BUILD_DIR BASE_PORT
BIN=$1 BASE_PORT=$2
source "$(dirname "$0")/lib.sh"

step "4 validators and an observer"
"$BIN/cli/tracectl" testnet init --out "$NET" --validators 4 --observers 1 \
  --base-port "$BASE_PORT" >/dev/null
"$TESTNET" start "$NET" node0 node1 node2 node3 >/dev/null
for n in node0 node1 node2 node3; do wait_height "$NET" $n 12; done

step "the observer starts empty and syncs"
[[ ! -d $NET/node4/data ]] || fail "the observer already has data"
"$TESTNET" start "$NET" node4 >/dev/null
h=$(max_height "$NET" node0 node1 node2 node3)
wait_height "$NET" node4 "$h"
grep -q 'height=1 round=[0-9]* committed .* via sync' "$NET/node4.log" ||
  fail "the observer did not fetch block 1 by sync"
h=$(max_height "$NET" node0 node1 node2 node3)
wait_height "$NET" node4 $((h + 2))
! grep -q 'proposing' "$NET/node4.log" || fail "the observer proposed a block"

"$TESTNET" stop "$NET" >/dev/null
same_chain "$NET" node0 node1 node2 node3 node4
echo "sync end-to-end test passed"
