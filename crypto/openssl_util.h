// Internal to crypto/: RAII owners for OpenSSL objects and error text.
#pragma once

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "crypto/hash.h"
#include "crypto/signature.h"

namespace tracechain::crypto::detail {

struct EvpPkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct EvpPkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct EvpMdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
struct EvpMdFree {
  void operator()(EVP_MD* p) const { EVP_MD_free(p); }
};
struct BnFree {
  void operator()(BIGNUM* p) const { BN_free(p); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
};

using PkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, EvpPkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, EvpMdCtxFree>;
using MdPtr = std::unique_ptr<EVP_MD, EvpMdFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

}  // namespace tracechain::crypto::detail

namespace tracechain::crypto {

struct PublicKey::Handle {
  detail::PkeyPtr pkey;
};

struct PrivateKey::Handle {
  detail::PkeyPtr pkey;
};

}  // namespace tracechain::crypto

namespace tracechain::crypto::detail {

// Drains OpenSSL's thread-local error queue into one line ("" if empty), so a
// failure's reason reaches the user and a stale error never leaks into the
// next operation.
std::string take_openssl_errors();

// The message digest for an algorithm, fetched once per process (explicit
// fetching avoids OpenSSL 3's per-call lookup). Immutable, thread-safe.
const EVP_MD* md_for(HashAlgorithm algorithm);

}  // namespace tracechain::crypto::detail
