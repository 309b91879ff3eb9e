// tracechaind's RPC server: JSON-RPC 2.0 over HTTP (POST /) and WebSocket
// (/ws, with subscriptions), /health and /readiness on the RPC port, and
// Prometheus /metrics on a separate port (loopback by default). It runs on
// the node's io_context; requests that read the store, verify signatures or
// wait for admission run on a few worker threads of its own.
// docs/rpc.md describes the protocol for clients.
//
// Lifecycle, as tracechaind's main uses it:
//   auto node = Node::open(config);
//   rpc::Server server(*node, config.rpc);  // before start(): registers for commits
//   node->start();
//   server.start();                          // binds the ports
//   ...
//   server.stop();                           // before the node stops
//   node->stop();
//
// Thread-safety: start() and stop() from one controlling thread (never from
// an io_context or worker thread: stop() joins the workers); the endpoint
// getters from any thread after start().
#pragma once

#include <memory>

#include "node/config.h"
#include "node/node.h"
#include "node/rpc/backend.h"

namespace tracechain::node::rpc {

class Server {
 public:
  Server(Node& node, const RpcSection& config);
  // A server over any backend on any io_context (tests, tools): the owner
  // runs `io` and announces commits with notify_commit().
  Server(boost::asio::io_context& io, std::unique_ptr<Backend> backend, const RpcSection& config);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds rpc.listen and rpc.metrics_listen (port 0: any free port) and
  // starts serving. Errors name the address that could not be bound.
  Status start();
  // Closes the listeners and every connection and waits for the workers.
  // Idempotent.
  void stop();

  // What a commit listener would be told (the Node constructor registers one).
  void notify_commit(const CommitNotice& notice);

  // The addresses actually bound (the port chosen when 0 was asked).
  Endpoint rpc_endpoint() const;
  Endpoint metrics_endpoint() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracechain::node::rpc
