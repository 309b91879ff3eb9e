#include "crypto/x509.h"

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "crypto/openssl_util.h"

namespace tracechain::crypto {

namespace {

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

Error x509_error(const std::string& what) {
  std::string reason = detail::take_openssl_errors();
  return Error(ErrorCode::kInvalidInput, reason.empty() ? what : what + " (" + reason + ")");
}

Result<X509Ptr> parse_certificate(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  TC_ASSERT(bio);
  X509Ptr certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (!certificate) return x509_error("not a PEM certificate");
  return certificate;
}

std::string to_pem(X509* certificate) {
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  TC_ASSERT(bio && PEM_write_bio_X509(bio.get(), certificate) == 1);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

Status add_extension(X509* certificate, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, certificate, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) return x509_error("cannot build certificate extension");
  int ok = X509_add_ext(certificate, extension, -1);
  X509_EXTENSION_free(extension);
  if (ok != 1) return x509_error("cannot add certificate extension");
  return {};
}

// A certificate with a random serial, the given subject name and validity,
// not yet signed.
Result<X509Ptr> new_certificate(std::string_view common_name, unsigned days,
                                EVP_PKEY* subject_key) {
  X509Ptr certificate(X509_new(), &X509_free);
  TC_ASSERT(certificate);
  X509_set_version(certificate.get(), 2);  // v3
  unsigned char serial[16];
  TC_ASSERT(RAND_bytes(serial, sizeof(serial)) == 1);
  serial[0] &= 0x7f;  // positive
  detail::BnPtr serial_bn(BN_bin2bn(serial, sizeof(serial), nullptr));
  TC_ASSERT(serial_bn && BN_to_ASN1_INTEGER(serial_bn.get(),
                                            X509_get_serialNumber(certificate.get())) != nullptr);
  X509_gmtime_adj(X509_getm_notBefore(certificate.get()), -60);  // tolerate small clock skew
  X509_gmtime_adj(X509_getm_notAfter(certificate.get()), static_cast<long>(days) * 24 * 3600);
  X509_NAME* name = X509_get_subject_name(certificate.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(common_name.data()),
                                 static_cast<int>(common_name.size()), -1, 0) != 1) {
    return x509_error("cannot set the certificate name");
  }
  if (X509_set_pubkey(certificate.get(), subject_key) != 1) {
    return x509_error("cannot set the certificate key");
  }
  return certificate;
}

Status sign_certificate(X509* certificate, const PrivateKey& issuer_key) {
  // Ed25519 signs without a separate digest; the others with the suite's.
  const EVP_MD* md = issuer_key.suite() == Suite::kEd25519Sha256
                         ? nullptr
                         : detail::md_for(suite_hash(issuer_key.suite()));
  if (X509_sign(certificate, issuer_key.handle().pkey.get(), md) <= 0) {
    return x509_error("cannot sign the certificate");
  }
  return {};
}

}  // namespace

Result<std::string> create_ca_certificate(const PrivateKey& ca_key, std::string_view name,
                                          unsigned days) {
  auto certificate = new_certificate(name, days, ca_key.handle().pkey.get());
  if (!certificate) return certificate.error();
  X509* cert = certificate->get();
  if (X509_set_issuer_name(cert, X509_get_subject_name(cert)) != 1) {
    return x509_error("cannot set the issuer");
  }
  for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                            std::pair{NID_key_usage, "critical,keyCertSign,cRLSign"},
                            std::pair{NID_subject_key_identifier, "hash"}}) {
    if (Status s = add_extension(cert, cert, nid, value); !s) return s.error();
  }
  if (Status s = sign_certificate(cert, ca_key); !s) return s.error();
  return to_pem(cert);
}

Result<std::string> issue_node_certificate(const PrivateKey& ca_key,
                                           std::string_view ca_certificate_pem,
                                           const PublicKey& subject_key,
                                           std::string_view node_id, unsigned days) {
  auto ca = parse_certificate(ca_certificate_pem);
  if (!ca) return ca.error().with_context("CA certificate");
  auto certificate = new_certificate(node_id, days, subject_key.handle().pkey.get());
  if (!certificate) return certificate.error();
  X509* cert = certificate->get();
  if (X509_set_issuer_name(cert, X509_get_subject_name(ca->get())) != 1) {
    return x509_error("cannot set the issuer");
  }
  std::string alt_name = "DNS:" + std::string(node_id);
  for (auto [nid, value] :
       {std::pair{NID_basic_constraints, "critical,CA:FALSE"},
        std::pair{NID_key_usage, "critical,digitalSignature"},
        std::pair{NID_ext_key_usage, "serverAuth,clientAuth"},
        std::pair{NID_subject_alt_name, alt_name.c_str()},
        std::pair{NID_authority_key_identifier, "keyid:always"}}) {
    if (Status s = add_extension(cert, ca->get(), nid, value); !s) return s.error();
  }
  if (Status s = sign_certificate(cert, ca_key); !s) return s.error();
  return to_pem(cert);
}

