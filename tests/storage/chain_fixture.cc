#include "tests/storage/chain_fixture.h"

#include <stdexcept>

namespace tracechain::test {

using namespace ledger;

CommitCertificate certify(const TestChain& chain, const Block& block) {
  CommitCertificate certificate;
  certificate.height = block.header.height;
  certificate.round = 0;
  certificate.block_hash = header_hash(chain.params().hash_algorithm(), block.header);
  for (std::size_t i = 0; i < chain.validator_keys().size(); ++i) {
    Vote vote;
    vote.chain_id = chain.genesis().chain_id;
    vote.type = VoteType::kPrecommit;
    vote.height = certificate.height;
    vote.round = certificate.round;
    vote.block_hash = certificate.block_hash;
    vote.validator = chain.genesis().validators.validators[i].id;
    sign(vote, chain.validator_keys()[i]);
    certificate.signatures.push_back({vote.validator, vote.signature});
  }
  return certificate;
}

CommittedBlock recertified(const TestChain& chain, CommittedBlock block) {
  block.certificate = certify(chain, block.block);
  return block;
}

std::vector<std::pair<std::string, Bytes>> state_entries(const StateView& state) {
  std::vector<std::pair<std::string, Bytes>> out;
  state.scan("", [&](std::string_view key, ByteView value) {
    out.emplace_back(std::string(key), Bytes(value.begin(), value.end()));
    return true;
  });
  return out;
}

std::vector<CommittedBlock> grow(TestChain& chain, Workload& workload, std::size_t blocks,
                                 std::size_t txs_per_block) {
  std::vector<CommittedBlock> out;
  out.reserve(blocks);
  for (std::size_t i = 0; i < blocks; ++i) {
    auto executed = chain.commit(workload.next(chain.height() + 1, txs_per_block));
    if (!executed) throw std::runtime_error("workload block refused: " + executed.error().message());
    const Block& block = chain.blocks().back();
    out.push_back({block, certify(chain, block), std::move(*executed)});
  }
  return out;
}

ChainFixture::ChainFixture(std::size_t count, std::size_t txs_per_block, WorkloadOptions options)
    : workload(chain, options), blocks(grow(chain, workload, count, txs_per_block)) {}

Status commit_all(storage::BlockStore& store, const std::vector<CommittedBlock>& blocks,
                  std::size_t from, std::size_t to) {
  for (std::size_t i = from; i < to; ++i) {
    const CommittedBlock& b = blocks[i];
    if (Status s = store.commit(b.block, b.certificate, b.executed); !s) return s;
  }
  return {};
}

}  // namespace tracechain::test
