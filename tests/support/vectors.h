// Access to the public test vectors (Wycheproof, RFC 6962 proofs) kept outside
// the repository. The directory is $TRACECHAIN_VECTORS, or ../shared/vectors
// next to the source tree. When it is absent, tests that need it print a line
// starting with "SKIPPED:" (CTest reports them as skipped) and pass nothing
// off as checked.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>

#include "crypto/bytes.h"

namespace tracechain::test {

// The vectors directory, or nullopt (after printing the SKIPPED line naming
// where it looked) if it does not exist.
std::optional<std::filesystem::path> vectors_dir_or_skip(const std::string& test_name);

// Parses a JSON file; fails the test if it cannot.
nlohmann::json load_json(const std::filesystem::path& path);

// Standard base64 with padding, via OpenSSL; nullopt for malformed text.
std::optional<Bytes> decode_base64(const std::string& text);

// Hex to bytes; fails the test on malformed hex.
Bytes hex(const std::string& text);

// The source tree's root, for files such as docs/encoding.md.
std::filesystem::path source_dir();

}  // namespace tracechain::test
