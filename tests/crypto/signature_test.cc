#include <openssl/bn.h>
#include <openssl/ec.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "crypto/signature.h"
#include "tests/support/ecdsa_der.h"
#include "tests/support/temp_dir.h"
#include "tests/support/vectors.h"

using namespace tracechain;
using crypto::PrivateKey;
using crypto::PublicKey;
using crypto::Suite;

namespace {

const Suite kAllSuites[] = {Suite::kP256Sha256, Suite::kEd25519Sha256, Suite::kSm2Sm3};

}  // namespace

TEST_CASE("suite names parse and print", "[crypto][signature]") {
  for (Suite suite : kAllSuites) {
    CHECK(*crypto::parse_suite(crypto::suite_name(suite)) == suite);
    CHECK(*crypto::suite_from_byte(static_cast<std::uint8_t>(suite)) == suite);
  }
  auto unknown = crypto::parse_suite("rsa-sha1");
  REQUIRE_FALSE(unknown.ok());
  CHECK_THAT(unknown.error().message(), Catch::Contains("p256-sha256"));
  CHECK_FALSE(crypto::suite_from_byte(0).ok());
  CHECK_FALSE(crypto::suite_from_byte(4).ok());
  CHECK(crypto::suite_hash(Suite::kSm2Sm3) == crypto::HashAlgorithm::kSm3);
  CHECK(crypto::suite_hash(Suite::kEd25519Sha256) == crypto::HashAlgorithm::kSha256);
}

TEST_CASE("every suite signs and verifies, and refuses what it should", "[crypto][signature]") {
  for (Suite suite : kAllSuites) {
    INFO("suite " << crypto::suite_name(suite));
    auto key = PrivateKey::generate(suite);
    REQUIRE(key.ok());
    CHECK(key->suite() == suite);
    Bytes message = Bytes{'t', 'r', 'a', 'd', 'e', ' ', '4', '2'};
    Bytes signature = key->sign(message);
    CHECK(key->public_key().verify(message, signature).ok());

    Bytes other_message = message;
    other_message.back() ^= 1;
    auto wrong_message = key->public_key().verify(other_message, signature);
    REQUIRE_FALSE(wrong_message.ok());
    CHECK(wrong_message.error().code() == ErrorCode::kVerificationFailed);

    auto other_key = PrivateKey::generate(suite);
    REQUIRE(other_key.ok());
    CHECK_FALSE(other_key->public_key().verify(message, signature).ok());

    // Any single flipped bit in the signature is refused.
    for (std::size_t i = 0; i < signature.size(); ++i) {
      Bytes tampered = signature;
      tampered[i] ^= 0x01;
      CHECK_FALSE(key->public_key().verify(message, tampered).ok());
    }
    CHECK_FALSE(key->public_key().verify(message, Bytes{}).ok());
  }
}

TEST_CASE("public keys round-trip through their wire form and PEM", "[crypto][signature]") {
  for (Suite suite : kAllSuites) {
    INFO("suite " << crypto::suite_name(suite));
    auto key = PrivateKey::generate(suite);
    REQUIRE(key.ok());
    const PublicKey& public_key = key->public_key();
    CHECK(public_key.bytes().size() == (suite == Suite::kEd25519Sha256 ? 32u : 65u));

    auto from_bytes = PublicKey::from_bytes(suite, public_key.bytes());
    REQUIRE(from_bytes.ok());
    CHECK(*from_bytes == public_key);

    auto from_pem = PublicKey::from_pem(public_key.to_pem());
    REQUIRE(from_pem.ok());
    CHECK(*from_pem == public_key);

    Bytes message{1, 2, 3};
    CHECK(from_pem->verify(message, key->sign(message)).ok());
  }
}

TEST_CASE("public keys that are not points of the curve are refused", "[crypto][signature]") {
  auto key = PrivateKey::generate(Suite::kP256Sha256);
  REQUIRE(key.ok());
  Bytes point = key->public_key().bytes();

  Bytes off_curve = point;
  off_curve.back() ^= 0x01;  // changes y only: (x, y') is not on the curve
  auto refused = PublicKey::from_bytes(Suite::kP256Sha256, off_curve);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message(), Catch::Contains("invalid"));

  Bytes compressed(point.begin(), point.begin() + 33);
  compressed[0] = 0x02;
  CHECK_FALSE(PublicKey::from_bytes(Suite::kP256Sha256, compressed).ok());
  CHECK_FALSE(PublicKey::from_bytes(Suite::kP256Sha256, Bytes(65, 0)).ok());
  CHECK_FALSE(PublicKey::from_bytes(Suite::kSm2Sm3, point).ok());  // P-256 point, SM2 curve
  CHECK_FALSE(PublicKey::from_bytes(Suite::kEd25519Sha256, Bytes(31, 1)).ok());
}

