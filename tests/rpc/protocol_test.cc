// JSON-RPC 2.0 conformance over HTTP against a live node: parse errors,
// invalid requests, unknown methods, invalid params, id echoing,
// notifications, batches, and the HTTP routes around them.
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;

namespace {

Json error_of(const HttpReply& reply) {
  INFO(reply.status << " " << reply.body);
  Json body = reply.json();
  REQUIRE(body.contains("error"));
  REQUIRE(body["jsonrpc"] == "2.0");
  return body;
}

}  // namespace

TEST_CASE("health, readiness, status and headers need no signature", "[rpc][protocol]") {
  LiveNode live;
  HttpReply health = http_request(live.rpc_port(), "GET", "/health");
  CHECK(health.status == 200);
  CHECK(health.json()["status"] == "ok");

  HttpReply ready = http_request(live.rpc_port(), "GET", "/readiness?maxBlocksBehind=0");
  CHECK(ready.status == 200);
  CHECK(ready.json()["ready"] == true);
  CHECK(ready.json()["blocksBehind"] == 0);
  HttpReply bad = http_request(live.rpc_port(), "GET", "/readiness?maxBlocksBehind=many");
  CHECK(bad.status == 400);

  Json status = live.call("chain_getStatus");
  REQUIRE(status.contains("result"));
  CHECK(status["result"]["chainId"] == live.chain_id());
  CHECK(status["result"]["validators"]["validators"].size() == 1);
  CHECK(status["result"]["suite"] == "p256-sha256");

  ledger::AssetRegisterPayload asset;
  asset.asset_id = "asset-h";
  asset.level = 1;
  live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, asset));
  Json header = live.call("chain_getHeader");
  REQUIRE(header.contains("result"));
  CHECK(header["result"]["height"].get<std::uint64_t>() >= 1);
  Json certificate = live.call("chain_getCertificate", {{"height", 1}});
  REQUIRE(certificate.contains("result"));
  CHECK(certificate["result"]["signatures"].size() == 1);

  CHECK(http_request(live.rpc_port(), "GET", "/").status == 405);
  CHECK(http_request(live.rpc_port(), "GET", "/nowhere").status == 404);
  CHECK(http_request(live.rpc_port(), "GET", "/ws").status == 426);
  CHECK(http_request(live.rpc_port(), "POST", "/health").status == 405);
}

