#!/usr/bin/env bash
# Exercises the tracectl binary the way a user does: commands, files, exit
# codes and messages. Usage: tracectl_test.sh PATH_TO_TRACECTL
set -euo pipefail
tracectl=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect CODE COMMAND...: runs the command, checks its exit code, keeps output.
expect() {
  local want=$1; shift
  set +e
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  set -e
  if [[ $got -ne $want ]]; then
    fail "'$*' exited $got, expected $want"
    sed 's/^/  out: /' "$work/out" >&2
    sed 's/^/  err: /' "$work/err" >&2
  fi
}

expect_in() {  # expect_in FILE TEXT
  grep -qF -- "$2" "$work/$1" || fail "$1 lacks '$2': $(cat "$work/$1")"
}

for suite in p256-sha256 ed25519-sha256 sm2-sm3; do
  expect 0 "$tracectl" keys generate --suite "$suite" --out "$work/$suite.pem"
  expect_in out "suite       $suite"
  generated=$(grep '^public key' "$work/out")
  mode=$(stat -c %a "$work/$suite.pem")
  [[ $mode == 600 ]] || fail "$suite key file has mode $mode, expected 600"

  expect 0 "$tracectl" keys show --key "$work/$suite.pem"
  shown=$(grep '^public key' "$work/out")
  [[ $generated == "$shown" ]] || fail "keys show disagrees with keys generate for $suite"
  expect_in out "-----BEGIN PUBLIC KEY-----"

  expect 2 "$tracectl" keys generate --suite "$suite" --out "$work/$suite.pem"
  expect_in err "already exists"

  expect 0 "$tracectl" demo --suite "$suite" --transactions 13 --prove 12
  expect_in out "receipt       ok, block 4 index 0, events asset.registered(dataset-12)"
  expect_in out "verified      against log root"
done

expect 2 "$tracectl" keys show --key "$work/missing.pem"
expect_in err "missing.pem"
echo "not a key" >"$work/junk.pem"
expect 2 "$tracectl" keys show --key "$work/junk.pem"
expect_in err "not a PEM private key"
expect 2 "$tracectl" keys generate --suite rsa --out "$work/rsa.pem"
expect_in err "unknown signature suite"
expect 2 "$tracectl" demo --transactions 4 --prove 4
expect_in err "--prove must be below --transactions"
expect 2 "$tracectl" no-such-command
expect 0 "$tracectl" --help
expect_in out "Exit codes"
expect 0 "$tracectl" keys generate --help
expect_in out "Example"
expect 0 "$tracectl" --version
expect_in out "tracectl 0."
# A mistyped option is named as unknown, not reported as the missing one.
expect 2 "$tracectl" trade accept --key "$work/none.pem" --trad t1
expect_in err "unknown option --trad"

# Homes: a single node, a testnet with an observer, a node joining it.
expect 0 "$tracectl" init --home "$work/single" --chain-id demo-chain
expect_in out "created a single-node home"
for f in config/node.toml config/genesis.json config/node_key.pem config/tls/ca.pem \
         config/tls/node.pem config/tls/node.key keys/exchange.pem keys/buyer-bank.pem; do
  [[ -f $work/single/$f ]] || fail "init did not write $f"
done
[[ $(stat -c %a "$work/single/config/node_key.pem") == 600 ]] || fail "node key is not 0600"
[[ $(stat -c %a "$work/single/config/tls/node.key") == 600 ]] || fail "TLS key is not 0600"
# A home is its owner's alone: no other local user reads its keys or trades.
[[ $(stat -c %a "$work/single") == 700 ]] || fail "the home is not 0700"
# A key others can read is refused, as ssh refuses it.
chmod 644 "$work/single/keys/exchange.pem"
expect 2 "$tracectl" keys show --key "$work/single/keys/exchange.pem"
expect_in err "chmod 600"
chmod 600 "$work/single/keys/exchange.pem"
grep -q '"chain_id": "demo-chain"' "$work/single/config/genesis.json" || fail "genesis lacks the chain id"
expect 2 "$tracectl" init --home "$work/single"
expect_in err "already exists"
expect 2 "$tracectl" init --home "$work/bad" --chain-id "Bad Chain"
expect_in err "chain id"

expect 0 "$tracectl" testnet init --out "$work/net" --validators 2 --observers 1 --base-port 40000
expect_in out "validator-1  home $work/net/node1  p2p 127.0.0.1:40010"
expect_in out "observer-0  home $work/net/node2"
grep -q "validator = false" "$work/net/node2/config/node.toml" || fail "observer is a validator"
grep -q "allowed_peers = \['observer-0'\]" "$work/net/node0/config/node.toml" ||
  fail "validators do not admit the observer"
expect 2 "$tracectl" testnet init --out "$work/net" --validators 2
expect 2 "$tracectl" testnet init --out "$work/net2" --validators 0
expect 0 "$tracectl" testnet init --out "$work/hosts" --validators 2 --base-port 40100 \
  --host 10.9.0.1 --host node-b.example
expect_in out "validator-1  home $work/hosts/node1  p2p node-b.example:40110  rpc node-b.example:40111"
grep -q "peers = \['validator-1@node-b.example:40110'\]" "$work/hosts/node0/config/node.toml" ||
  fail "node0 does not dial node1 at its host: $(grep peers "$work/hosts/node0/config/node.toml")"
grep -q "listen = '10.9.0.1:40100'" "$work/hosts/node0/config/node.toml" ||
  fail "node0 does not listen on its host"
expect 0 "$tracectl" testnet init --out "$work/hosts1" --validators 2 --host ::1
expect_in out "p2p [::1]:26666"
expect 2 "$tracectl" testnet init --out "$work/hosts2" --validators 3 --host 10.9.0.1 --host 10.9.0.2
expect_in err "--host is given 2 times"
expect 2 "$tracectl" testnet init --out "$work/hosts3" --validators 1 --host 'a b'
expect_in err "--host 'a b' is not a host name or address"
[[ ! -e $work/hosts2 && ! -e $work/hosts3 ]] || fail "a refused testnet init left a directory"

expect 0 "$tracectl" join --home "$work/joiner" --genesis "$work/net/genesis.json" \
  --ca-dir "$work/net/ca" --node-id observer-7 --peer validator-0@127.0.0.1:40000
expect_in out "follows the chain without signing"
cmp -s "$work/joiner/config/genesis.json" "$work/net/node0/config/genesis.json" ||
  fail "the joiner's genesis differs"
expect 2 "$tracectl" join --home "$work/joiner2" --genesis "$work/net/genesis.json" \
  --ca-dir "$work/nowhere" --node-id observer-8
expect_in err "nowhere"

# A height beyond 64 bits is refused by name (it once escaped as "stoull").
expect 2 "$tracectl" verify-consistency --genesis "$work/net/genesis.json" \
  --from 99999999999999999999999 --to /dev/null --node http://127.0.0.1:1
expect_in err "--from: height 99999999999999999999999 is above 2^64-1"

expect 2 "$tracectl" inspect --home "$work/net/node0"
expect_in err "data directory"

# A file that is not a receipt is unreadable input (2), not a failed
# verification (1); broken JSON is named by line and column.
echo '{}' >"$work/empty.json"
expect 2 "$tracectl" verify "$work/empty.json" --genesis "$work/net/genesis.json"
expect_in err "not a receipt file"
printf '{"format": 1,\n "header": }\n' >"$work/broken.json"
expect 2 "$tracectl" verify "$work/broken.json" --genesis "$work/net/genesis.json"
expect_in err "broken.json:2:12: not valid JSON"

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed" >&2
  exit 1
fi
echo "all tracectl checks passed"
