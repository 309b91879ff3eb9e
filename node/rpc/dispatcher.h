// JSON-RPC 2.0 (https://www.jsonrpc.org/specification) over one message:
// parsing, request validation, batches, notifications, parameter checking,
// and the mapping of failures to error objects. Transport-free: the HTTP and
// WebSocket sessions hand it a body and send back what it returns.
//
// Rules kept here: invalid JSON is -32700 with id null; anything that is not
// a Request object is -32600 (id null unless a valid id could be read); an
// unknown method is -32601; bad parameters are -32602 naming the parameter
// and why; a failure the server did not expect is -32603 with no detail (the
// detail goes to the log). Ids (string, number or null) are echoed as the
// same JSON value. A valid request without "id" is a notification and gets
// no reply, even when it fails. A batch is an array of 1 to max_batch
// requests answered by an array of the replies that are due; an empty array
// is -32600. Project errors use -32000..-32099 (docs/rpc.md#errors).
//
// Method handlers report expected failures by throwing RpcFailure, which the
// dispatcher catches and turns into an error object; it never leaves
// Dispatcher::handle.
//
// Thread-safety: handle() may be called from many threads at once.
#pragma once

#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "node/rpc/auth.h"
#include "node/rpc/backend.h"
#include "node/rpc/metrics.h"
#include "node/rpc/shapes.h"
#include "ledger/read_log.h"

namespace tracechain::node::rpc {

namespace rpc_error {
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternal = -32603;
inline constexpr int kTransactionRejected = -32000;
inline constexpr int kNotFound = -32001;
inline constexpr int kNotAuthorised = -32002;
inline constexpr int kMempoolFull = -32003;
inline constexpr int kAuthenticationFailed = -32004;
inline constexpr int kRateLimited = -32005;
inline constexpr int kLimitExceeded = -32006;
inline constexpr int kWebSocketOnly = -32007;
}  // namespace rpc_error

// The metric label of an error code ("invalid_params", "not_found", ...).
std::string_view error_kind(int code);

// An expected failure of one call: becomes the reply's error object.
class RpcFailure : public std::exception {
 public:
  RpcFailure(int code, std::string message, Json data = nullptr)
      : code_(code), message_(std::move(message)), data_(std::move(data)) {}
  int code() const { return code_; }
  const std::string& message() const { return message_; }
  const Json& data() const { return data_; }
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  int code_;
  std::string message_;
  Json data_;
};

// -32602 for parameter `name`: message "invalid params: <name>: <why>",
// data {"param": name, "reason": why}.
RpcFailure invalid_param(std::string_view name, std::string_view why);
// Maps a layer's Error: kNotFound to -32001 with its message, kInvalidInput
// to -32602 naming `param`, anything else (storage trouble) to -32603
// without detail.
RpcFailure failure_from(const Error& error, std::string_view param = "params");

template <typename T>
T unwrap(Result<T> result, std::string_view param = "params") {
  if (!result) throw failure_from(result.error(), param);
  return std::move(*result);
}

// A method's parameters, by name or by position, checked on access.
class Params {
 public:
  // `params` is the request's "params" member (nullptr when absent);
  // `names` the method's parameters in positional order. Throws -32602 for
  // unknown names or more positional values than names.
  Params(const Json* params, std::span<const std::string_view> names);

  // The value or nullptr; an explicit null counts as absent.
  const Json* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }

  // Required accessors throw -32602 when absent or malformed.
  std::string identifier(std::string_view name) const;  // ledger identifier rules
  std::optional<std::string> optional_identifier(std::string_view name) const;
  std::string string(std::string_view name, std::size_t max_size) const;
  Digest digest(std::string_view name) const;  // 64 hex digits
  // A JSON number (a whole number >= 0) or a decimal string.
  std::uint64_t u64(std::string_view name) const;
  std::optional<std::uint64_t> optional_u64(std::string_view name) const;
  // Hex (even length, optional 0x) of at most `max_bytes` bytes.
  Bytes hex(std::string_view name, std::size_t max_bytes) const;
  std::optional<std::string> optional_string(std::string_view name, std::size_t max_size) const;
  std::optional<bool> optional_boolean(std::string_view name) const;

 private:
  template <typename Read>
  auto required(std::string_view name, Read&& read) const
      -> std::decay_t<decltype(read(std::declval<const Json&>()).value())>;

  std::vector<std::pair<std::string_view, const Json*>> values_;
};

