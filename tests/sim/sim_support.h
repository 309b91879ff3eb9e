// What both simulators draw their randomness from and hash their traces
// with. Header-only; plain value types.
#pragma once

#include <cstdint>
#include <random>
#include <string_view>

#include "crypto/bytes.h"

namespace tracechain::sim {

// Draws from the seed's generator. Modulo bias is irrelevant here, and these
// helpers (unlike std::uniform_*_distribution) give the same numbers on
// every standard library.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }

 private:
  std::mt19937_64 engine_;
};

// FNV-1a, 64 bits: cheap, and enough to tell two traces apart.
class TraceHash {
 public:
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) add_byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void add(ByteView bytes) {
    add(bytes.size());
    for (std::uint8_t b : bytes) add_byte(b);
  }
  void add(std::string_view text) { add(as_bytes(text)); }
  std::uint64_t value() const { return hash_; }

 private:
  void add_byte(std::uint8_t b) {
    hash_ ^= b;
    hash_ *= 0x100000001b3ull;
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
};

}  // namespace tracechain::sim