TEST_CASE("parse errors and invalid requests follow JSON-RPC 2.0", "[rpc][protocol]") {
  LiveNode live;

  SECTION("invalid JSON is -32700 with id null") {
    for (std::string body :
         {"{\"jsonrpc\": \"2.0\", \"method\": \"foobar, \"params\": \"bar\", \"baz]", "[1,", "nul",
          "\xff\xfe", "{\"a\":\"\xc3\x28\"}"}) {
      Json error = error_of(live.post(body));
      CHECK(error["error"]["code"] == -32700);
      CHECK(error["id"].is_null());
    }
  }
  SECTION("deep nesting is a parse error, not a crash") {
    std::string deep(100'000, '[');
    Json error = error_of(live.post(deep));
    CHECK(error["error"]["code"] == -32700);
  }
  SECTION("anything but a Request object is -32600") {
    for (std::string body :
         {R"(1)", R"("text")", R"({"jsonrpc": "2.0", "method": 1, "params": "bar"})",
          R"({"method": "chain_getStatus", "id": 1})",
          R"({"jsonrpc": "1.0", "method": "chain_getStatus", "id": 1})",
          R"({"jsonrpc": "2.0", "id": 1})",
          R"({"jsonrpc": "2.0", "method": "chain_getStatus", "params": 3, "id": 1})"}) {
      INFO(body);
      Json error = error_of(live.post(body));
      CHECK(error["error"]["code"] == -32600);
    }
    Json bad_id =
        error_of(live.post(R"({"jsonrpc": "2.0", "method": "chain_getStatus", "id": {"a": 1}})"));
    CHECK(bad_id["error"]["code"] == -32600);
    CHECK(bad_id["id"].is_null());
    Json kept_id =
        error_of(live.post(R"({"jsonrpc": "1.0", "method": "chain_getStatus", "id": "k"})"));
    CHECK(kept_id["id"] == "k");
  }
  SECTION("an unknown method is -32601") {
    Json error = error_of(live.post(R"({"jsonrpc": "2.0", "method": "foobar", "id": "1"})"));
    CHECK(error["error"]["code"] == -32601);
    CHECK(error["id"] == "1");
  }
  SECTION("a body that is not declared JSON is refused") {
    HttpReply reply = live.post(R"({"jsonrpc": "2.0", "method": "chain_getStatus", "id": 1})", {},
                                {{"Content-Type", "text/plain"}});
    CHECK(reply.status == 415);
  }
}

TEST_CASE("ids are echoed exactly and notifications get no reply", "[rpc][protocol]") {
  LiveNode live;
  for (std::string id :
       {R"("abc")", R"("")", R"(7)", R"(-3)", R"(18446744073709551615)", R"(1.5)", R"(null)"}) {
    HttpReply reply =
        live.post(R"({"jsonrpc": "2.0", "method": "chain_getStatus", "id": )" + id + "}");
    INFO(id << " -> " << reply.body);
    REQUIRE(reply.status == 200);
    Json body = reply.json();
    CHECK(body["id"] == Json::parse(id));
    CHECK(body["id"].dump() == Json::parse(id).dump());
    CHECK(body.contains("result"));
  }
  HttpReply notification = live.post(R"({"jsonrpc": "2.0", "method": "chain_getStatus"})");
  CHECK(notification.status == 204);
  CHECK(notification.body.empty());
  // A notification that fails still gets no reply.
  HttpReply failing = live.post(R"({"jsonrpc": "2.0", "method": "nope", "params": [1]})");
  CHECK(failing.status == 204);
}

TEST_CASE("batches answer each entry and are bounded", "[rpc][protocol]") {
  LiveNode live([](node::NodeConfig& c) { c.rpc.max_batch = 5; });

  SECTION("an empty batch is one -32600") {
    Json error = error_of(live.post("[]"));
    CHECK(error["error"]["code"] == -32600);
  }
  SECTION("a batch of non-requests gets one error per entry") {
    HttpReply reply = live.post("[1,2,3]");
    Json body = reply.json();
    REQUIRE(body.is_array());
    REQUIRE(body.size() == 3);
    for (const Json& entry : body) CHECK(entry["error"]["code"] == -32600);
  }
  SECTION("the specification's mixed batch") {
    HttpReply reply = live.post(R"([
      {"jsonrpc": "2.0", "method": "chain_getStatus", "id": "1"},
      {"jsonrpc": "2.0", "method": "chain_getStatus"},
      {"jsonrpc": "2.0", "method": "tx_get", "params": {"hash": "zz"}, "id": "2"},
      {"foo": "boo"},
      {"jsonrpc": "2.0", "method": "foo.get", "params": {"name": "myself"}, "id": "5"}
    ])");
    Json body = reply.json();
    REQUIRE(body.is_array());
    REQUIRE(body.size() == 4);
    std::map<std::string, Json> by_id;
    int null_ids = 0;
    for (const Json& entry : body) {
      if (entry["id"].is_null()) {
        ++null_ids;
        CHECK(entry["error"]["code"] == -32600);
      } else {
        by_id[entry["id"].get<std::string>()] = entry;
      }
    }
    CHECK(null_ids == 1);
    CHECK(by_id["1"].contains("result"));
    // tx_get needs a signature before its params are looked at.
    CHECK(by_id["2"]["error"]["code"] == -32002);
    CHECK(by_id["5"]["error"]["code"] == -32601);
  }
  SECTION("a batch of notifications gets nothing back") {
    HttpReply reply = live.post(R"([{"jsonrpc": "2.0", "method": "chain_getStatus"},
                                    {"jsonrpc": "2.0", "method": "chain_getStatus"}])");
    CHECK(reply.status == 204);
    CHECK(reply.body.empty());
  }
  SECTION("a batch above the limit is refused as a whole") {
    Json batch = Json::array();
    for (int i = 0; i < 6; ++i) {
      batch.push_back({{"jsonrpc", "2.0"}, {"method", "chain_getStatus"}, {"id", i}});
    }
    Json error = error_of(live.post(batch.dump()));
    CHECK(error["error"]["code"] == -32006);
    CHECK(error["error"]["data"]["limit"] == 5);
  }
}

