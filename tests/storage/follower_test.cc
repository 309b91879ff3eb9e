// ledger::ChainFollower and derive_roots, over certified blocks from the
// storage fixture: the one way a block committed elsewhere is taken in.
#include <bit>

#include <catch2/catch.hpp>

#include "ledger/follower.h"
#include "tests/storage/chain_fixture.h"

using namespace tracechain;
using test::ChainFixture;
using test::CommittedBlock;

namespace {


std::vector<Digest> receipt_hashes(crypto::HashAlgorithm algorithm,
                                   const std::vector<ledger::Receipt>& receipts) {
  std::vector<Digest> out;
  for (const ledger::Receipt& r : receipts) out.push_back(ledger::receipt_hash(algorithm, r));
  return out;
}

}  // namespace

TEST_CASE("a follower takes in a certified chain and ends where the chain did",
          "[ledger][follower]") {
  ChainFixture f(6, 3);
  ledger::ChainFollower follower(f.chain.genesis());
  for (const CommittedBlock& b : f.blocks) {
    auto executed = follower.apply(b.block, b.certificate);
    REQUIRE(executed.ok());
    CHECK(executed->receipts == b.executed.receipts);
    CHECK(ledger::check_same_receipts(f.chain.params().hash_algorithm(), b.executed.receipts,
                                      executed->receipts)
              .ok());
  }
  CHECK(follower.tip() == f.chain.tip());
  CHECK(test::state_entries(follower.state()) == test::state_entries(f.chain.state()));
}

TEST_CASE("a follower refuses a block it cannot certify or re-execute, changing nothing",
          "[ledger][follower]") {
  ChainFixture f(4, 3);
  ledger::ChainFollower follower(f.chain.genesis());
  for (std::size_t i = 0; i < 2; ++i) REQUIRE(follower.apply(f.blocks[i].block, f.blocks[i].certificate).ok());
  const ledger::ChainTip tip = follower.tip();
  const auto state = test::state_entries(follower.state());

  auto refused = [&](const CommittedBlock& b, ErrorCode code, const std::string& words,
                     ledger::CertificateCheck check = ledger::CertificateCheck::kSignatures) {
    auto executed =
        follower.apply(b.block, b.certificate, ledger::default_signature_checker(), check);
    REQUIRE_FALSE(executed.ok());
    CHECK(executed.error().code() == code);
    CHECK_THAT(executed.error().message(), Catch::Contains(words));
    CHECK(follower.tip() == tip);
    CHECK(test::state_entries(follower.state()) == state);
  };

  refused(f.blocks[3], ErrorCode::kConflict, "block 4 does not follow height 2");
  refused(f.blocks[1], ErrorCode::kConflict, "block 2 does not follow height 2");
  {
    CommittedBlock other = f.blocks[2];
    other.certificate = f.blocks[1].certificate;
    refused(other, ErrorCode::kVerificationFailed, "its commit certificate is for height 2");
  }
  {
    CommittedBlock fork = f.blocks[2];
    fork.block.header.previous_hash = Digest{};
    refused(test::recertified(f.chain, fork), ErrorCode::kVerificationFailed, "its previous hash");
  }
  {
    CommittedBlock tampered = f.blocks[2];
    tampered.block.header.receipts_root = Digest{};
    refused(test::recertified(f.chain, tampered), ErrorCode::kVerificationFailed,
            "receipts root in the header does not match re-execution");
  }
  {
    CommittedBlock tampered = f.blocks[2];
    tampered.block.header.validator_set_hash = Digest{};
    refused(test::recertified(f.chain, tampered), ErrorCode::kVerificationFailed,
            "its header names validator set 0000000000000000");
  }
  {
    CommittedBlock forged = f.blocks[2];
    forged.block.transactions.pop_back();  // still certified: the certificate is the header's
    refused(forged, ErrorCode::kVerificationFailed, "does not match re-execution");
  }
  CommittedBlock thin = f.blocks[2];
  thin.certificate.signatures.clear();
  refused(thin, ErrorCode::kVerificationFailed, "its commit certificate does not verify");
  // Without the signature check (a caller that verified them elsewhere) the
  // same block is taken in.
  REQUIRE(follower.apply(thin.block, thin.certificate, ledger::default_signature_checker(),
                         ledger::CertificateCheck::kLinkOnly)
              .ok());
  CHECK(follower.tip().height == 3);
}

