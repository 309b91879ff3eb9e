#!/usr/bin/env bash
# A local consortium on loopback, for trying tracechain and for tests.
#
#   deploy/testnet.sh init DIR [VALIDATORS] [BASE_PORT] [OPTION...]
#                                                         create homes (tracectl testnet init OPTION...)
#   deploy/testnet.sh start DIR [NODE...]                 start nodes (all by default) in the background
#   deploy/testnet.sh stop DIR [NODE...]                  stop them with SIGTERM and wait
#   deploy/testnet.sh kill DIR NODE...                    kill -9 (crash) nodes
#   deploy/testnet.sh status DIR                          which nodes run, and their last committed height
#
# NODE is a home name such as node0: a directory of DIR with config/node.toml. Each node logs to DIR/<node>.log and its
# process id is kept in DIR/<node>.pid. A node for which DIR/<node>.netns
# names a network namespace starts in it (ip netns exec; root only). Binaries
# come from the build directory $TRACECHAIN_BIN, else ./build next to this
# script's repository, else (an installed copy) the PATH.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TRACECHAIN_BIN:-$root/build}
tracectl=$bin/cli/tracectl
tracechaind=$bin/node/tracechaind
if [[ -z ${TRACECHAIN_BIN:-} && ! -x $tracechaind ]] && command -v tracechaind >/dev/null; then
  tracectl=$(command -v tracectl) tracechaind=$(command -v tracechaind)
fi

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

is_home() { [[ -f $1/config/node.toml && -f $1/config/genesis.json ]]; }

nodes_of() {  # the node homes in DIR (directories with a node's config), or the ones named
  local dir=$1; shift
  if [[ $# -gt 0 ]]; then
    for node in "$@"; do
      is_home "$dir/$node" || { echo "$dir/$node is not a node home (no config/node.toml)" >&2; exit 2; }
      echo "$node"
    done
    return
  fi
  for home in "$dir"/*/; do is_home "$home" && basename "$home"; done
  return 0
}

running() {  # running DIR NODE: is its process alive?
  local pidfile=$1/$2.pid
  [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

last_height() {  # the last height a node's text log says it committed
  grep -o 'height=[0-9]* round=[0-9]* committed' "$1/$2.log" 2>/dev/null | tail -1 |
    sed 's/height=\([0-9]*\).*/\1/' || true
}

rpc_address() {  # a node's JSON-RPC host:port, from its config ([rpc] listen)
  awk -F"'" '/^\[/ { section = $0 } section == "[rpc]" && /^listen = / { print $2; exit }' \
    "$1/$2/config/node.toml"
}

height_of() {  # DIR NODE: a running node's height over RPC (else from its log); a stopped one's from its data
  local dir=$1 node=$2 h='' address
  if running "$dir" "$node"; then
    address=$(rpc_address "$dir" "$node")
    address=${address/0.0.0.0/127.0.0.1}
    local netns=()  # asked from the node's own namespace, where it has one
    [[ -f $dir/$node.netns ]] && netns=(ip netns exec "$(cat "$dir/$node.netns")")
    h=$(timeout 5 "${netns[@]}" "$tracectl" status --node "http://$address" --output json 2>/dev/null |
        grep -o '"height": *[0-9]*' | head -1 | grep -o '[0-9]*$' || true)
    [[ -n $h ]] || h=$(last_height "$dir" "$node")
  else
    h=$("$tracectl" inspect --home "$dir/$node" 2>/dev/null | awk '$1 == "height" { print $2 }' || true)
  fi
  echo "${h:--}"
}

[[ $# -ge 2 ]] || usage
command=$1 dir=$2; shift 2
case $command in
  init)
    "$tracectl" testnet init --out "$dir" --validators "${1:-4}" --base-port "${2:-26656}" "${@:3}"
    ;;
  start)
    nodes=$(nodes_of "$dir" "$@")
    for node in $nodes; do
      if running "$dir" "$node"; then echo "$node already running"; continue; fi
      netns=()
      [[ -f $dir/$node.netns ]] && netns=(ip netns exec "$(cat "$dir/$node.netns")")
      "${netns[@]}" "$tracechaind" --home "$dir/$node" --set log.file= >>"$dir/$node.log" 2>&1 &
      echo $! >"$dir/$node.pid"
      echo "$node started (pid $!, log $dir/$node.log)"
    done
    ;;
  stop)
    nodes=$(nodes_of "$dir" "$@")
    for node in $nodes; do
      running "$dir" "$node" || continue
      pid=$(cat "$dir/$node.pid")
      kill -TERM "$pid"
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then echo "$node did not stop within 10 s" >&2; exit 1; fi
      rm -f "$dir/$node.pid"
      echo "$node stopped"
    done
    ;;
  kill)
    [[ $# -gt 0 ]] || usage
    for node in "$@"; do
      running "$dir" "$node" || continue
      kill -KILL "$(cat "$dir/$node.pid")"
      rm -f "$dir/$node.pid"
      echo "$node killed"
    done
    ;;
  status)
    nodes=$(nodes_of "$dir")
    for node in $nodes; do
      state=stopped
      running "$dir" "$node" && state=running
      echo "$node $state height $(height_of "$dir" "$node")"
    done
    ;;
  *)
    usage
    ;;
esac
