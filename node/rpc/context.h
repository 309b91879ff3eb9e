// What every RPC connection shares: the configuration, the backend, metrics,
// the authenticator, the rate limiter, the dispatcher, the worker threads
// and the list of open sessions. Kept free of Beast so that the dispatcher
// side compiles quickly.
//
// Threads: sessions run on the node's io_context (one strand each); every
// request that reads the store, verifies a signature or waits for admission
// runs on the RPC's own worker threads (post_work), so a slow or heavy
// request never holds a thread the consensus core needs.
//
// Lifetime: sessions hold the context by shared_ptr; the Server holds it
// too, and owns the worker pool, which it detaches and joins on stop().
//
// Thread-safety: every member function may be called from any thread.
#pragma once

#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "node/log.h"
#include "node/rpc/auth.h"
#include "node/rpc/backend.h"
#include "node/rpc/dispatcher.h"
#include "node/rpc/metrics.h"
#include "node/rpc/rate_limiter.h"

namespace tracechain::node::rpc {

// What one committed block brings to WebSocket subscribers, computed once
// per block on a worker thread.
struct CommitEvents {
  Json block;  // the header's JSON shape with transaction counts
  struct TradeEvent {
    Json event;
    std::vector<std::string> parties;  // the trade's buyer and provider
  };
  std::vector<TradeEvent> trade_events;
  // The receipts (tx_getReceipt's shape) of the block's transactions whose
  // senders hold a receipts subscription.
  struct SentReceipt {
    Json receipt;
    std::string sender;
  };
  std::vector<SentReceipt> receipts;
};

// A connection the server can close on stop and tell about commits.
class Session {
 public:
  virtual ~Session() = default;
  // Closes the connection soon; callable from any thread.
  virtual void close() = 0;
  // Only WebSocket sessions care; callable from any thread.
  virtual void on_commit(const std::shared_ptr<const CommitEvents>&) {}
  // Whether on_commit() would deliver events of this topic: trade events
  // (building them reads every trade a block touches) and receipts are built
  // only when some session would.
  virtual bool wants(Subscriptions::Topic) const { return false; }
  // Who authenticated the connection, if anyone (WebSocket sessions): after
  // each commit the server checks that caller against committed state and
  // revokes the session when the key, status or roles changed.
  virtual std::optional<Caller> caller() const { return std::nullopt; }
  // Closes the connection with `reason` (a WebSocket close frame, 1008);
  // callable from any thread.
  virtual void revoke(std::string /*reason*/) { close(); }
};

// The two ports the server listens on.
enum class Port { kRpc, kMetrics };

// The connections one port may hold: at most `total` open, and at most
// `per_address` from one client address, so that one client cannot take
// every slot. Thread-safe.
class ConnectionPool;

// One slot of a pool, given back when the connection ends.
class ConnectionSlot {
 public:
  ConnectionSlot() = default;
  ConnectionSlot(std::shared_ptr<ConnectionPool> pool, std::string address)
      : pool_(std::move(pool)), address_(std::move(address)) {}
  ConnectionSlot(ConnectionSlot&&) = default;
  ConnectionSlot& operator=(ConnectionSlot&&) = default;
  ~ConnectionSlot();

 private:
  std::shared_ptr<ConnectionPool> pool_;
  std::string address_;
};

class ConnectionPool : public std::enable_shared_from_this<ConnectionPool> {
 public:
  // `metrics`, when given, counts this pool's open connections.
  ConnectionPool(std::uint64_t total, std::uint64_t per_address, Metrics* metrics);

  // A slot for a connection from `address`, or why there is none.
  Result<ConnectionSlot> acquire(const std::string& address);

 private:
  friend class ConnectionSlot;
  void release(const std::string& address);

  const std::uint64_t total_;
  const std::uint64_t per_address_;
  Metrics* const metrics_;
  std::mutex mutex_;
  std::uint64_t open_ = 0;                                   // GUARDED_BY(mutex_)
  std::unordered_map<std::string, std::uint64_t> by_address_;  // GUARDED_BY(mutex_)
};

class ServerContext {
 public:
  ServerContext(std::unique_ptr<Backend> backend, const RpcSection& config);

  const RpcSection& config() const { return config_; }
  Backend& backend() { return *backend_; }
  Metrics& metrics() { return metrics_; }
  RateLimiter& rate_limiter() { return rate_limiter_; }
  bool running() const { return running_; }

  // Runs `work` on a worker thread; false (dropping it) once stopping.
  bool post_work(std::function<void()> work);

  // The connection pool of the RPC port or of the metrics port.
  ConnectionPool& connections(Port port);
  // Writes one log line about a failed authentication or a refused
  // connection, unless a flood of them is being held back (then a count).
  void log_refusal(std::string_view kind, const std::string& line);

  void add_session(const std::shared_ptr<Session>& session);

  // A JSON-RPC message arriving over HTTP: authenticates the credentials
  // (if any) against `request` ("POST /") and the body, then dispatches.
  // Runs on a worker thread.
  struct HttpAnswer {
    unsigned status = 200;  // 200, 204 (nothing to reply), 401, 429
    std::string body;
  };
  HttpAnswer answer_http(const Credentials& credentials, const std::string& request,
                         const std::string& body, const std::string& client);

  // The WebSocket upgrade's credentials (none: an anonymous connection).
  Result<std::optional<Caller>> authenticate_upgrade(const Credentials& credentials,
                                                     const std::string& request,
                                                     const std::string& client);

  // A JSON-RPC message over WebSocket from an authenticated (or anonymous)
  // connection; the reply, or "" when none is due. Runs on a worker thread.
  std::string answer_ws(const std::string& message, const std::optional<Caller>& caller,
                        Subscriptions& subscriptions, const std::string& client);

  // Called on the node's core strand after each commit: counts it, and has a
  // worker build the subscribers' events.
  void on_commit(const CommitNotice& notice);

  // Server side.
  void start(boost::asio::thread_pool& workers);
  // Detaches the workers and closes every session; the caller joins the pool.
  void stop();

 private:
  static std::uint64_t now_ms();
  // Verifies credentials; a failure is logged (rate-limited) with the
  // client's address and the precise reason the client is not told.
  Result<Caller> authenticate(const Credentials& credentials, const std::string& request,
                              const std::string& body, const ledger::StateView& state,
                              const std::string& client);
  std::shared_ptr<const CommitEvents> build_events(const CommitNotice& notice, bool trade_events,
                                                   const std::set<std::string>& receipts_for);
  std::vector<std::shared_ptr<Session>> live_sessions();
  // Revokes (and drops from `sessions`) every session whose caller's key,
  // status or roles changed in committed state.
  void revoke_changed_callers(std::vector<std::shared_ptr<Session>>& sessions);

  RpcSection config_;
  std::unique_ptr<Backend> backend_;
  Metrics metrics_;
  Authenticator authenticator_;
  RateLimiter rate_limiter_;
  Dispatcher dispatcher_;
  std::atomic<bool> running_{false};
  std::shared_ptr<ConnectionPool> rpc_connections_;
  std::shared_ptr<ConnectionPool> metrics_connections_;
  log::LogRateLimiter refusals_;

  std::mutex workers_mutex_;
  boost::asio::thread_pool* workers_ = nullptr;  // GUARDED_BY(workers_mutex_)

  std::mutex sessions_mutex_;
  std::vector<std::weak_ptr<Session>> sessions_;  // GUARDED_BY(sessions_mutex_)
};

}  // namespace tracechain::node::rpc
