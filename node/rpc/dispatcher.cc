#include "node/rpc/dispatcher.h"

#include <algorithm>
#include <chrono>

#include "ledger/json_fields.h"
#include "storage/state_view.h"
#include "node/log.h"

namespace tracechain::node::rpc {

namespace {

// Thrown by the parser callback when JSON nests deeper than allowed; caught
// in parse() only.
struct TooDeep {};

Json error_object(const Json& id, int code, std::string_view message, const Json& data = nullptr) {
  Json error = {{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = data;
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

// Client text quoted back in a message, cut short so a reply never grows
// with what a client sends.
std::string clipped(std::string_view text) {
  constexpr std::size_t kMax = 64;
  if (text.size() <= kMax) return std::string(text);
  return std::string(text.substr(0, kMax)) + "...";
}

}  // namespace

std::string_view error_kind(int code) {
  switch (code) {
    case rpc_error::kParseError:
      return "parse_error";
    case rpc_error::kInvalidRequest:
      return "invalid_request";
    case rpc_error::kMethodNotFound:
      return "method_not_found";
    case rpc_error::kInvalidParams:
      return "invalid_params";
    case rpc_error::kTransactionRejected:
      return "transaction_rejected";
    case rpc_error::kNotFound:
      return "not_found";
    case rpc_error::kNotAuthorised:
      return "not_authorised";
    case rpc_error::kMempoolFull:
      return "mempool_full";
    case rpc_error::kAuthenticationFailed:
      return "authentication_failed";
    case rpc_error::kRateLimited:
      return "rate_limited";
    case rpc_error::kLimitExceeded:
      return "limit_exceeded";
    case rpc_error::kWebSocketOnly:
      return "websocket_only";
    default:
      return "internal_error";
  }
}

RpcFailure invalid_param(std::string_view name, std::string_view why) {
  return RpcFailure(rpc_error::kInvalidParams,
                    "invalid params: " + std::string(name) + ": " + std::string(why),
                    Json{{"param", name}, {"reason", why}});
}

RpcFailure failure_from(const Error& error, std::string_view param) {
  switch (error.code()) {
    case ErrorCode::kNotFound:
      return RpcFailure(rpc_error::kNotFound, error.message());
    case ErrorCode::kInvalidInput:
      return invalid_param(param, error.message());
    case ErrorCode::kVerificationFailed:
    case ErrorCode::kIo:
    case ErrorCode::kCorruption:
    case ErrorCode::kUnavailable:
    case ErrorCode::kUnsupported:
    case ErrorCode::kResourceExhausted:
    case ErrorCode::kConflict:
      break;
  }
  log::error("rpc", "internal error answering a call: {}", error.message());
  return RpcFailure(rpc_error::kInternal, "internal error");
}

// ------------------------------------------------------------------ Params

Params::Params(const Json* params, std::span<const std::string_view> names) {
  for (std::string_view name : names) values_.emplace_back(name, nullptr);
  if (!params) return;
  if (params->is_array()) {
    if (params->size() > names.size()) {
      throw RpcFailure(rpc_error::kInvalidParams,
                       "invalid params: " + std::to_string(params->size()) +
                           " positional values given, this method takes at most " +
                           std::to_string(names.size()),
                       Json{{"param", "params"}, {"reason", "too many positional values"}});
    }
    for (std::size_t i = 0; i < params->size(); ++i) values_[i].second = &(*params)[i];
    return;
  }
  for (const auto& item : params->items()) {
    const std::string& key = item.key();
    auto it = std::find_if(values_.begin(), values_.end(),
                           [&](const auto& entry) { return entry.first == key; });
    if (it == values_.end()) throw invalid_param(clipped(key), "this method has no such parameter");
    it->second = &item.value();
  }
}

const Json* Params::find(std::string_view name) const {
  for (const auto& [key, value] : values_) {
    if (key == name) return value && !value->is_null() ? value : nullptr;
  }
  TC_ASSERT_MSG(false, "a method asked for a parameter it does not declare");
  return nullptr;
}

// Each accessor reads with the ledger's rules for untrusted JSON
// (ledger/json_fields.h) and names the parameter in the error.
template <typename Read>
auto Params::required(std::string_view name, Read&& read) const
    -> std::decay_t<decltype(read(std::declval<const Json&>()).value())> {
  const Json* value = find(name);
  if (!value) throw invalid_param(name, "required");
  auto out = read(*value);
  if (!out) throw invalid_param(name, out.error().message());
  return std::move(*out);
}

std::string Params::string(std::string_view name, std::size_t max_size) const {
  return required(name, [&](const Json& v) { return ledger::read_text(v, max_size); });
}

std::string Params::identifier(std::string_view name) const {
  return required(name, [](const Json& v) { return ledger::read_identifier(v); });
}

std::optional<std::string> Params::optional_identifier(std::string_view name) const {
  if (!has(name)) return std::nullopt;
  return identifier(name);
}

Digest Params::digest(std::string_view name) const {
  return required(name, [](const Json& v) { return ledger::read_digest(v); });
}

std::uint64_t Params::u64(std::string_view name) const {
  return required(name, [](const Json& v) { return ledger::read_whole_number(v); });
}

std::optional<std::uint64_t> Params::optional_u64(std::string_view name) const {
  if (!has(name)) return std::nullopt;
  return u64(name);
}

Bytes Params::hex(std::string_view name, std::size_t max_bytes) const {
  return required(name, [&](const Json& v) { return ledger::read_hex(v, max_bytes); });
}

std::optional<std::string> Params::optional_string(std::string_view name,
                                                   std::size_t max_size) const {
  if (!has(name)) return std::nullopt;
  return string(name, max_size);
}

std::optional<bool> Params::optional_boolean(std::string_view name) const {
  if (!has(name)) return std::nullopt;
  return required(name, [](const Json& v) { return ledger::read_boolean(v); });
}

// ------------------------------------------------------------- CallContext

const ledger::StateView& CallContext::state() {
  if (!snapshot_) {
    auto snapshot = backend_.store().snapshot();
    if (!snapshot) throw failure_from(snapshot.error());
    snapshot_ = std::shared_ptr<const ledger::StateView>(std::move(*snapshot));
  }
  return *snapshot_;
}

std::uint64_t CallContext::state_height() {
  const ledger::StateView& view = state();
  if (const auto* snapshot = dynamic_cast<const storage::StateSnapshot*>(&view)) {
    return snapshot->height();
  }
  // A view handed in from outside that is not a store snapshot: the tip's.
  return backend_.store().height();
}

void CallContext::read(std::string_view kind, std::string id, std::vector<std::string> about) {
  reads_.push_back({std::string(kind), std::move(id)});
  for (std::string& participant : about) {
    if (!participant.empty()) about_.push_back(std::move(participant));
  }
}

void CallContext::begin_call() {
  reads_.clear();
  about_.clear();
}

void CallContext::record_reads(std::string_view method) {
  ReadLog* log = backend_.read_log();
  if (!log || !caller_) return;
  ledger::ReadEntry entry;
  entry.node = log->owner().node;
  entry.time_ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  entry.reader = caller_->id;
  entry.method = std::string(method);
  entry.subjects = std::move(reads_);
  std::sort(about_.begin(), about_.end());
  about_.erase(std::unique(about_.begin(), about_.end()), about_.end());
  entry.about = std::move(about_);
  entry.request_hash = caller_->request_hash;
  begin_call();
  if (auto index = log->append(entry); !index) {
    log::error("rpc", "cannot record {} by '{}' in the read log: {}", method, entry.reader,
               index.error().message());
    throw RpcFailure(rpc_error::kInternal,
                     "internal error: the read could not be recorded in this node's read log, "
                     "so it was not served");
  }
}

// -------------------------------------------------------------- Dispatcher

Dispatcher::Dispatcher(Backend& backend, Metrics& metrics, DispatchLimits limits)
    : backend_(backend), metrics_(metrics), limits_(limits) {
  for (const Method& method : all_methods()) methods_.emplace(method.name, &method);
}

std::string Dispatcher::error_reply(int code, std::string_view message, const Json& data) {
  return dump(error_object(nullptr, code, message, data));
}

Dispatcher::Reply Dispatcher::handle(std::string_view text, CallContext& context,
                                     const std::function<bool(std::size_t)>& admit_batch) {
  Json message;
  try {
    std::size_t max_depth = limits_.max_depth;
    Json::parser_callback_t limit_depth = [max_depth](int depth, Json::parse_event_t event, Json&) {
      if ((event == Json::parse_event_t::object_start ||
           event == Json::parse_event_t::array_start) &&
          static_cast<std::size_t>(depth) >= max_depth) {
        throw TooDeep{};
      }
      return true;
    };
    message = Json::parse(text.begin(), text.end(), limit_depth);
  } catch (const TooDeep&) {
    metrics_.count_request("unknown", "parse_error");
    return {error_reply(rpc_error::kParseError, "parse error: JSON nested deeper than " +
                                                    std::to_string(limits_.max_depth) + " levels")};
  } catch (const Json::exception& e) {
    metrics_.count_request("unknown", "parse_error");
    // nlohmann's messages name the byte offset and what was expected; they
    // hold no server state.
    return {error_reply(rpc_error::kParseError, std::string("parse error: ") + e.what())};
  }

  if (!message.is_array()) {
    auto reply = handle_one(message, context);
    return {reply ? dump(*reply) : std::string()};
  }
  if (message.empty()) {
    metrics_.count_request("unknown", "invalid_request");
    return {error_reply(rpc_error::kInvalidRequest, "invalid request: an empty batch")};
  }
  if (message.size() > limits_.max_batch) {
    metrics_.count_request("unknown", "limit_exceeded");
    return {error_reply(rpc_error::kLimitExceeded,
                        "a batch holds at most " + std::to_string(limits_.max_batch) +
                            " requests; this one holds " + std::to_string(message.size()),
                        Json{{"limit", limits_.max_batch}})};
  }
  if (message.size() > 1 && admit_batch && !admit_batch(message.size() - 1)) {
    metrics_.count_request("unknown", "rate_limited");
    return {error_reply(rpc_error::kRateLimited,
                        "rate limit: this batch holds more requests than the client may send now"),
            true};
  }
  std::vector<std::variant<Request, Json>> requests;
  requests.reserve(message.size());
  for (const Json& request : message) requests.push_back(read_request(request));
  Json replies = Json::array();
  for (std::size_t i = 0; i < requests.size();) {
    if (auto* invalid = std::get_if<Json>(&requests[i])) {
      // null: a notification of an unknown method, which gets no reply.
      if (!invalid->is_null()) replies.push_back(std::move(*invalid));
      ++i;
      continue;
    }
    const Method* method = std::get<Request>(requests[i]).method;
    if (!method->batch_handler) {
      if (auto reply = answer(std::get<Request>(requests[i]), context)) {
        replies.push_back(std::move(*reply));
      }
      ++i;
      continue;
    }
    // The run of consecutive calls to the same method, answered together.
    std::vector<Request> run;
    for (; i < requests.size(); ++i) {
      auto* next = std::get_if<Request>(&requests[i]);
      if (!next || next->method != method) break;
      run.push_back(std::move(*next));
    }
    answer_together(run, context, replies);
  }
  return {replies.empty() ? std::string() : dump(replies)};
}

std::variant<Dispatcher::Request, Json> Dispatcher::read_request(const Json& request) {
  auto invalid = [&](const Json& id, std::string_view why) {
    metrics_.count_request("unknown", "invalid_request");
    return error_object(id, rpc_error::kInvalidRequest, "invalid request: " + std::string(why));
  };
  if (!request.is_object()) return invalid(nullptr, "expected a Request object");
  Request out;
  if (auto it = request.find("id"); it != request.end()) {
    if (!it->is_string() && !it->is_number() && !it->is_null()) {
      return invalid(nullptr, "\"id\" must be a string, a number or null");
    }
    out.id = *it;
    out.notification = false;
  }
  auto version = request.find("jsonrpc");
  if (version == request.end() || !version->is_string() || *version != "2.0") {
    return invalid(out.id, "\"jsonrpc\" must be \"2.0\"");
  }
  auto method_name = request.find("method");
  if (method_name == request.end() || !method_name->is_string()) {
    return invalid(out.id, "\"method\" must be a string");
  }
  if (auto it = request.find("params"); it != request.end()) {
    if (!it->is_object() && !it->is_array()) {
      return invalid(out.id, "\"params\" must be an object or an array");
    }
    out.params = &*it;
  }
  const auto& name = method_name->get_ref<const std::string&>();
  auto found = methods_.find(name);
  if (found == methods_.end()) {
    metrics_.count_request("unknown", "method_not_found");
    Json reply =
        error_object(out.id, rpc_error::kMethodNotFound, "method not found: '" + clipped(name) + "'");
    if (out.notification) return Json(nullptr);
    return reply;
  }
  out.method = found->second;
  return out;
}

std::optional<Json> Dispatcher::handle_one(const Json& request, CallContext& context) {
  auto read = read_request(request);
  if (auto* invalid = std::get_if<Json>(&read)) {
    if (invalid->is_null()) return std::nullopt;  // a notification of an unknown method
    return std::move(*invalid);
  }
  return answer(std::get<Request>(read), context);
}

std::optional<Json> Dispatcher::answer(const Request& request, CallContext& context) {
  const Method& method = *request.method;
  Outcome outcome = [&]() -> Outcome {
    try {
      context.begin_call();
      Json result = method.handler(checked_params(method, request.params, context), context);
      if (method.needs_caller) context.record_reads(method.name);
      return result;
    } catch (const RpcFailure& failure) {
      return failure;
    } catch (const std::exception& e) {
      log::error("rpc", "{} failed unexpectedly: {}", method.name, e.what());
      return RpcFailure(rpc_error::kInternal, "internal error");
    }
  }();
  return reply_to(request, std::move(outcome));
}

void Dispatcher::answer_together(std::span<const Request> run, CallContext& context,
                                 Json& replies) {
  const Method& method = *run.front().method;
  std::vector<std::optional<Outcome>> outcomes(run.size());
  std::vector<Params> calls;
  std::vector<std::size_t> positions;  // of calls in run
  for (std::size_t k = 0; k < run.size(); ++k) {
    try {
      calls.push_back(checked_params(method, run[k].params, context));
      positions.push_back(k);
    } catch (const RpcFailure& failure) {
      outcomes[k] = failure;
    }
  }
  if (!calls.empty()) {
    std::vector<Outcome> answers;
    try {
      answers = method.batch_handler(calls, context);
      TC_ASSERT_MSG(answers.size() == calls.size(), "a batch handler must answer every call");
    } catch (const std::exception& e) {
      log::error("rpc", "{} failed unexpectedly: {}", method.name, e.what());
      answers.assign(calls.size(), RpcFailure(rpc_error::kInternal, "internal error"));
    }
    for (std::size_t j = 0; j < calls.size(); ++j) outcomes[positions[j]] = std::move(answers[j]);
  }
  for (std::size_t k = 0; k < run.size(); ++k) {
    if (auto reply = reply_to(run[k], std::move(*outcomes[k]))) replies.push_back(std::move(*reply));
  }
}

std::optional<Json> Dispatcher::reply_to(const Request& request, Outcome outcome) {
  const Method& method = *request.method;
  Json reply;
  if (auto* result = std::get_if<Json>(&outcome)) {
    metrics_.count_request(method.name, "ok");
    reply = {{"jsonrpc", "2.0"}, {"id", request.id}, {"result", std::move(*result)}};
  } else {
    const RpcFailure& failure = std::get<RpcFailure>(outcome);
    metrics_.count_request(method.name, error_kind(failure.code()));
    if (failure.code() == rpc_error::kTransactionRejected ||
        failure.code() == rpc_error::kMempoolFull) {
      const Json& data = failure.data();
      metrics_.count_rejection(data.is_object() && data.contains("reason")
                                   ? data["reason"].get<std::string>()
                                   : std::string("invalid"));
    }
    reply = error_object(request.id, failure.code(), failure.message(), failure.data());
  }
  if (request.notification) return std::nullopt;
  return reply;
}

Params Dispatcher::checked_params(const Method& method, const Json* params, CallContext& context) {
  if (method.needs_caller && !context.caller()) {
    throw RpcFailure(rpc_error::kNotAuthorised,
                     std::string(method.name) +
                         " needs a signed request from a participant (docs/rpc.md#authentication)");
  }
  return Params(params, method.params);
}

}  // namespace tracechain::node::rpc
