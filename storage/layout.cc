#include "storage/layout.h"

namespace tracechain::storage {

namespace {

void append_be(std::string& out, std::uint64_t value, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>(value >> (8 * i)));
}

std::uint64_t read_be(std::string_view in) {
  std::uint64_t value = 0;
  for (char c : in) value = value << 8 | static_cast<unsigned char>(c);
  return value;
}

Bytes encode_le(std::uint64_t value, std::size_t bytes) {
  Bytes out(bytes);
  for (std::size_t i = 0; i < bytes; ++i) out[i] = static_cast<std::uint8_t>(value >> (8 * i));
  return out;
}

Result<std::uint64_t> decode_le(ByteView bytes, std::size_t width, std::string_view what) {
  if (bytes.size() != width) {
    return Error(ErrorCode::kCorruption, std::string(what) + " is " +
                                             std::to_string(bytes.size()) + " bytes, not " +
                                             std::to_string(width));
  }
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i) value |= std::uint64_t{bytes[i]} << (8 * i);
  return value;
}

}  // namespace

std::string height_key(std::uint64_t height) {
  std::string key;
  append_be(key, height, 8);
  return key;
}

std::string tx_key(std::uint64_t height, std::uint32_t index) {
  std::string key;
  key.reserve(12);
  append_be(key, height, 8);
  append_be(key, index, 4);
  return key;
}

std::string node_key(std::uint32_t level, std::uint64_t index) {
  TC_ASSERT(level < 64);
  std::string key;
  key.reserve(9);
  append_be(key, level, 1);
  append_be(key, index, 8);
  return key;
}

std::string hash_key(const Digest& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

Result<TxKeyParts> parse_tx_key(std::string_view key) {
  if (key.size() != 12) {
    return Error(ErrorCode::kCorruption, "a transaction key is 12 bytes, found one of " +
                                             std::to_string(key.size()));
  }
  return TxKeyParts{read_be(key.substr(0, 8)), static_cast<std::uint32_t>(read_be(key.substr(8)))};
}

Result<std::uint64_t> parse_height_key(std::string_view key) {
  if (key.size() != 8) {
    return Error(ErrorCode::kCorruption,
                 "a height key is 8 bytes, found one of " + std::to_string(key.size()));
  }
  return read_be(key);
}

Status validate(const TxLocation& location) {
  if (location.height == 0) {
    return Error(ErrorCode::kInvalidInput, "a transaction location's height starts at 1");
  }
  return {};
}

Bytes encode_u32(std::uint32_t value) { return encode_le(value, 4); }
Bytes encode_u64(std::uint64_t value) { return encode_le(value, 8); }

Result<std::uint32_t> decode_u32(ByteView bytes, std::string_view what) {
  auto value = decode_le(bytes, 4, what);
  if (!value) return value.error();
  return static_cast<std::uint32_t>(*value);
}

Result<std::uint64_t> decode_u64(ByteView bytes, std::string_view what) {
  return decode_le(bytes, 8, what);
}

std::string describe_key(Column column, std::string_view key) {
  std::string name(column_name(column));
  switch (column) {
    case Column::kHeaders:
    case Column::kCertificates:
    case Column::kValidatorSets:
      if (auto height = parse_height_key(key)) {
        return name + "[height " + std::to_string(*height) + "]";
      }
      break;
    case Column::kTransactions:
    case Column::kReceipts:
      if (auto parts = parse_tx_key(key)) {
        return name + "[height " + std::to_string(parts->height) + ", index " +
               std::to_string(parts->index) + "]";
      }
      break;
    case Column::kLogNodes:
      if (key.size() == 9) {
        return name + "[level " + std::to_string(read_be(key.substr(0, 1))) + ", index " +
               std::to_string(read_be(key.substr(1))) + "]";
      }
      break;
    case Column::kTxIndex:
      return name + "[" + to_hex(as_bytes(key)) + "]";
    case Column::kState:
    case Column::kMeta:
      return name + "['" + std::string(key) + "']";
  }
  return name + "[" + to_hex(as_bytes(key)) + "]";
}

}  // namespace tracechain::storage
