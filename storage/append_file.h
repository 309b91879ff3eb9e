// A file that only grows at its end, for records a store keeps beside its
// key-value engine (the read log's entries, node/read_log.h): appends,
// reads at an offset, a sync that makes everything appended durable, and a
// truncation for a torn tail found on open.
//
// Two implementations: a POSIX file, and an in-memory one that injects the
// failures a disk and a power cut cause (as storage/fault_injection_kv.h
// does for the engine).
//
// Thread-safety: reads may run concurrently with each other and with one
// append; appends, syncs and truncations are the caller's to serialise.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "crypto/bytes.h"
#include "crypto/result.h"

namespace tracechain::storage {

class AppendFile {
 public:
  virtual ~AppendFile() = default;
  // Appends all of `bytes`. On failure part of them may have reached the
  // file: the caller must not append again before reopening.
  virtual Status append(ByteView bytes) = 0;
  // Makes every byte appended so far durable.
  virtual Status sync() = 0;
  // `size` bytes from `offset`; fails if the file ends before.
  virtual Result<Bytes> read(std::uint64_t offset, std::size_t size) const = 0;
  // Bytes in the file (appended, durable or not).
  virtual std::uint64_t size() const = 0;
  // Cuts the file to `size` bytes, durably.
  virtual Status truncate(std::uint64_t size) = 0;
};

// Opens (or creates, mode 0600) the file at `path`.
Result<std::shared_ptr<AppendFile>> open_append_file(const std::filesystem::path& path);

class MemoryAppendFile final : public AppendFile {
 public:
  // While set, every append fails after writing half of its bytes (a full
  // disk mid-write), and every sync fails.
  void set_fail(bool fail);
  // Drops every byte not yet synced, as a power cut would.
  void drop_unsynced();
  // Overwrites bytes in place (a disk that corrupted them).
  void corrupt(std::uint64_t offset, ByteView bytes);

  Status append(ByteView bytes) override;
  Status sync() override;
  Result<Bytes> read(std::uint64_t offset, std::size_t size) const override;
  std::uint64_t size() const override;
  Status truncate(std::uint64_t size) override;

 private:
  mutable std::mutex mutex_;
  Bytes data_;               // GUARDED_BY(mutex_)
  std::uint64_t synced_ = 0;  // GUARDED_BY(mutex_)
  bool fail_ = false;         // GUARDED_BY(mutex_)
};

}  // namespace tracechain::storage
