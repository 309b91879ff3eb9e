// The P2P transport in one process: real TLS connections on loopback between
// PeerNetworks with certificates from a test CA.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <catch2/catch.hpp>
#include <condition_variable>
#include <fstream>
#include <future>
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
  // Keys are refused unless they are their owner's alone.
  std::filesystem::permissions(path, std::filesystem::perms::owner_read |
                                         std::filesystem::perms::owner_write);
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
  int disconnects = 0;
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
      ++disconnects;
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

namespace {

// A client with a valid certificate that completes TLS and its hello, then
// neither reads nor writes: a paused machine or a pulled cable, as the node
// sees it.
struct SilentPeer {
  asio::ssl::stream<asio::ip::tcp::socket> stream;

  SilentPeer(asio::io_context& io, asio::ssl::context& tls, std::uint16_t port,
             const std::string& id)
      : stream(asio::ip::tcp::socket(io), tls) {
    asio::ip::tcp::resolver resolver(io);
    asio::connect(stream.lowest_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    stream.handshake(asio::ssl::stream_base::client);
    asio::write(stream, asio::buffer(encode_frame(Hello{kProtocolVersion, "tracechain-test",
                                                        identity(id).genesis_hash, id, 1})));
  }
};

// Accepts TCP connections on a strand and counts them, answering TLS with
// `tls` (a certificate the dialler must refuse).
struct CountingListener {
  asio::ip::tcp::acceptor acceptor;
  std::shared_ptr<asio::ssl::context> tls;
  std::atomic<int> accepted{0};

  CountingListener(asio::io_context& io, std::shared_ptr<asio::ssl::context> context)
      : acceptor(asio::make_strand(io), {asio::ip::make_address("127.0.0.1"), 0}),
        tls(std::move(context)) {
    accept();
  }

  std::uint16_t port() const { return acceptor.local_endpoint().port(); }

  void accept() {
    acceptor.async_accept([this](boost::system::error_code ec, asio::ip::tcp::socket socket) {
      if (ec) return;
      ++accepted;
      auto stream = std::make_shared<asio::ssl::stream<asio::ip::tcp::socket>>(std::move(socket),
                                                                               *tls);
      stream->async_handshake(asio::ssl::stream_base::server,
                              [stream](boost::system::error_code) {});
      accept();
    });
  }

