#include "crypto/result.h"

namespace tracechain {

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return "invalid input";
    case ErrorCode::kVerificationFailed:
      return "verification failed";
    case ErrorCode::kNotFound:
      return "not found";
    case ErrorCode::kIo:
      return "I/O error";
    case ErrorCode::kCorruption:
      return "corruption";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kResourceExhausted:
      return "resource exhausted";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kUnavailable:
      return "unavailable";
  }
  return "unknown error";
}

void assertion_failed(const char* expression, const char* file, int line, const char* message) {
  std::fprintf(stderr, "tracechain: internal error: assertion '%s' failed at %s:%d%s%s\n",
               expression, file, line, message ? ": " : "", message ? message : "");
  std::fflush(stderr);
  std::abort();
}

}  // namespace tracechain
