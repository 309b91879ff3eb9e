#include "storage/kv.h"

namespace tracechain::storage {

std::string_view column_name(Column column) {
  switch (column) {
    case Column::kMeta: return "meta";
    case Column::kHeaders: return "headers";
    case Column::kCertificates: return "certificates";
    case Column::kTransactions: return "transactions";
    case Column::kReceipts: return "receipts";
    case Column::kTxIndex: return "tx_index";
    case Column::kState: return "state";
    case Column::kLogNodes: return "log_nodes";
    case Column::kValidatorSets: return "validator_sets";
  }
  TC_ASSERT_MSG(false, "unknown column");
  return {};
}

void KvBatch::put(Column column, std::string_view key, ByteView value) {
  put(column, key, Bytes(value.begin(), value.end()));
}

void KvBatch::put(Column column, std::string_view key, Bytes&& value) {
  payload_bytes_ += key.size() + value.size();
  entries_.push_back({column, std::string(key), std::move(value)});
}

void KvBatch::erase(Column column, std::string_view key) {
  payload_bytes_ += key.size();
  entries_.push_back({column, std::string(key), std::nullopt});
}

Status KvReader::scan_prefix(Column column, std::string_view prefix,
                             const KvVisitor& visit) const {
  return scan(column, prefix, prefix_end(prefix), visit);
}

std::string prefix_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace tracechain::storage
