#!/usr/bin/env bash
# deploy/install.sh without touching this host: --dry-run lists every step
# and changes nothing; --root stages the programs, documentation, scripts,
# the unit (naming the prefix's tracechaind) and /var/lib/tracechain, a
# second run gives the same tree, and a `cmake --install` tree serves as
# the source as well as a build directory; bad arguments fail with a
# message that names the problem.
# Usage: install_script_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1 source=$2
install=$source/deploy/install.sh
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/tracechain-install-script.XXXXXX")
trap 'rm -rf "$work"' EXIT

# tree DIR: every file and directory with its mode and checksum.
tree() {
  (cd "$1" && find . -printf '%M %p\n' | sort &&
    find . -type f -exec sha256sum {} + | sort -k2)
}

# expect_failure STATUS MESSAGE ARG...: install.sh ARG... exits STATUS, saying MESSAGE.
expect_failure() {
  local status=$1 message=$2 out; shift 2
  set +e
  out=$("$install" "$@" 2>&1)
  local got=$?
  set -e
  [[ $got -eq $status ]] || fail "install.sh $* exited $got, not $status: $out"
  grep -q -- "$message" <<<"$out" || fail "install.sh $* did not say '$message': $out"
}

echo "== --dry-run: the plan, and nothing done"
host_before=$(ls -d /etc/systemd/system/tracechaind@.service /var/lib/tracechain /usr/local/bin/tracechaind 2>/dev/null || true)
plan=$("$install" --build "$build" --dry-run)
echo "$plan"
for step in "+ install -m 0755 $build/node/tracechaind $build/cli/tracectl /usr/local/bin/" \
    "+ install -m 0644 .* /etc/systemd/system/tracechaind@.service" \
    "+ install -d -m 0750 /var/lib/tracechain" \
    "systemctl enable --now tracechaind@NAME"; do
  grep -q -- "$step" <<<"$plan" || fail "the dry run does not show: $step"
done
if ! getent passwd tracechain >/dev/null; then
  grep -q -- "+ useradd --system .* tracechain" <<<"$plan" || fail "the dry run does not create the user"
fi
host_after=$(ls -d /etc/systemd/system/tracechaind@.service /var/lib/tracechain /usr/local/bin/tracechaind 2>/dev/null || true)
[[ $host_before == "$host_after" ]] || fail "the dry run changed the host: $host_before -> $host_after"

echo "== --root: a staged install, twice"
"$install" --build "$build" --prefix /usr --root "$work/root" >"$work/first.log" ||
  { cat "$work/first.log"; fail "staged install"; }
grep -q "skipped: useradd" "$work/first.log" || fail "the staged install did not skip creating the user"
for program in usr/bin/tracechaind usr/bin/tracectl usr/share/tracechain/testnet.sh \
    usr/share/tracechain/netns-testnet.sh; do
  [[ -x $work/root/$program ]] || fail "$program is not installed as a program"
done
for page in "$source"/docs/*.md; do
  cmp -s "$page" "$work/root/usr/share/doc/tracechain/${page##*/}" || fail "docs/${page##*/} is not installed"
done
unit=$work/root/etc/systemd/system/tracechaind@.service
grep -qx 'ExecStart=/usr/bin/tracechaind --home /var/lib/tracechain/%i' "$unit" ||
  fail "the unit does not start /usr/bin/tracechaind: $(grep ^ExecStart "$unit")"
[[ $(stat -c %a "$work/root/var/lib/tracechain") == 750 ]] || fail "/var/lib/tracechain is not 0750"
tree "$work/root" >"$work/first.tree"
"$install" --build "$build" --prefix /usr --root "$work/root" >/dev/null || fail "second staged install"
tree "$work/root" >"$work/second.tree"
diff "$work/first.tree" "$work/second.tree" || fail "a second run changed the tree"

echo "== the programs from a cmake --install tree"
cmake --install "$build" --prefix "$work/cmake-tree" >/dev/null
"$install" --build "$work/cmake-tree" --root "$work/root2" >/dev/null || fail "install from a cmake --install tree"
cmp "$work/root2/usr/local/bin/tracechaind" "$build/node/tracechaind" ||
  fail "the installed tracechaind is not the tree's"

echo "== bad arguments"
expect_failure 1 "no tracechaind and tracectl in '$work/nothing'" --build "$work/nothing" --dry-run
expect_failure 1 "--prefix must be an absolute path" --prefix usr --dry-run
expect_failure 2 "unknown argument '--frobnicate'" --frobnicate
expect_failure 2 "--build DIR" --build
if command -v runuser >/dev/null && [[ $(id -u) -eq 0 ]]; then
  # Not root, on the host itself: refused before anything is done.
  set +e
  out=$(runuser -u nobody -- "$install" --build "$build" 2>&1)
  status=$?
  set -e
  [[ $status -eq 1 ]] && grep -q "run as root" <<<"$out" ||
    fail "install.sh as nobody exited $status: $out"
fi
echo "install script test passed"