// What a WebSocket session lets a call do; HTTP calls have none.
class Subscriptions {
 public:
  enum class Topic { kNewBlocks, kTradeEvents, kReceipts };
  virtual ~Subscriptions() = default;
  // The new subscription's id; throws RpcFailure (-32006) beyond the limit.
  virtual std::string subscribe(Topic topic) = 0;
  virtual bool unsubscribe(std::string_view id) = 0;
};

// Everything one request (or batch) is answered with.
class CallContext {
 public:
  CallContext(Backend& backend, const std::optional<Caller>& caller, Subscriptions* subscriptions,
              std::shared_ptr<const ledger::StateView> snapshot = nullptr)
      : backend_(backend),
        caller_(caller),
        subscriptions_(subscriptions),
        snapshot_(std::move(snapshot)) {}

  Backend& backend() { return backend_; }
  const storage::BlockStore& store() { return backend_.store(); }
  const std::optional<Caller>& caller() const { return caller_; }
  Subscriptions* subscriptions() { return subscriptions_; }
  // Committed state, one snapshot for the whole request, taken on first use.
  const ledger::StateView& state();
  // The committed height that state() is the state after.
  std::uint64_t state_height();

  // Notes that the call being answered reads `kind` `id` (a trade, an asset,
  // ...), a record about the participants `about`: the read log's entry for
  // the call lists them (docs/oversight.md).
  void read(std::string_view kind, std::string id, std::vector<std::string> about = {});
  // Forgets the reads noted (a new call begins).
  void begin_call();
  // Appends the call's entry to the read log, if the backend keeps one and
  // a participant is calling. Throws RpcFailure (-32603) when it cannot: a
  // read that is not recorded is not served.
  void record_reads(std::string_view method);

 private:
  Backend& backend_;
  const std::optional<Caller>& caller_;
  Subscriptions* subscriptions_;
  std::shared_ptr<const ledger::StateView> snapshot_;
  std::vector<ledger::ReadSubject> reads_;
  std::vector<std::string> about_;
};

// What one call comes to: its result, or the failure its error object
// carries.
using Outcome = std::variant<Json, RpcFailure>;

struct Method {
  std::string_view name;
  bool needs_caller = false;  // only authenticated participants may call it
  std::vector<std::string_view> params;
  std::function<Json(const Params&, CallContext&)> handler;
  // Optional: answers consecutive calls of this method within one batch
  // together (tx_submit hands a whole batch to the verification pool and
  // waits once). Gets each call's checked parameters; returns one outcome
  // per call, in order, each exactly what `handler` would have given.
  std::function<std::vector<Outcome>(std::span<const Params>, CallContext&)> batch_handler =
      nullptr;
};

// Every method (methods.cc).
const std::vector<Method>& all_methods();

struct DispatchLimits {
  std::size_t max_batch = 100;
  std::size_t max_depth = 64;  // JSON nesting
};

class Dispatcher {
 public:
  Dispatcher(Backend& backend, Metrics& metrics, DispatchLimits limits);

  struct Reply {
    std::string body;           // empty: nothing to send (notifications only)
    bool rate_limited = false;  // the batch was refused by the rate limit
  };

  // Answers one message. `admit_batch(n)` is asked for n further requests'
  // worth of rate when a batch holds n + 1; refusing turns the whole batch
  // into one -32005 error.
  Reply handle(std::string_view text, CallContext& context,
               const std::function<bool(std::size_t)>& admit_batch);

  // A complete error reply with id null, for failures before dispatch.
  static std::string error_reply(int code, std::string_view message, const Json& data = nullptr);

 private:
  // A well-formed Request object for a known method.
  struct Request {
    Json id;
    bool notification = true;
    const Method* method = nullptr;
    const Json* params = nullptr;
  };

  // The request, or the reply it gets instead (-32600, or -32601 for an
  // unknown method; null when that reply is not due), counted already.
  std::variant<Request, Json> read_request(const Json& request);
  std::optional<Json> handle_one(const Json& request, CallContext& context);
  std::optional<Json> answer(const Request& request, CallContext& context);
  // Consecutive calls of one method with a batch_handler; appends the due replies.
  void answer_together(std::span<const Request> run, CallContext& context, Json& replies);
  // The reply to `request` (nullopt for a notification), counted in the metrics.
  std::optional<Json> reply_to(const Request& request, Outcome outcome);
  // The caller and parameter checks every call passes before its handler.
  Params checked_params(const Method& method, const Json* params, CallContext& context);

  Backend& backend_;
  Metrics& metrics_;
  DispatchLimits limits_;
  std::unordered_map<std::string_view, const Method*> methods_;
};

}  // namespace tracechain::node::rpc
