#!/usr/bin/env bash
# A nemesis against a real 4-validator testnet under client load. For
# NEMESIS_SECONDS (60 by default; longer runs are a soak) a seeded schedule
# does, one fault at a time so that three validators always remain:
#   - kill -9 a validator and start it again 1-3 s later;
#   - SIGSTOP a validator for 2-4 s (to the others it is a silent peer that
#     holds its connections open), then SIGCONT;
#   - SIGTERM validator 3 and run tracechain-attacker (--garbage-only) with its
#     identity for 4 s, flooding the other three with garbage and invalid
#     signatures over the real P2P, then start validator 3 again;
#   - SIGTERM a validator and start it again at once;
#   - when run as root: partition a validator away from the other three for
#     3-5 s, then heal it;
# while clients submit transactions through every node and wait for their
# receipts, and a flood of garbage HTTP and undecodable transactions hits
# every node's RPC.
# Afterwards all four are running, reach one height, and:
#   - every transaction whose receipt a client got is committed, asked of
#     another node than the one that answered, at the same height and index;
#   - the four hold the same hash at every height;
#   - `tracectl audit verify --data-dir` passes on every node's data.
# For partitions, each validator runs in its own network namespace, joined to
# the others and to this shell by a veth pair on a bridge, with an address
# 10.213.K.<i+1> (K from this process id); a partition is a pair of
# blackhole routes between the validator and each other validator, one in
# each namespace, which drops every packet between them. The clients and the
# flood still reach its RPC. Without root (or without `ip netns`) the nodes share
# 127.0.0.1 and the partitions are skipped, saying so.
#
# The schedule comes from a seeded generator; the seed is printed and
# SEED=<seed> replays it (the nodes' timing still varies).
# Usage: [NEMESIS_SECONDS=N] [SEED=S] nemesis_test.sh BUILD_DIR BASE_PORT ATTACKER_BINARY
BIN=$1 BASE_PORT=$2 ATTACKER=$3
source "$(dirname "$0")/lib.sh"

DURATION=${NEMESIS_SECONDS:-60}
SEED=${SEED:-$(( $(date +%s%N) % 1000000 ))}
NODES=(node0 node1 node2 node3)
TRACECTL=$BIN/cli/tracectl
RANDOM=$SEED
echo "seed $SEED, nemesis for ${DURATION}s (replay with SEED=$SEED NEMESIS_SECONDS=$DURATION)"

rpc_port() { echo $((BASE_PORT + 10 * $1 + 1)); }
host() { if [[ -n $SUBNET ]]; then echo "$SUBNET.$(($1 + 1))"; else echo 127.0.0.1; fi; }
rpc() { echo "$(host "$1"):$(rpc_port "$1")"; }

# The network: a namespace per validator on a bridge, when root can make them.
SUBNET= BRIDGE=tcnem$(($$ % 100000)) NS_PREFIX=tcnem$$-
on_cleanup() {
  [[ -n $SUBNET ]] || return 0
  for i in 0 1 2 3; do ip netns del "$NS_PREFIX$i" 2>/dev/null || true; done
  ip link del "$BRIDGE" 2>/dev/null || true
}
make_network() {
  local net=10.213.$(($$ % 250)) i
  ip link add "$BRIDGE" type bridge && ip addr add "$net.254/24" dev "$BRIDGE" &&
    ip link set "$BRIDGE" up || return 1
  SUBNET=$net  # from here on_cleanup removes what exists
  for i in 0 1 2 3; do
    ip netns add "$NS_PREFIX$i" &&
      ip link add "${BRIDGE}h$i" type veth peer name "${BRIDGE}n$i" &&
      ip link set "${BRIDGE}n$i" netns "$NS_PREFIX$i" &&
      ip link set "${BRIDGE}h$i" master "$BRIDGE" up &&
      ip -n "$NS_PREFIX$i" addr add "$net.$((i + 1))/24" dev "${BRIDGE}n$i" &&
      ip -n "$NS_PREFIX$i" link set "${BRIDGE}n$i" up &&
      ip -n "$NS_PREFIX$i" link set lo up || return 1
  done
}
# partition I on|off: blackhole (or restore) the routes between validator I
# and each other validator, on both sides: a route on one side alone would
# still let the others' packets in, and a node can follow the chain from what
# it receives without ever answering.
partition() {
  local i=$1 action=add j
  [[ $2 == off ]] && action=del
  for j in 0 1 2 3; do
    [[ $j == "$i" ]] && continue
    ip -n "$NS_PREFIX$i" route "$action" blackhole "$SUBNET.$((j + 1))/32"
    ip -n "$NS_PREFIX$j" route "$action" blackhole "$SUBNET.$((i + 1))/32"
  done
}
PARTITIONS="skipped: not root"
if [[ $(id -u) -eq 0 ]]; then
  if make_network 2>"$WORK/network.err"; then
    PARTITIONS=on
  else
    PARTITIONS="skipped: no network namespaces here ($(head -1 "$WORK/network.err"))"
    on_cleanup
    SUBNET=
  fi
