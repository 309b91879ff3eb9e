// tracectl's client over https: a node is reached through a TLS terminator
// (as a consortium puts one in front of a node's plain RPC port), the
// terminator's certificate checked against the consortium CA and the URL's
// host name; a certificate the client cannot trust is refused.
#include <catch2/catch.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <fstream>
#include <sstream>
#include <thread>

#include "cli/query.h"
#include "cli/remote.h"
#include "crypto/x509.h"
#include "node/rpc/client.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using test::LiveNode;

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// Copies one direction of a connection until either side closes it.
template <typename From, typename To>
void pump(std::shared_ptr<void> owner, From& from, To& to, std::array<char, 16384>& buffer) {
  from.async_read_some(asio::buffer(buffer), [owner, &from, &to, &buffer](
                                                   boost::system::error_code ec, std::size_t n) {
    if (ec) {  // one side closed: close the other (one thread runs every handler)
      boost::system::error_code ignored;
      to.lowest_layer().close(ignored);
      return;
    }
    asio::async_write(to, asio::buffer(buffer.data(), n),
                      [owner, &from, &to, &buffer](boost::system::error_code wec, std::size_t) {
                        if (!wec) pump(owner, from, to, buffer);
                      });
  });
}

// A TLS terminator on a loopback port forwarding to a node's plain RPC port.
class TlsTerminator {
 public:
  TlsTerminator(std::uint16_t backend, const std::string& certificate_pem,
                const std::string& key_pem)
      : backend_(backend) {
    tls_.use_certificate_chain(asio::buffer(certificate_pem));
    tls_.use_private_key(asio::buffer(key_pem), ssl::context::pem);
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TlsTerminator() {
    io_.stop();
    thread_.join();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  struct Session {
    Session(tcp::socket socket, ssl::context& tls)
        : client(std::move(socket), tls), node(client.get_executor()) {}
    ssl::stream<tcp::socket> client;
    tcp::socket node;
    std::array<char, 16384> up{}, down{};
  };

  void accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto session = std::make_shared<Session>(std::move(socket), tls_);
      session->client.async_handshake(
          ssl::stream_base::server, [this, session](boost::system::error_code hec) {
            if (hec) return;  // the client refused the certificate
            session->node.async_connect(
                {asio::ip::address_v4::loopback(), backend_},
                [session](boost::system::error_code cec) {
                  if (cec) return;
                  pump(session, session->client, session->node, session->up);
                  pump(session, session->node, session->client, session->down);
                });
          });
      accept();
    });
  }

  std::uint16_t backend_;
  asio::io_context io_;
  ssl::context tls_{ssl::context::tls_server};
  tcp::acceptor acceptor_{io_, {asio::ip::address_v4::loopback(), 0}};
  std::thread thread_;
};

// A CA, and a server certificate it issued naming `host`.
struct Pki {
  crypto::PrivateKey ca_key = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  std::string ca = *crypto::create_ca_certificate(ca_key, "consortium CA", 30);
  crypto::PrivateKey server_key = *crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  std::string certificate(const std::string& host) const {
    return *crypto::issue_node_certificate(ca_key, ca, server_key.public_key(), host, 30);
  }
};

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