TEST_CASE("ECDSA signatures are made low-S and high-S is refused", "[crypto][signature]") {
  auto key = PrivateKey::generate(Suite::kP256Sha256);
  REQUIRE(key.ok());
  Bytes message{'l', 'o', 'w'};
  for (int i = 0; i < 64; ++i) {
    Bytes signature = key->sign(message);
    auto [r, s] = test::split_der(signature);
    REQUIRE(test::is_low_s(s));
    REQUIRE(key->public_key().verify(message, signature).ok());

    Bytes high = test::make_der(r, test::negate_s(s));
    auto refused = key->public_key().verify(message, high);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message(), Catch::Contains("high-S"));
  }
}

TEST_CASE("non-canonical DER signatures are refused", "[crypto][signature]") {
  for (Suite suite : {Suite::kP256Sha256, Suite::kSm2Sm3}) {
    INFO("suite " << crypto::suite_name(suite));
    auto key = PrivateKey::generate(suite);
    REQUIRE(key.ok());
    Bytes message{'d', 'e', 'r'};
    Bytes signature = key->sign(message);
    REQUIRE(key->public_key().verify(message, signature).ok());

    Bytes trailing = signature;
    trailing.push_back(0x00);
    auto with_trailing = key->public_key().verify(message, trailing);
    REQUIRE_FALSE(with_trailing.ok());
    CHECK_THAT(with_trailing.error().message(),
               Catch::Contains(signature.size() < crypto::kMaxSignatureSize ? "after its DER"
                                                                            : "longer than"));

    // r with a redundant leading zero byte: valid BER, not DER.
    auto [r, s] = test::split_der(signature);
    Bytes padded_r = r;
    padded_r.insert(padded_r.begin(), 0x00);
    if ((r[0] & 0x80) == 0) {
      Bytes non_canonical = test::make_der_raw(padded_r, s);
      auto refused = key->public_key().verify(message, non_canonical);
      REQUIRE_FALSE(refused.ok());
      // OpenSSL's parser already refuses a padded INTEGER; either way it is DER
      // that is named.
      CHECK_THAT(refused.error().message(), Catch::Contains("DER"));
    }

    // Long-form length in the outer SEQUENCE.
    Bytes long_form = signature;
    long_form[0] = 0x81;
    long_form.insert(long_form.begin(), 0x30);
    auto long_form_refused = key->public_key().verify(message, long_form);
    REQUIRE_FALSE(long_form_refused.ok());
    CHECK(long_form_refused.error().message() ==
          (signature.size() < crypto::kMaxSignatureSize
               ? "signature is not canonical DER"
               : "signature is 73 bytes, longer than any DER signature of this suite"));

    CHECK_FALSE(key->public_key().verify(message, Bytes(80, 0x30)).ok());
  }
}

TEST_CASE("SM2 verifies the GM/T 0003.5 example and binds the signer ID", "[crypto][signature]") {
  // GM/T 0003.5-2012 (GB/T 32918.5) appendix A: public key, ID, message and (r, s).
  Bytes point = test::hex(
      "04"
      "09f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020"
      "ccea490ce26775a52dc6ea718cc1aa600aed05fbf35e084a6632f6072da9ad13");
  Bytes r = test::hex("f5a03b0648d2c4630eeac513e1bb81a15944da3827d5b74143ac7eaceee720b3");
  Bytes s = test::hex("b1b6aa29df212fd8763182bc0d421ca1bb9038fd1f7f42d4840b69c485bbc1aa");
  auto key = PublicKey::from_bytes(Suite::kSm2Sm3, point);
  REQUIRE(key.ok());
  Bytes signature = test::make_der(r, s);
  Bytes message = Bytes{'m', 'e', 's', 's', 'a', 'g', 'e', ' ', 'd', 'i', 'g', 'e', 's', 't'};
  CHECK(key->verify(message, signature, "1234567812345678").ok());
  CHECK_FALSE(key->verify(message, signature, "ALICE123@YAHOO.COM").ok());

  // Our own signatures: default ID round trip, wrong ID refused.
  auto own = PrivateKey::generate(Suite::kSm2Sm3);
  REQUIRE(own.ok());
  Bytes own_signature = own->sign(message);
  CHECK(own->public_key().verify(message, own_signature).ok());
  CHECK(own->public_key().verify(message, own_signature, crypto::kSm2DefaultId).ok());
  auto wrong_id = own->public_key().verify(message, own_signature, "8765432187654321");
  REQUIRE_FALSE(wrong_id.ok());
  CHECK(wrong_id.error().code() == ErrorCode::kVerificationFailed);
  Bytes other_id_signature = own->sign(message, "alice@example");
  CHECK(own->public_key().verify(message, other_id_signature, "alice@example").ok());
  CHECK_FALSE(own->public_key().verify(message, other_id_signature).ok());
}

