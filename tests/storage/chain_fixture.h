// Committed blocks for storage tests: a TestChain grown by a Workload, each
// block with its execution result and a commit certificate signed by the
// chain's validators — exactly what consensus hands the store.
//
// Single-threaded; the blocks are plain values that may be shared read-only.
#pragma once

#include <vector>

#include "storage/block_store.h"
#include "tests/storage/workload.h"

namespace tracechain::test {

struct CommittedBlock {
  ledger::Block block;
  ledger::CommitCertificate certificate;
  ledger::ExecutedBlock executed;
};

// Precommits of every validator of `chain` for `block`, in round 0.
ledger::CommitCertificate certify(const TestChain& chain, const ledger::Block& block);

// The same block with a certificate for it as it now is (after a test
// altered its header).
CommittedBlock recertified(const TestChain& chain, CommittedBlock block);

// Every entry of a state, in key order: for comparing two states.
std::vector<std::pair<std::string, Bytes>> state_entries(const ledger::StateView& state);

// Executes `blocks` more blocks of `txs_per_block` workload transactions on
// `chain` and returns them certified. Throws if the workload does not
// authenticate (a bug in the workload).
std::vector<CommittedBlock> grow(TestChain& chain, Workload& workload, std::size_t blocks,
                                 std::size_t txs_per_block);

// A chain with its blocks, for tests that need one quickly.
struct ChainFixture {
  explicit ChainFixture(std::size_t blocks = 12, std::size_t txs_per_block = 4,
                        WorkloadOptions options = {});

  TestChain chain;
  Workload workload;
  std::vector<CommittedBlock> blocks;
};

// Commits `blocks[from, to)` to `store`, stopping at the first error.
Status commit_all(storage::BlockStore& store, const std::vector<CommittedBlock>& blocks,
                  std::size_t from, std::size_t to);
inline Status commit_all(storage::BlockStore& store, const std::vector<CommittedBlock>& blocks) {
  return commit_all(store, blocks, 0, blocks.size());
}

}  // namespace tracechain::test
