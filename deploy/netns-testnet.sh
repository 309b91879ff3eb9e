#!/usr/bin/env bash
# Four validators as four hosts on one machine: each node runs in a network
# namespace of its own, joined to the others by a veth pair into a bridge,
# at 10.77.0.1-4. Unlike the loopback testnet, a node can be cut off from
# the network while it keeps running. Root only.
#
#   deploy/netns-testnet.sh up DIR           namespaces, bridge, homes (if DIR has none), start
#   deploy/netns-testnet.sh down DIR         stop the nodes, remove namespaces and bridge (homes stay)
#   deploy/netns-testnet.sh partition DIR NODE   cut NODE (e.g. node2) off from the others
#   deploy/netns-testnet.sh heal DIR         undo every partition
#   deploy/netns-testnet.sh status DIR       which nodes run, their heights, the partitions
#
# Names start with $TRACECHAIN_NETNS_PREFIX (default tcnet; at most 10
# characters): namespaces tcnet0-3, bridge tcnet-br, host-side veths
# tcnet0-h...; the prefix is kept in DIR/netns-prefix for later commands.
# The nodes' logs and pids are DIR/<node>.log and .pid, as for
# deploy/testnet.sh, which starts them (DIR/<node>.netns names each one's
# namespace). A partition is a blackhole route to and from NODE's address
# (tc netem is not needed). Reach a node's RPC from inside its namespace:
#   ip netns exec tcnet0 tracectl --node http://10.77.0.1:26657 status
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
testnet=$here/testnet.sh
nodes=4 subnet=10.77.0 base_port=26656

