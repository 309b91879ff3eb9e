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

# The JavaScript client's test needs Node.js 18 or later (WebCrypto's
# crypto.subtle). Debian's nodejs (18) is installed only when no node of at
# least that version is already on the PATH, so a newer one is never replaced.
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [[ ! "$node_major" =~ ^[0-9]+$ || "$node_major" -lt 18 ]]; then
  status=$(dpkg-query -W -f='${Status}' nodejs 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=(nodejs)
fi

if [[ ${#missing[@]} -eq 0 ]]; then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo=(sudo)
  else
    echo "install-deps: missing packages (${missing[*]}) and not root; run as root or install sudo" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
