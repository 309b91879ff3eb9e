// One WebSocket connection (GET /ws): JSON-RPC messages in both directions
// and subscriptions to new blocks and to the caller's trade events.
//
// The caller is fixed at the upgrade (a signed upgrade request, or none);
// every message is answered as that caller. Messages are read one at a
// time (the next only after the previous is answered), each at most
// rpc.max_body_bytes, each counted by the rate limit. Outgoing messages
// (replies and notifications) queue up to a bound; a client that does not
// read them is disconnected instead of making the node buffer without end.
// Pings keep an idle connection alive; one silent past rpc.idle_timeout_ms
// is closed.
//
// Thread-safety: a session lives on its own strand; close(), on_commit()
// and the Subscriptions calls may come from any thread.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "node/rpc/context.h"

namespace tracechain::node::rpc {

void serve_websocket(boost::beast::tcp_stream stream,
                     boost::beast::http::request<boost::beast::http::string_body> upgrade,
                     std::shared_ptr<ServerContext> context, ConnectionSlot slot,
                     std::optional<Caller> caller, std::string client);

}  // namespace tracechain::node::rpc
