#!/usr/bin/env bash
# A node whose certificate comes from another consortium's CA is refused, even
# when it claims the id of a real validator; the consortium carries on.
# Usage: tls_test.sh BUILD_DIR BASE_PORT
BIN=$1 BASE_PORT=$2
source "$(dirname "$0")/lib.sh"

step "a consortium, and an impostor with another CA's certificate"
"$TESTNET" init "$NET" 4 "$BASE_PORT" >/dev/null
"$BIN/cli/tracectl" testnet init --out "$WORK/rogue" --validators 2 \
  --base-port $((BASE_PORT + 50)) >/dev/null
"$TESTNET" start "$NET" >/dev/null
wait_height "$NET" node0 3

p2p0=$((BASE_PORT))
"$BIN/node/tracechaind" --home "$WORK/rogue/node1" --set log.file= \
  --set "p2p.peers=validator-0@127.0.0.1:$p2p0" >"$WORK/rogue/node1.log" 2>&1 &
echo $! >"$WORK/rogue/node1.pid"
disown
deadline=$((SECONDS + 20))
until grep -q 'refused: TLS handshake failed' "$NET/node0.log"; do
  [[ $SECONDS -lt $deadline ]] || fail "node0 never logged refusing the impostor"
  sleep 0.2
done
h=$(height "$NET" node0)
wait_height "$NET" node0 $((h + 2))
! grep -q 'connected' "$WORK/rogue/node1.log" || fail "the impostor got connected"
grep 'refused' "$NET/node0.log" | head -1 | sed 's/^/   node0: /'
echo "TLS end-to-end test passed"
