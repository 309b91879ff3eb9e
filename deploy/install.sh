#!/usr/bin/env bash
# Installs tracechain on a Debian 12 host, as root; running it again brings
# the same result (newer programs replace older ones; the user, the homes and
# their data are left as they are).
#
#   deploy/install.sh [--build DIR] [--prefix DIR] [--root DIR] [--dry-run]
#
#   --build DIR   where the programs come from: a build directory
#                 (DIR/node/tracechaind, DIR/cli/tracectl) or a tree made by
#                 `cmake --install` (DIR/bin/...). Default: ./build next to
#                 this script's repository.
#   --prefix DIR  where they go: DIR/bin, DIR/share/doc/tracechain,
#                 DIR/share/tracechain. Default /usr/local.
#   --root DIR    stage everything under DIR instead of /, for packaging or a
#                 check: no user is created, nothing is chowned, systemd is
#                 not told.
#   --dry-run     print every step, change nothing.
#
# What it does: creates the system user and group tracechain, installs
# tracechaind and tracectl, the documentation, the testnet scripts, the unit
# /etc/systemd/system/tracechaind@.service (run `systemctl daemon-reload`),
# and /var/lib/tracechain (0750, owned by tracechain), under which each
# node's home is a directory NAME run by tracechaind@NAME. See docs/deploy.md.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
build=$repo/build prefix=/usr/local root="" dry_run=""

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
die() { echo "install.sh: $*" >&2; exit 1; }

while [[ $# -gt 0 ]]; do
  case $1 in
    --build) [[ $# -ge 2 ]] || usage; build=$2; shift 2 ;;
    --prefix) [[ $# -ge 2 ]] || usage; prefix=$2; shift 2 ;;
    --root) [[ $# -ge 2 ]] || usage; root=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    -h|--help) usage ;;
    *) echo "install.sh: unknown argument '$1'" >&2; usage ;;
  esac
done
[[ $prefix == /* ]] || die "--prefix must be an absolute path, got '$prefix'"
[[ -z $root || $root == /* ]] || root=$(pwd)/$root

# The programs: a build directory's layout, or an installed tree's.
if [[ -x $build/node/tracechaind && -x $build/cli/tracectl ]]; then
  tracechaind=$build/node/tracechaind tracectl=$build/cli/tracectl
elif [[ -x $build/bin/tracechaind && -x $build/bin/tracectl ]]; then
  tracechaind=$build/bin/tracechaind tracectl=$build/bin/tracectl
else
  die "no tracechaind and tracectl in '$build' (node/ and cli/ of a build directory, or bin/ of
an installed tree); build them first (scripts/build.sh) or give --build DIR"
fi

# Changing the host needs root; staging and a dry run do not.
if [[ -z $root && -z $dry_run && $(id -u) -ne 0 ]]; then
  die "run as root to install on this host (or see what it would do: --dry-run, --root DIR)"
fi

run() {
  echo "+$(printf ' %q' "$@")"
  [[ -n $dry_run ]] || "$@"
}

host_only() {  # steps that change this host's users and services: not when staging
  if [[ -n $root ]]; then echo "  (staged under $root: skipped: $*)"; return; fi
  run "$@"
}

# The system user, without a login or a home of its own to log into.
if [[ -n $root ]] || ! getent passwd tracechain >/dev/null; then
  host_only useradd --system --user-group --home-dir /var/lib/tracechain --no-create-home \
    --shell /usr/sbin/nologin --comment "tracechain node" tracechain
else
  echo "  user tracechain exists"
fi

run install -d "$root$prefix/bin" "$root$prefix/share/doc/tracechain" \
  "$root$prefix/share/tracechain" "$root/etc/systemd/system"
run install -m 0755 "$tracechaind" "$tracectl" "$root$prefix/bin/"
run install -m 0644 "$repo"/docs/*.md "$root$prefix/share/doc/tracechain/"
run install -m 0755 "$repo/deploy/testnet.sh" "$repo/deploy/netns-testnet.sh" \
  "$root$prefix/share/tracechain/"

# The unit names /usr/local; the installed one names this prefix.
unit=$(mktemp)
trap 'rm -f "$unit"' EXIT
sed -e "s#/usr/local/bin/#$prefix/bin/#" -e "s#/usr/local/share/doc/tracechain/#$prefix/share/doc/tracechain/#" \
  "$repo/deploy/systemd/tracechaind@.service" >"$unit"
run install -m 0644 "$unit" "$root/etc/systemd/system/tracechaind@.service"

# The homes' parent: only the service's user may look inside.
run install -d -m 0750 "$root/var/lib/tracechain"
host_only chown tracechain:tracechain "$root/var/lib/tracechain"

if [[ -d /run/systemd/system ]]; then
  host_only systemctl daemon-reload
else
  echo "  systemd is not running here: run systemctl daemon-reload once it is"
fi

cat <<DONE

tracechain is installed in $root$prefix. Create a node's home as the user tracechain:

  a chain of its own (one validator):
    runuser -u tracechain -- $prefix/bin/tracectl init --home /var/lib/tracechain/NAME
  or a node of a consortium: its keys and a certificate request for the CA,
    runuser -u tracechain -- $prefix/bin/tracectl join --home /var/lib/tracechain/NAME \\
      --node-id ID [--validator] --peer ID@HOST:PORT
  then, with the certificate the CA signed, its ca.pem and the chain's genesis.json,
    runuser -u tracechain -- $prefix/bin/tracectl join --home /var/lib/tracechain/NAME \\
      --certificate NODE.pem --ca-certificate ca.pem --genesis genesis.json
  (docs/operations.md, "Founding a consortium")

then start it now and at every boot, and follow its log:

  systemctl enable --now tracechaind@NAME
  journalctl -u tracechaind@NAME -f

A node that was already running keeps its old program until
  systemctl restart tracechaind@NAME
DONE
