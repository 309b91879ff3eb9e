// The database layout: keys of every column and the records stored in them.
// docs/storage.md is the prose version of this file; keep the two in step.
//
// Keys that are read in order are big-endian and fixed-width, so that byte
// order is numeric order and a block's entries are contiguous:
//   headers, certificates       u64 height
//   transactions, receipts      u64 height || u32 index in block
//   log_nodes                   u8 level || u64 index
//   validator_sets              u64 first height the set signs
//   tx_index                    32-byte transaction hash
//   state                       the ledger's own state key (ledger/model.h)
//   meta                        "schema_version", "genesis", "last_height"
// Values are canonical encodings (ledger/encoding.h); the store's own records
// (TxLocation) carry a format version like every ledger type.
//
// Stored bytes are untrusted on the way back in (a disk can rot, a directory
// can be tampered with): every decode here turns a failure into kCorruption
// naming the column and key. Pure functions.
#pragma once

#include <string>
#include <string_view>

#include "ledger/encoding.h"
#include "storage/kv.h"

namespace tracechain::storage {

// The layout version this build reads and writes. A database with another
// version is refused at open.
inline constexpr std::uint32_t kSchemaVersion = 1;

namespace meta {
inline constexpr std::string_view kSchemaVersion = "schema_version";  // u32 (LE)
inline constexpr std::string_view kGenesis = "genesis";               // Genesis
inline constexpr std::string_view kLastHeight = "last_height";        // u64 (LE)
}  // namespace meta

std::string height_key(std::uint64_t height);
std::string tx_key(std::uint64_t height, std::uint32_t index);
std::string node_key(std::uint32_t level, std::uint64_t index);
std::string hash_key(const Digest& hash);

// The parts of a transactions/receipts key; kCorruption if malformed.
struct TxKeyParts {
  std::uint64_t height = 0;
  std::uint32_t index = 0;
};
Result<TxKeyParts> parse_tx_key(std::string_view key);
Result<std::uint64_t> parse_height_key(std::string_view key);

// Where a committed transaction is: block height and index in the block.
struct TxLocation {
  static constexpr std::string_view kTypeName = "transaction location";
  static constexpr std::uint8_t kFormatVersion = 1;

  std::uint64_t height = 0;
  std::uint32_t index = 0;

  template <class Archive>
  void serialize(Archive& ar) {
    ledger::FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, height, index);
  }

  bool operator==(const TxLocation&) const = default;
};
Status validate(const TxLocation& location);

// Fixed-width little-endian integers (the canonical encoding of u32/u64).
Bytes encode_u32(std::uint32_t value);
Bytes encode_u64(std::uint64_t value);
Result<std::uint32_t> decode_u32(ByteView bytes, std::string_view what);
Result<std::uint64_t> decode_u64(ByteView bytes, std::string_view what);

// A human name for an entry, for messages: "headers[height 12]".
std::string describe_key(Column column, std::string_view key);

// Decodes a stored value, mapping any failure to kCorruption that names where
// the bytes came from.
template <ledger::Decodable T>
Result<T> decode_stored(ByteView bytes, Column column, std::string_view key) {
  auto value = ledger::decode<T>(bytes);
  if (!value) {
    return Error(ErrorCode::kCorruption,
                 describe_key(column, key) + " does not decode: " + value.error().message());
  }
  return value;
}

}  // namespace tracechain::storage
