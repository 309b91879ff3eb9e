// The P2P transport in one process: real TLS connections on loopback between
// PeerNetworks with certificates from a test CA.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <fstream>
#include <set>
#include <thread>

#include "crypto/x509.h"
#include "node/p2p.h"
#include "tests/support/temp_dir.h"

using namespace tracechain;
using namespace tracechain::node;
namespace asio = boost::asio;

namespace {

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

struct Pki {
  crypto::PrivateKey ca_key = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  std::string ca = *crypto::create_ca_certificate(ca_key, "test CA", 30);

  // A home with TLS material for `id` issued by this CA (or by `other`).
  NodeConfig home(const std::filesystem::path& dir, const std::string& id,
                  const Pki* issuer = nullptr) const {
    const Pki& by = issuer ? *issuer : *this;
    NodeConfig config;
    config.home = dir / id;
    config.node.id = id;
    config.p2p.listen = {"127.0.0.1", 0};
    config.p2p.reconnect_min_ms = 50;
    config.p2p.reconnect_max_ms = 200;
    config.p2p.handshake_timeout_ms = 2000;
    auto key = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
    write(config.ca_file(), ca);  // trusts this CA whoever issued its own certificate
    write(config.tls_certificate_file(),
          *crypto::issue_node_certificate(by.ca_key, by.ca, key.public_key(), id, 30));
    write(config.tls_key_file(), key.to_pem());
    return config;
  }
};

// Records what a network's callbacks saw; waits for conditions with a bound.
struct Observer {
  std::mutex mutex;
  std::condition_variable changed;
  std::set<std::string> connected;
  std::vector<std::pair<std::string, WireMessage>> messages;
  std::function<bool(const std::string&)> accept = [](const std::string&) { return true; };

  P2pCallbacks callbacks() {
    P2pCallbacks c;
    c.accept_peer = [this](const std::string& id) { return accept(id); };
    c.on_message = [this](const std::string& peer, const WireMessage& m, const Digest&) {
      std::lock_guard lock(mutex);
      messages.emplace_back(peer, m);
      changed.notify_all();
    };
    c.on_connected = [this](const std::string& peer) {
      std::lock_guard lock(mutex);
      connected.insert(peer);
      changed.notify_all();
    };
    c.on_disconnected = [this](const std::string& peer) {
      std::lock_guard lock(mutex);
      connected.erase(peer);
      changed.notify_all();
    };
    c.height = [] { return std::uint64_t{7}; };
    return c;
  }

  template <typename Predicate>
  bool wait_for(Predicate predicate, int seconds = 10) {
    std::unique_lock lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(seconds), [&] { return predicate(*this); });
  }
};

struct Runner {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::vector<std::thread> threads;
  Runner() {
    for (int i = 0; i < 2; ++i) threads.emplace_back([this] { io.run(); });
  }
  ~Runner() {
    work.reset();
    io.stop();
    for (auto& t : threads) t.join();
  }
};

PeerIdentity identity(const std::string& id, const std::string& chain = "tracechain-test") {
  return PeerIdentity{chain, crypto::hash(crypto::HashAlgorithm::kSha256, as_bytes("genesis")), id};
}

std::unique_ptr<PeerNetwork> start(Runner& runner, NodeConfig config, Observer& observer,
                                   const std::string& chain = "tracechain-test") {
  auto tls = make_tls_context(config);
  REQUIRE(tls.ok());
  auto network = std::make_unique<PeerNetwork>(runner.io, *tls, config, identity(config.node.id, chain),
                                               observer.callbacks());
  REQUIRE(network->start().ok());
  return network;
}

}  // namespace