TEST_CASE("invalid params name the parameter and why", "[rpc][protocol]") {
  LiveNode live;
  auto expect_invalid = [&](const std::string& method, const Json& params, const std::string& param,
                            const std::optional<std::string>& as) {
    Json reply = live.call(method, params, as);
    INFO(method << " " << params.dump() << " -> " << reply.dump());
    REQUIRE(reply.contains("error"));
    CHECK(reply["error"]["code"] == -32602);
    CHECK(reply["error"]["data"]["param"] == param);
    CHECK(!reply["error"]["data"]["reason"].get<std::string>().empty());
    CHECK(reply["error"]["message"].get<std::string>().find(param) != std::string::npos);
  };
  const std::string auditor = "auditor-1";
  expect_invalid("tx_get", {{"hash", "xyz"}}, "hash", auditor);
  expect_invalid("tx_get", Json::object(), "hash", auditor);
  expect_invalid("tx_get", {{"hash", 5}}, "hash", auditor);
  expect_invalid("tx_get", {{"hash", std::string(64, '0')}, {"extra", 1}}, "extra", auditor);
  expect_invalid("tx_get", Json::array({std::string(64, '0'), 1}), "params", auditor);
  expect_invalid("chain_getHeader", {{"height", -1}}, "height", std::nullopt);
  expect_invalid("chain_getHeader", {{"height", "abc"}}, "height", std::nullopt);
  expect_invalid("chain_getHeader", {{"height", 1.5}}, "height", std::nullopt);
  expect_invalid("chain_getHeader", {{"height", 0}}, "height", std::nullopt);
  expect_invalid("trade_get", {{"tradeId", "Not An Id"}}, "tradeId", auditor);
  expect_invalid("trade_listByParticipant", {{"participant", "buyer-bank"}, {"limit", 0}}, "limit",
                 auditor);
  expect_invalid("tx_submit", {{"tx", "0g"}}, "tx", std::nullopt);
  expect_invalid("chain_getConsistencyProof", {{"fromSize", 0}}, "fromSize", std::nullopt);
  expect_invalid("chain_getConsistencyProof", {{"fromSize", 1}, {"toSize", 999}}, "toSize",
                 std::nullopt);

  // Positional params map onto the declared names.
  Json positional = live.call("chain_getHeader", Json::array({"99"}));
  CHECK(positional["error"]["code"] == -32001);
}

TEST_CASE("garbage never crashes or stalls the node", "[rpc][protocol][abuse]") {
  LiveNode live;
  std::mt19937_64 random(20260101);
  const std::vector<std::string> seeds = {
      R"({"jsonrpc":"2.0","method":"tx_submit","params":{"tx":"01"},"id":1})",
      R"([{"jsonrpc":"2.0","method":"chain_getHeader","params":[1],"id":2}])",
      R"({"jsonrpc":"2.0","method":"chain_getConsistencyProof","params":{"fromSize":1},"id":3})",
  };
  for (int i = 0; i < 200; ++i) {
    std::string body = seeds[i % seeds.size()];
    int edits = 1 + static_cast<int>(random() % 8);
    for (int e = 0; e < edits; ++e) {
      std::size_t at = random() % body.size();
      switch (random() % 3) {
        case 0:
          body[at] = static_cast<char>(random() % 256);
          break;
        case 1:
          body.erase(at, 1 + random() % 4);
          break;
        default:
          body.insert(at, 1, static_cast<char>(random() % 256));
          break;
      }
      if (body.empty()) body = "x";
    }
    HttpReply reply = live.post(body);
    CHECK((reply.status == 200 || reply.status == 204));
  }
  // Random transaction bytes are refused with the decoder's reason.
  for (int i = 0; i < 50; ++i) {
    Bytes junk(1 + random() % 300);
    for (auto& b : junk) b = static_cast<std::uint8_t>(random());
    Json reply = live.call("tx_submit", {{"tx", to_hex(junk)}});
    REQUIRE(reply.contains("error"));
    CHECK(reply["error"]["code"] == -32000);
  }
  CHECK(http_request(live.rpc_port(), "GET", "/health").status == 200);
  CHECK(live.call("chain_getStatus").contains("result"));
}
