// A fixed chain for the fuzz targets and their seed corpus: the test
// consortium of tests/support/test_chain.h and four validators node-0..node-3,
// all with Ed25519 keys derived from their names (derived_key). Because the keys and
// Ed25519 signatures are deterministic, the corpus generator and every later
// run agree on them, so seeds signed once (proposals, votes, certificates)
// stay valid and reach the code behind the signature checks.
//
// These keys are public knowledge: test use only. The chain is built once
// per process; the accessors may be called from one thread at a time.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "crypto/signature.h"
#include "ledger/genesis.h"

namespace tracechain::fuzz {

inline constexpr std::size_t kValidators = 4;

struct FuzzChain {
  ledger::Genesis genesis;
  std::map<std::string, crypto::PrivateKey> keys;  // participants and validators by id
};

// The Ed25519 key of `name`: its seed is the SHA-256 of the name.
crypto::PrivateKey derived_key(const std::string& name);

// node-<index>.
std::string validator_id(std::size_t index);

// The chain, built at the first call.
const FuzzChain& fuzz_chain();

// A SHA-256 log of three leaves (the bytes 00, 01, 02) at sizes 1 and 3, and
// the consistency proof between them: checkpoints for the receipt target.
struct SmallLog {
  std::uint64_t size1 = 1;
  std::uint64_t size2 = 3;
  Digest root1{};
  Digest root2{};
  std::vector<Digest> proof;
};
const SmallLog& small_log();

}  // namespace tracechain::fuzz
