# Shared by the run scenarios (scenario.sh on one validator,
# scenario-testnet.sh on four): the binaries, step headings, transactions
# through tracectl, and the off-chain documents whose hashes go on chain.
# Source it after setting $root (the repository).
bin=${TRACECHAIN_BIN:-$root/build}  # the build directory
tracectl=$bin/cli/tracectl
tracechaind=$bin/node/tracechaind

step() { printf '\n== %s\n' "$*"; }

# Waits (up to 30 s) until the node has committed a checkpoint of its read
# log that proves some of the reads `tracectl access reads "$@"` lists: the
# node commits one at most every read_log.checkpoint_interval_ms.
wait_for_read_log_checkpoint() {
  for _ in $(seq 30); do
    if "$tracectl" access reads "$@" 2>/dev/null | grep -Eq '^[1-9][0-9]* proven in a checkpoint'; then
      return 0
    fi
    sleep 1
  done
  echo "the node committed no checkpoint of its read log in 30 s" >&2
  return 1
}

# Runs tracectl, shows its output, and leaves the transaction hash in $hash.
tx() {
  local output
  output=$("$tracectl" "$@") || { echo "$output"; return 1; }
  echo "$output"
  hash=$(awk '$1 == "transaction" { print $2 }' <<<"$output")
}

# Documents stay off the chain; their hashes go on it (@FILE). Writes one
# file per name into DIR.
make_documents() {
  local dir=$1; shift
  mkdir -p "$dir"
  for name in "$@"; do
    printf '%s: document of the scenario, %s\n' "$name" "$(date -u +%FT%TZ)" >"$dir/$name"
  done
}

# The steps both scenarios tell. They read documents from $docs and the
# participants' keys from keys/ (the current directory).

# buyer-coop makes its key and hands the governors its public key, never
# its private key file; the exchange proposes to admit it.
propose_buyer_coop() {
  local public_key
  "$tracectl" keys generate --out keys/buyer-coop.pem >/dev/null
  public_key=$("$tracectl" keys show --key keys/buyer-coop.pem | awk '$1 == "public" { print $3 }')
  tx governance propose --key keys/exchange.pem --proposal admit-buyer-coop \
    --change admit-participant --subject buyer-coop --public-key "$public_key" \
    --roles buyer --jurisdiction cn --proposal-expiry 1000
}

# attest SUBJECT EVIDENCE: attestor-ca attests SUBJECT's legal entity.
attest() {
  tx attest --key keys/attestor-ca.pem --subject "$1" --claim legal-entity \
    --evidence @"$docs/$2" --valid-from 2026-01-01 --valid-until 2030-01-01
}

# provider-acme registers weather-2026 (L2); reviewer-1 approves its source.
# Leaves the review's hash in $source_review.
register_asset() {
  tx asset register --key keys/provider-acme.pem --asset weather-2026 \
    --content @"$docs/data" --metadata @"$docs/metadata" --level 2 \
    --source-declaration @"$docs/source-declaration" --licence @"$docs/licence"
  tx asset review --key keys/reviewer-1.pem --asset weather-2026 --verdict approve \
    --report @"$docs/source-review" --rules 2026.1
  source_review=$hash
}

# trade-1: buyer-bank buys weather-2026 through request, acceptance, review,
# delivery, confirmation, usage and settlement. Needs $buyer_attestation,
# $provider_attestation and $source_review; leaves the delivery's hash in
# $saved_tx.
trade_to_settlement() {
  tx trade create --key keys/buyer-bank.pem --trade trade-1 --asset weather-2026 \
    --terms @"$docs/terms-1"
  tx trade accept --key keys/provider-acme.pem --trade trade-1
  tx trade review --key keys/reviewer-2.pem --trade trade-1 --verdict approve \
    --report @"$docs/compliance-1" --buyer-attestation "$buyer_attestation" \
    --provider-attestation "$provider_attestation" --source-review "$source_review"
  tx trade deliver --key keys/provider-acme.pem --trade trade-1 \
    --delivery @"$docs/delivery" --method download
  saved_tx=$hash
  tx trade confirm --key keys/buyer-bank.pem --trade trade-1
  tx trade usage --key keys/buyer-bank.pem --trade trade-1 --report @"$docs/usage" --units 1200
  tx trade settle --key keys/exchange.pem --trade trade-1 \
    --payment-reference @"$docs/payment" --amount 120000 --currency CNY
}

# trade-2: buyer-coop requests weather-2026 and provider-acme accepts.
request_trade_2() {
  tx trade create --key keys/buyer-coop.pem --trade trade-2 --asset weather-2026 \
    --terms @"$docs/terms-2"
  tx trade accept --key keys/provider-acme.pem --trade trade-2
}

# reviewer-2 rejects trade-2, citing only the provider's attestation.
reject_trade_2() {
  tx trade review --key keys/reviewer-2.pem --trade trade-2 --verdict reject \
    --report @"$docs/compliance-2" --provider-attestation "$provider_attestation" \
    --source-review "$source_review"
}

# The documents both scenarios hash.
scenario_documents=(kyc-provider kyc-buyer data metadata source-declaration licence
                    source-review terms-1 terms-2 compliance-1 compliance-2 delivery usage payment)
