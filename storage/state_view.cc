#include "storage/state_view.h"

namespace tracechain::storage {

std::optional<Bytes> KvStateView::get(std::string_view key) const {
  auto value = reader_->get(Column::kState, key);
  if (!value) throw ledger::StateReadError(value.error().message());
  return std::move(*value);
}

void KvStateView::scan(std::string_view prefix,
                       const std::function<bool(std::string_view, ByteView)>& visit) const {
  Status status = reader_->scan_prefix(Column::kState, prefix, visit);
  if (!status) throw ledger::StateReadError(status.error().message());
}

}  // namespace tracechain::storage
