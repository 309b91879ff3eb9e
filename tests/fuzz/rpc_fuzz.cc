// JSON-RPC from the raw HTTP request to the response: the bytes are parsed
// as one HTTP/1.1 request by Beast's parser under the node's header and body
// limits, exactly as an HttpSession reads them; a complete POST / is answered
// by the RPC server's own code (ServerContext::answer_http: authentication of
// any X-Tracechain-* headers, the dispatcher, every method) over an in-memory
// store holding the fuzz chain's genesis.
//
// Properties: the answer is 200, 204 (nothing due), 401 or 429, never 500
// (hostile input is never an internal error), and every body is one JSON
// value: an object with "jsonrpc" and an "id" or an "error", or an array of
// them.
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include "node/rpc/http_session.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/rpc_backend.h"

using namespace tracechain;
namespace http = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  node::rpc::ServerContext& server = fuzz::rpc_context();
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(server.config().max_header_bytes));
  parser.body_limit(server.config().max_body_bytes);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t offset = 0;
  while (!ec && !parser.is_done() && offset < size) {
    std::size_t used = parser.put(boost::asio::buffer(data + offset, size - offset), ec);
    if (used == 0) break;
    offset += used;
  }
  if (!ec && !parser.is_done() && parser.need_eof()) parser.put_eof(ec);
  if (ec || !parser.is_done()) return 0;  // the session answers 4xx or closes

  const auto& request = parser.get();
  if (request.method() != http::verb::post || request.target() != "/") return 0;
  auto answer = server.answer_http(node::rpc::credentials_of(request), "POST /", request.body(), "fuzz");
  fuzz::check(answer.status != 500, "hostile input gave an internal error: " + answer.body);
  fuzz::check(answer.status == 200 || answer.status == 204 || answer.status == 401 ||
                  answer.status == 429,
              "unexpected HTTP status " + std::to_string(answer.status));
  if (answer.status == 204) {
    fuzz::check(answer.body.empty(), "a 204 with a body");
    return 0;
  }
  auto reply = nlohmann::json::parse(answer.body, nullptr, false);
  fuzz::check(!reply.is_discarded(), "the reply is not JSON: " + answer.body);
  fuzz::check_json_rpc_reply(reply);
  return 0;
}
