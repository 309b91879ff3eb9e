#include "node/rpc/context.h"

#include <algorithm>

#include <boost/asio/post.hpp>

#include <chrono>

#include "ledger/identifiers.h"
#include "ledger/queries.h"
#include "node/log.h"

namespace tracechain::node::rpc {

namespace {

// Sessions that ended leave expired entries; they are swept once the list
// grows past this many.
constexpr std::size_t kSessionSweep = 64;

// Per kind, at most this many refusal lines a second; the rest are counted.
constexpr std::size_t kRefusalBurst = 5;
constexpr auto kRefusalWindow = std::chrono::seconds(1);

}  // namespace

ConnectionSlot::~ConnectionSlot() {
  if (pool_) pool_->release(address_);
}

ConnectionPool::ConnectionPool(std::uint64_t total, std::uint64_t per_address, Metrics* metrics)
    : total_(total), per_address_(per_address), metrics_(metrics) {}

Result<ConnectionSlot> ConnectionPool::acquire(const std::string& address) {
  {
    std::lock_guard lock(mutex_);
    if (open_ >= total_) {
      return Error(ErrorCode::kResourceExhausted,
                   std::to_string(open_) + " connections open, the most allowed");
    }
    std::uint64_t& mine = by_address_[address];
    if (mine >= per_address_) {
      return Error(ErrorCode::kResourceExhausted,
                   std::to_string(mine) + " connections open from " + address +
                       ", the most one address may hold");
    }
    ++mine;
    ++open_;
  }
  if (metrics_) metrics_->connection_opened();
  return ConnectionSlot(shared_from_this(), address);
}

void ConnectionPool::release(const std::string& address) {
  {
    std::lock_guard lock(mutex_);
    --open_;
    auto it = by_address_.find(address);
    if (it != by_address_.end() && --it->second == 0) by_address_.erase(it);
  }
  if (metrics_) metrics_->connection_closed();
}

ServerContext::ServerContext(std::unique_ptr<Backend> backend, const RpcSection& config)
    : config_(config),
      backend_(std::move(backend)),
      authenticator_(backend_->store().params(), backend_->status().node_id,
                     config.auth_window_ms, now_ms()),
      rate_limiter_(config.rate_per_second, config.rate_burst),
      dispatcher_(*backend_, metrics_, DispatchLimits{config.max_batch}),
      rpc_connections_(std::make_shared<ConnectionPool>(
          config.max_connections, config.max_connections_per_address, &metrics_)),
      metrics_connections_(std::make_shared<ConnectionPool>(
          config.metrics_max_connections, config.max_connections_per_address, nullptr)),
      refusals_(kRefusalBurst, kRefusalWindow) {}

std::uint64_t ServerContext::now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

bool ServerContext::post_work(std::function<void()> work) {
  std::lock_guard lock(workers_mutex_);
  if (!workers_) return false;
  boost::asio::post(*workers_, std::move(work));
  return true;
}

ConnectionPool& ServerContext::connections(Port port) {
  return port == Port::kMetrics ? *metrics_connections_ : *rpc_connections_;
}

void ServerContext::log_refusal(std::string_view kind, const std::string& line) {
  auto verdict = refusals_.admit(kind, log::LogRateLimiter::Clock::now());
  if (verdict.held_back > 0) {
    log::warn("rpc", "{} more {} held back in the second before", verdict.held_back, kind);
  }
  if (verdict.write) log::warn("rpc", "{}", line);
}

void ServerContext::add_session(const std::shared_ptr<Session>& session) {
  std::lock_guard lock(sessions_mutex_);
  if (sessions_.size() >= kSessionSweep) {
    std::erase_if(sessions_, [](const std::weak_ptr<Session>& s) { return s.expired(); });
  }
  sessions_.push_back(session);
}

std::vector<std::shared_ptr<Session>> ServerContext::live_sessions() {
  std::vector<std::shared_ptr<Session>> out;
  std::lock_guard lock(sessions_mutex_);
  for (const auto& weak : sessions_) {
    if (auto session = weak.lock()) out.push_back(std::move(session));
  }
  return out;
}

ServerContext::HttpAnswer ServerContext::answer_http(const Credentials& credentials,
                                                     const std::string& request,
                                                     const std::string& body,
                                                     const std::string& client) {
  try {
    // One snapshot answers the whole request: authentication and every call
    // of a batch see the same committed state.
    auto snapshot = backend_->store().snapshot();
    if (!snapshot) {
      log::error("rpc", "cannot take a state snapshot: {}", snapshot.error().message());
      return {500, Dispatcher::error_reply(rpc_error::kInternal, "internal error")};
    }
    std::shared_ptr<const ledger::StateView> state(std::move(*snapshot));
    std::optional<Caller> caller;
    if (credentials.any()) {
      auto verified = authenticate(credentials, request, body, *state, client);
      if (!verified) {
        metrics_.count_request("unknown", "authentication_failed");
        return {401,
                Dispatcher::error_reply(rpc_error::kAuthenticationFailed,
                                        "authentication failed: " + verified.error().message())};
      }
      caller = std::move(*verified);
    }
    CallContext context(*backend_, caller, nullptr, state);
    auto admit = [&](std::size_t more) {
      return rate_limiter_.take(client, more, RateLimiter::Clock::now());
    };
    Dispatcher::Reply reply = dispatcher_.handle(body, context, admit);
    if (reply.rate_limited) {
      metrics_.count_rate_limited();
      return {429, std::move(reply.body)};
    }
    return {reply.body.empty() ? 204u : 200u, std::move(reply.body)};
  } catch (const std::exception& e) {
    log::error("rpc", "answering a request failed unexpectedly: {}", e.what());
    return {500, Dispatcher::error_reply(rpc_error::kInternal, "internal error")};
  }
}

Result<Caller> ServerContext::authenticate(const Credentials& credentials,
                                           const std::string& request, const std::string& body,
                                           const ledger::StateView& state,
                                           const std::string& client) {
  std::string detail;
  auto caller = authenticator_.verify(credentials, request, body, state, now_ms(), &detail);
  if (!caller) {
    // The id goes into the log only if it is a well-formed one: a client's
    // bytes must not forge log lines.
    std::string who = "(no participant)";
    if (credentials.participant) {
      who = ledger::validate_identifier("participant", *credentials.participant)
                ? "'" + *credentials.participant + "'"
                : std::string("(a malformed participant id)");
    }
    log_refusal("failed authentications",
                "authentication failed from " + client + " as " + who + " for " + request + ": " +
                    (detail.empty() ? caller.error().message() : detail));
  }
  return caller;
}

Result<std::optional<Caller>> ServerContext::authenticate_upgrade(const Credentials& credentials,
                                                                  const std::string& request,
                                                                  const std::string& client) {
  try {
    if (!credentials.any()) return std::optional<Caller>();
    auto snapshot = backend_->store().snapshot();
    if (!snapshot) return snapshot.error();
    auto caller = authenticate(credentials, request, "", **snapshot, client);
    if (!caller) return caller.error();
    return std::optional<Caller>(std::move(*caller));
  } catch (const std::exception& e) {
    log::error("rpc", "authenticating an upgrade failed unexpectedly: {}", e.what());
    return Error(ErrorCode::kIo, "internal error");
  }
}

std::string ServerContext::answer_ws(const std::string& message,
                                     const std::optional<Caller>& caller,
                                     Subscriptions& subscriptions, const std::string& client) {
  try {
    CallContext context(*backend_, caller, &subscriptions);
    auto admit = [&](std::size_t more) {
      return rate_limiter_.take(client, more, RateLimiter::Clock::now());
    };
    Dispatcher::Reply reply = dispatcher_.handle(message, context, admit);
    if (reply.rate_limited) metrics_.count_rate_limited();
    return std::move(reply.body);
  } catch (const std::exception& e) {
    log::error("rpc", "answering a message failed unexpectedly: {}", e.what());
    return Dispatcher::error_reply(rpc_error::kInternal, "internal error");
  }
}

void ServerContext::on_commit(const CommitNotice& notice) {
  metrics_.on_commit(notice);
  if (!running_) return;
  auto copy = std::make_shared<const CommitNotice>(notice);
  post_work([this, copy] {
    auto sessions = live_sessions();
    if (sessions.empty()) return;
    revoke_changed_callers(sessions);
    auto wanted = [&](Subscriptions::Topic topic) {
      return std::any_of(sessions.begin(), sessions.end(),
                         [topic](const auto& s) { return s->wants(topic); });
    };
    bool trade_events = wanted(Subscriptions::Topic::kTradeEvents);
    // Receipts are built only for the senders someone listens as.
    std::set<std::string> receipts_for;
    for (const auto& session : sessions) {
      auto caller = session->caller();
      if (caller && session->wants(Subscriptions::Topic::kReceipts)) receipts_for.insert(caller->id);
    }
    std::shared_ptr<const CommitEvents> events;
    try {
      events = build_events(*copy, trade_events, receipts_for);
    } catch (const std::exception& e) {
      log::error("rpc", {.height = copy->header.height}, "cannot build subscription events: {}",
                 e.what());
      return;
    }
    for (const auto& session : sessions) session->on_commit(events);
  });
}

void ServerContext::revoke_changed_callers(std::vector<std::shared_ptr<Session>>& sessions) {
  std::unique_ptr<storage::StateSnapshot> state;
  for (auto& session : sessions) {
    std::optional<Caller> caller = session->caller();
    if (!caller) continue;
    if (!state) {
      auto snapshot = backend_->store().snapshot();
      if (!snapshot) {
        log::error("rpc", "cannot re-check WebSocket callers: {}", snapshot.error().message());
        return;
      }
      state = std::move(*snapshot);
    }
    std::optional<std::string> why;
    try {
      why = caller_changed(*state, *caller);
    } catch (const std::exception& e) {
      why = "cannot re-check the caller";
      log::error("rpc", "re-checking WebSocket caller '{}' failed: {}", caller->id, e.what());
    }
    if (!why) continue;
    log::info("rpc", "closing the WebSocket of '{}': {}", caller->id, *why);
    session->revoke(*why);
    session.reset();  // no events for it
  }
  std::erase(sessions, nullptr);
}

std::shared_ptr<const CommitEvents> ServerContext::build_events(const CommitNotice& notice,
                                                                bool trade_events,
                                                                const std::set<std::string>& receipts_for) {
  auto events = std::make_shared<CommitEvents>();
  const storage::BlockStore& store = backend_->store();
  crypto::HashAlgorithm algorithm = store.params().hash_algorithm();
  std::size_t failed = 0;
  for (const ledger::Receipt& r : notice.receipts) failed += !r.ok();
  events->block = header_json(notice.header, algorithm);
  events->block["transactionCount"] = notice.tx_hashes.size();
  events->block["failedCount"] = failed;
  events->block["via"] = notice.how;
  for (std::size_t i = 0; i < notice.receipts.size() && !receipts_for.empty(); ++i) {
    if (receipts_for.contains(notice.tx_senders[i])) {
      events->receipts.push_back({receipt_json(notice.receipts[i], algorithm), notice.tx_senders[i]});
    }
  }
  if (!trade_events) return events;

  // Trades never change parties, so any snapshot at or after this block
  // answers who they are.
  std::shared_ptr<const ledger::StateView> state;
  for (std::size_t i = 0; i < notice.receipts.size(); ++i) {
    const ledger::Receipt& receipt = notice.receipts[i];
    for (const ledger::Event& event : receipt.events) {
      if (!event.kind.starts_with("trade.")) continue;
      if (!state) {
        auto snapshot = store.snapshot();
        if (!snapshot) throw std::runtime_error(snapshot.error().message());
        state = std::shared_ptr<const ledger::StateView>(std::move(*snapshot));
      }
      auto trade = ledger::find_trade(*state, event.subject);
      if (!trade) continue;
      auto kind = ledger::tx_kind_name(notice.tx_kinds[i]);
      events->trade_events.push_back({{{"event", event.kind},
                                       {"tradeId", event.subject},
                                       {"height", receipt.height},
                                       {"index", receipt.index},
                                       {"txHash", to_hex(receipt.tx_hash)},
                                       {"txKind", kind ? std::string(*kind) : "unknown"},
                                       {"sender", notice.tx_senders[i]},
                                       {"status", receipt.ok() ? "ok" : "failed"}},
                                      {trade->buyer, trade->provider}});
    }
  }
  return events;
}

void ServerContext::start(boost::asio::thread_pool& workers) {
  std::lock_guard lock(workers_mutex_);
  workers_ = &workers;
  running_ = true;
}

void ServerContext::stop() {
  {
    std::lock_guard lock(workers_mutex_);
    workers_ = nullptr;
    running_ = false;
  }
  for (const auto& session : live_sessions()) session->close();
}

}  // namespace tracechain::node::rpc
