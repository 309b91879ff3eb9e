// Whole-store verification, for crash tests, restored backups and audits
// of a data directory. Both functions read only through BlockStore, so they
// check any implementation, and neither trusts a root it did not re-derive.
//
// verify_chain() is structural and streams one block at a time (bounded
// memory at any ledger size, time linear in its range): the hash chain and
// certificates, every header root re-derived from the stored transactions
// and receipts, the transaction index, and the stored Merkle log against the
// headers, with proofs checked along the way.
//
// replay_chain() re-executes every block from genesis in memory and compares
// the headers, receipts, tip and final state with the store's: the strongest
// check, with memory proportional to the state — for tests and for tools on
// ledgers that fit in memory.
//
// Thread-safe as the store's reads are.
#pragma once

#include <functional>

#include "ledger/follower.h"
#include "storage/block_store.h"

namespace tracechain::storage {

struct VerifyOptions {
  // Check every certificate's signatures against the set that signs its height.
  bool check_signatures = true;
};

struct VerifyReport {
  std::uint64_t blocks = 0;
  std::uint64_t transactions = 0;
};

// Verifies blocks [from, to] (1 <= from, to <= the tip). The first failure
// comes back as kCorruption naming the block and what disagrees.
Result<VerifyReport> verify_chain(const BlockStore& store, std::uint64_t from, std::uint64_t to,
                                  const VerifyOptions& options = {});
// The whole chain.
Result<VerifyReport> verify_chain(const BlockStore& store, const VerifyOptions& options = {});

// Lets a caller pace replay_chain from another thread: `before` runs ahead of
// each block and may wait (for its signatures to be checked) or stop the
// replay by returning false; `after` reports each block replayed.
struct ReplayHooks {
  std::function<bool(std::uint64_t height)> before;
  std::function<void(std::uint64_t height, std::size_t transactions)> after;
};

// Re-executes the chain from `genesis`, taking in each block with its
// certificate as a node syncing would (ledger::ChainFollower), and compares
// everything with the store. kLinkOnly skips the certificates' signatures
// (for a caller that checks them with verify_chain). Stopped by a hook, it
// fails with kConflict ("stopped before block N").
Result<VerifyReport> replay_chain(
    const BlockStore& store, const ledger::Genesis& genesis,
    const ledger::SignatureChecker& checker = ledger::default_signature_checker(),
    const ReplayHooks& hooks = {},
    ledger::CertificateCheck certificates = ledger::CertificateCheck::kSignatures);

}  // namespace tracechain::storage
