// The state tree and its proofs (ledger/state_tree.h). The first byte picks
// what the rest of the input is:
//   0  a state proof as bytes, checked against a fixed tree: decoding is
//      canonical, and a proof that verifies for a key names that key's
//      value (or its absence) exactly as the tree's own proof does
//   1  a state to build: (u8 key length, key, u8 value length, value) pairs,
//      written in two blocks in input order; the tree's root does not depend
//      on the order, every key's proof verifies (present and absent), and
//      with any one byte of an encoded proof changed it does not
#include "ledger/state_tree.h"
#include "tests/fuzz/fuzz.h"

#include <map>

using namespace tracechain;

namespace {

constexpr auto kSha256 = crypto::HashAlgorithm::kSha256;

Bytes bytes_of(std::string_view text) { return Bytes(text.begin(), text.end()); }

const ledger::StateTree& fixed_tree() {
  static const ledger::StateTree tree = [] {
    ledger::StateDelta delta;
    for (int i = 0; i < 40; ++i) {
      delta.push_back({"t/trade-" + std::to_string(i), bytes_of("state " + std::to_string(i))});
    }
    return ledger::StateTree(kSha256).apply(delta);
  }();
  return tree;
}

void check_proof_bytes(ByteView bytes, const std::string& key) {
  auto proof = fuzz::decode_canonical<ledger::StateTreeProof>(bytes);
  if (!proof) return;
  const ledger::StateTree& tree = fixed_tree();
  const ledger::StateTreeProof own = tree.prove(key);
  const std::optional<Bytes> value =
      own.leaf && own.leaf->path == crypto::hash(kSha256, as_bytes(key))
          ? std::optional<Bytes>(bytes_of("state " + key.substr(8)))
          : std::nullopt;
  fuzz::check(ledger::verify_state_proof(kSha256, tree.root(), key, value, own).ok(),
              "the tree's own proof does not verify");
  // Another value than the tree holds never verifies, whatever the proof.
  fuzz::check(!ledger::verify_state_proof(kSha256, tree.root(), key, bytes_of("forged"), *proof),
              "a proof verified a value the tree does not hold");
  if (value) {
    fuzz::check(!ledger::verify_state_proof(kSha256, tree.root(), key, std::nullopt, *proof),
                "a proof verified the absence of a key the tree holds");
  } else {
    fuzz::check(!ledger::verify_state_proof(kSha256, tree.root(), key, bytes_of("state 1"), *proof),
                "a proof verified a value for a key the tree does not hold");
  }
}

void check_built(const std::uint8_t* data, std::size_t size) {
  ledger::StateDelta first, second;
  std::map<std::string, Bytes> state;
  std::size_t at = 0;
  while (at < size) {
    const std::size_t key_size = data[at++];
    if (size - at < key_size) break;
    std::string key(reinterpret_cast<const char*>(data + at), key_size);
    at += key_size;
    if (at >= size) break;
    const std::size_t value_size = data[at++];
    if (size - at < value_size) break;
    Bytes value(data + at, data + at + value_size);
    at += value_size;
    state[key] = value;
  }
  std::size_t n = 0;
  for (const auto& [key, value] : state) (n++ % 2 == 0 ? first : second).push_back({key, value});
  const ledger::StateTree in_two = ledger::StateTree(kSha256).apply(first).apply(second);
  ledger::StateDelta all;
  for (const auto& [key, value] : state) all.push_back({key, value});
  const ledger::StateTree in_one = ledger::StateTree(kSha256).apply(all);
  fuzz::check(in_two.root() == in_one.root(), "the root depends on the order of the writes");
  fuzz::check(in_one.size() == state.size(), "the tree does not count its keys");
  for (const auto& [key, value] : state) {
    const ledger::StateTreeProof proof = in_one.prove(key);
    fuzz::check(ledger::verify_state_proof(kSha256, in_one.root(), key, value, proof).ok(),
                "a present key's proof does not verify");
    Bytes encoded = ledger::encode(proof);
    for (std::size_t i = 1; i < encoded.size(); i += 7) {
      Bytes bent = encoded;
      bent[i] ^= 0x01;
      auto decoded = ledger::decode<ledger::StateTreeProof>(bent);
      fuzz::check(!decoded ||
                      !ledger::verify_state_proof(kSha256, in_one.root(), key, value, *decoded),
                  "a proof with a changed byte still verifies");
    }
  }
  const std::string absent = "absent/" + std::to_string(size);
  if (!state.count(absent)) {
    fuzz::check(ledger::verify_state_proof(kSha256, in_one.root(), absent, std::nullopt,
                                           in_one.prove(absent))
                    .ok(),
                "an absent key's proof does not verify");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  if (data[0] % 2 == 0) {
    check_proof_bytes(fuzz::view(data + 2, size - 2), "t/trade-" + std::to_string(data[1] % 48));
  } else {
    check_built(data + 1, std::min<std::size_t>(size - 1, 4096));
  }
  return 0;
}
