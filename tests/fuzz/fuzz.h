// What every fuzz target shares: the libFuzzer entry point, checks that stop
// the run on a broken property, and the round-trip property of the canonical
// encoding.
//
// A target is one file <name>_fuzz.cc defining LLVMFuzzerTestOneInput. It is
// linked either with libFuzzer (TRACECHAIN_FUZZ=ON, clang) or with
// replay_main.cc, which runs it over the files of the corpus directories.
// Targets return 0 for every input; a property that does not hold aborts,
// which both drivers report as a failure with the input that caused it.
//
// Single-threaded, like both drivers.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "ledger/encoding.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace tracechain::fuzz {

// Stops the run: a property of the code under test does not hold.
[[noreturn]] inline void fail(std::string_view what) {
  std::fprintf(stderr, "fuzz property violated: %.*s\n", static_cast<int>(what.size()),
               what.data());
  std::abort();
}

inline void check(bool condition, std::string_view what) {
  if (!condition) fail(what);
}

// Decodes `bytes` as a T. What decodes must re-encode to exactly `bytes`
// (docs/encoding.md: decoding is one-to-one) and decode again to the same
// value. Returns the value for further checks.
template <ledger::Decodable T>
Result<T> decode_canonical(ByteView bytes) {
  Result<T> value = ledger::decode<T>(bytes);
  if (!value) return value;
  const Bytes again = ledger::encode(*value);
  if (again.size() != bytes.size() || !std::equal(again.begin(), again.end(), bytes.begin())) {
    fail(std::string(T::kTypeName) + ": accepted bytes do not re-encode to themselves");
  }
  Result<T> twice = ledger::decode<T>(again);
  check(twice.ok() && *twice == *value,
        std::string(T::kTypeName) + ": the re-encoding does not decode to the same value");
  return value;
}

inline ByteView view(const std::uint8_t* data, std::size_t size) { return ByteView(data, size); }
inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

}  // namespace tracechain::fuzz
