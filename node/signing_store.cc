#include "node/signing_store.h"

#include "crypto/file_util.h"

namespace tracechain::node {

namespace {
constexpr std::size_t kMaxSigningStateBytes = 1024 * 1024;
// Two blocks of at most the largest frame each, with room to spare.
constexpr std::size_t kMaxHeldBlocksBytes = 80 * 1024 * 1024;

struct HeldBlocks {
  static constexpr std::string_view kTypeName = "held blocks";
  static constexpr std::uint8_t kFormatVersion = 1;
  std::vector<Bytes> blocks;

  template <class Archive>
  void serialize(Archive& ar) {
    ledger::FormatVersion version{kFormatVersion, "held blocks"};
    ar(version, blocks);
  }
};

Status validate(const HeldBlocks&) { return {}; }  // each block is checked when used

Status write_atomic(const std::filesystem::path& path, const Bytes& bytes) {
  return write_file_atomic(
      path, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 0600,
      Overwrite::kReplace);
}
}  // namespace

Result<consensus::SigningState> FileSigningStateStore::load() {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return consensus::SigningState{};
  auto text = read_file(path_, kMaxSigningStateBytes);
  if (!text) return text.error().with_context("signing state");
  auto state = ledger::decode<consensus::SigningState>(as_bytes(*text));
  if (!state) {
    return Error(ErrorCode::kCorruption,
                 "signing state '" + path_.string() + "' is unreadable (" +
                     state.error().message() +
                     "); refusing to sign rather than risk a double signature");
  }
  return state;
}

Status FileSigningStateStore::save(const consensus::SigningState& state) {
  return write_atomic(path_, ledger::encode(state));
}

Result<std::vector<Bytes>> FileHeldBlockStore::load() {
  std::error_code ec;
  if (!std::filesystem::exists(path_, ec)) return std::vector<Bytes>{};
  auto text = read_file(path_, kMaxHeldBlocksBytes);
  if (!text) return text.error().with_context("held blocks");
  auto held = ledger::decode<HeldBlocks>(as_bytes(*text));
  if (!held) {
    return Error(ErrorCode::kCorruption,
                 "held blocks '" + path_.string() + "' are unreadable: " + held.error().message());
  }
  return std::move(held->blocks);
}

Status FileHeldBlockStore::save(const std::vector<Bytes>& blocks) {
  return write_atomic(path_, ledger::encode(HeldBlocks{blocks}));
}

}  // namespace tracechain::node
