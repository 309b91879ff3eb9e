// The canonical encoding: the exact bytes tracechain hashes and signs.
//
// Types describe their fields once, with cereal's `serialize(Archive&)`, and
// two archives of our own turn them into bytes and back:
//   - integers are fixed-width little-endian; bool is one byte, 0 or 1
//   - a byte string or text is a u32 length, then the bytes
//   - a list is a u32 count, then the elements
//   - an optional is one byte (0 absent, 1 present), then the value
//   - a Digest is its 32 bytes, no length
//   - floating point does not exist in the encoding
// Every top-level type starts with its own u8 format version.
//
// Why not cereal's PortableBinaryArchive as it is: it writes a header byte,
// uses 8-byte sizes, and allocates whatever a length prefix claims before
// reading (a 4-byte prefix claiming 4 GB would be a 4 GB allocation). These
// archives check every length against the bytes actually left, never allocate
// beyond what the input holds, and decode() rejects trailing bytes.
// docs/encoding.md describes the format field by field.
//
// Archives are single-use, single-thread objects.
#pragma once

#include <cereal/cereal.hpp>

#include <array>
#include <concepts>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "crypto/bytes.h"

namespace tracechain::ledger {

// Thrown inside decoding only; decode() turns it into an Error.
class DecodeError : public cereal::Exception {
 public:
  using cereal::Exception::Exception;
};

class CanonicalOutputArchive
    : public cereal::OutputArchive<CanonicalOutputArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit CanonicalOutputArchive(Bytes& out)
      : cereal::OutputArchive<CanonicalOutputArchive, cereal::AllowEmptyClassElision>(this),
        out_(out) {}

  void write(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    out_.insert(out_.end(), bytes, bytes + size);
  }

 private:
  Bytes& out_;
};

class CanonicalInputArchive
    : public cereal::InputArchive<CanonicalInputArchive, cereal::AllowEmptyClassElision> {
 public:
  explicit CanonicalInputArchive(ByteView in)
      : cereal::InputArchive<CanonicalInputArchive, cereal::AllowEmptyClassElision>(this),
        cursor_(in.data()),
        end_(in.data() + in.size()) {}

  std::size_t remaining() const { return static_cast<std::size_t>(end_ - cursor_); }

  void read(void* data, std::size_t size) {
    if (size > remaining()) {
      throw DecodeError("input ends early: " + std::to_string(size) + " bytes needed, " +
                        std::to_string(remaining()) + " left");
    }
    if (size == 0) return;  // `data` may be null (an empty vector's data())
    std::memcpy(data, cursor_, size);
    cursor_ += size;
  }

  // Reads a u32 length or count and checks that the input still holds at least
  // that many bytes (every element takes at least one byte), so nothing is
  // allocated that the input does not back.
  std::size_t read_length(const char* what) {
    std::uint8_t raw[4];
    read(raw, sizeof(raw));
    std::size_t length = std::size_t(raw[0]) | std::size_t(raw[1]) << 8 |
                         std::size_t(raw[2]) << 16 | std::size_t(raw[3]) << 24;
    if (length > remaining()) {
      throw DecodeError(std::string(what) + " claims " + std::to_string(length) +
                        " but only " + std::to_string(remaining()) + " bytes are left");
    }
    return length;
  }

 private:
  const std::uint8_t* cursor_;
  const std::uint8_t* end_;
};

// ------------------------------------------------------------------ scalars

template <std::integral T>
  requires(!std::same_as<T, bool>)
void CEREAL_SAVE_FUNCTION_NAME(CanonicalOutputArchive& ar, const T& value) {
  using U = std::make_unsigned_t<T>;
  U v = static_cast<U>(value);
  std::uint8_t raw[sizeof(T)];
  for (std::size_t i = 0; i < sizeof(T); ++i) raw[i] = static_cast<std::uint8_t>(v >> (8 * i));
  ar.write(raw, sizeof(raw));
}

template <std::integral T>
  requires(!std::same_as<T, bool>)
