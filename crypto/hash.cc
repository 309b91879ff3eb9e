#include "crypto/hash.h"

#include "crypto/openssl_util.h"

namespace tracechain::crypto {

namespace detail {

std::string take_openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    if (!text.empty()) text += "; ";
    text += buffer;
  }
  return text;
}

const EVP_MD* md_for(HashAlgorithm algorithm) {
  // Fetched digests live for the whole process and are shareable between threads.
  static const MdPtr sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr));
  static const MdPtr sm3(EVP_MD_fetch(nullptr, "SM3", nullptr));
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      TC_ASSERT_MSG(sha256 != nullptr, "OpenSSL cannot fetch SHA-256");
      return sha256.get();
    case HashAlgorithm::kSm3:
      TC_ASSERT_MSG(sm3 != nullptr, "OpenSSL cannot fetch SM3");
      return sm3.get();
  }
  TC_ASSERT_MSG(false, "unknown hash algorithm");
  return nullptr;
}

}  // namespace detail

std::string_view hash_algorithm_name(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::kSha256:
      return "sha256";
    case HashAlgorithm::kSm3:
      return "sm3";
  }
  return "unknown";
}

struct Hasher::Context {
  detail::MdCtxPtr ctx{EVP_MD_CTX_new()};
};

Hasher::Hasher(HashAlgorithm algorithm) : context_(std::make_unique<Context>()) {
  TC_ASSERT(context_->ctx != nullptr);
  TC_ASSERT(EVP_DigestInit_ex2(context_->ctx.get(), detail::md_for(algorithm), nullptr) == 1);
}

Hasher::~Hasher() = default;
Hasher::Hasher(Hasher&&) noexcept = default;
Hasher& Hasher::operator=(Hasher&&) noexcept = default;

Hasher& Hasher::update(ByteView data) {
  TC_ASSERT_MSG(context_ != nullptr, "Hasher used after finish() or move");
  TC_ASSERT(EVP_DigestUpdate(context_->ctx.get(), data.data(), data.size()) == 1);
  return *this;
}

Digest Hasher::finish() {
  TC_ASSERT_MSG(context_ != nullptr, "Hasher::finish() called twice");
  Digest digest;
  unsigned int length = 0;
  TC_ASSERT(EVP_DigestFinal_ex(context_->ctx.get(), digest.data(), &length) == 1);
  TC_ASSERT(length == kDigestSize);
  context_.reset();
  return digest;
}

Digest hash(HashAlgorithm algorithm, ByteView data) {
  Digest digest;
  unsigned int length = 0;
  // A context per thread, kept: EVP_Digest would allocate, clear and free
  // one on every call, which for the short inputs of Merkle nodes (65
  // bytes) cost as much as the hashing itself.
  thread_local detail::MdCtxPtr context{EVP_MD_CTX_new()};
  TC_ASSERT(context != nullptr);
  EVP_MD_CTX* ctx = context.get();
  TC_ASSERT(EVP_DigestInit_ex2(ctx, detail::md_for(algorithm), nullptr) == 1);
  TC_ASSERT(EVP_DigestUpdate(ctx, data.data(), data.size()) == 1);
  TC_ASSERT(EVP_DigestFinal_ex(ctx, digest.data(), &length) == 1);
  TC_ASSERT(length == kDigestSize);
  return digest;
}

}  // namespace tracechain::crypto
