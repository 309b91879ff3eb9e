#!/usr/bin/env bash
# deploy/netns-testnet.sh: four validators as four hosts (network
# namespaces on a bridge, 10.77.0.1-4) commit blocks and reach each other's
# RPC across the bridge; a partitioned node falls behind while the other
# three go on, and catches up once healed; `down` leaves no namespace,
# bridge or process behind (also when the test fails), and the four chains
# agree. Needs root; skipped otherwise.
# Usage: netns_test.sh BUILD_DIR
if [[ $(id -u) -ne 0 ]]; then echo "SKIPPED: needs root (network namespaces)"; exit 0; fi
command -v ip >/dev/null || { echo "SKIPPED: needs ip (Debian package iproute2)"; exit 0; }
# A unique prefix, so that this run touches nothing of an operator's or another run's.
export TRACECHAIN_NETNS_PREFIX=tct$(($$ % 100000))
if ! error=$(ip netns add "${TRACECHAIN_NETNS_PREFIX}p" 2>&1); then
  echo "SKIPPED: cannot create network namespaces here: $error"; exit 0
fi
ip netns delete "${TRACECHAIN_NETNS_PREFIX}p"

BIN=$1
source "$(dirname "$0")/../e2e/lib.sh"
NETNS=$REPO/deploy/netns-testnet.sh
prefix=$TRACECHAIN_NETNS_PREFIX
on_cleanup() { "$NETNS" down "$NET" >/dev/null 2>&1; }
nodes=(node0 node1 node2 node3)
# status_from NS ADDRESS:PORT: tracectl status from inside namespace NS.
status_from() { ip netns exec "$1" "$BIN/cli/tracectl" status --node "http://$2" 2>&1; }

step "up: four namespaces on a bridge, a validator in each"
"$NETNS" up "$NET"
for n in "${nodes[@]}"; do wait_height "$NET" "$n" 3 30; done
for i in 0 1 2 3; do
  grep -q "listening for peers on 10.77.0.$((i + 1)):" "$NET/node$i.log" ||
    fail "node$i does not listen on 10.77.0.$((i + 1))"
done
out=$(status_from "${prefix}0" 10.77.0.4:26687) || fail "node3's RPC from node0's namespace: $out"
grep -q 'validator-3' <<<"$out" || fail "node3's status does not name validator-3: $out"
"$NETNS" up "$NET" 2>/dev/null && fail "a second up over a running testnet succeeded"

step "partition node3: the other three go on, node3 stays behind"
"$NETNS" partition "$NET" node9 2>/dev/null && fail "partition of a node that does not exist succeeded"
"$NETNS" partition "$NET" node3
cut_at=$(height "$NET" node3)
target=$(( $(max_height "$NET" node0 node1 node2) + 5 ))
for n in node0 node1 node2; do wait_height "$NET" "$n" "$target" 30; done
behind=$(height "$NET" node3)
# A block it already had the votes for may still land; nothing after it.
[[ $behind -le $((cut_at + 1)) ]] || fail "node3 committed from $cut_at to $behind while cut off"
status_from "${prefix}0" 10.77.0.4:26687 >/dev/null && fail "node3's RPC answered across the partition"
out=$("$NETNS" status "$NET")
grep -q "node3: .*cut off from 10.77.0.1 10.77.0.2 10.77.0.3" <<<"$out" ||
  fail "status does not show the partition: $out"
echo "   node3 stayed at $behind while the others reached $target"

step "heal: node3 catches up"
"$NETNS" heal "$NET"
target=$(( $(max_height "$NET" node0 node1 node2) + 2 ))
wait_height "$NET" node3 "$target" 30
out=$("$NETNS" status "$NET")
grep -q "cut off" <<<"$out" && fail "status still shows a partition after heal: $out"

step "down: no process, namespace or bridge remains; the chains agree"
"$NETNS" down "$NET"
for n in "${nodes[@]}"; do [[ ! -f $NET/$n.pid ]] || fail "$n's pid file remains"; done
remaining=$(ip netns list | awk '{print $1}' | grep "^$prefix" || true)
[[ -z $remaining ]] || fail "namespaces remain: $remaining"
ip link show "$prefix-br" >/dev/null 2>&1 && fail "bridge $prefix-br remains"
same_chain "$NET" node0 node1 node2 node3
echo "netns test passed"
