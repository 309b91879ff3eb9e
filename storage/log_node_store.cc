#include "storage/log_node_store.h"

#include <cstring>

#include "storage/layout.h"

namespace tracechain::storage {

Result<Digest> LogNodeStore::get(std::uint32_t level, std::uint64_t index) const {
  std::string key = node_key(level, index);
  auto value = reader_->get(Column::kLogNodes, key);
  if (!value) return value.error();
  if (!*value) {
    return Error(ErrorCode::kNotFound, describe_key(Column::kLogNodes, key) + " is absent");
  }
  if ((*value)->size() != kDigestSize) {
    return Error(ErrorCode::kCorruption, describe_key(Column::kLogNodes, key) + " is " +
                                             std::to_string((*value)->size()) +
                                             " bytes, not a digest");
  }
  Digest digest;
  std::memcpy(digest.data(), (*value)->data(), kDigestSize);
  return digest;
}

void LogNodeStore::put(std::uint32_t level, std::uint64_t index, const Digest& hash) {
  TC_ASSERT_MSG(batch_ != nullptr, "Merkle log nodes are written only as part of a block");
  batch_->put(Column::kLogNodes, node_key(level, index), ByteView(hash));
}

}  // namespace tracechain::storage
