#include "tests/fuzz/fuzz_chain.h"

#include <openssl/evp.h>

#include <stdexcept>

#include "crypto/hash.h"
#include "crypto/merkle.h"
#include "tests/support/test_chain.h"

namespace tracechain::fuzz {

namespace {

// PKCS#8 PrivateKeyInfo of an Ed25519 key (RFC 8410) up to the 32-byte seed.
constexpr std::uint8_t kEd25519Pkcs8Prefix[] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30,
                                                0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                                0x04, 0x22, 0x04, 0x20};

std::string pem_of(const Bytes& der) {
  std::string base64(4 * ((der.size() + 2) / 3) + 1, '\0');
  const int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(base64.data()), der.data(),
                      static_cast<int>(der.size()));
  base64.resize(static_cast<std::size_t>(written));
  return "-----BEGIN PRIVATE KEY-----\n" + base64 + "\n-----END PRIVATE KEY-----\n";
}

FuzzChain make_chain() {
  FuzzChain chain;
  ledger::Genesis& g = chain.genesis;
  g.chain_id = "fuzz-chain";
  g.suite = crypto::Suite::kEd25519Sha256;
  g.time_ms = 1'767'225'600'000ull;  // 2026-01-01T00:00:00Z
  g.policy = test::default_policy();
  for (const test::Member& member : test::default_members()) {
    crypto::PrivateKey key = derived_key(member.id);
    g.participants.push_back({member.id, key.public_key().bytes(), member.roles,
                              member.jurisdiction});
    chain.keys.emplace(member.id, std::move(key));
  }
  g.validators.suite = g.suite;
  for (std::size_t i = 0; i < kValidators; ++i) {
    crypto::PrivateKey key = derived_key(validator_id(i));
    g.validators.validators.push_back({validator_id(i), key.public_key().bytes(), 1});
    chain.keys.emplace(validator_id(i), std::move(key));
  }
  if (Status s = ledger::validate(g); !s) throw std::runtime_error(s.error().message());
  return chain;
}

}  // namespace

crypto::PrivateKey derived_key(const std::string& name) {
  const Digest seed = crypto::hash(crypto::HashAlgorithm::kSha256, as_bytes(name));
  Bytes der(std::begin(kEd25519Pkcs8Prefix), std::end(kEd25519Pkcs8Prefix));
  der.insert(der.end(), seed.begin(), seed.end());
  auto key = crypto::PrivateKey::from_pem(pem_of(der), name);
  if (!key) throw std::runtime_error(key.error().message());
  return std::move(*key);
}

std::string validator_id(std::size_t index) { return "node-" + std::to_string(index); }

const FuzzChain& fuzz_chain() {
  static const FuzzChain chain = make_chain();
  return chain;
}

const SmallLog& small_log() {
  static const SmallLog made = [] {
    crypto::MemoryMerkleNodeStore store;
    crypto::MerkleLog log(crypto::HashAlgorithm::kSha256, store);
    for (std::uint8_t i = 0; i < 3; ++i) log.append(log.hasher().leaf(Bytes{i}));
    SmallLog l;
    l.root1 = *log.root_at(l.size1);
    l.root2 = log.root();
    l.proof = *log.consistency_proof(l.size1, l.size2);
    return l;
  }();
  return made;
}

}  // namespace tracechain::fuzz
