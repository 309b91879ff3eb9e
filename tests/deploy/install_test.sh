#!/usr/bin/env bash
# `cmake --install` into a staging directory (DESTDIR) puts the programs,
# the documentation, the testnet script, the web console and the systemd
# unit where an operator looks for them, and the installed pieces work
# together: the programs run, the unit starts the installed tracechaind, and
# the installed testnet.sh finds the installed programs on the PATH.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tracechain-install.XXXXXX")
trap 'rm -rf "$work"' EXIT

prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$build/CMakeCache.txt")
[[ -n $prefix ]] || fail "no CMAKE_INSTALL_PREFIX in $build/CMakeCache.txt"
DESTDIR=$work/stage cmake --install "$build" >"$work/install.log" || { cat "$work/install.log"; fail "cmake --install"; }
staged=$work/stage$prefix
(cd "$work/stage" && find . -type f | sort)

for program in bin/tracechaind bin/tracectl share/tracechain/testnet.sh share/tracechain/netns-testnet.sh; do
  [[ -x $staged/$program ]] || fail "$program is not installed as a program"
done
"$staged/bin/tracechaind" --version | grep -q '^tracechaind [0-9]' || fail "installed tracechaind --version"
"$staged/bin/tracectl" --version | grep -q '^tracectl [0-9]' || fail "installed tracectl --version"

# Every page of docs/ and the pictures they show, and nothing else, under
# share/doc/tracechain.
diff <(cd "$source/docs" && find . -name '*.md' -o -name '*.png' | sort) \
     <(cd "$staged/share/doc/tracechain" && find . -type f | sort) ||
  fail "share/doc/tracechain differs from docs/ (*.md, *.png)"

# The console and the client it imports, as rpc.console expects them.
for file in console/index.html console/console.css console/src/app.js js/src/index.js; do
  [[ -f $staged/share/tracechain/clients/$file ]] || fail "share/tracechain/clients/$file is not installed"
done
[[ ! -e $staged/share/tracechain/clients/console/test ]] || fail "the console's tests are installed"

unit=$staged/lib/systemd/system/tracechaind@.service
[[ -f $unit ]] || fail "the systemd unit is not in lib/systemd/system"
grep -qx "ExecStart=$prefix/bin/tracechaind --home /var/lib/tracechain/%i" "$unit" ||
  fail "the unit does not start $prefix/bin/tracechaind: $(grep ^ExecStart "$unit")"

# The installed testnet.sh, far from any build directory, uses the PATH.
env -u TRACECHAIN_BIN PATH="$staged/bin:$PATH" "$staged/share/tracechain/testnet.sh" init "$work/net" 1 30600 >"$work/init.log" ||
  { cat "$work/init.log"; fail "installed testnet.sh init"; }
[[ -f $work/net/node0/config/node.toml ]] || fail "installed testnet.sh made no home"
echo "install test passed"
