// A KvStore wrapper that injects the failures a disk and a crash can cause,
// after LevelDB's fault_injection_test: writes that fail, syncs that fail
// after the data reached the engine, and a crash that loses everything not
// yet synced.
//
// The wrapper remembers, for each key written since the last successful sync,
// the value it had before; drop_unsynced() puts those values back, which is
// what the engine would show after a power cut. Writes with sync = false are
// unsynced until a later synced write succeeds (a synced write makes all
// earlier writes durable, as a WAL fsync does).
//
// Thread-safe; the injection switches may be flipped from any thread.
#pragma once

#include <map>
#include <mutex>

#include "storage/kv.h"

namespace tracechain::storage {

class FaultInjectionKv final : public KvStore {
 public:
  explicit FaultInjectionKv(std::shared_ptr<KvStore> base);

  // While set, every write fails with kIo and changes nothing.
  void set_writes_fail(bool fail);
  // While set, a synced write reaches the engine but its sync fails: the
  // write returns kIo and the data stays unsynced (lost by drop_unsynced()).
  void set_syncs_fail(bool fail);
  // Makes the write after the next `n` succeed fail (n = 0: the next one).
  void fail_write_after(std::size_t n);
  // Reverts every write not yet synced, as a power cut would.
  Status drop_unsynced();
  // Keys written since the last successful sync.
  std::size_t unsynced_keys() const;
  std::size_t writes() const;

  Result<std::optional<Bytes>> get(Column column, std::string_view key) const override;
  Status scan(Column column, std::string_view begin, std::string_view end,
              const KvVisitor& visit) const override;
  Result<std::optional<std::pair<std::string, Bytes>>> last_in_range(
      Column column, std::string_view begin, std::string_view end) const override;
  Status write(const KvBatch& batch, bool sync) override;
  std::unique_ptr<KvReader> snapshot() const override;
  Status checkpoint(const std::filesystem::path& dir) const override;
  std::string describe() const override;

 private:
  const std::shared_ptr<KvStore> base_;
  mutable std::mutex mutex_;
  bool writes_fail_ = false;                // guarded by mutex_
  bool syncs_fail_ = false;                 // guarded by mutex_
  std::optional<std::size_t> fail_after_;   // guarded by mutex_
  std::size_t writes_ = 0;                  // guarded by mutex_
  // (column, key) -> the value before the first unsynced write to it.
  std::map<std::pair<Column, std::string>, std::optional<Bytes>> undo_;  // guarded by mutex_
};

}  // namespace tracechain::storage
