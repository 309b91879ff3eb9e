#include "node/signing_store.h"

#include "crypto/file_util.h"

namespace tracechain::node {

namespace {
constexpr std::size_t kMaxSigningStateBytes = 1024 * 1024;
}

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
  Bytes bytes = ledger::encode(state);
  return write_file_atomic(path_, std::string_view(reinterpret_cast<const char*>(bytes.data()),
                                                   bytes.size()),
                           0600, Overwrite::kReplace);
}

}  // namespace tracechain::node
