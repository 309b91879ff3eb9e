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

#include "ledger/execution.h"
#include "node/rpc/context.h"
#include "storage/memory_kv.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_chain.h"

using namespace tracechain;
namespace http = boost::beast::http;

namespace {

// A node as the RPC sees it: the fixed chain's genesis in an in-memory
// store; a submission is decided by the ledger's authentication, at once.
class FuzzBackend final : public node::rpc::Backend {
 public:
  FuzzBackend() {
    auto store = storage::open_block_store(std::make_shared<storage::MemoryKv>(),
                                           fuzz::fuzz_chain().genesis);
    if (!store) fuzz::fail("cannot open an in-memory block store: " + store.error().message());
    store_ = std::move(*store);
  }

  node::NodeStatus status() const override {
    node::NodeStatus s;
    s.node_id = fuzz::validator_id(0);
    s.chain_id = fuzz::fuzz_chain().genesis.chain_id;
    s.height = store_->height();
    return s;
  }
  const storage::BlockStore& store() const override { return *store_; }
  void submit(Bytes encoded, std::function<void(Result<Digest>)> done) override {
    auto tx = ledger::decode<ledger::Transaction>(encoded);
    if (!tx) return done(Error(ErrorCode::kInvalidInput, tx.error().message()));
    Digest hash = ledger::transaction_hash(*tx);
    auto payload = ledger::authenticate(store_->state(), store_->height() + 1, *tx, hash,
                                        ledger::default_signature_checker());
    if (!payload) return done(payload.error());
    done(hash);
  }

 private:
  std::unique_ptr<storage::BlockStore> store_;
};

node::RpcSection config() {
  node::RpcSection c;
  c.rate_per_second = 0;  // no limit: every input starts from the same state
  c.max_body_bytes = 64 * 1024;
  return c;
}

node::rpc::ServerContext& context() {
  static auto* server = new node::rpc::ServerContext(std::make_unique<FuzzBackend>(), config());
  return *server;
}

std::optional<std::string> header(const http::request<http::string_body>& request,
                                  std::string_view name) {
  auto it = request.find(boost::beast::string_view(name.data(), name.size()));
  if (it == request.end()) return std::nullopt;
  return std::string(it->value());
}

void check_reply(const nlohmann::json& reply) {
  fuzz::check(reply.is_object(), "a reply is not a JSON object");
  fuzz::check(reply.value("jsonrpc", "") == "2.0", "a reply lacks \"jsonrpc\": \"2.0\"");
  fuzz::check(reply.contains("result") != reply.contains("error"),
              "a reply has both or neither of result and error");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  node::rpc::ServerContext& server = context();
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
  node::rpc::Credentials credentials{header(request, node::rpc::kParticipantHeader),
                                     header(request, node::rpc::kTimestampHeader),
                                     header(request, node::rpc::kSignatureHeader)};
  auto answer = server.answer_http(credentials, "POST /", request.body(), "fuzz");
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
  if (reply.is_array()) {
    fuzz::check(!reply.empty(), "an empty batch reply");
    for (const auto& entry : reply) check_reply(entry);
  } else {
    check_reply(reply);
  }
  return 0;
}
