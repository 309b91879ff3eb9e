#include "crypto/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

namespace tracechain {

namespace {

std::string quoted(const std::filesystem::path& path) { return "'" + path.string() + "'"; }

Error io_error(const std::filesystem::path& path, const std::string& what, int error_number) {
  return Error(ErrorCode::kIo, quoted(path) + ": " + what + ": " + std::strerror(error_number));
}

// Closes a file descriptor on scope exit.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status sync_directory(const std::filesystem::path& directory) {
  FileDescriptor dir(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir.get() < 0) return io_error(directory, "cannot open directory to sync it", errno);
  if (::fsync(dir.get()) != 0) return io_error(directory, "cannot sync directory", errno);
  return {};
}

}  // namespace

Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes) {
  FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return io_error(path, "cannot open", errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return io_error(path, "cannot stat", errno);
  if (S_ISDIR(info.st_mode)) {
    return Error(ErrorCode::kInvalidInput, quoted(path) + " is a directory, not a file");
  }
  std::string content;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0) {
      if (errno == EINTR) continue;
      return io_error(path, "cannot read", errno);
    }
    if (n == 0) break;
    if (content.size() + static_cast<std::size_t>(n) > max_bytes) {
      return Error(ErrorCode::kResourceExhausted, quoted(path) + " is larger than the " +
                                                      std::to_string(max_bytes) +
                                                      " bytes allowed for it");
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
  return content;
}

Status write_file_atomic(const std::filesystem::path& path, std::string_view content,
                         unsigned mode, Overwrite overwrite) {
  std::filesystem::path directory = path.parent_path();
  if (directory.empty()) directory = ".";
  std::filesystem::path temporary = path;
  temporary += ".tmp-" + std::to_string(::getpid());

  FileDescriptor fd(::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (fd.get() < 0) return io_error(temporary, "cannot create", errno);
  // open() applies the umask; a secret must end up with exactly `mode`.
  if (::fchmod(fd.get(), mode) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    return io_error(temporary, "cannot set permissions", saved);
  }
  std::size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::unlink(temporary.c_str());
      return io_error(temporary, "cannot write", saved);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    return io_error(temporary, "cannot flush", saved);
  }

  if (overwrite == Overwrite::kRefuse) {
    // link() fails if the target exists, so a concurrent writer cannot be
    // silently replaced either.
    if (::link(temporary.c_str(), path.c_str()) != 0) {
      int saved = errno;
      ::unlink(temporary.c_str());
      if (saved == EEXIST) {
        return Error(ErrorCode::kConflict,
                     quoted(path) + " already exists; refusing to overwrite it");
      }
      return io_error(path, "cannot create", saved);
    }
    ::unlink(temporary.c_str());
  } else if (::rename(temporary.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    return io_error(path, "cannot replace", saved);
  }
  return sync_directory(directory);
}

Status check_private_file(const std::filesystem::path& path, std::string_view what) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return io_error(path, std::string(what), errno);
  const unsigned mode = info.st_mode & 0777;
  if ((mode & 077) == 0) return {};
  char octal[8];
  std::snprintf(octal, sizeof(octal), "%04o", mode);
  return Error(ErrorCode::kInvalidInput,
               std::string(what) + " " + quoted(path) + " is accessible by " +
                   ((mode & 070) != 0 ? "its group" : "others") + " (mode " + octal +
                   "); a private key must be its owner's alone: chmod 600 " + quoted(path));
}

}  // namespace tracechain