TEST_CASE("peers connect over mutual TLS and gossip each message once", "[node][p2p]") {
  test::TempDir dir;
  Pki pki;
  Observer a_seen, b_seen;  // before the runner: callbacks may run until its threads stop
  Runner runner;
  auto a = start(runner, pki.home(dir.path(), "node-a"), a_seen);
  NodeConfig b_config = pki.home(dir.path(), "node-b");
  b_config.p2p.peers = {{"node-a", a->listen_endpoint()}};
  auto b = start(runner, b_config, b_seen);

  REQUIRE(a_seen.wait_for([](Observer& o) { return o.connected.count("node-b") == 1; }));
  REQUIRE(b_seen.wait_for([](Observer& o) { return o.connected.count("node-a") == 1; }));
  CHECK(a->connected_peers() == std::vector<std::string>{"node-b"});

  StatusMessage status{42};
  Digest id = PeerNetwork::message_id(status);
  b->broadcast(status, id);
  b->broadcast(status, id);  // the same message again: a knows it already
  REQUIRE(a_seen.wait_for([](Observer& o) { return !o.messages.empty(); }));
  a->broadcast(StatusMessage{1}, PeerNetwork::message_id(StatusMessage{1}), "node-b");  // excluded
  CHECK(b->send("node-a", StatusMessage{43}));
  REQUIRE(a_seen.wait_for([](Observer& o) { return o.messages.size() >= 2; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  {
    std::lock_guard lock(a_seen.mutex);
    REQUIRE(a_seen.messages.size() == 2);
    CHECK(a_seen.messages[0].first == "node-b");
    CHECK(std::get<StatusMessage>(a_seen.messages[0].second).height == 42);
    CHECK(std::get<StatusMessage>(a_seen.messages[1].second).height == 43);
  }
  {
    std::lock_guard lock(b_seen.mutex);
    CHECK(b_seen.messages.empty());
  }
  CHECK_FALSE(b->send("nobody", StatusMessage{1}));

  // A dropped peer is redialled.
  a.reset();
  REQUIRE(b_seen.wait_for([](Observer& o) { return o.connected.empty(); }));
}

TEST_CASE("peers with certificates of another CA, unknown ids or another chain are refused",
          "[node][p2p]") {
  test::TempDir dir;
  Pki pki;
  Pki rogue;
  // Before the runner: callbacks may run until its threads stop.
  Observer a_seen, rogue_seen, stranger_seen, fork_seen, good_seen;
  Runner runner;
  a_seen.accept = [](const std::string& id) { return id != "stranger"; };
  auto a = start(runner, pki.home(dir.path(), "node-a"), a_seen);

  NodeConfig rogue_config = pki.home(dir.path(), "node-r", &rogue);
  rogue_config.p2p.peers = {{"node-a", a->listen_endpoint()}};
  auto r = start(runner, rogue_config, rogue_seen);

  NodeConfig stranger_config = pki.home(dir.path(), "stranger");
  stranger_config.p2p.peers = {{"node-a", a->listen_endpoint()}};
  auto s = start(runner, stranger_config, stranger_seen);

  NodeConfig fork_config = pki.home(dir.path(), "node-f");
  fork_config.p2p.peers = {{"node-a", a->listen_endpoint()}};
  auto f = start(runner, fork_config, fork_seen, "another-chain");

  // A control peer that should get in, to know the others had their chance.
  NodeConfig good_config = pki.home(dir.path(), "node-g");
  good_config.p2p.peers = {{"node-a", a->listen_endpoint()}};
  auto g = start(runner, good_config, good_seen);
  REQUIRE(a_seen.wait_for([](Observer& o) { return o.connected.count("node-g") == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::lock_guard lock(a_seen.mutex);
  CHECK(a_seen.connected == std::set<std::string>{"node-g"});
  CHECK(a->connected_peers() == std::vector<std::string>{"node-g"});
}

TEST_CASE("garbage from an authenticated peer closes only that connection", "[node][p2p]") {
  test::TempDir dir;
  Pki pki;
  Observer a_seen, good_seen;  // before the runner: callbacks may run until its threads stop
  Runner runner;
  NodeConfig a_config = pki.home(dir.path(), "node-a");
  a_config.p2p.max_frame_bytes = 4096;
  auto a = start(runner, a_config, a_seen);

  // A raw TLS client with a valid certificate that speaks nonsense.
  NodeConfig bad = pki.home(dir.path(), "node-bad");
  auto tls = make_tls_context(bad);
  REQUIRE(tls.ok());
  for (Bytes garbage : {Bytes{0xff, 0xff, 0xff, 0x7f, 1, 2, 3},            // 2 GB frame
                        Bytes{5, 0, 0, 0, 0x63, 1, 2, 3, 4},               // unknown type
                        Bytes{2, 0, 0, 0, static_cast<std::uint8_t>(MessageType::kStatus), 1}}) {
    asio::ip::tcp::socket socket(runner.io);
    asio::ip::tcp::resolver resolver(runner.io);
    asio::connect(socket, resolver.resolve("127.0.0.1", std::to_string(a->listen_endpoint().port)));
    asio::ssl::stream<asio::ip::tcp::socket> stream(std::move(socket), **tls);
    stream.handshake(asio::ssl::stream_base::client);
    boost::system::error_code ec;
    asio::write(stream, asio::buffer(garbage), ec);
    // The node answers with its hello and then closes on the garbage.
    std::array<char, 4096> buffer{};
    std::size_t total = 0;
    for (int i = 0; i < 20 && !ec; ++i) total += stream.read_some(asio::buffer(buffer), ec);
    CHECK(ec);  // closed by the node
  }
  // The node is unharmed: a proper peer still connects and talks.
  NodeConfig good_config = pki.home(dir.path(), "node-g");
  good_config.p2p.peers = {{"node-a", a->listen_endpoint()}};
  auto g = start(runner, good_config, good_seen);
  REQUIRE(a_seen.wait_for([](Observer& o) { return o.connected.count("node-g") == 1; }));
  // Both ends must have admitted the connection before g can send on it.
  REQUIRE(good_seen.wait_for([](Observer& o) { return o.connected.count("node-a") == 1; }));
  g->broadcast(StatusMessage{5}, PeerNetwork::message_id(StatusMessage{5}));
  REQUIRE(a_seen.wait_for([](Observer& o) { return o.messages.size() == 1; }));
  std::lock_guard lock(a_seen.mutex);
  CHECK(a_seen.connected.count("node-bad") == 0);
}
