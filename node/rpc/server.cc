#include "node/rpc/server.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "node/log.h"
#include "node/rpc/http_session.h"
#include "node/rpc/static_files.h"

namespace tracechain::node::rpc {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// After a failed accept (out of file descriptors, say) wait this long before
// the next, instead of spinning.
constexpr auto kAcceptRetry = std::chrono::milliseconds(100);

// Accepts connections on one port and hands each to an HTTP session.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& io, std::shared_ptr<ServerContext> context, Port port)
      : io_(io),
        acceptor_(asio::make_strand(io)),
        retry_(acceptor_.get_executor()),
        context_(std::move(context)),
        port_(port) {}

  Status listen(const Endpoint& where, std::string_view setting) {
    boost::system::error_code ec;
    auto address = asio::ip::make_address(where.host, ec);
    if (ec) {
      return Error(ErrorCode::kInvalidInput,
                   std::string(setting) + " host '" + where.host + "' is not an IP address");
    }
    tcp::endpoint endpoint(address, where.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Error(ErrorCode::kIo, "cannot listen on " + where.to_string() + " (" +
                                       std::string(setting) + "): " + ec.message());
    }
    auto local = acceptor_.local_endpoint();
    bound_ = Endpoint{local.address().to_string(), local.port()};
    return {};
  }

  void start() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] { self->accept(); });
  }

  void stop() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      self->stopped_ = true;
      boost::system::error_code ignored;
      self->acceptor_.close(ignored);
      self->retry_.cancel();
    });
  }

  const Endpoint& bound() const { return bound_; }

 private:
  void accept() {
    if (stopped_) return;
    acceptor_.async_accept(
        asio::make_strand(io_),
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          if (self->stopped_) return;
          if (ec) {
            log::warn("rpc", "accepting a connection failed: {}", ec.message());
            self->retry_.expires_after(kAcceptRetry);
            self->retry_.async_wait([self](boost::system::error_code) { self->accept(); });
            return;
          }
          self->on_accept(std::move(socket));
          self->accept();
        });
  }

  void on_accept(tcp::socket socket) {
    boost::system::error_code ec;
    socket.set_option(tcp::no_delay(true), ec);
    auto remote = socket.remote_endpoint(ec);
    std::string address = ec ? std::string("unknown") : remote.address().to_string();
    auto slot = context_->connections(port_).acquire(address);
    if (!slot) {
      context_->metrics().count_refused_connection();
      context_->log_refusal("connections refused",
                            std::string(port_ == Port::kMetrics ? "metrics" : "RPC") +
                                " connection from " + address +
                                " refused: " + slot.error().message());
      socket.close(ec);
      return;
    }
    serve_http(std::move(socket), context_, std::move(*slot), port_);
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  std::shared_ptr<ServerContext> context_;
  Port port_;
  Endpoint bound_;
  bool stopped_ = false;  // on the acceptor's strand
};

}  // namespace

class Server::Impl {
 public:
  Impl(asio::io_context& io, std::unique_ptr<Backend> backend, const RpcSection& config)
      : io_(io),
        config_(config),
        context_(std::make_shared<ServerContext>(std::move(backend), config)) {
    // Constructed before the node starts, when nothing commits: the log size
    // now and the commit notices from here on count every transaction once.
    context_->metrics().set_committed_transactions(context_->backend().store().tip().log.size());
  }

  // Commit notices reach the context only while it lives.
  std::function<void(const CommitNotice&)> commit_listener() const {
    std::weak_ptr<ServerContext> weak = context_;
    return [weak](const CommitNotice& notice) {
      if (auto context = weak.lock()) context->on_commit(notice);
    };
  }

  Status start() {
    TC_ASSERT_MSG(!workers_, "Server::start called twice");
    std::error_code ec;
    if (!config_.console.empty() && !std::filesystem::is_directory(config_.console, ec)) {
      return Error(ErrorCode::kInvalidInput,
                   "rpc.console '" + config_.console + "' is not a directory");
    }
    rpc_ = std::make_shared<Listener>(io_, context_, Port::kRpc);
    metrics_ = std::make_shared<Listener>(io_, context_, Port::kMetrics);
    if (Status s = rpc_->listen(config_.listen, "rpc.listen"); !s) return s;
    if (Status s = metrics_->listen(config_.metrics_listen, "rpc.metrics_listen"); !s) return s;
    workers_ = std::make_unique<asio::thread_pool>(config_.worker_threads);
    context_->start(*workers_);
    rpc_->start();
    metrics_->start();
    log::info("rpc", "JSON-RPC and WebSocket on {}, metrics on {}", rpc_->bound().to_string(),
              metrics_->bound().to_string());
    if (!config_.console.empty()) {
      log::info("rpc", "web console at http://{}{} from {}", rpc_->bound().to_string(),
                kConsolePath, config_.console);
    }
    return {};
  }

  void stop() {
    if (!workers_ || stopped_) return;
    stopped_ = true;
    rpc_->stop();
    metrics_->stop();
    context_->stop();
    workers_->join();
    log::info("rpc", "stopped");
  }

  Endpoint rpc_endpoint() const { return rpc_ ? rpc_->bound() : Endpoint{}; }
  Endpoint metrics_endpoint() const { return metrics_ ? metrics_->bound() : Endpoint{}; }

 private:
  asio::io_context& io_;
  RpcSection config_;
  std::shared_ptr<ServerContext> context_;
  std::shared_ptr<Listener> rpc_;
  std::shared_ptr<Listener> metrics_;
  std::unique_ptr<asio::thread_pool> workers_;
  bool stopped_ = false;
};

namespace {

// rpc.console relative to the node's home.
RpcSection with_console_resolved(const Node& node, RpcSection config) {
  if (!config.console.empty()) {
    NodeConfig resolved = node.config();
    resolved.rpc.console = config.console;
    config.console = resolved.console_dir().string();
  }
  return config;
}

}  // namespace

Server::Server(Node& node, const RpcSection& config)
    : impl_(std::make_unique<Impl>(node.io_context(), std::make_unique<NodeBackend>(node),
                                   with_console_resolved(node, config))) {
  node.add_commit_listener(impl_->commit_listener());
}
Server::Server(boost::asio::io_context& io, std::unique_ptr<Backend> backend,
               const RpcSection& config)
    : impl_(std::make_unique<Impl>(io, std::move(backend), config)) {}
void Server::notify_commit(const CommitNotice& notice) { impl_->commit_listener()(notice); }
Server::~Server() { impl_->stop(); }
Status Server::start() { return impl_->start(); }
void Server::stop() { impl_->stop(); }
Endpoint Server::rpc_endpoint() const { return impl_->rpc_endpoint(); }
Endpoint Server::metrics_endpoint() const { return impl_->metrics_endpoint(); }

}  // namespace tracechain::node::rpc
