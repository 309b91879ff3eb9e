#include "tests/support/ecdsa_der.h"

#include <openssl/bn.h>
#include <openssl/ec.h>

#include <catch2/catch.hpp>
#include <memory>

namespace tracechain::test {

namespace {

using BnPtr = std::unique_ptr<BIGNUM, decltype(&BN_free)>;

BnPtr to_bn(const Bytes& bytes) {
  return BnPtr(BN_bin2bn(bytes.data(), static_cast<int>(bytes.size()), nullptr), &BN_free);
}

Bytes from_bn(const BIGNUM* bn) {
  Bytes out(static_cast<std::size_t>(BN_num_bytes(bn)));
  BN_bn2bin(bn, out.data());
  return out;
}

BnPtr p256_order() {
  BIGNUM* n = nullptr;
  BN_hex2bn(&n, "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551");
  return BnPtr(n, &BN_free);
}

}  // namespace

std::pair<Bytes, Bytes> split_der(const Bytes& der) {
  const unsigned char* cursor = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size()));
  REQUIRE(sig != nullptr);
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig, &r, &s);
  std::pair<Bytes, Bytes> out{from_bn(r), from_bn(s)};
  ECDSA_SIG_free(sig);
  return out;
}

Bytes make_der(const Bytes& r, const Bytes& s) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  REQUIRE(ECDSA_SIG_set0(sig, to_bn(r).release(), to_bn(s).release()) == 1);
  unsigned char* der = nullptr;
  int length = i2d_ECDSA_SIG(sig, &der);
  REQUIRE(length > 0);
  Bytes out(der, der + length);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

Bytes make_der_raw(const Bytes& r_content, const Bytes& s_content) {
  Bytes body;
  for (const Bytes* integer : {&r_content, &s_content}) {
    body.push_back(0x02);
    body.push_back(static_cast<std::uint8_t>(integer->size()));
    for (std::uint8_t byte : *integer) body.push_back(byte);
  }
  Bytes out;
  out.push_back(0x30);
  out.push_back(static_cast<std::uint8_t>(body.size()));
  for (std::uint8_t byte : body) out.push_back(byte);
  return out;
}

bool is_low_s(const Bytes& s) {
  BnPtr half(BN_new(), &BN_free);
  BN_rshift1(half.get(), p256_order().get());
  return BN_cmp(to_bn(s).get(), half.get()) <= 0;
}

Bytes negate_s(const Bytes& s) {
  BnPtr result(BN_new(), &BN_free);
  BN_sub(result.get(), p256_order().get(), to_bn(s).get());
  return from_bn(result.get());
}

}  // namespace tracechain::test
