#!/usr/bin/env bash
# Whole-cluster restarts: a 4-validator testnet under a light transaction load
# is stopped as a whole, all four validators at once, at a random moment, then
# started again, RESTARTS times (6 by default), alternating kill -9 and
# SIGTERM. After every restart the chain must commit at least 3 more heights
# within RESUME_SECONDS: a validator locked on a block that it no longer holds
# after the restart would keep the height from ever being decided (see
# "The replica" in docs/consensus.md). A SIGTERM must end every node with exit
# status 0, no node may exit by itself or abort, and at the end all four hold
# the same hash at every height.
#
# The moments of the stops come from a seeded generator; the seed is printed
# and SEED=<seed> replays the same schedule (the nodes' timing still varies).
# If the chain does not resume, the nodes' logs, signing states and held
# blocks are kept in ${TMPDIR:-/tmp}/restart-failure-<seed>/.
# Usage: [RESTARTS=N] [SEED=S] restart_test.sh BUILD_DIR BASE_PORT
BIN=$1 BASE_PORT=$2
source "$(dirname "$0")/lib.sh"

RESTARTS=${RESTARTS:-6}
SEED=${SEED:-$(( $(date +%s%N) % 1000000 ))}
RESUME_SECONDS=30
MAX_UP_MS=2500   # a stop comes at a random moment within this long after the chain resumed
NODES=(node0 node1 node2 node3)
TRACECTL=$BIN/cli/tracectl
RANDOM=$SEED
echo "seed $SEED, $RESTARTS whole-cluster restarts (replay with SEED=$SEED RESTARTS=$RESTARTS)"

# Nodes are started here rather than by "testnet.sh start" so that their exit
# status can be checked: each runs under a subshell of this one that waits for
# it and exits with its status (and writes a kill -9 notice to the node's log
# instead of this test's output). Logs and pid files are laid out as testnet.sh
# lays them out, so that lib.sh's helpers and its cleanup work unchanged.
declare -A pid runner
start_all() {
  local n deadline=$((SECONDS + 10))
  for n in "${NODES[@]}"; do
    rm -f "$NET/$n.pid"
    ( "$BIN/node/tracechaind" --home "$NET/$n" --set log.file= >>"$NET/$n.log" 2>&1 &
      echo $! >"$NET/$n.pid"
      wait $! ) 2>>"$NET/$n.log" &
    runner[$n]=$!
  done
  for n in "${NODES[@]}"; do
    until [[ -s $NET/$n.pid ]]; do
      [[ $SECONDS -lt $deadline ]] || fail "$n was not started within 10 s"
      sleep 0.01
    done
    pid[$n]=$(cat "$NET/$n.pid")
  done
}
alive() { kill -0 "${pid[$1]}" 2>/dev/null; }

# stop_all SIGNAL WHEN: sends SIGNAL to all four in one kill(1), waits until
# all are gone (a SIGTERM is given 15 s) and checks how each one ended.
stop_all() {
  local signal=$1 when=$2 n status deadline=$((SECONDS + 15))
  for n in "${NODES[@]}"; do alive $n || fail "$n exited by itself $when"; done
  kill -"$signal" "${pid[node0]}" "${pid[node1]}" "${pid[node2]}" "${pid[node3]}"
  for n in "${NODES[@]}"; do
    while alive $n; do
      [[ $SECONDS -lt $deadline ]] || fail "$n did not stop within 15 s of SIG$signal $when"
      sleep 0.05
    done
    status=0
    wait "${runner[$n]}" || status=$?
    rm -f "$NET/$n.pid"
    case $signal in
      KILL) [[ $status -eq 137 ]] || fail "$n exited with status $status $when, not by the kill -9" ;;
      TERM) [[ $status -eq 0 ]] || fail "$n exited with status $status after SIGTERM $when (a clean stop is 0)" ;;
    esac
  done
}

