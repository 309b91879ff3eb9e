// Signature suites: key generation, PEM key files, signing and verification.
//
// A chain chooses one suite in its genesis:
//   p256-sha256     ECDSA over NIST P-256 with SHA-256 (the default)
//   ed25519-sha256  Ed25519 signatures; SHA-256 for every other hash
//   sm2-sm3         SM2 (GM/T 0003) with SM3 (GM/T 0004) and the standard
//                   distinguishing identifier "1234567812345678"
//
// Wire forms (see docs/crypto.md):
//   public key: P-256 and SM2 an uncompressed SEC1 point (65 bytes, 0x04||X||Y),
//               Ed25519 the 32-byte RFC 8032 encoding
//   signature:  P-256 and SM2 a DER SEQUENCE of two INTEGERs (r, s), Ed25519 64 bytes
// ECDSA signatures are made low-S (s <= n/2); verification refuses high-S and
// any DER that is not the one canonical encoding, so a signature cannot be
// altered by a third party into another valid one.
//
// Keys are immutable after construction and may be used from many threads at
// once (each operation uses its own OpenSSL context).
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/hash.h"

struct evp_pkey_st;

namespace tracechain::crypto::detail {
struct EvpPkeyFree;
}

namespace tracechain::crypto {

enum class Suite : std::uint8_t {
  kP256Sha256 = 1,
  kEd25519Sha256 = 2,
  kSm2Sm3 = 3,
};

inline constexpr Suite kDefaultSuite = Suite::kP256Sha256;

// "p256-sha256", "ed25519-sha256", "sm2-sm3".
std::string_view suite_name(Suite suite);
Result<Suite> parse_suite(std::string_view name);
// Validates a suite number read from untrusted bytes.
Result<Suite> suite_from_byte(std::uint8_t value);
HashAlgorithm suite_hash(Suite suite);

// The SM2 distinguishing identifier every tracechain signature uses.
inline constexpr std::string_view kSm2DefaultId = "1234567812345678";

// Upper bound of a signature's size in any suite (a DER P-256/SM2 signature is
// at most 72 bytes); decoders use it to refuse oversized fields.
inline constexpr std::size_t kMaxSignatureSize = 72;
inline constexpr std::size_t kMaxPublicKeySize = 65;

class PublicKey {
 public:
  // Parses the wire form of a public key of `suite`; refuses points that are
  // not on the curve and encodings of the wrong length.
  static Result<PublicKey> from_bytes(Suite suite, ByteView bytes);
  // Parses a "PUBLIC KEY" PEM (SubjectPublicKeyInfo).
  static Result<PublicKey> from_pem(std::string_view pem);

  Suite suite() const { return suite_; }
  // The wire form (see above).
  const Bytes& bytes() const { return bytes_; }
  std::string to_pem() const;
  // The DER SubjectPublicKeyInfo (the PEM's contents).
  Bytes to_spki_der() const;

  // Checks `signature` over `message`. For SM2, `sm2_id` is the signer's
  // distinguishing identifier (tracechain always uses the default).
  // Fails with kVerificationFailed and the reason: not canonical, high-S,
  // or does not match.
  Status verify(ByteView message, ByteView signature,
                std::string_view sm2_id = kSm2DefaultId) const;

  bool operator==(const PublicKey& other) const {
    return suite_ == other.suite_ && bytes_ == other.bytes_;
  }

  // The OpenSSL key behind it; opaque outside crypto/.
  struct Handle;
  const Handle& handle() const { return *handle_; }

 private:
  PublicKey(Suite suite, Bytes bytes, std::shared_ptr<const Handle> handle);

  Suite suite_;
  Bytes bytes_;
  std::shared_ptr<const Handle> handle_;
};

class PrivateKey {
 public:
  // A fresh key from OpenSSL's CSPRNG.
  static Result<PrivateKey> generate(Suite suite);
  // Parses a PKCS#8 "PRIVATE KEY" PEM (or an "EC PRIVATE KEY" PEM) and detects
  // its suite. `source` names where the text came from, for error messages.
  static Result<PrivateKey> from_pem(std::string_view pem, std::string_view source = "PEM text");
  // Reads a PEM private key file; errors name the file and the reason.
  static Result<PrivateKey> load(const std::filesystem::path& path);

  Suite suite() const { return suite_; }
  const PublicKey& public_key() const { return public_key_; }

  // Unencrypted PKCS#8 PEM.
  std::string to_pem() const;
  // Writes the PEM with permissions 0600, refusing to overwrite an existing
  // file; the file is complete or absent (written to a temporary and renamed).
  Status save(const std::filesystem::path& path) const;

  // Signs `message` (the suite hashes it). ECDSA signatures come out low-S.
  Bytes sign(ByteView message, std::string_view sm2_id = kSm2DefaultId) const;

  // The OpenSSL key behind it; opaque outside crypto/.
  struct Handle;
  const Handle& handle() const { return *handle_; }

 private:
  PrivateKey(Suite suite, std::shared_ptr<const Handle> handle, PublicKey public_key);
  static Result<PrivateKey> from_handle(Suite suite,
                                        std::unique_ptr<evp_pkey_st, detail::EvpPkeyFree> pkey);

  Suite suite_;
  std::shared_ptr<const Handle> handle_;
  PublicKey public_key_;
};

}  // namespace tracechain::crypto