TEST_CASE("private keys round-trip through PEM files", "[crypto][signature]") {
  test::TempDir dir;
  for (Suite suite : kAllSuites) {
    INFO("suite " << crypto::suite_name(suite));
    auto key = PrivateKey::generate(suite);
    REQUIRE(key.ok());
    auto path = dir.path() / (std::string(crypto::suite_name(suite)) + ".pem");
    REQUIRE(key->save(path).ok());

    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);

    auto loaded = PrivateKey::load(path);
    REQUIRE(loaded.ok());
    CHECK(loaded->suite() == suite);
    CHECK(loaded->public_key() == key->public_key());
    Bytes message{9, 9, 9};
    CHECK(key->public_key().verify(message, loaded->sign(message)).ok());

    auto again = key->save(path);
    REQUIRE_FALSE(again.ok());
    CHECK_THAT(again.error().message(), Catch::Contains("already exists"));
  }
}

TEST_CASE("bad key files fail with the file name and the reason", "[crypto][signature]") {
  test::TempDir dir;
  auto missing = PrivateKey::load(dir.path() / "absent.pem");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.error().message(), Catch::Contains("absent.pem"));
  CHECK_THAT(missing.error().message(), Catch::Contains("No such file"));

  auto garbage_path = dir.path() / "garbage.pem";
  std::ofstream(garbage_path) << "this is not a key\n";
  auto garbage = PrivateKey::load(garbage_path);
  REQUIRE_FALSE(garbage.ok());
  CHECK_THAT(garbage.error().message(), Catch::Contains("garbage.pem"));
  CHECK_THAT(garbage.error().message(), Catch::Contains("not a PEM private key"));

  auto truncated_path = dir.path() / "truncated.pem";
  auto key = PrivateKey::generate(Suite::kP256Sha256);
  REQUIRE(key.ok());
  std::string pem = key->to_pem();
  std::ofstream(truncated_path) << pem.substr(0, pem.size() / 2);
  auto truncated = PrivateKey::load(truncated_path);
  REQUIRE_FALSE(truncated.ok());
  CHECK_THAT(truncated.error().message(), Catch::Contains("truncated.pem"));

  auto public_only_path = dir.path() / "public.pem";
  std::ofstream(public_only_path) << key->public_key().to_pem();
  auto public_only = PrivateKey::load(public_only_path);
  REQUIRE_FALSE(public_only.ok());
  CHECK_THAT(public_only.error().message(), Catch::Contains("public.pem"));

  auto encrypted_path = dir.path() / "encrypted.pem";
  std::ofstream(encrypted_path) << "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n"
                                   "-----END ENCRYPTED PRIVATE KEY-----\n";
  auto encrypted = PrivateKey::load(encrypted_path);
  REQUIRE_FALSE(encrypted.ok());
  CHECK_THAT(encrypted.error().message(), Catch::Contains("encrypted"));

  auto directory = PrivateKey::load(dir.path());
  REQUIRE_FALSE(directory.ok());
  CHECK_THAT(directory.error().message(), Catch::Contains("directory"));
}

TEST_CASE("a key file others can read is refused, as ssh refuses it", "[crypto][signature]") {
  test::TempDir dir;
  auto key = PrivateKey::generate(Suite::kP256Sha256);
  REQUIRE(key.ok());
  const auto path = dir.path() / "shared.pem";
  REQUIRE(key->save(path).ok());
  REQUIRE(PrivateKey::load(path).ok());
  for (unsigned mode : {0644u, 0640u, 0604u, 0660u}) {
    INFO("mode " << std::oct << mode);
    std::filesystem::permissions(path, static_cast<std::filesystem::perms>(mode));
    auto loaded = PrivateKey::load(path);
    REQUIRE_FALSE(loaded.ok());
    CHECK_THAT(loaded.error().message(), Catch::Contains("shared.pem"));
    CHECK_THAT(loaded.error().message(), Catch::Contains("chmod 600"));
  }
  std::filesystem::permissions(path, std::filesystem::perms::owner_read);
  CHECK(PrivateKey::load(path).ok());
}