keep_failure() {  # copies what explains a halt to where it outlives $WORK
  local keep=${TMPDIR:-/tmp}/restart-failure-$SEED
  mkdir -p "$keep"
  for n in "${NODES[@]}"; do
    cp "$NET/$n.log" "$keep/" 2>/dev/null || true
    for f in signing_state.bin held_blocks.bin; do
      cp "$NET/$n/data/$f" "$keep/$n.$f" 2>/dev/null || true
    done
  done
  echo "   logs, signing states and held blocks kept in $keep" >&2
}

# Asset registrations through any node, paced, until told to stop. Nodes are
# down part of the time, so a refused or unanswered submission is expected and
# only counted; the loop also ends if this shell is gone.
load() {
  local i=0 admitted=0
  while [[ -d $WORK && ! -f $WORK/stop-load ]] && kill -0 $$ 2>/dev/null; do
    if register_asset $((BASE_PORT + 10 * (i % 4) + 1)) "load-$i" --no-wait; then
      admitted=$((admitted + 1))
    fi
    i=$((i + 1))
    sleep 0.2
  done
  echo "$admitted of $i" >"$WORK/loaded"
}

step "a 4-validator testnet commits"
"$TESTNET" init "$NET" 4 "$BASE_PORT" >/dev/null
start_all
for n in "${NODES[@]}"; do wait_height "$NET" $n 2; done
load >/dev/null 2>&1 &
load_pid=$!

kills=0 terms=0
for ((r = 1; r <= RESTARTS; r++)); do
  if ((r % 2 == 1)); then signal=KILL; else signal=TERM; fi
  up_ms=$((RANDOM % MAX_UP_MS))
  sleep "$((up_ms / 1000)).$(printf '%03d' $((up_ms % 1000)))"
  stop_all $signal "before restart $r"
  if [[ $signal == KILL ]]; then kills=$((kills + 1)); else terms=$((terms + 1)); fi
  stopped_at=$(max_height "$NET" "${NODES[@]}")
  heights=$(for n in "${NODES[@]}"; do printf ' %s' "$(height "$NET" $n)"; done)

  start_all
  target=$((stopped_at + 3))
  resume_start=$SECONDS deadline=$((SECONDS + RESUME_SECONDS))
  while [[ $(max_height "$NET" "${NODES[@]}") -lt $target ]]; do
    if [[ $SECONDS -ge $deadline ]]; then
      keep_failure
      fail "restart $r (SIG$signal after ${up_ms} ms, heights$heights): the chain did not commit height $target within ${RESUME_SECONDS}s"
    fi
    sleep 0.2
  done
  for n in "${NODES[@]}"; do wait_height "$NET" $n $target "$RESUME_SECONDS"; done
  # The round that decided the first height after the restart: above 0 when
  # the restart cut into a height that the first round could not finish.
  round=$(grep -o "height=$((stopped_at + 1)) round=[0-9]* committed" "$NET/node0.log" | tail -1 |
          sed 's/.*round=\([0-9]*\).*/\1/')
  printf '   restart %2d: SIG%-4s after %4d ms at heights%s; height %d decided in round %s;' \
    "$r" "$signal" "$up_ms" "$heights" "$((stopped_at + 1))" "${round:-?}"
  printf ' all four at height %d after %ds\n' "$target" "$((SECONDS - resume_start))"
done

step "stop all four; no node aborted and all four hold the same chain"
touch "$WORK/stop-load"
wait $load_pid || true
stop_all TERM "at the end"
for n in "${NODES[@]}"; do
  if grep -qE 'terminate called|Assertion' "$NET/$n.log"; then
    grep -E -A2 'terminate called|Assertion' "$NET/$n.log" | sed "s/^/   $n: /" >&2
    fail "$n aborted"
  fi
done
same_chain "$NET" "${NODES[@]}"
committed_txs=$(grep -o 'committed block [0-9a-f]* ([0-9]* txs' "$NET/node0.log" |
                awk '{ sum += substr($4, 2) } END { print sum + 0 }')
echo "   $kills restarts after kill -9, $terms after SIGTERM; final height" \
     "$(max_height "$NET" "${NODES[@]}"); $(cat "$WORK/loaded") load transactions admitted," \
     "$committed_txs committed"
echo "restart end-to-end test passed"
