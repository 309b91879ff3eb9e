#include <ostream>

#include "cli/commands.h"

namespace tracechain::cli {

int report_error(std::ostream& err, const Error& error) {
  err << "tracectl: " << error.message() << "\n";
  switch (error.code()) {
    case ErrorCode::kVerificationFailed:
      return kExitVerificationFailed;
    case ErrorCode::kInvalidInput:
    case ErrorCode::kNotFound:
    case ErrorCode::kIo:
    case ErrorCode::kCorruption:
    case ErrorCode::kUnsupported:
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kConflict:
      return kExitUsage;
    case ErrorCode::kUnavailable:
      return kExitUnreachable;
  }
  return kExitUsage;
}

namespace {

void print_key(std::ostream& out, const crypto::PublicKey& key) {
  out << "suite       " << crypto::suite_name(key.suite()) << "\n"
      << "public key  " << to_hex(key.bytes()) << "\n";
}

}  // namespace

int keys_generate(const KeysGenerateOptions& options, std::ostream& out, std::ostream& err) {
  auto key = crypto::PrivateKey::generate(options.suite);
  if (!key) return report_error(err, key.error());
  if (Status saved = key->save(options.out); !saved) return report_error(err, saved.error());
  out << "wrote       " << options.out.string() << " (mode 0600)\n";
  print_key(out, key->public_key());
  return kExitOk;
}

int keys_show(const KeysShowOptions& options, std::ostream& out, std::ostream& err) {
  auto key = crypto::PrivateKey::load(options.key);
  if (!key) return report_error(err, key.error());
  print_key(out, key->public_key());
  out << key->public_key().to_pem();
  return kExitOk;
}

}  // namespace tracechain::cli
