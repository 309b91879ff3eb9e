#!/usr/bin/env bash
# A Byzantine validator cannot stop the other three: with validators 0-2
# honest and validator 3's identity held by tracechain-attacker (attacker.cc),
# which floods them over the real P2P with proposals, votes, statuses, blocks
# and requests that no honest node sends, each of the three stays up, commits
# at least 5 more heights, never aborts, and all three agree on every hash.
# Usage: byzantine_test.sh BUILD_DIR BASE_PORT ATTACKER_BINARY
BIN=$1 BASE_PORT=$2 ATTACKER=$3
source "$(dirname "$0")/lib.sh"

ATTACK_SECONDS=20
HONEST=(node0 node1 node2)

alive() { kill -0 "$(cat "$NET/$1.pid")" 2>/dev/null; }

step "three of four validators commit; the fourth is not started"
"$TESTNET" init "$NET" 4 "$BASE_PORT" >/dev/null
"$TESTNET" start "$NET" "${HONEST[@]}" >/dev/null
for n in "${HONEST[@]}"; do wait_height "$NET" $n 2; done
declare -A before
for n in "${HONEST[@]}"; do before[$n]=$(height "$NET" $n); done

step "an attacker with validator 3's identity floods them for ${ATTACK_SECONDS}s"
"$ATTACKER" --home "$NET/node3" --seconds "$ATTACK_SECONDS" >"$NET/attacker.log" 2>&1 &
echo $! >"$NET/attacker.pid"
attacker_pid=$!
deadline=$((SECONDS + ATTACK_SECONDS + 30))
while kill -0 $attacker_pid 2>/dev/null; do
  [[ $SECONDS -lt $deadline ]] || fail "the attacker did not finish within $((ATTACK_SECONDS + 30))s"
  sleep 0.5
done
attacker_status=0
wait $attacker_pid || attacker_status=$?
rm -f "$NET/attacker.pid"
grep -E '^(attack|  sent|no peer|--garbage)' "$NET/attacker.log" | sed 's/^/   attacker: /' || true
[[ $attacker_status -eq 0 ]] || fail "the attacker exited with status $attacker_status"

step "every honest validator is still running, never aborted, and kept committing"
problems=()
for n in "${HONEST[@]}"; do
  if grep -qE 'terminate called|Assertion|internal error: assertion' "$NET/$n.log"; then
    grep -E -A2 'terminate called|Assertion|internal error: assertion' "$NET/$n.log" | sed "s/^/   $n: /" >&2
    problems+=("$n aborted")
  fi
  alive $n || problems+=("$n is no longer running")
done
[[ ${#problems[@]} -eq 0 ]] || fail "$(IFS=';'; echo "${problems[*]}")"
for n in "${HONEST[@]}"; do
  wait_height "$NET" $n $((before[$n] + 5)) 20
  echo "   $n: height ${before[$n]} before the attack, $(height "$NET" $n) now"
done

step "the three agree on every hash"
"$TESTNET" stop "$NET" "${HONEST[@]}" >/dev/null
same_chain "$NET" "${HONEST[@]}"
echo "byzantine end-to-end test passed"
