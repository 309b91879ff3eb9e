// Offline verification of a node's answer to access_listReads (who read
// what, docs/oversight.md): each entry's inclusion in the node's read-log
// checkpoint on chain, and that checkpoint's receipt against genesis.
// Nothing here touches the network.
//
// Pure functions over parsed JSON; thread-safe.
#pragma once

#include "cli/verify.h"
#include "ledger/read_log.h"

namespace tracechain::cli {

// One page of access_listReads, checked against genesis.
struct ReadsVerification {
  // The checkpoint's receipt and its payload; empty when the node has none.
  Verification checkpoint;
  bool has_checkpoint = false;
  std::uint64_t checkpoint_size = 0;
  std::uint64_t checkpoint_height = 0;
  struct Entry {
    std::uint64_t index = 0;
    std::optional<ledger::ReadEntry> entry;  // decoded from the entry's bytes
    enum class State { kProven, kPending, kFailed } state = State::kFailed;
    std::string detail;  // why it failed
  };
  std::vector<Entry> entries;

  bool ok() const;
};

// Never throws on malformed input: a missing or mistyped field fails the
// check concerned.
ReadsVerification verify_reads(const Json& page, const ledger::Genesis& genesis,
                               const ValidatorHistory& validators);

// "1 entry", "3 entries".
std::string entries_text(std::uint64_t n);

}  // namespace tracechain::cli
