// Byte strings, digests and their hex form.
//
// Bytes owns, ByteView borrows. Digest is the fixed 32-byte output of both
// hash algorithms tracechain uses (SHA-256 and SM3). Pure functions; no state.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/result.h"

namespace tracechain {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline constexpr std::size_t kDigestSize = 32;
using Digest = std::array<std::uint8_t, kDigestSize>;

// Views the characters of a string as bytes (no copy).
inline ByteView as_bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Lower-case hex, two characters a byte.
std::string to_hex(ByteView bytes);

// Parses hex (either case, even length, an optional "0x" prefix).
Result<Bytes> from_hex(std::string_view hex);

// Parses exactly 32 bytes of hex into a Digest.
Result<Digest> digest_from_hex(std::string_view hex);

// Standard base64 (RFC 4648 section 4), with padding.
std::string to_base64(ByteView bytes);

// Parses standard base64 with padding; refuses any other alphabet, missing
// or extra padding, and non-zero bits after the last byte, so each byte
// string has exactly one accepted text.
Result<Bytes> from_base64(std::string_view text);

}  // namespace tracechain
