// Consensus proposals from untrusted bytes: the canonical round trip, then
// the signature against the named proposer's key in the fixed chain.
#include "ledger/block.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_chain.h"

using namespace tracechain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto proposal = fuzz::decode_canonical<ledger::Proposal>(fuzz::view(data, size));
  if (!proposal) return 0;
  fuzz::check(!proposal->valid_round || *proposal->valid_round < proposal->round,
              "a proposal whose valid round is not below its round decoded");
  const auto& keys = fuzz::fuzz_chain().keys;
  if (auto it = keys.find(proposal->proposer); it != keys.end()) {
    (void)ledger::verify_signature(*proposal, it->second.public_key());
  }
  return 0;
}
