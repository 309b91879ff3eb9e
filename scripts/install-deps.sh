#!/usr/bin/env bash
# Installs the Debian 12 packages tracechain builds and tests with.
# Idempotent: when every package is already installed it does nothing, and it
# runs `apt-get update` at most once. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config git ca-certificates curl
  libssl-dev openssl
  libcereal-dev
  nlohmann-json3-dev
  libcli11-dev
  catch2
  libbenchmark-dev
  librocksdb-dev libjemalloc-dev
  libboost-dev libtomlplusplus-dev libspdlog-dev libfmt-dev
  prometheus-cpp-dev
  libsystemd-dev  # sd_notify: readiness and the watchdog under systemd
  clang-14 libclang-rt-14-dev  # libFuzzer, for tests/fuzz (docs/testing.md)
  chromium  # headless, for the web console's browser test (docs/console.md)
)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$p")
done

# The JavaScript client and the console's browser test need Node.js 20 or
# later, which Debian 12 does not package (its nodejs is 18). When no node of
# at least 20 is on the PATH, Node.js 20.20.2 is fetched from the npm
# registry (the node-linux-<arch> package, checked against the registry's
# sha512) into /opt/tracechain-node-20.20.2, and linked as /usr/local/bin/node.
node_version=20.20.2
declare -A node_integrity=(
  [x64]=sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==
  [arm64]=sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==
)
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
need_node() {
  local major
  major=$(node_major)
  [[ ! "$major" =~ ^[0-9]+$ || "$major" -lt 20 ]]
}

install_node() {
  local arch
  case $(uname -m) in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "install-deps: no Node.js 20 for $(uname -m); the JavaScript tests will be skipped" >&2; return 0 ;;
  esac
  local dir=/opt/tracechain-node-$node_version
  if [[ ! -x $dir/bin/node ]]; then
    local work
    work=$(mktemp -d)
    local url=https://registry.npmjs.org/node-linux-$arch/-/node-linux-$arch-$node_version.tgz
    echo "install-deps: fetching Node.js $node_version from $url" >&2
    curl -fsSL --retry 3 -o "$work/node.tgz" "$url" || { rm -rf "$work"; return 1; }
    local got
    got=sha512-$(openssl dgst -sha512 -binary "$work/node.tgz" | base64 -w0)
    if [[ $got != "${node_integrity[$arch]}" ]]; then
      rm -rf "$work"
      echo "install-deps: $url does not match its sha512" >&2
      return 1
    fi
    tar -xzf "$work/node.tgz" -C "$work" && [[ -x $work/package/bin/node ]] || { rm -rf "$work"; return 1; }
    "${sudo[@]}" rm -rf "$dir.tmp" &&
      "${sudo[@]}" mv "$work/package" "$dir.tmp" &&
      "${sudo[@]}" mv "$dir.tmp" "$dir" || { rm -rf "$work"; return 1; }
    rm -rf "$work"
  fi
  "${sudo[@]}" ln -sfn "$dir/bin/node" /usr/local/bin/node || return 1
  hash -r
}

sudo=()
needs_root=0
[[ ${#missing[@]} -eq 0 ]] || needs_root=1
if need_node; then needs_root=1; fi
if [[ $needs_root -eq 0 ]]; then
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-deps: missing packages (${missing[*]}) and not root; run as root or install sudo" >&2
    exit 1
  fi
fi

if [[ ${#missing[@]} -gt 0 ]]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if need_node; then
  if install_node; then
    echo "install-deps: node $(node --version)" >&2
  else
    echo "install-deps: Node.js $node_version was not installed; the JavaScript and browser tests will report SKIPPED" >&2
  fi
fi
