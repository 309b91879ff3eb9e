// The witnesses' cosignatures a node has been given (docs/oversight.md): for
// each witness the policy names, the latest checkpoint of this chain's log it
// cosigned. A node checks a cosignature before it keeps one: the witness is
// in the policy, the signature holds under its cosigning key, and the
// checkpoint is this node's own log at that size (origin, size and root), so
// a node never serves a cosignature of another history. Kept in one small
// file in the data directory, rewritten atomically; a witness that gives a
// newer checkpoint replaces its older one, so the file holds at most one
// entry per policy witness.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ledger/checkpoint.h"
#include "storage/block_store.h"

namespace tracechain::node {

struct StoredCosignature {
  ledger::ParticipantId participant;
  std::uint64_t size = 0;  // of the log the witness cosigned
  Digest root{};
  std::uint64_t time = 0;  // the witness's time, seconds since the epoch
  ledger::NoteSignature signature;

  bool operator==(const StoredCosignature&) const = default;
};

class CosignatureStore {
 public:
  // Reads `file` if it exists. A file that does not parse is set aside (to
  // `file`.bad) and the node starts with none: cosignatures are not chain
  // data, and witnesses give them again.
  explicit CosignatureStore(std::filesystem::path file);

  // Checks `note`, a checkpoint of this chain with cosignature lines, and
  // keeps each cosignature of a policy witness that is newer than the one
  // kept for it (a larger log, or the same log at a later time). Returns the
  // cosignatures kept. kInvalidInput for a malformed note or one of another
  // chain; kVerificationFailed when no policy witness's cosignature holds;
  // kConflict when the root is not this log's at that size (a witness that
  // saw another history: the caller should say so loudly).
  Result<std::vector<StoredCosignature>> add(std::string_view note,
                                             const storage::BlockStore& store);

  // What is kept, by participant.
  std::vector<StoredCosignature> all() const;

 private:
  Status save_locked() const;

  std::filesystem::path file_;
  mutable std::mutex mutex_;
  std::vector<StoredCosignature> kept_;
};

// How far behind the chain each policy witness is: the log entries added
// since the latest checkpoint it cosigned, and the seconds between its
// cosignature and the tip block's time (nullopt before its first).
struct WitnessLag {
  ledger::PolicyWitness witness;
  std::optional<StoredCosignature> latest;
  std::uint64_t behind_entries = 0;
  std::optional<std::uint64_t> behind_seconds;
};
std::vector<WitnessLag> witness_lags(const ledger::Policy& policy,
                                     const std::vector<StoredCosignature>& kept,
                                     std::uint64_t log_size, std::uint64_t tip_time_ms);
// The same for `store`'s tip, with the policy of `state` (a snapshot of it).
Result<std::vector<WitnessLag>> witness_lags(const storage::BlockStore& store,
                                             const ledger::StateView& state,
                                             const std::vector<StoredCosignature>& kept);

// The note that carries `cosignature`: its checkpoint's text for `origin`
// and its line.
inline ledger::SignedNote cosigned_note(const std::string& origin,
                                        const StoredCosignature& cosignature) {
  return {ledger::checkpoint_text({origin, cosignature.size, cosignature.root, {}}),
          {cosignature.signature}};
}

}  // namespace tracechain::node