  // Closes the acceptor on its strand and waits until it is closed.
  void close() {
    std::promise<void> done;
    asio::post(acceptor.get_executor(), [&] {
      acceptor.close();
      done.set_value();
    });
    done.get_future().wait();
  }
};

}  // namespace

TEST_CASE("a silent peer is disconnected after peer_timeout_ms, a quiet one is kept",
          "[node][p2p]") {
  test::TempDir dir;
  Pki pki;
  Observer a_seen, b_seen;  // before the runner: callbacks may run until its threads stop
  Runner runner;
  NodeConfig a_config = pki.home(dir.path(), "node-a");
  a_config.p2p.peer_timeout_ms = 1000;
  auto a = start(runner, a_config, a_seen);

  // A healthy peer that has nothing to say: keepalives keep it connected.
  NodeConfig b_config = pki.home(dir.path(), "node-b");
  b_config.p2p.peer_timeout_ms = 1000;
  b_config.p2p.peers = {{"node-a", a->listen_endpoint()}};
  auto b = start(runner, b_config, b_seen);
  REQUIRE(a_seen.wait_for([](Observer& o) { return o.connected.count("node-b") == 1; }));

  NodeConfig s_config = pki.home(dir.path(), "node-s");
  auto tls = make_tls_context(s_config);
  REQUIRE(tls.ok());
  SilentPeer silent(runner.io, **tls, a->listen_endpoint().port, "node-s");
  REQUIRE(a_seen.wait_for([](Observer& o) { return o.connected.count("node-s") == 1; }));
  auto admitted = std::chrono::steady_clock::now();
  REQUIRE(a_seen.wait_for([](Observer& o) { return o.connected.count("node-s") == 0; }, 3));
  auto silent_for = std::chrono::steady_clock::now() - admitted;
  CHECK(silent_for >= std::chrono::milliseconds(900));
  CHECK(silent_for <= std::chrono::milliseconds(1500));

  // Idle for three timeouts in all, b was never dropped, and no keepalive
  // reached on_message.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  std::lock_guard lock(a_seen.mutex);
  CHECK(a_seen.connected == std::set<std::string>{"node-b"});
  CHECK(a_seen.disconnects == 1);  // node-s only
  CHECK(a_seen.messages.empty());
}

TEST_CASE("a dial that fails in TLS is redialled until the right peer answers", "[node][p2p]") {
  test::TempDir dir;
  Pki pki;
  Pki rogue;
  Observer a_seen, b_seen;  // before the runner: callbacks may run until its threads stop
  Runner runner;
  // Something at node-a's address presents a certificate of another CA.
  auto rogue_tls = make_tls_context(pki.home(dir.path() / "rogue", "node-a", &rogue));
  REQUIRE(rogue_tls.ok());
  CountingListener listener(runner.io, *rogue_tls);
  std::uint16_t port = listener.port();

  NodeConfig b_config = pki.home(dir.path(), "node-b");
  b_config.p2p.peers = {{"node-a", {"127.0.0.1", port}}};
  auto b = start(runner, b_config, b_seen);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (listener.accepted < 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(listener.accepted >= 4);  // backoff 50, 100, 200, 200 ms
  listener.close();

  // The real node-a takes over the address; b's next redial reaches it.
  NodeConfig a_config = pki.home(dir.path(), "node-a");
  a_config.p2p.listen = {"127.0.0.1", port};
  auto a = start(runner, a_config, a_seen);
  REQUIRE(b_seen.wait_for([](Observer& o) { return o.connected.count("node-a") == 1; }, 5));
}

TEST_CASE("a flood of TCP connects from one address does not lock out a real peer",
          "[node][p2p]") {
  test::TempDir dir;
  Pki pki;
  Observer a_seen, g_seen;            // before the runner: callbacks may run until its
  std::atomic<int> closed_by_node{0};  // threads stop
  Runner runner;
  NodeConfig a_config = pki.home(dir.path(), "node-a");
  a_config.p2p.max_peers = 1;
  a_config.p2p.max_handshakes_per_address = 8;
  a_config.p2p.handshake_timeout_ms = 5000;  // the flood outlives the test
  auto a = start(runner, a_config, a_seen);

  // 40 bare TCP connections from 127.0.0.2 that never start TLS.
  asio::ip::tcp::endpoint target(asio::ip::make_address("127.0.0.1"), a->listen_endpoint().port);
  std::vector<std::unique_ptr<asio::ip::tcp::socket>> flood;
  std::array<char, 16> sink{};
  for (int i = 0; i < 40; ++i) {
    auto socket = std::make_unique<asio::ip::tcp::socket>(runner.io);
    socket->open(asio::ip::tcp::v4());
    socket->bind({asio::ip::make_address("127.0.0.2"), 0});
    socket->connect(target);
    socket->async_read_some(asio::buffer(sink), [&](boost::system::error_code ec, std::size_t) {
      if (ec) ++closed_by_node;
    });
    flood.push_back(std::move(socket));
  }
  // All beyond the per-address cap are closed at once, long before the
  // handshake timeout.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (closed_by_node < 32 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(closed_by_node == 32);

  // A real peer still gets in, though max_peers is 1 and 8 handshakes hang.
  NodeConfig g_config = pki.home(dir.path(), "node-g");
  g_config.p2p.peers = {{"node-a", a->listen_endpoint()}};
  auto g = start(runner, g_config, g_seen);
  REQUIRE(a_seen.wait_for([](Observer& o) { return o.connected.count("node-g") == 1; }, 3));
  CHECK(closed_by_node == 32);  // the 8 in handshake are still waiting for their timeout
  for (auto& socket : flood) {
    boost::system::error_code ignored;
    socket->close(ignored);
  }
}

TEST_CASE("the refusal log limiter writes a few lines per kind and summarises the rest",
          "[node][p2p]") {
  using namespace std::chrono_literals;
  using log::LogRateLimiter;
  LogRateLimiter limiter(3, 1s);
  auto t0 = LogRateLimiter::Clock::time_point{} + 100s;
  int written = 0;
  for (int i = 0; i < 10; ++i) {
    auto verdict = limiter.admit("in TLS", t0 + std::chrono::milliseconds(i));
    written += verdict.write;
    CHECK(verdict.held_back == 0);
  }
  CHECK(written == 3);
  CHECK(limiter.admit("max_peers", t0).write);  // another kind has its own budget
  CHECK(limiter.holding_back());
  CHECK(limiter.take_summaries(t0 + 500ms).empty());  // the window is still open
  auto summaries = limiter.take_summaries(t0 + 1s);
  REQUIRE(summaries.size() == 1);
  CHECK(summaries[0] == std::pair<std::string, std::uint64_t>{"in TLS", 7});
  CHECK_FALSE(limiter.holding_back());
  CHECK(limiter.take_summaries(t0 + 2s).empty());  // reported once

  // A new window opens with the next line; what it holds back is reported
  // by the line that opens the window after it when no summary came first.
  auto t1 = t0 + 1500ms;
  for (int i = 0; i < 5; ++i) CHECK(limiter.admit("in TLS", t1).write == (i < 3));
  auto verdict = limiter.admit("in TLS", t1 + 1s);
  CHECK(verdict.write);
  CHECK(verdict.held_back == 2);
  CHECK_FALSE(limiter.holding_back());
}

TEST_CASE("keepalive frames have their own type and are not messages", "[node][p2p]") {
  Bytes frame = encode_frame(Keepalive{});
  CHECK(frame == Bytes{1, 0, 0, 0, static_cast<std::uint8_t>(MessageType::kKeepalive)});
  ByteView payload = ByteView(frame).subspan(kFrameHeaderSize);
  CHECK(is_keepalive(payload));
  CHECK(decode_keepalive(payload).ok());
  CHECK_FALSE(decode_payload(payload).ok());
  CHECK_FALSE(decode_keepalive(Bytes{9, 0}).ok());  // trailing bytes
  CHECK_FALSE(is_keepalive(Bytes{}));
  CHECK_FALSE(is_keepalive(ByteView(encode_frame(StatusMessage{1})).subspan(kFrameHeaderSize)));
}

TEST_CASE("p2p liveness and handshake limits are validated", "[node][p2p][config]") {
  auto parse = [](const std::string& p2p) {
    return parse_config("[node]\nid = 'n'\n[p2p]\n" + p2p, "node.toml", "/tmp/home");
  };
  auto defaults = parse("");
  REQUIRE(defaults.ok());
  CHECK(defaults->p2p.peer_timeout_ms == 5000);
  CHECK(defaults->p2p.max_handshakes == 64);
  CHECK(defaults->p2p.max_handshakes_per_address == 8);
  CHECK_FALSE(parse("peer_timeout_ms = 999\n").ok());
  CHECK_FALSE(parse("max_handshakes = 0\n").ok());
  CHECK_FALSE(parse("max_handshakes_per_address = 0\n").ok());
  CHECK_FALSE(parse("max_handshakes = 4\nmax_handshakes_per_address = 5\n").ok());
  CHECK(parse("peer_timeout_ms = 1000\nmax_handshakes = 4\nmax_handshakes_per_address = 4\n").ok());
}
