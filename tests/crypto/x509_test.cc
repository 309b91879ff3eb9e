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

TEST_CASE("a joining node's request: signed by its key, issued by the CA without that key",
          "[crypto][x509]") {
  auto ca_key = *PrivateKey::generate(Suite::kP256Sha256);
  auto ca = *create_ca_certificate(ca_key, "consortium CA", 3650);
  auto node_key = *PrivateKey::generate(Suite::kP256Sha256);
  auto request = create_certificate_request(node_key, "validator-4");
  REQUIRE(request.ok());
  CHECK(request->find("BEGIN CERTIFICATE REQUEST") != std::string::npos);
  CHECK(request->find("PRIVATE KEY") == std::string::npos);

  auto read = read_certificate_request(*request);
  REQUIRE(read.ok());
  CHECK(read->common_name == "validator-4");
  CHECK(read->public_key.bytes() == node_key.public_key().bytes());
  auto certificate = issue_node_certificate(ca_key, ca, read->public_key, read->common_name, 825);
  REQUIRE(certificate.ok());
  CHECK(verify_node_certificate(*certificate, ca).ok());
  CHECK(certificate_matches_key(*certificate, node_key).ok());
  auto other = *PrivateKey::generate(Suite::kP256Sha256);
  auto mismatch = certificate_matches_key(*certificate, other);
  REQUIRE_FALSE(mismatch.ok());
  CHECK_THAT(mismatch.error().message(), Catch::Contains("not for this node's TLS key"));

  // A request whose signature does not match its key is refused: change a
  // character of the last full base64 line (the signature is the DER's tail).
  std::string tampered = *request;
  std::size_t end = tampered.find("\n-----END");
  REQUIRE(end != std::string::npos);
  std::size_t line = tampered.rfind('\n', end - 1) + 1;
  if (end - line < 8) line = tampered.rfind('\n', line - 2) + 1;
  std::size_t at = line + 1;
  tampered[at] = tampered[at] == 'A' ? 'B' : 'A';
  auto refused = read_certificate_request(tampered);
  REQUIRE_FALSE(refused.ok());
  CHECK_FALSE(read_certificate_request("not a request").ok());
  CHECK_THAT(read_certificate_request("not a request").error().message(),
             Catch::Contains("not a PEM certificate request"));
}