usage() { sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
die() { echo "netns-testnet: $*" >&2; exit 1; }

address() { echo "$subnet.$(($1 + 1))"; }  # address INDEX

# The prefix: the one DIR was brought up with, else the environment's.
prefix_of() {
  local dir=$1
  if [[ -f $dir/netns-prefix ]]; then cat "$dir/netns-prefix"; else echo "${TRACECHAIN_NETNS_PREFIX:-tcnet}"; fi
}

check_prefix() {
  [[ $1 =~ ^[a-z][a-z0-9]{0,9}$ ]] ||
    die "prefix '$1' must be 1-10 lower-case letters and digits, starting with a letter (interface names are at most 15 characters)"
}

# Not grep -q: under pipefail, its early exit would fail the pipeline.
namespace_exists() { ip netns list | awk '{print $1}' | grep -x "$1" >/dev/null; }

down() {
  local dir=$1 prefix
  prefix=$(prefix_of "$dir")
  check_prefix "$prefix"
  [[ -d $dir ]] && "$testnet" stop "$dir" || true
  # A node that did not stop must not outlive its namespace's removal.
  for pidfile in "$dir"/node*.pid; do
    [[ -f $pidfile ]] || continue
    kill -KILL "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  for i in $(seq 0 $((nodes - 1))); do
    namespace_exists "$prefix$i" && ip netns delete "$prefix$i"
    ip link show "${prefix}$i-h" >/dev/null 2>&1 && ip link delete "${prefix}$i-h"
  done
  ip link show "$prefix-br" >/dev/null 2>&1 && ip link delete "$prefix-br"
  echo "namespaces ${prefix}0 to $prefix$((nodes - 1)) and bridge $prefix-br removed"
}

up() {
  local dir=$1 prefix
  prefix=$(prefix_of "$dir")
  check_prefix "$prefix"
  # Nothing of that name may exist: a failed up removes all it would have made.
  local taken=()
  ip link show "$prefix-br" >/dev/null 2>&1 && taken+=("bridge $prefix-br")
  for i in $(seq 0 $((nodes - 1))); do
    namespace_exists "$prefix$i" && taken+=("namespace $prefix$i")
    ip link show "$prefix$i-h" >/dev/null 2>&1 && taken+=("link $prefix$i-h")
  done
  [[ ${#taken[@]} -eq 0 ]] ||
    die "already in use: ${taken[*]}; run '$0 down $dir' first, or set TRACECHAIN_NETNS_PREFIX"
  if [[ ! -f $dir/node0/config/node.toml ]]; then
    [[ ! -e $dir || -z $(ls -A "$dir") ]] || die "$dir holds something other than a testnet; give a new directory"
    rmdir "$dir" 2>/dev/null || true
    local hosts=()
    for i in $(seq 0 $((nodes - 1))); do hosts+=(--host "$(address "$i")"); done
    "$testnet" init "$dir" "$nodes" "$base_port" "${hosts[@]}"
  fi
  echo "$prefix" >"$dir/netns-prefix"

  # Half built is worse than not built: undo everything if a step fails.
  building=$dir
  trap '[[ -z $building ]] || { echo "netns-testnet: up failed; removing what it made" >&2; down "$building"; }' EXIT
  ip link add "$prefix-br" type bridge
  ip link set "$prefix-br" up
  for i in $(seq 0 $((nodes - 1))); do
    local ns=$prefix$i
    ip netns add "$ns"
    ip link add "$ns-h" type veth peer name "$ns-n"
    ip link set "$ns-n" netns "$ns"
    ip -n "$ns" link set "$ns-n" name eth0
    ip -n "$ns" addr add "$(address "$i")/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up
    ip link set "$ns-h" master "$prefix-br" up
    echo "$ns" >"$dir/node$i.netns"
  done
  "$testnet" start "$dir"
  building=""
  for i in $(seq 0 $((nodes - 1))); do
    echo "node$i: namespace $prefix$i, address $(address "$i"), p2p port $((base_port + 10 * i))"
  done
}

node_index() {  # node_index DIR NODE: NODE's index, or an error naming the nodes
  local dir=$1 node=$2
  [[ $node =~ ^node([0-9]+)$ && ${BASH_REMATCH[1]} -lt $nodes && -f $dir/$node.netns ]] ||
    die "'$node' is not a node of $dir (node0 to node$((nodes - 1)), started with '$0 up $dir')"
  echo "${BASH_REMATCH[1]}"
}

partition() {
  local dir=$1 node=$2 prefix i
  prefix=$(prefix_of "$dir")
  i=$(node_index "$dir" "$node")
  for j in $(seq 0 $((nodes - 1))); do
    [[ $j -eq $i ]] && continue
    ip -n "$prefix$i" route replace blackhole "$(address "$j")/32"
    ip -n "$prefix$j" route replace blackhole "$(address "$i")/32"
  done
  echo "$node ($(address "$i")) is cut off from the other nodes"
}

heal() {
  local dir=$1 prefix
  prefix=$(prefix_of "$dir")
  for i in $(seq 0 $((nodes - 1))); do
    namespace_exists "$prefix$i" || continue
    ip -n "$prefix$i" route show type blackhole | while read -r _ destination _; do
      ip -n "$prefix$i" route delete blackhole "$destination"
    done
  done
  echo "every partition healed"
}

status() {
  local dir=$1 prefix
  prefix=$(prefix_of "$dir")
  "$testnet" status "$dir"
  for i in $(seq 0 $((nodes - 1))); do
    namespace_exists "$prefix$i" || { echo "node$i: no namespace $prefix$i"; continue; }
    local cut
    cut=$(ip -n "$prefix$i" route show type blackhole | awk '{print $2}' | paste -sd' ')
    echo "node$i: namespace $prefix$i, address $(address "$i")${cut:+, cut off from $cut}"
  done
}

[[ $# -ge 2 ]] || usage
command=$1 dir=$2
case $command in
  up|down|partition|heal|status) ;;
  *) usage ;;
esac
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces)"
command -v ip >/dev/null || die "needs ip (Debian package iproute2)"
case $command in
  up) [[ $# -eq 2 ]] || usage; up "$dir" ;;
  down) [[ $# -eq 2 ]] || usage; down "$dir" ;;
  partition) [[ $# -eq 3 ]] || usage; partition "$dir" "$3" ;;
  heal) [[ $# -eq 2 ]] || usage; heal "$dir" ;;
  status) [[ $# -eq 2 ]] || usage; status "$dir" ;;
esac
