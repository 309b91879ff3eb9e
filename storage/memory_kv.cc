#include "storage/memory_kv.h"

#include <mutex>

namespace tracechain::storage {

namespace {

// Entries a scan copies out under the lock before releasing it to visit them.
constexpr std::size_t kScanChunk = 64;

}  // namespace

Result<std::optional<Bytes>> MemoryKv::get(Column column, std::string_view key) const {
  std::shared_lock lock(mutex_);
  const Table& t = table(column);
  auto it = t.find(key);
  if (it == t.end()) return std::optional<Bytes>();
  return std::optional<Bytes>(it->second);
}

Status MemoryKv::scan(Column column, std::string_view begin, std::string_view end,
                      const KvVisitor& visit) const {
  std::string from(begin);
  bool inclusive = true;
  std::vector<std::pair<std::string, Bytes>> chunk;
  while (true) {
    chunk.clear();
    {
      std::shared_lock lock(mutex_);
      const Table& t = table(column);
      auto it = inclusive ? t.lower_bound(from) : t.upper_bound(from);
      for (; it != t.end() && chunk.size() < kScanChunk; ++it) {
        if (!end.empty() && it->first >= end) break;
        chunk.emplace_back(it->first, it->second);
      }
    }
    for (const auto& [key, value] : chunk) {
      if (!visit(key, value)) return {};
    }
    if (chunk.size() < kScanChunk) return {};
    from = chunk.back().first;
    inclusive = false;
  }
}

Result<std::optional<std::pair<std::string, Bytes>>> MemoryKv::last_in_range(
    Column column, std::string_view begin, std::string_view end) const {
  std::shared_lock lock(mutex_);
  const Table& t = table(column);
  auto it = end.empty() ? t.end() : t.lower_bound(end);
  if (it == t.begin()) return std::optional<std::pair<std::string, Bytes>>();
  --it;
  if (it->first < begin) return std::optional<std::pair<std::string, Bytes>>();
  return std::optional(std::make_pair(it->first, it->second));
}

Status MemoryKv::write(const KvBatch& batch, bool) {
  std::unique_lock lock(mutex_);
  for (const KvBatch::Entry& entry : batch.entries()) {
    Table& t = table(entry.column);
    if (entry.value) {
      t.insert_or_assign(entry.key, *entry.value);
    } else if (auto it = t.find(entry.key); it != t.end()) {
      t.erase(it);
    }
  }
  return {};
}

std::unique_ptr<KvReader> MemoryKv::snapshot() const {
  std::shared_lock lock(mutex_);
  return std::unique_ptr<KvReader>(new MemoryKv(data_));
}

Status MemoryKv::checkpoint(const std::filesystem::path& dir) const {
  return Error(ErrorCode::kUnsupported,
               "an in-memory store has no files to checkpoint into " + dir.string());
}

std::size_t MemoryKv::count(Column column) const {
  std::shared_lock lock(mutex_);
  return table(column).size();
}

}  // namespace tracechain::storage
