// genesis.json as an operator writes it (ledger/genesis.h): what parses must
// print back to JSON that parses to the same genesis, and round-trip through
// the canonical encoding, whose hash is the chain's genesis hash.
#include "ledger/genesis.h"
#include "tests/fuzz/fuzz.h"

using namespace tracechain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto genesis = ledger::parse_genesis_json(fuzz::text(data, size), "genesis.json");
  if (!genesis) return 0;
  fuzz::check(ledger::validate(*genesis).ok(), "parse_genesis_json accepted an invalid genesis");
  const std::string json = ledger::genesis_to_json(*genesis);
  auto again = ledger::parse_genesis_json(json, "re-printed genesis.json");
  fuzz::check(again.ok() && *again == *genesis,
              "a parsed genesis does not re-parse from its own JSON");
  const Bytes encoded = ledger::encode(*genesis);
  (void)fuzz::decode_canonical<ledger::Genesis>(encoded);
  (void)ledger::genesis_hash(*genesis);
  (void)ledger::genesis_state_root(*genesis);
  return 0;
}
