#include <catch2/catch.hpp>

#include "crypto/hash.h"
#include "tests/support/vectors.h"

using namespace tracechain;
using crypto::HashAlgorithm;

namespace {

std::string hex_hash(HashAlgorithm algorithm, std::string_view text) {
  return to_hex(crypto::hash(algorithm, as_bytes(text)));
}

}  // namespace

TEST_CASE("SHA-256 matches FIPS 180-4 examples", "[crypto][hash]") {
  CHECK(hex_hash(HashAlgorithm::kSha256, "") ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(hex_hash(HashAlgorithm::kSha256, "abc") ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(hex_hash(HashAlgorithm::kSha256,
                 "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("SM3 matches the GB/T 32905 examples", "[crypto][hash]") {
  CHECK(hex_hash(HashAlgorithm::kSm3, "abc") ==
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
  std::string sixty_four;
  for (int i = 0; i < 16; ++i) sixty_four += "abcd";
  CHECK(hex_hash(HashAlgorithm::kSm3, sixty_four) ==
        "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732");
}

TEST_CASE("incremental hashing equals one-shot hashing", "[crypto][hash]") {
  std::string text = "the quick brown fox jumps over the lazy dog, many times over";
  for (HashAlgorithm algorithm : {HashAlgorithm::kSha256, HashAlgorithm::kSm3}) {
    for (std::size_t split = 0; split <= text.size(); split += 7) {
      crypto::Hasher hasher(algorithm);
      hasher.update(as_bytes(std::string_view(text).substr(0, split)));
      hasher.update(as_bytes(std::string_view(text).substr(split)));
      CHECK(hasher.finish() == crypto::hash(algorithm, as_bytes(text)));
    }
  }
}

TEST_CASE("hex round-trips and refuses malformed text", "[crypto][bytes]") {
  Bytes bytes{0x00, 0x01, 0xab, 0xff};
  CHECK(to_hex(bytes) == "0001abff");
  CHECK(*from_hex("0001ABff") == bytes);
  CHECK(*from_hex("0x0001abff") == bytes);
  CHECK(from_hex("").value().empty());

  auto odd = from_hex("abc");
  REQUIRE_FALSE(odd.ok());
  CHECK_THAT(odd.error().message(), Catch::Contains("odd number"));
  auto bad = from_hex("00zz");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.error().message(), Catch::Contains("position 2"));

  auto digest = digest_from_hex(std::string(64, 'a'));
  REQUIRE(digest.ok());
  CHECK(digest->front() == 0xaa);
  CHECK_FALSE(digest_from_hex("aabb").ok());
}
