// What the rpc and websocket fuzz targets share: the RPC server's context
// over a node as the RPC sees it (the fixed chain's genesis in an in-memory
// store; a submission is decided at once by the ledger's authentication), and
// the shape every JSON-RPC answer must have.
//
// Built once per process; used from the fuzzing thread only.
#pragma once

#include <nlohmann/json.hpp>

#include "node/rpc/context.h"

namespace tracechain::fuzz {

// No rate limit (every input starts from the same state) and 64 KiB
// messages.
node::rpc::ServerContext& rpc_context();

// `reply` is one JSON-RPC 2.0 reply (an object with "jsonrpc": "2.0" and
// exactly one of result and error) or a non-empty array of them; a broken
// property stops the run.
void check_json_rpc_reply(const nlohmann::json& reply);

}  // namespace tracechain::fuzz