fi
echo "partitions by network namespace: $PARTITIONS"

node_pid() { cat "$NET/$1.pid" 2>/dev/null || true; }
alive() { local p; p=$(node_pid "$1"); [[ -n $p ]] && kill -0 "$p" 2>/dev/null; }
pause_ms() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }

# Clients: asset registrations through node i % 4, each waiting for its
# receipt; a committed one is recorded as "hash height index node".
client() {
  local c=$1 i=0 out
  while [[ -d $WORK && ! -f $WORK/stop-load ]] && kill -0 $$ 2>/dev/null; do
    local n=$(( (i + c) % 4 ))
    if out=$(register_asset "$(rpc $n)" "load-$c-$i" 2>&1); then
      local hash position
      hash=$(sed -n 's/^transaction \([0-9a-f]\{64\}\).*/\1/p' <<<"$out" | head -1)
      position=$(sed -n 's/^committed   height \([0-9]*\), index \([0-9]*\).*/\1 \2/p' <<<"$out" | head -1)
      [[ -n $hash && -n $position ]] && echo "$hash $position $n" >>"$WORK/receipts.$c"
    fi
    i=$((i + 1))
    sleep 0.1
  done
}

# The RPC flood: garbage bytes, malformed JSON and undecodable or forged
# transactions, to every node in turn, answered or not.
flood() {
  local i=0
  while [[ -d $WORK && ! -f $WORK/stop-load ]] && kill -0 $$ 2>/dev/null; do
    local n=$((i % 4)) body
    case $((i % 3)) in
      0) body='{"jsonrpc":"2.0","id":1,"method":"tx_submit","params":{"tx":"'$(head -c 300 /dev/urandom | od -An -tx1 | tr -d ' \n')'"}}' ;;
      1) body='{"jsonrpc":"2.0","id":1,"method":"trade_get","params":{"tradeId":' ;;
      2) body=$(head -c 200 /dev/urandom | tr -d '\0') ;;
    esac
    { exec 3<>"/dev/tcp/$(host $n)/$(rpc_port $n)" &&
      printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s' \
        "${#body}" "$body" >&3 &&
      timeout 2 cat <&3 >/dev/null; exec 3>&-; } 2>/dev/null || true
    i=$((i + 1))
    sleep 0.02
  done
  echo "$i" >"$WORK/flooded"
}

step "a 4-validator testnet commits"
hosts=()
[[ -n $SUBNET ]] && hosts=(--host "$(host 0)" --host "$(host 1)" --host "$(host 2)" --host "$(host 3)")
"$TESTNET" init "$NET" 4 "$BASE_PORT" "${hosts[@]}" >/dev/null
if [[ -n $SUBNET ]]; then
  for i in 0 1 2 3; do echo "$NS_PREFIX$i" >"$NET/node$i.netns"; done
fi
"$TESTNET" start "$NET" >/dev/null
for n in "${NODES[@]}"; do wait_height "$NET" $n 2; done

