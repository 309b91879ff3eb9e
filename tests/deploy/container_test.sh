#!/usr/bin/env bash
# The container files, checked without Docker (none runs here):
# - deploy/Dockerfile's runtime stage installs exactly the packages that own
#   the shared libraries tracechaind and tracectl load (ldd on this Debian 12
#   build), plus ca-certificates, and runs tracechaind as a non-root user
#   logging to stdout;
# - deploy/compose.yaml has one service per home `tracectl testnet init
#   --host node0 ... --host node3` makes, named as its listen host, with that
#   home mounted, listening on its ports, and every peer address a home
#   dials naming a service and its P2P port;
# - the TRACECHAIN_*_LISTEN variables compose sets are settings tracechaind
#   knows.
# Usage: container_test.sh BUILD_DIR SOURCE_DIR [release|instrumented]
# An instrumented build (sanitizers, fuzzing) links other libraries than the
# image's release build (no jemalloc under ASan), so its ldd is not compared.
set -euo pipefail
build=$1 source=$2 flavour=${3:-release}
dockerfile=$source/deploy/Dockerfile compose=$source/deploy/compose.yaml
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tracechain-container.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== Dockerfile"
grep -q '^FROM debian:12 AS build$' "$dockerfile" || fail "the build stage is not debian:12"
grep -q '^FROM debian:12-slim AS runtime$' "$dockerfile" || fail "the runtime stage is not debian:12-slim"
grep -q '^RUN scripts/install-deps.sh' "$dockerfile" || fail "the build stage does not use scripts/install-deps.sh"
grep -q 'scripts/build.sh' "$dockerfile" || fail "the build stage does not use scripts/build.sh"
grep -q '^USER tracechain$' "$dockerfile" || fail "the runtime stage does not run as tracechain"
grep -q '^ENV TRACECHAIN_LOG_FILE=$' "$dockerfile" || fail "the log does not go to stdout"
grep -q '^ENTRYPOINT \["tracechaind"\]$' "$dockerfile" || fail "tracechaind is not the entrypoint"

if [[ $flavour != release ]]; then
  echo "   an instrumented build: the runtime package list is not compared with ldd"
elif [[ $(cut -d. -f1 /etc/debian_version 2>/dev/null) == 12 ]]; then
  # The runtime stage's package list: the words of its apt-get install command.
  listed=$(sed -n '/^FROM debian:12-slim/,/^RUN useradd/p' "$dockerfile" |
           sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' |
           grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vx -e apt-get -e install -e rm -e '&&' | sort -u)
  needed=$( (ldd "$build/node/tracechaind"; ldd "$build/cli/tracectl") | awk '$3 ~ /^\// {print $3}' |
           sort -u | while read -r library; do
             dpkg -S "$(readlink -f "$library")" 2>/dev/null || dpkg -S "$library"
           done | cut -d: -f1 | sort -u)
  diff <(echo "$needed") <(grep -vx ca-certificates <<<"$listed") ||
    fail "the runtime packages (right) differ from the packages of the libraries the programs load (left)"
  echo "   runtime packages: $(echo $listed)"
else
  echo "   not Debian 12: the runtime package list is not compared with ldd"
fi

echo "== compose.yaml against tracectl testnet init --host"
"$build/cli/tracectl" testnet init --out "$work/testnet" \
  --host node0 --host node1 --host node2 --host node3 >/dev/null
# service NAME: the lines of compose.yaml's service NAME.
service() { awk -v s="  $1:" '$0 == s {on = 1; next} on && /^ {0,2}[^ ]/ {on = 0} on' "$compose"; }
# setting HOME SECTION KEY: a node.toml value, unquoted.
setting() {
  awk -v s="[$2]" -v k="$3" '/^\[/ {in_section = ($0 == s)} in_section && $1 == k {print $3}' \
    "$1/config/node.toml" | tr -d "'"
}
services=$(awk '/^[^ ]/ {in_services = ($0 == "services:")} in_services && /^  [a-z0-9]+:$/' "$compose" |
           tr -d ' :' | sort)
homes=$(cd "$work/testnet" && for h in */config/node.toml; do echo "${h%%/*}"; done | sort)
[[ $services == "$homes" ]] || fail "compose services ($(echo $services)) are not the homes ($(echo $homes))"
for home in $homes; do
  dir=$work/testnet/$home
  p2p=$(setting "$dir" p2p listen) rpc=$(setting "$dir" rpc listen) metrics=$(setting "$dir" rpc metrics_listen)
  host=${p2p%:*}
  block=$(service "$host")
  [[ -n $block ]] || fail "$home listens on $p2p but compose has no service $host"
  grep -qx "    hostname: $host" <<<"$block" || fail "service $host has not hostname $host"
  grep -qF "/$home:/var/lib/tracechain/node\"]" <<<"$block" || fail "service $host does not mount $home"
  grep -qx "      TRACECHAIN_P2P_LISTEN: \"0.0.0.0:${p2p##*:}\"" <<<"$block" ||
    fail "service $host does not listen for peers on port ${p2p##*:}"
  grep -qx "      TRACECHAIN_RPC_LISTEN: \"0.0.0.0:${rpc##*:}\"" <<<"$block" ||
    fail "service $host does not serve RPC on port ${rpc##*:}"
  grep -qx "      TRACECHAIN_RPC_METRICS_LISTEN: \"0.0.0.0:${metrics##*:}\"" <<<"$block" ||
    fail "service $host does not serve metrics on port ${metrics##*:}"
  grep -qF "\"127.0.0.1:${rpc##*:}:${rpc##*:}\"" <<<"$block" || fail "service $host does not publish its RPC"
  grep -qF "\"http://$rpc\"" <<<"$block" || fail "service $host's health check does not ask $rpc"
  # Every peer this home dials is a service listening there.
  for peer in $(grep '^peers = ' "$dir/config/node.toml" | grep -o "@[^']*" | tr -d @); do
    grep -qx "      TRACECHAIN_P2P_LISTEN: \"0.0.0.0:${peer##*:}\"" <<<"$(service "${peer%:*}")" ||
      fail "$home dials $peer, which no service listens on"
  done
  echo "   $home: service $host, p2p $p2p, rpc $rpc, metrics $metrics"
done

echo "== the variables compose sets are tracechaind settings"
# A misspelt variable is refused before the home is read; these get as far as the home.
out=$(env $(grep -ho 'TRACECHAIN_[A-Z_]*: "[^"]*"' "$compose" | sort -u | sed 's/: "/=/; s/"$//') \
      TRACECHAIN_LOG_FILE= "$build/node/tracechaind" --home "$work/nowhere" 2>&1) && fail "started without a home"
grep -q "node.toml" <<<"$out" || fail "tracechaind refused compose's variables: $out"

if docker compose version >/dev/null 2>&1; then
  TRACECHAIN_TESTNET=$work/testnet docker compose -f "$compose" config -q || fail "docker compose config"
else
  echo "   (docker compose is not installed: its own check of the file was not run)"
fi
echo "container test passed"
