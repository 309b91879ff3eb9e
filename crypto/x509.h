// X.509 certificates for the consortium's private PKI: a CA that the
// consortium keeps offline, and one certificate per node, naming the node id
// in its subject common name. Nodes accept a TLS peer only with a certificate
// issued by the CA (see docs/operations.md).
//
// Certificates carry the current time as their start of validity, so these
// functions read the clock; nothing in the ledger or consensus uses them.
// Pure otherwise; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "crypto/signature.h"

namespace tracechain::crypto {

// A self-signed CA certificate (PEM) for `ca_key`, valid for `days`.
Result<std::string> create_ca_certificate(const PrivateKey& ca_key, std::string_view name,
                                          unsigned days);

// A certificate (PEM) for `subject_key` with common name `node_id`, signed by
// the CA, valid for `days`, usable for TLS client and server authentication.
Result<std::string> issue_node_certificate(const PrivateKey& ca_key,
                                           std::string_view ca_certificate_pem,
                                           const PublicKey& subject_key,
                                           std::string_view node_id, unsigned days);

// A certificate signing request (PKCS#10, PEM) for `key` naming `node_id`,
// signed by `key`: what a joining node sends the consortium's CA, so that
// its private key never leaves its home.
Result<std::string> create_certificate_request(const PrivateKey& key, std::string_view node_id);

struct CertificateRequest {
  std::string common_name;
  PublicKey public_key;
};

// Parses a PEM request and checks that its own key signed it (kInvalidInput
// otherwise). The common name is returned as written; callers check it.
Result<CertificateRequest> read_certificate_request(std::string_view pem);

// Whether a PEM certificate certifies `key`'s public key.
Status certificate_matches_key(std::string_view certificate_pem, const PrivateKey& key);

// The subject common name of a PEM certificate.
Result<std::string> certificate_common_name(std::string_view certificate_pem);

// Whether `certificate_pem` was issued by the CA of `ca_certificate_pem` and
// is within its validity period now.
Status verify_node_certificate(std::string_view certificate_pem,
                               std::string_view ca_certificate_pem);

}  // namespace tracechain::crypto
