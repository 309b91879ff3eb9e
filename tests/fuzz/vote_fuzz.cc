// Consensus votes from untrusted bytes: the canonical round trip, then the
// signature against the named validator's key in the fixed chain.
#include "ledger/block.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_chain.h"

using namespace tracechain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto vote = fuzz::decode_canonical<ledger::Vote>(fuzz::view(data, size));
  if (!vote) return 0;
  const auto& keys = fuzz::fuzz_chain().keys;
  if (auto it = keys.find(vote->validator); it != keys.end()) {
    (void)ledger::verify_signature(*vote, it->second.public_key());
  }
  return 0;
}
