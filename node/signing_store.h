// The validator's signing state on disk: data/signing_state.bin, replaced
// atomically and fsynced on every save, so that after a crash (kill -9
// included) the node never signs anything conflicting with what it sent.
// A missing file means nothing was ever signed; an unreadable one stops the
// node rather than risk a double signature.
//
// One owner thread.
#pragma once

#include <filesystem>

#include "consensus/signing_state.h"
#include "node/replica.h"

namespace tracechain::node {

class FileSigningStateStore final : public consensus::SigningStateStore {
 public:
  explicit FileSigningStateStore(std::filesystem::path path) : path_(std::move(path)) {}

  Result<consensus::SigningState> load() override;
  Status save(const consensus::SigningState& state) override;

 private:
  std::filesystem::path path_;
};

// The blocks the signing state is locked on or proposed:
// data/held_blocks.bin beside it, replaced atomically and fsynced on every
// save. Format: u8 version (1), list of encoded blocks (ledger's canonical
// encoding). A missing file holds no block; an unreadable one is reported
// and the node starts without those blocks (it can still fetch them).
class FileHeldBlockStore final : public HeldBlockStore {
 public:
  explicit FileHeldBlockStore(std::filesystem::path path) : path_(std::move(path)) {}

  Result<std::vector<Bytes>> load() override;
  Status save(const std::vector<Bytes>& blocks) override;

 private:
  std::filesystem::path path_;
};

}  // namespace tracechain::node
