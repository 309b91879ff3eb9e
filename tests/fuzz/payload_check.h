// The payload half of the transaction targets: decodes a kind's payload and
// checks that what decodes is canonical and matches its kind.
#pragma once

#include <variant>

#include "ledger/payloads.h"
#include "tests/fuzz/fuzz.h"

namespace tracechain::fuzz {

inline void check_payload(ledger::TxKind kind, ByteView bytes, crypto::Suite suite) {
  auto payload = ledger::decode_payload(kind, bytes, suite);
  if (!payload) return;
  check(ledger::payload_matches_kind(*payload, kind), "a decoded payload does not match its kind");
  const Bytes again = std::visit([](const auto& p) { return ledger::encode(p); }, *payload);
  check(again.size() == bytes.size() && std::equal(again.begin(), again.end(), bytes.begin()),
        "an accepted payload does not re-encode to itself");
  auto twice = ledger::decode_payload(kind, again, suite);
  check(twice.ok() && *twice == *payload, "a re-encoded payload does not decode to the same value");
  (void)ledger::payload_trade_id(*payload);
}

}  // namespace tracechain::fuzz
