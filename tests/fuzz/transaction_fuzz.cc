// The transaction envelope from untrusted bytes (a client's submission, a
// peer's relay): decode, the canonical round trip, the kind's payload, the
// hash computed both ways, and signature verification against a key of the
// fixed chain.
#include "ledger/transaction.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_chain.h"
#include "tests/fuzz/payload_check.h"

using namespace tracechain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView bytes = fuzz::view(data, size);
  auto tx = fuzz::decode_canonical<ledger::Transaction>(bytes);
  if (!tx) return 0;
  fuzz::check(ledger::tx_kind_name(tx->kind).has_value(), "a transaction of an unknown kind decoded");
  fuzz::check(ledger::transaction_hash(*tx) == ledger::transaction_hash(tx->suite, bytes),
              "the transaction hash differs between the value and its bytes");
  fuzz::check_payload(tx->kind, tx->payload, tx->suite);
  const auto& keys = fuzz::fuzz_chain().keys;
  if (auto it = keys.find(tx->sender); it != keys.end()) {
    (void)ledger::verify_signature(*tx, it->second.public_key());
  }
  return 0;
}