Result<std::string> create_certificate_request(const PrivateKey& key, std::string_view node_id) {
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> request(X509_REQ_new(), &X509_REQ_free);
  TC_ASSERT(request);
  X509_REQ_set_version(request.get(), 0);
  X509_NAME* name = X509_REQ_get_subject_name(request.get());
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(node_id.data()),
                                 static_cast<int>(node_id.size()), -1, 0) != 1) {
    return x509_error("cannot set the request's name");
  }
  if (X509_REQ_set_pubkey(request.get(), key.handle().pkey.get()) != 1) {
    return x509_error("cannot set the request's key");
  }
  const EVP_MD* md = key.suite() == Suite::kEd25519Sha256 ? nullptr
                                                          : detail::md_for(suite_hash(key.suite()));
  if (X509_REQ_sign(request.get(), key.handle().pkey.get(), md) <= 0) {
    return x509_error("cannot sign the request");
  }
  BioPtr bio(BIO_new(BIO_s_mem()), &BIO_free);
  TC_ASSERT(bio && PEM_write_bio_X509_REQ(bio.get(), request.get()) == 1);
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(length));
}

Result<CertificateRequest> read_certificate_request(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  TC_ASSERT(bio);
  std::unique_ptr<X509_REQ, decltype(&X509_REQ_free)> request(
      PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr), &X509_REQ_free);
  if (!request) return x509_error("not a PEM certificate request");
  EVP_PKEY* key = X509_REQ_get0_pubkey(request.get());
  if (key == nullptr) return x509_error("the request carries no public key");
  if (X509_REQ_verify(request.get(), key) != 1) {
    return x509_error("the request's signature does not verify with its own key");
  }
  X509_NAME* name = X509_REQ_get_subject_name(request.get());
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return Error(ErrorCode::kInvalidInput, "the request has no common name");
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  std::string common_name(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                          static_cast<std::size_t>(ASN1_STRING_length(data)));
  BioPtr out(BIO_new(BIO_s_mem()), &BIO_free);
  TC_ASSERT(out && PEM_write_bio_PUBKEY(out.get(), key) == 1);
  char* text = nullptr;
  long length = BIO_get_mem_data(out.get(), &text);
  auto public_key = PublicKey::from_pem(std::string_view(text, static_cast<std::size_t>(length)));
  if (!public_key) return public_key.error().with_context("the request's key");
  return CertificateRequest{std::move(common_name), std::move(*public_key)};
}

Status certificate_matches_key(std::string_view certificate_pem, const PrivateKey& key) {
  auto certificate = parse_certificate(certificate_pem);
  if (!certificate) return certificate.error();
  if (X509_check_private_key(certificate->get(), key.handle().pkey.get()) != 1) {
    detail::take_openssl_errors();
    return Error(ErrorCode::kInvalidInput, "the certificate is not for this node's TLS key");
  }
  return {};
}

Result<std::string> certificate_common_name(std::string_view certificate_pem) {
  auto certificate = parse_certificate(certificate_pem);
  if (!certificate) return certificate.error();
  X509_NAME* name = X509_get_subject_name(certificate->get());
  int index = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (index < 0) return Error(ErrorCode::kInvalidInput, "certificate has no common name");
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(data)),
                     static_cast<std::size_t>(ASN1_STRING_length(data)));
}

Status verify_node_certificate(std::string_view certificate_pem,
                               std::string_view ca_certificate_pem) {
  auto certificate = parse_certificate(certificate_pem);
  if (!certificate) return certificate.error();
  auto ca = parse_certificate(ca_certificate_pem);
  if (!ca) return ca.error().with_context("CA certificate");
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(),
                                                                 &X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> context(X509_STORE_CTX_new(),
                                                                          &X509_STORE_CTX_free);
  TC_ASSERT(store && context);
  TC_ASSERT(X509_STORE_add_cert(store.get(), ca->get()) == 1);
  TC_ASSERT(X509_STORE_CTX_init(context.get(), store.get(), certificate->get(), nullptr) == 1);
  if (X509_verify_cert(context.get()) != 1) {
    int code = X509_STORE_CTX_get_error(context.get());
    detail::take_openssl_errors();
    return Error(ErrorCode::kVerificationFailed,
                 std::string("certificate does not verify against the CA: ") +
                     X509_verify_cert_error_string(code));
  }
  return {};
}

}  // namespace tracechain::crypto
