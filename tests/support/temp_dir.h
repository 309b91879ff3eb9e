// A fresh directory under the system temp dir, removed with its contents when
// the object goes out of scope.
#pragma once

#include <filesystem>

namespace tracechain::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace tracechain::test
