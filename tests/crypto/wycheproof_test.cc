// Wycheproof's ECDSA P-256/SHA-256 (DER) and Ed25519 verification vectors.
//
// Every vector marked valid must verify and every invalid one must be
// refused, with one documented exception: tracechain accepts only low-S ECDSA
// signatures (docs/crypto.md), so the valid vectors whose s is above n/2 are
// refused by policy. They are listed below by tcId; for each, the test checks
// that the refusal names high-S and that the same signature with s replaced by
// n - s verifies, so nothing else about it was wrong.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "crypto/signature.h"
#include "tests/support/ecdsa_der.h"
#include "tests/support/vectors.h"

using namespace tracechain;

namespace {

const std::set<int> kHighSValidEcdsaVectors = {
    2,   3,   7,   299, 301, 302, 303, 306, 312, 313, 315, 316, 320, 321, 322, 329, 330, 331,
    335, 337, 339, 340, 342, 345, 346, 349, 350, 352, 353, 365, 366, 367, 368, 369, 394, 395,
    398, 399, 400, 403, 406, 412, 413, 414, 415, 418, 419, 420, 422, 423, 427, 433, 434, 439,
    440, 448, 452, 453, 456, 459, 461, 462, 463, 465, 467, 468, 469, 471, 475, 479, 484};

}  // namespace

TEST_CASE("Wycheproof ECDSA P-256 SHA-256 vectors", "[crypto][vectors][wycheproof]") {
  auto dir = test::vectors_dir_or_skip("Wycheproof ECDSA P-256");
  if (!dir) return;
  auto json = test::load_json(*dir / "wycheproof" / "ecdsa_secp256r1_sha256_test.json");

  int valid_accepted = 0;
  int invalid_refused = 0;
  std::set<int> high_s_refused;
  for (const auto& group : json["testGroups"]) {
    Bytes point = test::hex(group["publicKey"]["uncompressed"].get<std::string>());
    auto key = crypto::PublicKey::from_bytes(crypto::Suite::kP256Sha256, point);
    for (const auto& vector : group["tests"]) {
      int id = vector["tcId"].get<int>();
      std::string result = vector["result"].get<std::string>();
      INFO("tcId " << id << " (" << vector["comment"].get<std::string>() << ")");
      Bytes message = test::hex(vector["msg"].get<std::string>());
      Bytes signature = test::hex(vector["sig"].get<std::string>());
      if (!key.ok()) {
        // A key we cannot import can only carry invalid vectors.
        CHECK(result == "invalid");
        ++invalid_refused;
        continue;
      }
      Status status = key->verify(message, signature);
      if (result == "valid" && kHighSValidEcdsaVectors.count(id)) {
        REQUIRE_FALSE(status.ok());
        CHECK_THAT(status.error().message(), Catch::Contains("high-S"));
        auto [r, s] = test::split_der(signature);
        CHECK(key->verify(message, test::make_der(r, test::negate_s(s))).ok());
        high_s_refused.insert(id);
      } else if (result == "valid") {
        CHECK(status.ok());
        valid_accepted += status.ok();
      } else {
        REQUIRE(result == "invalid");
        CHECK_FALSE(status.ok());
        invalid_refused += !status.ok();
      }
    }
  }
  CHECK(high_s_refused == kHighSValidEcdsaVectors);
  CHECK(valid_accepted == 174 - static_cast<int>(kHighSValidEcdsaVectors.size()));
  CHECK(invalid_refused == 310);
}

TEST_CASE("Wycheproof Ed25519 vectors", "[crypto][vectors][wycheproof]") {
  auto dir = test::vectors_dir_or_skip("Wycheproof Ed25519");
  if (!dir) return;
  auto json = test::load_json(*dir / "wycheproof" / "ed25519_test.json");

  int valid_accepted = 0;
  int invalid_refused = 0;
  for (const auto& group : json["testGroups"]) {
    Bytes raw = test::hex(group["publicKey"]["pk"].get<std::string>());
    auto key = crypto::PublicKey::from_bytes(crypto::Suite::kEd25519Sha256, raw);
    REQUIRE(key.ok());
    for (const auto& vector : group["tests"]) {
      INFO("tcId " << vector["tcId"].get<int>() << " (" << vector["comment"].get<std::string>()
                   << ")");
      Bytes message = test::hex(vector["msg"].get<std::string>());
      Bytes signature = test::hex(vector["sig"].get<std::string>());
      std::string result = vector["result"].get<std::string>();
      Status status = key->verify(message, signature);
      if (result == "valid") {
        CHECK(status.ok());
        valid_accepted += status.ok();
      } else {
        REQUIRE(result == "invalid");
        CHECK_FALSE(status.ok());
        invalid_refused += !status.ok();
      }
    }
  }
  CHECK(valid_accepted == 88);
  CHECK(invalid_refused == 63);
}
