#include <catch2/catch.hpp>

#include "crypto/x509.h"

using namespace tracechain;
using namespace tracechain::crypto;

TEST_CASE("a consortium CA issues node certificates that verify only against it",
          "[crypto][x509]") {
  auto ca_key = *PrivateKey::generate(Suite::kP256Sha256);
  auto ca = create_ca_certificate(ca_key, "tracechain-test consortium CA", 3650);
  REQUIRE(ca.ok());
  CHECK(*certificate_common_name(*ca) == "tracechain-test consortium CA");

  auto node_key = *PrivateKey::generate(Suite::kP256Sha256);
  auto certificate = issue_node_certificate(ca_key, *ca, node_key.public_key(), "validator-2", 365);
  REQUIRE(certificate.ok());
  CHECK(*certificate_common_name(*certificate) == "validator-2");
  CHECK(verify_node_certificate(*certificate, *ca).ok());
  // A CA certificate does not verify as issued by another CA.
  auto other_key = *PrivateKey::generate(Suite::kP256Sha256);
  auto other_ca = create_ca_certificate(other_key, "someone else", 3650);
  REQUIRE(other_ca.ok());
  auto refused = verify_node_certificate(*certificate, *other_ca);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message(), Catch::Contains("does not verify against the CA"));

  // A certificate signed by a key that is not the CA's, claiming the CA as issuer.
  auto forged = issue_node_certificate(other_key, *ca, node_key.public_key(), "validator-2", 365);
  REQUIRE(forged.ok());
  CHECK_FALSE(verify_node_certificate(*forged, *ca).ok());

  CHECK_FALSE(certificate_common_name("not a certificate").ok());
  CHECK_FALSE(verify_node_certificate("garbage", *ca).ok());
}

TEST_CASE("CAs of every suite sign certificates", "[crypto][x509]") {
  for (Suite suite : {Suite::kP256Sha256, Suite::kEd25519Sha256, Suite::kSm2Sm3}) {
    INFO(suite_name(suite));
    auto ca_key = *PrivateKey::generate(suite);
    auto ca = create_ca_certificate(ca_key, "ca", 10);
    REQUIRE(ca.ok());
    auto node_key = *PrivateKey::generate(Suite::kP256Sha256);
    auto certificate = issue_node_certificate(ca_key, *ca, node_key.public_key(), "n1", 10);
    REQUIRE(certificate.ok());
    CHECK(verify_node_certificate(*certificate, *ca).ok());
  }
}