step "clients, a flood and the nemesis for ${DURATION}s"
client 0 >/dev/null 2>&1 &
client_a=$!
client 1 >/dev/null 2>&1 &
client_b=$!
flood >/dev/null 2>&1 &
flood_pid=$!
declare -A faults=([kill]=0 [stop]=0 [attack]=0 [restart]=0 [partition]=0)
kinds=4
[[ -n $SUBNET ]] && kinds=5
end=$((SECONDS + DURATION))
while [[ $SECONDS -lt $end ]]; do
  i=$((RANDOM % 4))
  n=${NODES[$i]}
  case $((RANDOM % kinds)) in
    0) "$TESTNET" kill "$NET" $n >/dev/null
       pause_ms $((1000 + RANDOM % 2000))
       "$TESTNET" start "$NET" $n >/dev/null
       faults[kill]=$((faults[kill] + 1)) ;;
    1) kill -STOP "$(node_pid $n)"
       pause_ms $((2000 + RANDOM % 2000))
       kill -CONT "$(node_pid $n)"
       faults[stop]=$((faults[stop] + 1)) ;;
    2) "$TESTNET" stop "$NET" node3 >/dev/null
       netns=()
       [[ -n $SUBNET ]] && netns=(ip netns exec "${NS_PREFIX}3")
       "${netns[@]}" "$ATTACKER" --home "$NET/node3" --seconds 4 --garbage-only >>"$NET/attacker.log" 2>&1 ||
         fail "the attacker failed (status $?): $(tail -3 "$NET/attacker.log")"
       "$TESTNET" start "$NET" node3 >/dev/null
       faults[attack]=$((faults[attack] + 1)) ;;
    3) "$TESTNET" stop "$NET" $n >/dev/null
       "$TESTNET" start "$NET" $n >/dev/null
       faults[restart]=$((faults[restart] + 1)) ;;
    4) partition $i on
       before=$(height "$NET" $n)
       pause_ms $((3000 + RANDOM % 2000))
       cut_off=$(($(height "$NET" $n) - before))
       partition $i off
       # Cut off from every other validator it cannot gather a quorum: at most
       # a block already in flight when the routes went.
       [[ $cut_off -le 1 ]] || fail "$n committed $cut_off blocks while partitioned: the partition did not cut it off"
       faults[partition]=$((faults[partition] + 1)) ;;
  esac
  for m in "${NODES[@]}"; do alive $m || fail "$m is not running after a fault (it stopped itself)"; done
  pause_ms $((1000 + RANDOM % 1000))
done
step "the load stops; all four reach one height"
touch "$WORK/stop-load"
wait $client_a $client_b $flood_pid 2>/dev/null || true
echo "   faults: ${faults[kill]} kill -9, ${faults[stop]} SIGSTOP, ${faults[attack]} attacker floods," \
     "${faults[restart]} SIGTERM restarts, ${faults[partition]} partitions ($PARTITIONS);" \
     "$(cat "$WORK/flooded" 2>/dev/null || echo 0) hostile RPC requests"
target=$(( $(max_height "$NET" "${NODES[@]}") + 2 ))
for n in "${NODES[@]}"; do wait_height "$NET" $n $target 60; done
cat "$WORK"/receipts.* >"$WORK/receipts" 2>/dev/null || true
receipts=$(wc -l <"$WORK/receipts")
[[ $receipts -gt 0 ]] || fail "no client got a receipt during the nemesis"
echo "   all four at height $target or above; clients got $receipts receipts"

step "every receipt a client got holds, asked of another node"
while read -r hash height index answered; do
  asked=$(( (answered + 1 + RANDOM % 3) % 4 ))
  "$TRACECTL" receipt get "$hash" --node "http://$(rpc $asked)" \
    --key "$NET/keys/auditor-1.pem" --out "$WORK/receipt.json" >/dev/null ||
    fail "transaction $hash (height $height, index $index from node$answered) is unknown to node$asked"
  got=$(node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).receipt;
                 console.log(r.height + " " + r.index)' "$WORK/receipt.json")
  [[ $got == "$height $index" ]] ||
    fail "transaction $hash: node$answered said height $height index $index, node$asked says $got"
done <"$WORK/receipts"
echo "   $receipts receipts: the same height and index on the nodes asked"

step "stop all four; none aborted, they hold one chain, and each node's data audits"
"$TESTNET" stop "$NET" >/dev/null
for n in "${NODES[@]}"; do
  if grep -qE 'terminate called|Assertion|internal error: assertion' "$NET/$n.log"; then
    grep -E -A2 'terminate called|Assertion|internal error: assertion' "$NET/$n.log" | sed "s/^/   $n: /" >&2
    fail "$n aborted"
  fi
done
same_chain "$NET" "${NODES[@]}"
for n in "${NODES[@]}"; do
  "$TRACECTL" audit verify --data-dir "$NET/$n/data" --genesis "$NET/$n/config/genesis.json" \
    >"$WORK/audit.$n" 2>&1 || { cat "$WORK/audit.$n" >&2; fail "audit verify failed on $n"; }
  echo "   $n: $(tail -1 "$WORK/audit.$n")"
done
echo "nemesis end-to-end test passed"
