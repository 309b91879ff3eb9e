#include "crypto/bytes.h"

namespace tracechain {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string to_hex(ByteView bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.resize(bytes.size() * 2);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0x0f];
  }
  return out;
}

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.starts_with("0x") || hex.starts_with("0X")) hex.remove_prefix(2);
  if (hex.size() % 2 != 0) {
    return Error(ErrorCode::kInvalidInput,
                 "hex string has an odd number of digits (" + std::to_string(hex.size()) + ")");
  }
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int high = hex_value(hex[2 * i]);
    int low = hex_value(hex[2 * i + 1]);
    if (high < 0 || low < 0) {
      std::size_t at = high < 0 ? 2 * i : 2 * i + 1;
      return Error(ErrorCode::kInvalidInput,
                   "hex string has a non-hex character at position " + std::to_string(at));
    }
    out[i] = static_cast<std::uint8_t>(high << 4 | low);
  }
  return out;
}

Result<Digest> digest_from_hex(std::string_view hex) {
  auto bytes = from_hex(hex);
  if (!bytes) return bytes.error();
  if (bytes->size() != kDigestSize) {
    return Error(ErrorCode::kInvalidInput, "a hash is 32 bytes (64 hex digits), got " +
                                               std::to_string(bytes->size()) + " bytes");
  }
  Digest digest;
  std::copy(bytes->begin(), bytes->end(), digest.begin());
  return digest;
}

}  // namespace tracechain
