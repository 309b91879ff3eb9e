#!/usr/bin/env bash
# Founding a consortium the way four separate organisations would: a CA
# machine, a coordinator who assembles genesis from public keys, and four
# founders, each with its own directory (its home and its participant key).
# Only public things cross between them: certificate requests, certificates,
# public keys, genesis. Then the four validators start and commit, and no
# private key exists anywhere but where it was made.
# Usage: ceremony_test.sh BUILD_DIR BASE_PORT
set -euo pipefail
BIN=$1 BASE=$2
tracectl=$BIN/cli/tracectl
tracechaind=$BIN/node/tracechaind
work=$(mktemp -d "${TMPDIR:-/tmp}/tracechain-ceremony.XXXXXX")
pids=()
cleanup() {
  local status=$?
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  if [[ $status -ne 0 ]]; then
    for log in "$work"/founder*/node.log; do [[ -f $log ]] && { echo "--- $log"; tail -15 "$log"; }; done
  fi
  rm -rf "$work"
  exit $status
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
# Fast consensus for the test.
export TRACECHAIN_CONSENSUS_TIMEOUT_PROPOSE_MS=600 TRACECHAIN_CONSENSUS_IDLE_BLOCK_INTERVAL_MS=300

ca=$work/ca-machine coordinator=$work/coordinator
mkdir -p "$ca/inbox" "$ca/outbox" "$coordinator"
ids=(exchange regulator member-bank attestor-ca)
roles=(governor,operator governor,auditor governor attestor)

step "the CA is created on its own machine"
"$tracectl" ca init --out "$ca/ca" --name "ceremony consortium CA"
cp "$ca/ca/ca.pem" "$coordinator/ca.pem"  # public: handed to everyone

step "each founder makes its keys at home: a validator home with a certificate request, and a participant key"
for k in 0 1 2 3; do
  founder=$work/founder$k
  peers=()
  for j in 0 1 2 3; do [[ $j -ne $k ]] && peers+=(--peer "validator-$j@127.0.0.1:$((BASE + 10 * j))"); done
  out=$("$tracectl" join --home "$founder/home" --node-id "validator-$k" --validator \
    --p2p-listen "127.0.0.1:$((BASE + 10 * k))" --rpc-listen "127.0.0.1:$((BASE + 10 * k + 1))" \
    --metrics-listen "127.0.0.1:$((BASE + 10 * k + 2))" "${peers[@]}")
  echo "$out"
  awk '$1 == "validator" && $2 == "key" { print $3 }' <<<"$out" >"$coordinator/validator-$k.key"
  [[ -s $coordinator/validator-$k.key ]] || fail "join printed no validator key"
  cp "$founder/home/config/tls/node.csr" "$ca/inbox/validator-$k.csr"
  mkdir -p "$founder/keys"
  "$tracectl" keys generate --out "$founder/keys/${ids[$k]}.pem" >/dev/null
  "$tracectl" keys show --key "$founder/keys/${ids[$k]}.pem" | awk '$1 == "public" { print $3 }' \
    >"$coordinator/${ids[$k]}.key"
done

step "the coordinator assembles genesis from public keys"
g=$coordinator/genesis.json
"$tracectl" genesis new --out "$g" --chain-id ceremony-test --time 2026-12-01
for k in 0 1 2 3; do
  "$tracectl" genesis add-participant --genesis "$g" --id "${ids[$k]}" \
    --public-key "$(cat "$coordinator/${ids[$k]}.key")" --roles "${roles[$k]}" --jurisdiction cn
  "$tracectl" genesis add-validator --genesis "$g" --id "validator-$k" \
    --public-key "$(cat "$coordinator/validator-$k.key")"
done
"$tracectl" genesis set-policy --genesis "$g" --governance-threshold 2
# Mistakes are refused, naming what is wrong.
if "$tracectl" genesis add-participant --genesis "$g" --id exchange \
     --public-key "$(cat "$coordinator/exchange.key")" --roles buyer --jurisdiction cn 2>"$work/err"; then
  fail "a repeated participant was accepted"
fi
grep -q "already lists 'exchange'" "$work/err" || fail "the repeat was not named: $(cat "$work/err")"
if "$tracectl" genesis add-validator --genesis "$g" --id validator-9 --public-key 04abcd 2>"$work/err"; then
  fail "a malformed key was accepted"
fi
coordinator_hash=$("$tracectl" genesis check --genesis "$g" | tee /dev/stderr | awk '$1 == "genesis" && $2 == "hash" { print $3 }')
[[ ${#coordinator_hash} -eq 64 ]] || fail "genesis check printed no hash"

step "each founder checks its own copy of genesis: the same hash"
for k in 0 1 2 3; do
  cp "$g" "$work/founder$k/genesis.json"
  hash=$("$tracectl" genesis check --genesis "$work/founder$k/genesis.json" | awk '$1 == "genesis" && $2 == "hash" { print $3 }')
  [[ $hash == "$coordinator_hash" ]] || fail "founder $k sees genesis $hash, not $coordinator_hash"
done

step "the CA signs each request"
for k in 0 1 2 3; do
  "$tracectl" ca sign --ca "$ca/ca" --csr "$ca/inbox/validator-$k.csr" --out "$ca/outbox/validator-$k.pem"
done
# A request whose bytes were changed is refused.
sed '2s/^\(.\)./\1A/; 2s/^\(.\)A/\1B/' "$ca/inbox/validator-0.csr" >"$work/tampered.csr"
if cmp -s "$work/tampered.csr" "$ca/inbox/validator-0.csr"; then fail "the tamper changed nothing"; fi
if "$tracectl" ca sign --ca "$ca/ca" --csr "$work/tampered.csr" --out "$work/tampered.pem" 2>"$work/err"; then
  fail "a tampered request was signed"
fi
cat "$work/err"

step "each founder completes its home from the certificate, the CA certificate and genesis"
# Another node's certificate does not fit this home.
if "$tracectl" join --home "$work/founder0/home" --certificate "$ca/outbox/validator-1.pem" \
     --ca-certificate "$coordinator/ca.pem" --genesis "$work/founder0/genesis.json" 2>"$work/err"; then
  fail "validator-1's certificate completed validator-0's home"
fi
grep -q "names node 'validator-1', but this home is 'validator-0'" "$work/err" ||
  fail "the wrong certificate was not named: $(cat "$work/err")"
for k in 0 1 2 3; do
  "$tracectl" join --home "$work/founder$k/home" --certificate "$ca/outbox/validator-$k.pem" \
    --ca-certificate "$coordinator/ca.pem" --genesis "$work/founder$k/genesis.json" |
    tee "$work/complete.out"
  grep -q "in genesis, with this home's key" "$work/complete.out" || fail "validator-$k's key is not in genesis"
done

step "no private key exists but where it was made"
while IFS= read -r file; do
  case ${file#"$work"/} in
    ca-machine/ca/ca.key | founder[0-3]/home/config/node_key.pem | \
    founder[0-3]/home/config/tls/node.key | founder[0-3]/keys/*.pem) ;;
    *) fail "a private key is at $file" ;;
  esac
done < <(grep -rl "PRIVATE KEY" "$work")
[[ $(grep -rl "PRIVATE KEY" "$work" | wc -l) -eq 13 ]] || fail "expected 13 private keys (1 CA, 4 x 3)"

step "the four validators start and commit; a founder's participant key signs a transaction"
for k in 0 1 2 3; do
  "$tracechaind" --home "$work/founder$k/home" --set log.file= >"$work/founder$k/node.log" 2>&1 &
  pids+=($!)
done
for k in 0 1 2 3; do
  for _ in $(seq 300); do
    h=$("$tracectl" status --node "http://127.0.0.1:$((BASE + 10 * k + 1))" --output json 2>/dev/null |
        grep -o '"height": *[0-9]*' | head -1 | grep -o '[0-9]*$' || true)
    [[ ${h:-0} -ge 2 ]] && break
    sleep 0.1
  done
  [[ ${h:-0} -ge 2 ]] || fail "validator-$k did not commit"
done
"$tracectl" attest --node "http://127.0.0.1:$((BASE + 1))" --key "$work/founder3/keys/attestor-ca.pem" \
  --subject regulator --claim legal-entity --evidence "$(printf '%064x' 7)" \
  --valid-from 2026-01-01 --valid-until 2030-01-01 --timeout 60 | tee "$work/tx.out"
grep -q '^status      ok' "$work/tx.out" || fail "the attestation was not committed"
echo "ceremony test passed"
