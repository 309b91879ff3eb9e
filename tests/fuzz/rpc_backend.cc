#include "tests/fuzz/rpc_backend.h"

#include "ledger/execution.h"
#include "storage/memory_kv.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/fuzz_chain.h"

namespace tracechain::fuzz {

namespace {

// A node as the RPC sees it: the fixed chain's genesis in an in-memory
// store; a submission is decided by the ledger's authentication, at once.
class FuzzBackend final : public node::rpc::Backend {
 public:
  FuzzBackend() {
    auto store = storage::open_block_store(std::make_shared<storage::MemoryKv>(),
                                           fuzz_chain().genesis);
    if (!store) fail("cannot open an in-memory block store: " + store.error().message());
    store_ = std::move(*store);
  }

  node::NodeStatus status() const override {
    node::NodeStatus s;
    s.node_id = validator_id(0);
    s.chain_id = fuzz_chain().genesis.chain_id;
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

}  // namespace

node::rpc::ServerContext& rpc_context() {
  static auto* server = new node::rpc::ServerContext(std::make_unique<FuzzBackend>(), config());
  return *server;
}

void check_json_rpc_reply(const nlohmann::json& reply) {
  auto one = [](const nlohmann::json& r) {
    check(r.is_object(), "a reply is not a JSON object");
    check(r.value("jsonrpc", "") == "2.0", "a reply lacks \"jsonrpc\": \"2.0\"");
    check(r.contains("result") != r.contains("error"),
          "a reply has both or neither of result and error");
  };
  if (!reply.is_array()) return one(reply);
  check(!reply.empty(), "an empty batch reply");
  for (const auto& entry : reply) one(entry);
}

}  // namespace tracechain::fuzz
