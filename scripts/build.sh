#!/usr/bin/env bash
# Configures and builds tracechain in ./build (Ninja, RelWithDebInfo, warnings
# as errors). Extra arguments go to CMake, e.g. -DTRACECHAIN_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${TRACECHAIN_BUILD_DIR:-build}
# ccache (when installed) keys objects by paths relative to the checkout, so
# that a fresh clone elsewhere reuses what an earlier build compiled.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE="${CMAKE_BUILD_TYPE:-RelWithDebInfo}" \
  -DTRACECHAIN_WERROR=ON "$@"
cmake --build "$build_dir" -j "$(nproc)"
