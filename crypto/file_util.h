// Small, careful file helpers shared by every layer that reads or writes
// user-owned files (key files, configs, reports).
//
// Reads are bounded (a file is untrusted input and may be huge); writes are
// atomic (a temporary file in the same directory, fsync, then rename or link),
// so after a crash the target is either the old content or the new, never half.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "crypto/result.h"

namespace tracechain {

// Reads a whole file, failing with a message naming the file if it cannot be
// read or is larger than `max_bytes`.
Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes);

enum class Overwrite { kRefuse, kReplace };

// Writes `content` to `path` atomically with permissions `mode` (e.g. 0600 for
// secrets). With Overwrite::kRefuse an existing file is an error and is left
// untouched.
Status write_file_atomic(const std::filesystem::path& path, std::string_view content,
                         unsigned mode, Overwrite overwrite);

// A secret (a private key) must be readable and writable by its owner only,
// as ssh insists: fails, naming the file, its mode and the fix, when group or
// others have any access to it.
Status check_private_file(const std::filesystem::path& path, std::string_view what);

}  // namespace tracechain
