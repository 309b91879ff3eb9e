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

namespace tracechain::node {

class FileSigningStateStore final : public consensus::SigningStateStore {
 public:
  explicit FileSigningStateStore(std::filesystem::path path) : path_(std::move(path)) {}

  Result<consensus::SigningState> load() override;
  Status save(const consensus::SigningState& state) override;

 private:
  std::filesystem::path path_;
};

}  // namespace tracechain::node
