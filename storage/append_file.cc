#include "storage/append_file.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace tracechain::storage {

namespace {

namespace fs = std::filesystem;

Error os_error(const std::string& what, const fs::path& path) {
  return Error(ErrorCode::kIo, what + " " + path.string() + ": " + std::strerror(errno));
}

class PosixAppendFile final : public AppendFile {
 public:
  PosixAppendFile(int fd, fs::path path, std::uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  ~PosixAppendFile() override { ::close(fd_); }
  PosixAppendFile(const PosixAppendFile&) = delete;
  PosixAppendFile& operator=(const PosixAppendFile&) = delete;

  Status append(ByteView bytes) override {
    std::size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                           static_cast<off_t>(size_ + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return os_error("cannot write", path_);
      done += static_cast<std::size_t>(n);
    }
    size_ += bytes.size();
    return {};
  }

  Status sync() override {
    if (::fdatasync(fd_) != 0) return os_error("cannot sync", path_);
    return {};
  }

  Result<Bytes> read(std::uint64_t offset, std::size_t size) const override {
    Bytes out(size);
    std::size_t done = 0;
    while (done < size) {
      ssize_t n = ::pread(fd_, out.data() + done, size - done, static_cast<off_t>(offset + done));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return os_error("cannot read", path_);
      if (n == 0) {
        return Error(ErrorCode::kCorruption, path_.string() + " ends at " +
                                                 std::to_string(offset + done) + ", before " +
                                                 std::to_string(offset + size));
      }
      done += static_cast<std::size_t>(n);
    }
    return out;
  }

  std::uint64_t size() const override { return size_; }

  Status truncate(std::uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return os_error("cannot truncate", path_);
    size_ = size;
    return sync();
  }

 private:
  int fd_;
  fs::path path_;
  std::uint64_t size_;  // appends are serialised by the caller
};

}  // namespace

Result<std::shared_ptr<AppendFile>> open_append_file(const fs::path& path) {
  const bool existed = fs::exists(path);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return os_error("cannot open", path);
  off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) {
    Error error = os_error("cannot seek", path);
    ::close(fd);
    return error;
  }
  if (!existed) {
    // The new file's name must survive a power cut too.
    int dir = ::open(path.parent_path().c_str(), O_RDONLY | O_CLOEXEC);
    if (dir < 0 || ::fsync(dir) != 0) {
      Error error = os_error("cannot sync the directory of", path);
      if (dir >= 0) ::close(dir);
      ::close(fd);
      return error;
    }
    ::close(dir);
  }
  return std::shared_ptr<AppendFile>(
      std::make_shared<PosixAppendFile>(fd, path, static_cast<std::uint64_t>(end)));
}

void MemoryAppendFile::set_fail(bool fail) {
  std::lock_guard lock(mutex_);
  fail_ = fail;
}

void MemoryAppendFile::drop_unsynced() {
  std::lock_guard lock(mutex_);
  data_.resize(synced_);
}

void MemoryAppendFile::corrupt(std::uint64_t offset, ByteView bytes) {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < bytes.size() && offset + i < data_.size(); ++i) {
    data_[offset + i] = bytes[i];
  }
}

Status MemoryAppendFile::append(ByteView bytes) {
  std::lock_guard lock(mutex_);
  if (fail_) {
    data_.insert(data_.end(), bytes.begin(), bytes.begin() + bytes.size() / 2);
    return Error(ErrorCode::kIo, "injected write failure");
  }
  data_.insert(data_.end(), bytes.begin(), bytes.end());
  return {};
}

Status MemoryAppendFile::sync() {
  std::lock_guard lock(mutex_);
  if (fail_) return Error(ErrorCode::kIo, "injected sync failure");
  synced_ = data_.size();
  return {};
}

Result<Bytes> MemoryAppendFile::read(std::uint64_t offset, std::size_t size) const {
  std::lock_guard lock(mutex_);
  if (offset > data_.size() || size > data_.size() - offset) {
    return Error(ErrorCode::kCorruption, "the file ends before " + std::to_string(offset + size));
  }
  return Bytes(data_.begin() + static_cast<std::ptrdiff_t>(offset),
               data_.begin() + static_cast<std::ptrdiff_t>(offset + size));
}

std::uint64_t MemoryAppendFile::size() const {
  std::lock_guard lock(mutex_);
  return data_.size();
}

Status MemoryAppendFile::truncate(std::uint64_t size) {
  std::lock_guard lock(mutex_);
  if (size < data_.size()) data_.resize(size);
  synced_ = std::min(synced_, data_.size());
  return {};
}

}  // namespace tracechain::storage
