// Abuse limits over real sockets: body and header size, request rate,
// connection count, slow and idle clients; CORS; the metrics port.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>
#include <random>
#include <thread>

#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// A connection from `source`: any 127.x.y.z address is this machine's, so a
// test can play several client addresses.
tcp::socket connect(asio::io_context& io, std::uint16_t port,
                    const std::string& source = "127.0.0.1") {
  tcp::socket socket(io);
  socket.open(tcp::v4());
  socket.bind(tcp::endpoint(asio::ip::make_address(source), 0));
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  return socket;
}

// GET /health on an open connection; the status line's code, 0 if none came.
unsigned health_on(tcp::socket& socket) {
  asio::write(socket, asio::buffer(std::string("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string reply;
  char buffer[1024];
  boost::system::error_code ec;
  while (reply.find("\r\n\r\n") == std::string::npos && !ec) {
    std::size_t n = socket.read_some(asio::buffer(buffer), ec);
    reply.append(buffer, n);
  }
  if (reply.rfind("HTTP/1.1 ", 0) != 0) return 0;
  return static_cast<unsigned>(std::stoul(reply.substr(9, 3)));
}

// Reads until the peer closes or `timeout` passes; returns what arrived and
// whether the peer closed.
std::pair<std::string, bool> read_until_closed(tcp::socket& socket,
                                               std::chrono::milliseconds timeout) {
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  socket.non_blocking(true);
  char buffer[4096];
  while (std::chrono::steady_clock::now() < deadline) {
    boost::system::error_code ec;
    std::size_t n = socket.read_some(asio::buffer(buffer), ec);
    if (ec == asio::error::would_block) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (ec) return {out, true};
    out.append(buffer, n);
  }
  return {out, false};
}

}  // namespace

TEST_CASE("a body above the limit is refused with 413 before it is read", "[rpc][limits]") {
  LiveNode live([](node::NodeConfig& c) { c.rpc.max_body_bytes = 4096; });
  asio::io_context io;
  tcp::socket socket = connect(io, live.rpc_port());
  std::string head =
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
      "100000\r\n\r\n";
  asio::write(socket, asio::buffer(head));
  auto [reply, closed] = read_until_closed(socket, std::chrono::seconds(5));
  CHECK(reply.rfind("HTTP/1.1 413", 0) == 0);
  CHECK(reply.find("-32006") != std::string::npos);
  CHECK(closed);

  // Just under the limit is fine.
  std::string padded = R"({"jsonrpc":"2.0","method":"chain_getStatus","id":1,"pad":")" +
                       std::string(3000, 'x') + "\"}";
  CHECK(live.post(padded).status == 200);
}

TEST_CASE("an oversized header block is refused with 431", "[rpc][limits]") {
  LiveNode live([](node::NodeConfig& c) { c.rpc.max_header_bytes = 2048; });
  HttpReply reply =
      http_request(live.rpc_port(), "GET", "/health", {}, {{"X-Padding", std::string(4096, 'a')}});
  CHECK(reply.status == 431);
}

TEST_CASE("the per-client rate limit answers 429 and recovers", "[rpc][limits]") {
  LiveNode live([](node::NodeConfig& c) {
    c.rpc.rate_per_second = 5;
    c.rpc.rate_burst = 5;
  });
  const std::string body = R"({"jsonrpc":"2.0","method":"chain_getStatus","id":1})";
  int refused = 0;
  for (int i = 0; i < 10; ++i) {
    HttpReply reply = live.post(body);
    if (reply.status == 429) {
      ++refused;
      CHECK(reply.json()["error"]["code"] == -32005);
      CHECK(reply.headers.count("retry-after") == 1);
    }
  }
  CHECK(refused >= 4);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  CHECK(live.post(body).status == 200);

  // A batch counts as many requests as it holds.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  Json batch = Json::array();
  for (int i = 0; i < 8; ++i) {
    batch.push_back({{"jsonrpc", "2.0"}, {"method", "chain_getStatus"}, {"id", i}});
  }
  HttpReply big = live.post(batch.dump());
  CHECK(big.status == 429);
}

TEST_CASE("connections beyond the limit are closed at once", "[rpc][limits]") {
  LiveNode live([](node::NodeConfig& c) { c.rpc.max_connections = 3; });
  asio::io_context io;
  std::vector<tcp::socket> held;
  for (int i = 0; i < 3; ++i) held.push_back(connect(io, live.rpc_port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  tcp::socket extra = connect(io, live.rpc_port());
  auto [data, closed] = read_until_closed(extra, std::chrono::seconds(3));
  CHECK(data.empty());
  CHECK(closed);
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(http_request(live.rpc_port(), "GET", "/health").status == 200);
  HttpReply metrics = http_request(live.metrics_port(), "GET", "/metrics");
  CHECK(metrics.body.find("tracechain_rpc_connections_refused_total 1") != std::string::npos);
}

TEST_CASE("one client address cannot take every connection slot", "[rpc][limits]") {
  LiveNode live([](node::NodeConfig& c) {
    c.rpc.max_connections = 8;
    c.rpc.max_connections_per_address = 3;
  });
  asio::io_context io;
  std::vector<tcp::socket> held;
  for (int i = 0; i < 3; ++i) held.push_back(connect(io, live.rpc_port(), "127.0.0.1"));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // A fourth from the same address is closed at once...
  tcp::socket extra = connect(io, live.rpc_port(), "127.0.0.1");
  auto [data, closed] = read_until_closed(extra, std::chrono::seconds(3));
  CHECK(data.empty());
  CHECK(closed);
  // ...while another address is served.
  tcp::socket other = connect(io, live.rpc_port(), "127.0.0.2");
  CHECK(health_on(other) == 200);
  // A slot given back can be taken again.
  held.pop_back();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  tcp::socket again = connect(io, live.rpc_port(), "127.0.0.1");
  CHECK(health_on(again) == 200);
}

TEST_CASE("the metrics port caps its connections and serves the RPC no less",
          "[rpc][limits][metrics]") {
  LiveNode live([](node::NodeConfig& c) { c.rpc.metrics_max_connections = 3; });
  asio::io_context io;
  std::vector<tcp::socket> held;
  for (int i = 0; i < 3; ++i) held.push_back(connect(io, live.metrics_port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  tcp::socket extra = connect(io, live.metrics_port());
  auto [data, closed] = read_until_closed(extra, std::chrono::seconds(2));
  CHECK(data.empty());
  CHECK(closed);
  CHECK(http_request(live.rpc_port(), "GET", "/health").status == 200);
  held.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(http_request(live.metrics_port(), "GET", "/metrics").status == 200);
}

TEST_CASE("a header trickled byte by byte is cut at the header deadline, not the idle timeout",
          "[rpc][limits]") {
  LiveNode live([](node::NodeConfig& c) {
    c.rpc.idle_timeout_ms = 30'000;
    c.rpc.header_timeout_ms = 500;
  });
  for (std::uint16_t port : {live.rpc_port(), live.metrics_port()}) {
    asio::io_context io;
    tcp::socket socket = connect(io, port);
    const std::string header = "GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: " +
                               std::string(200, 'a') + "\r\n\r\n";
    auto start = std::chrono::steady_clock::now();
    boost::system::error_code ec;
    for (char c : header) {
      asio::write(socket, asio::buffer(&c, 1), ec);
      if (ec) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (std::chrono::steady_clock::now() - start > std::chrono::seconds(5)) break;
    }
    auto [data, closed] = read_until_closed(socket, std::chrono::seconds(2));
    INFO("port " << port);
    CHECK(ec);  // the node closed the connection before the header was done
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  }
}

TEST_CASE("slow and idle clients are disconnected", "[rpc][limits]") {
  LiveNode live([](node::NodeConfig& c) {
    c.rpc.idle_timeout_ms = 300;
    c.rpc.header_timeout_ms = 300;
    c.rpc.request_timeout_ms = 300;
  });
  asio::io_context io;
  SECTION("idle after connecting") {
    tcp::socket socket = connect(io, live.rpc_port());
    auto [data, closed] = read_until_closed(socket, std::chrono::seconds(3));
    CHECK(closed);
  }
  SECTION("a header that never ends") {
    tcp::socket socket = connect(io, live.rpc_port());
    asio::write(socket, asio::buffer(std::string("POST / HTTP/1.1\r\nHost: x\r\n")));
    auto [data, closed] = read_until_closed(socket, std::chrono::seconds(3));
    CHECK(closed);
  }
  SECTION("a body that never arrives") {
    tcp::socket socket = connect(io, live.rpc_port());
    asio::write(socket, asio::buffer(std::string(
                            "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                            "Content-Length: 50\r\n\r\n{\"jsonrpc\"")));
    auto [data, closed] = read_until_closed(socket, std::chrono::seconds(3));
    CHECK(closed);
  }
  CHECK(http_request(live.rpc_port(), "GET", "/health").status == 200);
}

TEST_CASE("CORS: preflight and allowed origins", "[rpc][cors]") {
  LiveNode live([](node::NodeConfig& c) { c.rpc.cors_origins = {"https://exchange.example"}; });
  HttpReply preflight = http_request(
      live.rpc_port(), "OPTIONS", "/", {},
      {{"Origin", "https://exchange.example"}, {"Access-Control-Request-Method", "POST"}});
  CHECK(preflight.status == 204);
  CHECK(preflight.headers["access-control-allow-origin"] == "https://exchange.example");
  CHECK(preflight.headers["access-control-allow-headers"].find("X-Tracechain-Signature") !=
        std::string::npos);

  HttpReply other =
      http_request(live.rpc_port(), "OPTIONS", "/", {}, {{"Origin", "https://evil.example"}});
  CHECK(other.status == 403);

  HttpReply call = live.post(R"({"jsonrpc":"2.0","method":"chain_getStatus","id":1})", {},
                             {{"Origin", "https://exchange.example"}});
  CHECK(call.headers["access-control-allow-origin"] == "https://exchange.example");
  HttpReply foreign = live.post(R"({"jsonrpc":"2.0","method":"chain_getStatus","id":1})", {},
                                {{"Origin", "https://evil.example"}});
  CHECK(foreign.headers.count("access-control-allow-origin") == 0);
}

TEST_CASE("metrics: chain, mempool and RPC figures in Prometheus text", "[rpc][metrics]") {
  LiveNode live;
  ledger::AssetRegisterPayload asset;
  asset.asset_id = "asset-x";
  live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, asset));
  live.call("nope");
  live.call("tx_submit", {{"tx", "00"}});
  HttpReply metrics = http_request(live.metrics_port(), "GET", "/metrics");
  REQUIRE(metrics.status == 200);
  CHECK(metrics.headers["content-type"].rfind("text/plain", 0) == 0);
  for (const char* line :
       {"tracechain_height ", "tracechain_peers 0", "tracechain_mempool_transactions ",
        "tracechain_mempool_bytes ", "tracechain_committed_transactions_total ",
        "tracechain_rpc_requests_total{method=\"tx_submit\",outcome=\"ok\"} 1",
        "tracechain_rpc_requests_total{method=\"unknown\",outcome=\"method_not_found\"} 1",
        "tracechain_rpc_submissions_rejected_total{reason=\"invalid\"} 1"}) {
    INFO(line);
    CHECK(metrics.body.find(line) != std::string::npos);
  }
  CHECK(http_request(live.metrics_port(), "GET", "/").status == 404);
  // The RPC port does not serve metrics.
  CHECK(http_request(live.rpc_port(), "GET", "/metrics").status == 404);
}

TEST_CASE("garbage on the socket gets a 400 or a closed connection, never a stall",
          "[rpc][limits][abuse]") {
  LiveNode live([](node::NodeConfig& c) { c.rpc.idle_timeout_ms = 500; });
  std::mt19937_64 random(7);
  const std::vector<std::string> prefixes = {"", "POST / HTTP/1.1\r\n", "GET /ws HTTP/1.1\r\n",
                                             "POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n"};
  asio::io_context io;
  for (int i = 0; i < 24; ++i) {
    std::string junk = prefixes[i % prefixes.size()];
    std::size_t length = 1 + random() % 512;
    for (std::size_t b = 0; b < length; ++b) junk += static_cast<char>(random() % 256);
    tcp::socket socket = connect(io, live.rpc_port());
    boost::system::error_code ignored;
    asio::write(socket, asio::buffer(junk), ignored);
    auto [reply, closed] = read_until_closed(socket, std::chrono::seconds(3));
    INFO(i << ": " << reply.substr(0, 80));
    CHECK(closed);
    CHECK((reply.empty() || reply.rfind("HTTP/1.1 4", 0) == 0 || reply.rfind("HTTP/1.1 2", 0) == 0));
  }
  WsClient ws(live.rpc_port());
  for (int i = 0; i < 20; ++i) {
    std::string junk;
    // Printable: a text frame that is not UTF-8 is the WebSocket layer's
    // business (it closes the connection), not JSON-RPC's.
    for (int b = 0; b < 64; ++b) junk += static_cast<char>(' ' + random() % 95);
    ws.send(junk);
    auto reply = ws.receive(std::chrono::seconds(5));
    REQUIRE(reply.has_value());
    CHECK(Json::parse(*reply)["error"]["code"] == -32700);
  }
  CHECK(http_request(live.rpc_port(), "GET", "/health").status == 200);
}
