// Blocks, block headers, receipts and log leaves from untrusted bytes (sync
// answers, proposals, files an auditor reads): each must round-trip
// canonically when it decodes; a decoded block's hashes and transactions
// root are computed as a node would.
#include "ledger/receipt.h"
#include "tests/fuzz/fuzz.h"

using namespace tracechain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const ByteView bytes = fuzz::view(data, size);
  constexpr auto kAlgorithm = crypto::HashAlgorithm::kSha256;
  if (auto block = fuzz::decode_canonical<ledger::Block>(bytes)) {
    std::vector<Digest> hashes;
    for (const ledger::Transaction& tx : block->transactions) {
      hashes.push_back(ledger::transaction_hash(tx));
    }
    (void)ledger::digest_list_root(crypto::MerkleHasher(kAlgorithm), hashes);
    (void)ledger::header_hash(kAlgorithm, block->header);
  }
  if (auto header = fuzz::decode_canonical<ledger::BlockHeader>(bytes)) {
    (void)ledger::header_hash(kAlgorithm, *header);
  }
  if (auto receipt = fuzz::decode_canonical<ledger::Receipt>(bytes)) {
    (void)ledger::receipt_hash(kAlgorithm, *receipt);
  }
  (void)fuzz::decode_canonical<ledger::LogLeaf>(bytes);
  return 0;
}
