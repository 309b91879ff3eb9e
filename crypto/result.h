// Result<T> and Status: how every tracechain layer reports an expected failure.
//
// An expected failure (bad input, a peer's garbage, a missing file, a full
// disk) is a value carrying an ErrorCode and a message a user can act on.
// Programming errors are not values: they are TC_ASSERT, which stays on in
// release builds. Result is a plain value type; it is as thread-safe as T.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>
#include <variant>

namespace tracechain {

// Broad classes of failure, for callers that react differently to each (an RPC
// server maps them to error codes; a CLI to exit codes).
enum class ErrorCode {
  kInvalidInput,        // malformed bytes, bad arguments, unknown names
  kVerificationFailed,  // a signature, proof or hash does not check out
  kNotFound,            // the thing asked for does not exist
  kIo,                  // the operating system refused (file, disk, socket)
  kCorruption,          // stored data contradicts itself
  kUnsupported,         // a version or algorithm this build does not know
  kResourceExhausted,   // a bound was reached (queue full, size limit)
  kConflict,            // the request contradicts state (duplicate, wrong state)
  kUnavailable,         // a remote service could not be reached or did not answer
};

const char* error_code_name(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "<context>: <message>", for adding the
  // file, field or peer the failure concerns as it travels up.
  Error with_context(const std::string& context) const {
    return Error(code_, context + ": " + message_);
  }

 private:
  ErrorCode code_;
  std::string message_;
};

[[noreturn]] void assertion_failed(const char* expression, const char* file, int line,
                                   const char* message);

}  // namespace tracechain

// Checks an invariant the program itself guarantees. Never use it on input
// from users, peers, clients or files: those get an Error.
#define TC_ASSERT(expression)                                                    \
  ((expression) ? static_cast<void>(0)                                           \
                : ::tracechain::assertion_failed(#expression, __FILE__, __LINE__, \
                                                 nullptr))
#define TC_ASSERT_MSG(expression, message)                                       \
  ((expression) ? static_cast<void>(0)                                           \
                : ::tracechain::assertion_failed(#expression, __FILE__, __LINE__, \
                                                 (message)))

namespace tracechain {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    check_ok();
    return std::get<0>(state_);
  }
  const T& value() const& {
    check_ok();
    return std::get<0>(state_);
  }
  T&& value() && {
    check_ok();
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const {
    TC_ASSERT_MSG(!ok(), "error() called on a successful Result");
    return std::get<1>(state_);
  }

 private:
  void check_ok() const {
    if (!ok()) assertion_failed("ok()", __FILE__, __LINE__, std::get<1>(state_).message().c_str());
  }

  std::variant<T, Error> state_;
};

// Success or an Error, for operations that return nothing.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }

  const Error& error() const {
    TC_ASSERT_MSG(failed_, "error() called on a successful Status");
    return error_;
  }

 private:
  Error error_{ErrorCode::kInvalidInput, {}};
  bool failed_ = false;
};

}  // namespace tracechain
