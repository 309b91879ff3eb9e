#!/usr/bin/env bash
# The systemd unit as installed: systemd-analyze verify accepts an instance
# of it without a word (unknown or misspelt settings are only warnings to
# systemd, so any message about the unit fails the test), and it keeps the
# settings docs/deploy.md promises.
# Usage: unit_test.sh UNIT_FILE TRACECHAIND
set -euo pipefail
unit=$1 tracechaind=$2
fail() { echo "FAIL: $*" >&2; exit 1; }

for setting in Type=notify WatchdogSec= Restart=on-failure RestartPreventExitStatus=2 LimitNOFILE= User=tracechain \
    NoNewPrivileges=yes ProtectSystem=strict 'ReadWritePaths=/var/lib/tracechain/%i' \
    ProtectHome=yes PrivateTmp=yes PrivateDevices=yes ProtectKernelTunables=yes \
    ProtectKernelModules=yes ProtectKernelLogs=yes ProtectControlGroups=yes \
    'RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX' 'CapabilityBoundingSet=$' \
    SystemCallFilter=@system-service MemoryDenyWriteExecute=yes \
    'ExecStart=[^ ]*/tracechaind --home /var/lib/tracechain/%i$'; do
  grep -Eq "^$setting" "$unit" || fail "$unit lacks $setting"
done

command -v systemd-analyze >/dev/null ||
  { echo "SKIPPED: systemd-analyze is not installed (Debian package systemd)"; exit 0; }

# verify checks that ExecStart's program exists: point it at this build's.
work=$(mktemp -d "${TMPDIR:-/tmp}/tracechain-unit.XXXXXX")
trap 'rm -rf "$work"' EXIT
sed -E "s#^ExecStart=[^ ]*/tracechaind #ExecStart=$tracechaind #" "$unit" >"$work/tracechaind@.service"
set +e
out=$(systemd-analyze verify --man=no "$work/tracechaind@node0.service" 2>&1)
status=$?
set -e
echo "$out"
[[ $status -eq 0 ]] || fail "systemd-analyze verify exited $status"
if grep -q 'tracechaind@' <<<"$out"; then fail "systemd-analyze verify reported on the unit"; fi
echo "unit test passed"
