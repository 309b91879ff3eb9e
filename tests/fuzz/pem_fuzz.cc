// PEM text a user or an operator supplies (crypto/signature.h, crypto/x509.h):
// public keys, private keys and certificates. The input is tried as each;
// a key that parses must write out PEM that parses back to the same key, and
// a certificate is checked both as a node's certificate under a fixed CA and
// as the CA of a fixed node certificate.
#include <stdexcept>

#include "crypto/x509.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_chain.h"

using namespace tracechain;

namespace {

struct Pki {
  std::string ca_pem;
  std::string node_pem;
};

const Pki& pki() {
  static const Pki made = [] {
    const crypto::PrivateKey ca_key = fuzz::derived_key("fuzz-ca");
    auto ca = crypto::create_ca_certificate(ca_key, "fuzz-ca", 3650);
    if (!ca) throw std::runtime_error(ca.error().message());
    auto node = crypto::issue_node_certificate(ca_key, *ca, fuzz::derived_key("node-0").public_key(),
                                               "node-0", 3650);
    if (!node) throw std::runtime_error(node.error().message());
    return Pki{*ca, *node};
  }();
  return made;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view pem = fuzz::text(data, size);
  if (auto key = crypto::PublicKey::from_pem(pem)) {
    auto again = crypto::PublicKey::from_pem(key->to_pem());
    fuzz::check(again.ok() && *again == *key, "a public key does not re-parse from its own PEM");
    auto raw = crypto::PublicKey::from_bytes(key->suite(), key->bytes());
    fuzz::check(raw.ok() && *raw == *key, "a public key does not re-parse from its own bytes");
  }
  if (auto key = crypto::PrivateKey::from_pem(pem, "fuzz input")) {
    auto again = crypto::PrivateKey::from_pem(key->to_pem(), "re-encoded");
    fuzz::check(again.ok() && again->suite() == key->suite() &&
                    again->public_key() == key->public_key(),
                "a private key does not re-parse from its own PEM");
    const Bytes message{1, 2, 3};
    fuzz::check(key->public_key().verify(message, key->sign(message)).ok(),
                "a parsed private key's signature does not verify with its public key");
  }
  (void)crypto::certificate_common_name(pem);
  (void)crypto::verify_node_certificate(pem, pki().ca_pem);
  (void)crypto::verify_node_certificate(pki().node_pem, pem);
  return 0;
}
