// One HTTP/1.1 connection on the RPC port or the metrics port.
//
// RPC port: POST / (JSON-RPC), GET /health, GET /readiness, GET /ws (the
// WebSocket upgrade, handed to ws_session), OPTIONS (CORS preflight).
// Metrics port: GET /metrics only.
//
// Limits: the header block (431 above rpc.max_header_bytes), the body (413
// above rpc.max_body_bytes, refused from Content-Length before it is read),
// a per-client request rate (429), and time: a connection idle for
// rpc.idle_timeout_ms, slower than rpc.header_timeout_ms to finish a header
// it has begun, or slower than rpc.request_timeout_ms to send a body or take
// a response, is closed. Requests are answered one at a time, in
// order, so a connection never has more than one request in flight.
//
// Thread-safety: a session lives on its own strand; close() may be called
// from any thread.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "node/rpc/context.h"

namespace tracechain::node::rpc {

// Serves `socket` (accepted on a strand of the node's io_context) until it
// closes. `slot` is the connection's place in its port's ConnectionPool.
void serve_http(boost::asio::ip::tcp::socket socket, std::shared_ptr<ServerContext> context,
                ConnectionSlot slot, Port port);

// A request's credentials, from its X-Tracechain-* headers (each absent when
// the header is).
Credentials credentials_of(
    const boost::beast::http::request<boost::beast::http::string_body>& request);

}  // namespace tracechain::node::rpc