void CEREAL_LOAD_FUNCTION_NAME(CanonicalInputArchive& ar, T& value) {
  using U = std::make_unsigned_t<T>;
  std::uint8_t raw[sizeof(T)];
  ar.read(raw, sizeof(raw));
  U v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v |= static_cast<U>(U(raw[i]) << (8 * i));
  value = static_cast<T>(v);
}

inline void CEREAL_SAVE_FUNCTION_NAME(CanonicalOutputArchive& ar, const bool& value) {
  std::uint8_t byte = value ? 1 : 0;
  ar.write(&byte, 1);
}

inline void CEREAL_LOAD_FUNCTION_NAME(CanonicalInputArchive& ar, bool& value) {
  std::uint8_t byte = 0;
  ar.read(&byte, 1);
  if (byte > 1) throw DecodeError("a boolean is 0 or 1, got " + std::to_string(byte));
  value = byte == 1;
}

// ----------------------------------------------------------- byte strings

inline void write_length(CanonicalOutputArchive& ar, std::size_t length) {
  TC_ASSERT_MSG(length <= 0xffffffffu, "field too long for a u32 length prefix");
  ar(static_cast<std::uint32_t>(length));
}

inline void CEREAL_SAVE_FUNCTION_NAME(CanonicalOutputArchive& ar, const std::string& text) {
  write_length(ar, text.size());
  ar.write(text.data(), text.size());
}

inline void CEREAL_LOAD_FUNCTION_NAME(CanonicalInputArchive& ar, std::string& text) {
  std::size_t length = ar.read_length("text length");
  text.resize(length);
  ar.read(text.data(), length);
}

inline void CEREAL_SAVE_FUNCTION_NAME(CanonicalOutputArchive& ar, const Bytes& bytes) {
  write_length(ar, bytes.size());
  ar.write(bytes.data(), bytes.size());
}

inline void CEREAL_LOAD_FUNCTION_NAME(CanonicalInputArchive& ar, Bytes& bytes) {
  std::size_t length = ar.read_length("byte string length");
  bytes.resize(length);
  ar.read(bytes.data(), length);
}

template <std::size_t N>
void CEREAL_SAVE_FUNCTION_NAME(CanonicalOutputArchive& ar, const std::array<std::uint8_t, N>& a) {
  ar.write(a.data(), N);
}

template <std::size_t N>
void CEREAL_LOAD_FUNCTION_NAME(CanonicalInputArchive& ar, std::array<std::uint8_t, N>& a) {
  ar.read(a.data(), N);
}

// -------------------------------------------------------------- containers

// A fixed-size array is its elements, with no count.
template <typename T, std::size_t N>
  requires(!std::same_as<T, std::uint8_t>)
void CEREAL_SAVE_FUNCTION_NAME(CanonicalOutputArchive& ar, const std::array<T, N>& a) {
  for (const T& element : a) ar(element);
}

template <typename T, std::size_t N>
  requires(!std::same_as<T, std::uint8_t>)
void CEREAL_LOAD_FUNCTION_NAME(CanonicalInputArchive& ar, std::array<T, N>& a) {
  for (T& element : a) ar(element);
}

template <typename T>
  requires(!std::same_as<T, std::uint8_t>)
void CEREAL_SAVE_FUNCTION_NAME(CanonicalOutputArchive& ar, const std::vector<T>& list) {
  write_length(ar, list.size());
  for (const T& element : list) ar(element);
}

template <typename T>
  requires(!std::same_as<T, std::uint8_t>)
void CEREAL_LOAD_FUNCTION_NAME(CanonicalInputArchive& ar, std::vector<T>& list) {
  std::size_t count = ar.read_length("list count");
  list.clear();
  // No reserve(count): growth follows the elements actually decoded, each of
  // which consumed input.
  for (std::size_t i = 0; i < count; ++i) {
    T element{};
    ar(element);
    list.push_back(std::move(element));
  }
}

