// Commit certificates from untrusted bytes: the canonical round trip, then
// verification against the fixed chain's validator set, which rebuilds each
// signer's precommit and checks its signature.
#include "ledger/validators.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_chain.h"

using namespace tracechain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto certificate = fuzz::decode_canonical<ledger::CommitCertificate>(fuzz::view(data, size));
  if (!certificate) return 0;
  fuzz::check(!certificate->signatures.empty() &&
                  certificate->signatures.size() <= ledger::kMaxValidators,
              "a certificate with no or too many signatures decoded");
  const ledger::Genesis& genesis = fuzz::fuzz_chain().genesis;
  (void)ledger::verify_certificate(genesis.chain_id, genesis.validators, *certificate);
  return 0;
}