TEST_CASE("tracectl reaches a node over https, trusting the consortium CA", "[rpc][https]") {
  LiveNode live;
  Pki pki;
  TlsTerminator terminator(live.rpc_port(), pki.certificate("localhost"), pki.server_key.to_pem());
  const std::filesystem::path ca_file = live.home() / "consortium-ca.pem";
  write_file(ca_file, pki.ca);
  const std::string url = "https://localhost:" + std::to_string(terminator.port());

  auto parsed = node::rpc::parse_url(url);
  REQUIRE(parsed.ok());
  CHECK(parsed->tls);
  CHECK(parsed->to_string() == url);

  SECTION("anonymous and signed calls, and a transaction's receipt") {
    cli::RemoteOptions remote;
    remote.node = url;
    remote.ca = ca_file;
    std::ostringstream out, err;
    REQUIRE(cli::status(remote, out, err) == 0);
    CHECK_THAT(out.str(), Catch::Contains("chain       " + live.chain_id()));

    remote.key = live.home() / "keys" / "auditor-1.pem";
    auto client = cli::connect(remote);
    REQUIRE(client.ok());
    auto whoami = client->call("auth_whoAmI");
    REQUIRE(whoami.ok());
    CHECK((*whoami)["participant"] == "auditor-1");

    // A transaction over https: its receipt is awaited by polling, since
    // this client opens no WebSocket over https.
    node::rpc::ReceiptWaiter waiter(*client);
    CHECK_THAT(waiter.polling_because(), Catch::Contains("no WebSocket over https"));
    Digest evidence;
    evidence.fill(7);
    ledger::Transaction tx = live.make(
        "attestor-ca", ledger::TxKind::kIdentityAttest,
        ledger::AttestPayload{"buyer-bank", "legal-entity", evidence, 0, ~std::uint64_t{0}});
    auto submitted = client->call("tx_submit", {{"tx", to_hex(ledger::encode(tx))}});
    REQUIRE(submitted.ok());
    auto receipt = waiter.wait(submitted->value("hash", ""), std::chrono::seconds(15));
    REQUIRE(receipt.ok());
    CHECK((*receipt)["status"] == "ok");
  }

  SECTION("a certificate the client cannot trust is refused") {
    // The system's store does not hold the consortium CA.
    node::rpc::Client system_store(*parsed);
    auto refused = system_store.call("chain_getStatus");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().code() == ErrorCode::kUnavailable);
    CHECK_THAT(refused.error().message(), Catch::Contains("TLS handshake"));
    CHECK_THAT(refused.error().message(), Catch::Contains("certificate verify failed"));

    // The right CA, but the certificate does not name the host asked for.
    node::rpc::Client::Options options;
    options.ca_file = ca_file.string();
    node::rpc::Url by_address = *parsed;
    by_address.host = "127.0.0.1";
    node::rpc::Client wrong_name(by_address, options);
    auto mismatch = wrong_name.call("chain_getStatus");
    REQUIRE_FALSE(mismatch.ok());
    CHECK_THAT(mismatch.error().message(), Catch::Contains("certificate verify failed"));

    // A CA file that is not there is named.
    options.ca_file = (live.home() / "no-such-ca.pem").string();
    node::rpc::Client missing(*parsed, options);
    auto no_ca = missing.call("chain_getStatus");
    REQUIRE_FALSE(no_ca.ok());
    CHECK(no_ca.error().code() == ErrorCode::kInvalidInput);
    CHECK_THAT(no_ca.error().message(), Catch::Contains("no-such-ca.pem': no such file"));
    write_file(live.home() / "not-a-ca.pem", "hello");
    options.ca_file = (live.home() / "not-a-ca.pem").string();
    node::rpc::Client not_pem(*parsed, options);
    auto bad_ca = not_pem.call("chain_getStatus");
    REQUIRE_FALSE(bad_ca.ok());
    CHECK_THAT(bad_ca.error().message(), Catch::Contains("holds no PEM certificate"));
  }
}

TEST_CASE("node URLs: http and https, ports, and what is refused", "[rpc][https]") {
  using node::rpc::parse_url;
  auto https = parse_url("https://rpc.exchange.example/");
  REQUIRE(https.ok());
  CHECK(https->host == "rpc.exchange.example");
  CHECK(https->port == 443);
  CHECK(https->tls);
  auto v6 = parse_url("https://[::1]:8443");
  REQUIRE(v6.ok());
  CHECK(v6->host == "::1");
  CHECK(v6->port == 8443);
  auto plain = parse_url("http://127.0.0.1:26657");
  REQUIRE(plain.ok());
  CHECK_FALSE(plain->tls);
  CHECK_THAT(parse_url("http://127.0.0.1").error().message(),
             Catch::Contains("host and port are required"));
  CHECK_THAT(parse_url("ftp://node:21").error().message(),
             Catch::Contains("only http:// and https:// are spoken"));
  CHECK_THAT(parse_url("https://node:8443/rpc").error().message(),
             Catch::Contains("no path is allowed"));
}