template <typename T>
void CEREAL_SAVE_FUNCTION_NAME(CanonicalOutputArchive& ar, const std::optional<T>& value) {
  ar(value.has_value());
  if (value) ar(*value);
}

template <typename T>
void CEREAL_LOAD_FUNCTION_NAME(CanonicalInputArchive& ar, std::optional<T>& value) {
  bool present = false;
  ar(present);
  if (present) {
    T inner{};
    ar(inner);
    value = std::move(inner);
  } else {
    value.reset();
  }
}

// ------------------------------------------------------- format versions

// The leading u8 of every top-level type. Saving writes `expected`; loading
// refuses any other value, naming the type.
struct FormatVersion {
  std::uint8_t expected;
  const char* type_name;
};

inline void CEREAL_SAVE_FUNCTION_NAME(CanonicalOutputArchive& ar, const FormatVersion& version) {
  ar(version.expected);
}

inline void CEREAL_LOAD_FUNCTION_NAME(CanonicalInputArchive& ar, FormatVersion& version) {
  std::uint8_t found = 0;
  ar(found);
  if (found != version.expected) {
    throw DecodeError(std::string(version.type_name) + " format version " +
                      std::to_string(found) + " is not supported (this build reads version " +
                      std::to_string(version.expected) + ")");
  }
}

// Reads the version byte of a type whose version 2 differs from version 1
// only in committing to the state tree (chain parameters, genesis, block
// headers); true for version 2.
template <class Archive>
bool load_state_tree_version(Archive& ar, std::string_view type_name) {
  std::uint8_t found = 0;
  ar(found);
  if (found != 1 && found != 2) {
    throw DecodeError(std::string(type_name) + " format version " + std::to_string(found) +
                      " is not supported (this build reads versions 1 and 2)");
  }
  return found == 2;
}

// Enums need no overload here: cereal stores them as their underlying integer.
// Loading accepts any value of that width; each type's validate() rejects
// values that name nothing.

// ------------------------------------------------------------ entry points

// Canonical bytes of `value`.
template <typename T>
Bytes encode(const T& value) {
  Bytes out;
  CanonicalOutputArchive ar(out);
  ar(value);
  return out;
}

// Appends the canonical bytes of `value` to `out`.
template <typename T>
void encode_to(Bytes& out, const T& value) {
  CanonicalOutputArchive ar(out);
  ar(value);
}

// A type T decodes if it has serialize() and a `Status validate(const T&)`
// found by argument-dependent lookup, which checks semantic bounds (lengths,
// enum values) after the bytes parsed.
template <typename T>
concept Decodable = requires(const T& value) {
  { validate(value) } -> std::same_as<Status>;
  { T::kTypeName } -> std::convertible_to<std::string_view>;
};

// Parses untrusted bytes: exactly one T, no trailing bytes, valid by
// validate(). Never crashes and never allocates beyond what `bytes` backs.
template <Decodable T>
Result<T> decode(ByteView bytes) {
  T value{};
  try {
    CanonicalInputArchive ar(bytes);
    ar(value);
    if (ar.remaining() != 0) {
      return Error(ErrorCode::kInvalidInput,
                   std::string(T::kTypeName) + ": " + std::to_string(ar.remaining()) +
                       " trailing bytes after the encoding");
    }
  } catch (const cereal::Exception& e) {
    return Error(ErrorCode::kInvalidInput, std::string(T::kTypeName) + ": " + e.what());
  }
  if (Status status = validate(value); !status) {
    return status.error().with_context(std::string(T::kTypeName));
  }
  return value;
}

}  // namespace tracechain::ledger

CEREAL_REGISTER_ARCHIVE(tracechain::ledger::CanonicalOutputArchive)
CEREAL_REGISTER_ARCHIVE(tracechain::ledger::CanonicalInputArchive)
CEREAL_SETUP_ARCHIVE_TRAITS(tracechain::ledger::CanonicalInputArchive,
                            tracechain::ledger::CanonicalOutputArchive)
