#include "storage/fault_injection_kv.h"

namespace tracechain::storage {

namespace {

Error injected(const std::string& what) {
  return Error(ErrorCode::kIo, "injected fault: " + what);
}

}  // namespace

FaultInjectionKv::FaultInjectionKv(std::shared_ptr<KvStore> base) : base_(std::move(base)) {
  TC_ASSERT(base_ != nullptr);
}

void FaultInjectionKv::set_writes_fail(bool fail) {
  std::lock_guard lock(mutex_);
  writes_fail_ = fail;
}

void FaultInjectionKv::set_syncs_fail(bool fail) {
  std::lock_guard lock(mutex_);
  syncs_fail_ = fail;
}

void FaultInjectionKv::fail_write_after(std::size_t n) {
  std::lock_guard lock(mutex_);
  fail_after_ = n;
}

Status FaultInjectionKv::drop_unsynced() {
  std::lock_guard lock(mutex_);
  KvBatch restore;
  for (const auto& [where, value] : undo_) {
    if (value) {
      restore.put(where.first, where.second, *value);
    } else {
      restore.erase(where.first, where.second);
    }
  }
  if (Status s = base_->write(restore, true); !s) return s;
  undo_.clear();
  return {};
}

std::size_t FaultInjectionKv::unsynced_keys() const {
  std::lock_guard lock(mutex_);
  return undo_.size();
}

std::size_t FaultInjectionKv::writes() const {
  std::lock_guard lock(mutex_);
  return writes_;
}

Result<std::optional<Bytes>> FaultInjectionKv::get(Column column, std::string_view key) const {
  return base_->get(column, key);
}

Status FaultInjectionKv::scan(Column column, std::string_view begin, std::string_view end,
                              const KvVisitor& visit) const {
  return base_->scan(column, begin, end, visit);
}

Result<std::optional<std::pair<std::string, Bytes>>> FaultInjectionKv::last_in_range(
    Column column, std::string_view begin, std::string_view end) const {
  return base_->last_in_range(column, begin, end);
}

Status FaultInjectionKv::write(const KvBatch& batch, bool sync) {
  // Writes are serialised here so that the undo log sees them in order.
  std::lock_guard lock(mutex_);
  if (writes_fail_) return injected("write refused");
  if (fail_after_) {
    if (*fail_after_ == 0) {
      fail_after_.reset();
      return injected("write refused");
    }
    --*fail_after_;
  }
  for (const KvBatch::Entry& entry : batch.entries()) {
    auto where = std::make_pair(entry.column, entry.key);
    if (undo_.contains(where)) continue;
    auto before = base_->get(entry.column, entry.key);
    if (!before) return before.error();
    undo_.emplace(std::move(where), std::move(*before));
  }
  if (Status s = base_->write(batch, sync && !syncs_fail_); !s) return s;
  ++writes_;
  if (!sync) return {};
  if (syncs_fail_) return injected("sync failed after the write reached the engine");
  undo_.clear();
  return {};
}

std::unique_ptr<KvReader> FaultInjectionKv::snapshot() const { return base_->snapshot(); }

Status FaultInjectionKv::checkpoint(const std::filesystem::path& dir) const {
  return base_->checkpoint(dir);
}

std::string FaultInjectionKv::describe() const {
  return base_->describe() + " (with fault injection)";
}

}  // namespace tracechain::storage