TEST_CASE("the roots derived from a block's hashes are the ones its header commits to",
          "[ledger][follower]") {
  ChainFixture f(5, 4);
  const crypto::MerkleHasher hasher(f.chain.params().hash_algorithm());
  crypto::MerkleFrontier log;
  std::uint64_t nodes = 0;
  for (const CommittedBlock& b : f.blocks) {
    const ledger::BlockHeader& header = b.block.header;
    auto receipts = receipt_hashes(hasher.algorithm(), b.executed.receipts);
    ledger::BlockRoots roots = ledger::derive_roots(
        hasher, b.executed.tx_hashes, receipts, header.height, log,
        [&](std::uint32_t, std::uint64_t, const Digest&) { ++nodes; });
    REQUIRE(ledger::check_roots(header, roots).ok());
    CHECK(roots.leaves == b.executed.leaves);
    CHECK(roots.log == b.executed.log);

    if (receipts.size() >= 2) {
      auto swapped = b.executed.tx_hashes;
      std::swap(swapped[0], swapped[1]);
      auto wrong = ledger::derive_roots(hasher, swapped, receipts, header.height, log);
      CHECK_THAT(ledger::check_roots(header, wrong).error().message(),
                 Catch::Contains("transactions root"));
      auto altered = receipts;
      altered.back()[0] ^= 1;
      wrong = ledger::derive_roots(hasher, b.executed.tx_hashes, altered, header.height, log);
      CHECK_THAT(ledger::check_roots(header, wrong).error().message(),
                 Catch::Contains("receipts root"));
    }
    log = roots.log;
  }
  // Every leaf and every perfect subtree it completes was reported once: a
  // log of n leaves has 2n - popcount(n) such nodes.
  const std::uint64_t n = log.size();
  CHECK(nodes == 2 * n - static_cast<std::uint64_t>(std::popcount(n)));
}

TEST_CASE("receipts out of place or different from re-execution are named",
          "[ledger][follower]") {
  ChainFixture f(1, 3);
  const CommittedBlock& b = f.blocks[0];
  const auto& hashes = b.executed.tx_hashes;
  auto receipts = b.executed.receipts;
  CHECK(ledger::check_receipt_positions(hashes, receipts, 1).ok());
  CHECK_THAT(ledger::check_receipt_positions(hashes, receipts, 2).error().message(),
             Catch::Contains("receipt 0 is not the receipt of transaction 0"));
  std::swap(receipts[1], receipts[2]);
  CHECK_THAT(ledger::check_receipt_positions(hashes, receipts, 1).error().message(),
             Catch::Contains("receipt 1 is not the receipt of transaction 1"));
  receipts.pop_back();
  CHECK_THAT(ledger::check_receipt_positions(hashes, receipts, 1).error().message(),
             Catch::Contains("3 transactions but 2 receipts"));

  auto changed = b.executed.receipts;
  changed[2].message = "rewritten";
  auto algorithm = f.chain.params().hash_algorithm();
  CHECK(ledger::check_same_receipts(algorithm, b.executed.receipts, b.executed.receipts).ok());
  CHECK_THAT(ledger::check_same_receipts(algorithm, changed, b.executed.receipts).error().message(),
             Catch::Contains("receipt 2 differs from re-execution"));
  changed.pop_back();
  CHECK_THAT(ledger::check_same_receipts(algorithm, changed, b.executed.receipts).error().message(),
             Catch::Contains("re-execution gives 3, found 2"));
}
