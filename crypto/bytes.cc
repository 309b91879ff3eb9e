#include "crypto/bytes.h"

#include <algorithm>

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

namespace {

constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string to_base64(ByteView bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = static_cast<std::uint32_t>(bytes[i]) << 16;
    if (n > 1) group |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
    if (n > 2) group |= bytes[i + 2];
    for (std::size_t j = 0; j < 4; ++j) {
      out.push_back(j <= n ? kBase64Alphabet[(group >> (18 - 6 * j)) & 0x3f] : '=');
    }
  }
  return out;
}

Result<Bytes> from_base64(std::string_view text) {
  auto invalid = [&](const std::string& why) {
    return Error(ErrorCode::kInvalidInput, "not base64 (" + why + ")");
  };
  if (text.size() % 4 != 0) return invalid("its length is not a multiple of 4");
  Bytes out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    const bool last = i + 4 == text.size();
    std::size_t padding = 0;
    if (last && text[i + 3] == '=') padding = text[i + 2] == '=' ? 2 : 1;
    std::uint32_t group = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      if (j >= 4 - padding) {
        group <<= 6;
        continue;
      }
      int value = base64_value(text[i + j]);
      if (value < 0) {
        return invalid("character " + std::to_string(i + j + 1) + " is not of the alphabet");
      }
      group = (group << 6) | static_cast<std::uint32_t>(value);
    }
    const std::size_t n = 3 - padding;
    // The bits below the last byte must be zero (one text per byte string).
    if ((padding == 1 && (group & 0xff) != 0) || (padding == 2 && (group & 0xffff) != 0)) {
      return invalid("non-zero bits after the last byte");
    }
    for (std::size_t j = 0; j < n; ++j) {
      out.push_back(static_cast<std::uint8_t>(group >> (16 - 8 * j)));
    }
  }
  return out;
}

}  // namespace tracechain
