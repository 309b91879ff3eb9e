// Hash algorithms: SHA-256 and SM3 (GM/T 0004), both 32 bytes, via OpenSSL 3 EVP.
//
// A chain uses one algorithm everywhere (transaction and header hashes, Merkle
// trees), chosen by its signature suite. hash() is thread-safe; a Hasher is
// an incremental context owned by one thread.
#pragma once

#include <memory>
#include <string_view>

#include "crypto/bytes.h"

namespace tracechain::crypto {

enum class HashAlgorithm : std::uint8_t {
  kSha256 = 1,
  kSm3 = 2,
};

std::string_view hash_algorithm_name(HashAlgorithm algorithm);

// One-shot hash of `data`.
Digest hash(HashAlgorithm algorithm, ByteView data);

// Incremental hash: update() any number of times, then finish() once.
class Hasher {
 public:
  explicit Hasher(HashAlgorithm algorithm);
  ~Hasher();
  Hasher(Hasher&&) noexcept;
  Hasher& operator=(Hasher&&) noexcept;
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  Hasher& update(ByteView data);
  Hasher& update(std::uint8_t byte) { return update(ByteView(&byte, 1)); }
  Digest finish();

 private:
  struct Context;
  std::unique_ptr<Context> context_;
};

}  // namespace tracechain::crypto
