#include "node/p2p.h"

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <unordered_set>

#include "crypto/hash.h"
#include "node/log.h"

namespace tracechain::node {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

namespace {

// Bytes a connection may have queued for sending before it is judged too
// slow and dropped.
constexpr std::size_t kMaxQueuedBytes = 64 * 1024 * 1024;
// Message ids a connection remembers for gossip.
constexpr std::size_t kKnownCapacity = 50'000;

struct DigestHash {
  std::size_t operator()(const Digest& d) const {
    std::size_t h = 0;
    std::memcpy(&h, d.data(), sizeof(h));
    return h;
  }
};

// A bounded set of message ids, oldest forgotten first. Thread-safe.
class KnownSet {
 public:
  // Adds `id`; returns whether it was new.
  bool insert(const Digest& id) {
    std::lock_guard lock(mutex_);
    if (!ids_.insert(id).second) return false;
    order_.push_back(id);
    if (order_.size() > kKnownCapacity) {
      ids_.erase(order_.front());
      order_.pop_front();
    }
    return true;
  }

 private:
  std::mutex mutex_;
  std::unordered_set<Digest, DigestHash> ids_;
  std::deque<Digest> order_;
};

Digest frame_hash(ByteView header, ByteView payload) {
  return crypto::Hasher(crypto::HashAlgorithm::kSha256).update(header).update(payload).finish();
}

std::string peer_common_name(SSL* ssl) {
  X509* certificate = SSL_get1_peer_certificate(ssl);
  if (certificate == nullptr) return {};
  char name[256] = {};
  int length = X509_NAME_get_text_by_NID(X509_get_subject_name(certificate), NID_commonName,
                                         name, sizeof(name));
  X509_free(certificate);
  return length > 0 ? std::string(name, static_cast<std::size_t>(length)) : std::string();
}

}  // namespace

Result<std::shared_ptr<ssl::context>> make_tls_context(const NodeConfig& config) {
  auto context = std::make_shared<ssl::context>(ssl::context::tls);
  SSL_CTX* native = context->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_3_VERSION);
  boost::system::error_code ec;
  auto check = [&](const std::filesystem::path& file, const char* what) -> Status {
    if (ec) {
      return Error(ErrorCode::kInvalidInput, std::string(what) + " '" + file.string() +
                                                 "': " + ec.message());
    }
    return {};
  };
  context->load_verify_file(config.ca_file().string(), ec);
  if (Status s = check(config.ca_file(), "CA certificate"); !s) return s.error();
  context->use_certificate_chain_file(config.tls_certificate_file().string(), ec);
  if (Status s = check(config.tls_certificate_file(), "TLS certificate"); !s) return s.error();
  context->use_private_key_file(config.tls_key_file().string(), ssl::context::pem, ec);
  if (Status s = check(config.tls_key_file(), "TLS key"); !s) return s.error();
  if (SSL_CTX_check_private_key(native) != 1) {
    return Error(ErrorCode::kInvalidInput, "TLS key '" + config.tls_key_file().string() +
                                               "' does not match the certificate");
  }
  context->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
  return context;
}

class Connection;

class PeerNetwork::Impl : public std::enable_shared_from_this<PeerNetwork::Impl> {
 public:
  Impl(asio::io_context& io, std::shared_ptr<ssl::context> tls, const NodeConfig& config,
       PeerIdentity identity, P2pCallbacks callbacks)
      : io_(io),
        tls_(std::move(tls)),
        config_(config),
        identity_(std::move(identity)),
        callbacks_(std::move(callbacks)),
        acceptor_(asio::make_strand(io)),
        dial_strand_(asio::make_strand(io)) {}

  Status start();
  void stop();
  void broadcast(const std::shared_ptr<const Bytes>& frame, const Digest& id,
                 const std::string& except);
  bool send(const std::string& peer, std::shared_ptr<const Bytes> frame, const Digest& id);
  std::vector<std::string> connected_peers() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [id, connection] : peers_) out.push_back(id);
    return out;
  }
  Endpoint listen_endpoint() const { return bound_; }

  // Connection events.
  bool admit(const std::shared_ptr<Connection>& connection);
  void closed(Connection* connection);

  asio::io_context& io() { return io_; }
  ssl::context& tls() { return *tls_; }
  const NodeConfig& config() const { return config_; }
  const PeerIdentity& identity() const { return identity_; }
  const P2pCallbacks& callbacks() const { return callbacks_; }
  bool stopped() const { return stopped_; }

 private:
  struct Dialer {
    PeerAddress address;
    std::unique_ptr<asio::steady_timer> timer;
    std::uint64_t backoff_ms = 0;
    bool dialling = false;
  };

  void accept();
  void schedule_dial(std::size_t index, std::uint64_t delay_ms);
  void dial(std::size_t index);

  asio::io_context& io_;
  std::shared_ptr<ssl::context> tls_;
  NodeConfig config_;
  PeerIdentity identity_;
  P2pCallbacks callbacks_;
  tcp::acceptor acceptor_;
  // Every dial timer is used on this strand only: a timer is not
  // thread-safe, and two connections to one peer closing at once on
  // different threads both schedule its redial.
  asio::strand<asio::io_context::executor_type> dial_strand_;
  Endpoint bound_;
  std::atomic<bool> stopped_{false};

  mutable std::mutex mutex_;  // guards peers_, pending_, dialers_
  std::map<std::string, std::shared_ptr<Connection>> peers_;
  std::set<std::shared_ptr<Connection>> pending_;
  std::vector<Dialer> dialers_;
};

// One TLS connection, from TCP connect or accept to close. Everything runs on
// the socket's strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(std::weak_ptr<PeerNetwork::Impl> network, tcp::socket socket, ssl::context& tls,
             bool outbound, std::string expected_id, std::uint64_t max_frame_bytes,
             std::uint64_t handshake_timeout_ms)
      : network_(std::move(network)),
        stream_(std::move(socket), tls),
        timer_(stream_.get_executor()),
        outbound_(outbound),
        expected_id_(std::move(expected_id)),
        max_frame_bytes_(max_frame_bytes),
        handshake_timeout_ms_(handshake_timeout_ms) {}

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->handshake(); });
  }

  void send(std::shared_ptr<const Bytes> frame, const Digest& id) {
    known_.insert(id);
    asio::post(stream_.get_executor(), [self = shared_from_this(), frame = std::move(frame)] {
      self->enqueue(frame);
    });
  }

  void close(const std::string& reason) {
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), reason] { self->shutdown(reason); });
  }

  // Marks `id` known; returns whether the peer could still need it.
  bool learn(const Digest& id) { return known_.insert(id); }

  const std::string& peer_id() const { return peer_id_; }
  bool outbound() const { return outbound_; }
  // The id of whichever side dialled.
  std::string dialler(const std::string& own_id) const { return outbound_ ? own_id : peer_id_; }

 private:
  void handshake() {
    timer_.expires_after(std::chrono::milliseconds(handshake_timeout_ms_));
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->admitted_) self->shutdown("handshake timed out");
    });
    boost::system::error_code option_error;
    stream_.lowest_layer().set_option(tcp::no_delay(true), option_error);
    stream_.lowest_layer().set_option(asio::socket_base::keep_alive(true), option_error);
    stream_.async_handshake(outbound_ ? ssl::stream_base::client : ssl::stream_base::server,
                            [self = shared_from_this()](boost::system::error_code ec) {
                              self->on_handshake(ec);
                            });
  }

  void on_handshake(boost::system::error_code ec) {
    if (ec) return shutdown("TLS handshake failed: " + ec.message());
    auto network = network_.lock();
    if (!network) return shutdown("node stopping");
    peer_id_ = peer_common_name(stream_.native_handle());
    if (peer_id_.empty()) return shutdown("peer certificate has no common name");
    if (outbound_ && peer_id_ != expected_id_) {
      return shutdown("dialled '" + expected_id_ + "' but the certificate names '" + peer_id_ + "'");
    }
    if (!network->callbacks().accept_peer(peer_id_)) {
      return shutdown("certificate of '" + peer_id_ + "' is valid but that node is not a peer "
                      "of this chain");
    }
    Hello hello{kProtocolVersion, network->identity().chain_id, network->identity().genesis_hash,
                network->identity().node_id, network->callbacks().height()};
    enqueue(std::make_shared<const Bytes>(encode_frame(hello)));
    read_header();
  }

  void read_header() {
    asio::async_read(stream_, asio::buffer(header_),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->shutdown(ec == asio::error::eof ? "peer closed"
                                                                             : ec.message());
                       self->read_body();
                     });
  }

  void read_body() {
    std::uint32_t length = frame_length(header_.data());
    if (length == 0 || length > max_frame_bytes_) {
      return shutdown("frame of " + std::to_string(length) + " bytes is outside 1.." +
                      std::to_string(max_frame_bytes_));
    }
    body_.resize(length);
    asio::async_read(stream_, asio::buffer(body_),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->shutdown(ec.message());
                       self->handle_frame();
                     });
  }

  void handle_frame() {
    auto network = network_.lock();
    if (!network || closed_) return;
    auto message = decode_payload(body_);
    if (!message) return shutdown("undecodable " + message.error().message());
    if (!admitted_) {
      const Hello* hello = std::get_if<Hello>(&*message);
      if (hello == nullptr) return shutdown("first message was not a hello");
      const PeerIdentity& own = network->identity();
      if (hello->node_id != peer_id_) {
        return shutdown("hello names '" + hello->node_id + "', the certificate '" + peer_id_ + "'");
      }
      if (hello->chain_id != own.chain_id || hello->genesis_hash != own.genesis_hash) {
        return shutdown("peer is on chain '" + hello->chain_id + "' with genesis " +
                        to_hex(hello->genesis_hash).substr(0, 16) + "..., not ours");
      }
      if (hello->node_id == own.node_id) return shutdown("connected to itself");
      admitted_ = true;
      timer_.cancel();
      if (!network->admit(shared_from_this())) return shutdown("duplicate connection");
      log::info("p2p", "peer {} connected ({}, height {})", peer_id_,
                outbound_ ? "outbound" : "inbound", hello->height);
      network->callbacks().on_connected(peer_id_);
    } else if (std::holds_alternative<Hello>(*message)) {
      return shutdown("a second hello");
    } else {
      Digest id = frame_hash(header_, body_);
      known_.insert(id);
      network->callbacks().on_message(peer_id_, *message, id);
    }
    read_header();
  }

  void enqueue(std::shared_ptr<const Bytes> frame) {
    if (closed_) return;
    queued_bytes_ += frame->size();
    queue_.push_back(std::move(frame));
    if (queued_bytes_ > kMaxQueuedBytes) {
      return shutdown("peer reads too slowly (" + std::to_string(queued_bytes_) +
                      " bytes waiting)");
    }
    if (!writing_) write_next();
  }

  void write_next() {
    if (queue_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    auto frame = queue_.front();
    asio::async_write(stream_, asio::buffer(*frame),
                      [self = shared_from_this(), frame](boost::system::error_code ec, std::size_t) {
                        // A write that completed just before shutdown() ran:
                        // the queue is cleared already, nothing to pop.
                        if (self->closed_) return;
                        if (ec) return self->shutdown("write failed: " + ec.message());
                        self->queued_bytes_ -= frame->size();
                        self->queue_.pop_front();
                        self->write_next();
                      });
  }

  void shutdown(const std::string& reason) {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    boost::system::error_code ignored;
    stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.lowest_layer().close(ignored);
    queue_.clear();
    auto network = network_.lock();
    std::string who = peer_id_.empty() ? std::string("an unidentified peer") : "peer " + peer_id_;
    if (admitted_) {
      log::info("p2p", "{} disconnected: {}", who, reason);
    } else {
      log::warn("p2p", "{} refused: {}", who, reason);
    }
    if (network) network->closed(this);
  }

  std::weak_ptr<PeerNetwork::Impl> network_;
  ssl::stream<tcp::socket> stream_;
  asio::steady_timer timer_;
  bool outbound_;
  std::string expected_id_;
  std::uint64_t max_frame_bytes_;
  std::uint64_t handshake_timeout_ms_;

  std::string peer_id_;
  bool admitted_ = false;
  bool closed_ = false;
  std::array<std::uint8_t, kFrameHeaderSize> header_{};
  Bytes body_;
  std::deque<std::shared_ptr<const Bytes>> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  KnownSet known_;
};

// ------------------------------------------------------------ PeerNetwork::Impl

Status PeerNetwork::Impl::start() {
  boost::system::error_code ec;
  auto address = asio::ip::make_address(config_.p2p.listen.host, ec);
  if (ec) {
    return Error(ErrorCode::kInvalidInput,
                 "p2p.listen host '" + config_.p2p.listen.host + "' is not an IP address");
  }
  tcp::endpoint endpoint(address, config_.p2p.listen.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Error(ErrorCode::kIo, "cannot listen for peers on " + config_.p2p.listen.to_string() +
                                     ": " + ec.message());
  }
  auto local = acceptor_.local_endpoint();
  bound_ = Endpoint{local.address().to_string(), local.port()};
  accept();
  std::lock_guard lock(mutex_);
  for (const PeerAddress& peer : config_.p2p.peers) {
    if (peer.node_id == identity_.node_id) continue;
    dialers_.push_back({peer, std::make_unique<asio::steady_timer>(dial_strand_), 0, false});
  }
  for (std::size_t i = 0; i < dialers_.size(); ++i) schedule_dial(i, 0);
  return {};
}

void PeerNetwork::Impl::stop() {
  stopped_ = true;
  asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
  });
  std::vector<std::shared_ptr<Connection>> all;
  {
    std::lock_guard lock(mutex_);
    asio::post(dial_strand_, [self = shared_from_this()] {
      for (auto& dialer : self->dialers_) dialer.timer->cancel();
    });
    for (auto& [id, connection] : peers_) all.push_back(connection);
    for (const auto& connection : pending_) all.push_back(connection);
  }
  for (auto& connection : all) connection->close("node stopping");
}

void PeerNetwork::Impl::accept() {
  acceptor_.async_accept(asio::make_strand(io_), [self = shared_from_this()](
                                                     boost::system::error_code ec,
                                                     tcp::socket socket) {
    if (self->stopped_) return;
    if (!ec) {
      std::size_t connections;
      {
        std::lock_guard lock(self->mutex_);
        connections = self->peers_.size() + self->pending_.size();
      }
      if (connections >= self->config_.p2p.max_peers) {
        log::warn("p2p", "refusing a connection from {}: {} connections already",
                  socket.remote_endpoint(ec).address().to_string(), connections);
      } else {
        auto connection = std::make_shared<Connection>(
            self, std::move(socket), *self->tls_, false, std::string(),
            self->config_.p2p.max_frame_bytes, self->config_.p2p.handshake_timeout_ms);
        {
          std::lock_guard lock(self->mutex_);
          self->pending_.insert(connection);
        }
        connection->start();
      }
    }
    self->accept();
  });
}

void PeerNetwork::Impl::schedule_dial(std::size_t index, std::uint64_t delay_ms) {
  asio::post(dial_strand_, [self = shared_from_this(), index, delay_ms] {
    if (self->stopped_) return;
    asio::steady_timer& timer = *self->dialers_[index].timer;
    timer.expires_after(std::chrono::milliseconds(delay_ms));
    timer.async_wait([self, index](boost::system::error_code ec) {
      if (!ec && !self->stopped_) self->dial(index);
    });
  });
}

void PeerNetwork::Impl::dial(std::size_t index) {
  PeerAddress address;
  {
    std::lock_guard lock(mutex_);
    Dialer& dialer = dialers_[index];
    if (dialer.dialling || peers_.count(dialer.address.node_id)) return;
    dialer.dialling = true;
    address = dialer.address;
  }
  auto resolver = std::make_shared<tcp::resolver>(io_);
  auto socket = std::make_shared<tcp::socket>(asio::make_strand(io_));
  resolver->async_resolve(
      address.endpoint.host, std::to_string(address.endpoint.port),
      [self = shared_from_this(), index, resolver, socket, address](
          boost::system::error_code ec, tcp::resolver::results_type results) {
        auto retry = [self, index](const std::string& why) {
          std::uint64_t delay;
          {
            std::lock_guard lock(self->mutex_);
            Dialer& dialer = self->dialers_[index];
            dialer.dialling = false;
            dialer.backoff_ms = dialer.backoff_ms == 0
                                    ? self->config_.p2p.reconnect_min_ms
                                    : std::min(dialer.backoff_ms * 2,
                                               self->config_.p2p.reconnect_max_ms);
            delay = dialer.backoff_ms;
          }
          log::debug("p2p", "dialling {} failed ({}); retrying in {} ms",
                     self->dialers_[index].address.node_id, why, delay);
          if (!self->stopped_) self->schedule_dial(index, delay);
        };
        if (ec) return retry("resolve: " + ec.message());
        asio::async_connect(
            *socket, results,
            [self, index, socket, address, retry](boost::system::error_code connect_ec,
                                                  const tcp::endpoint&) {
              if (connect_ec) return retry(connect_ec.message());
              if (self->stopped_) return;
              auto connection = std::make_shared<Connection>(
                  self, std::move(*socket), *self->tls_, true, address.node_id,
                  self->config_.p2p.max_frame_bytes, self->config_.p2p.handshake_timeout_ms);
              {
                std::lock_guard lock(self->mutex_);
                self->dialers_[index].dialling = false;
                self->pending_.insert(connection);
              }
              connection->start();
            });
      });
}

bool PeerNetwork::Impl::admit(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mutex_);
  pending_.erase(connection);
  if (stopped_) return false;
  const std::string& id = connection->peer_id();
  auto existing = peers_.find(id);
  if (existing != peers_.end()) {
    // Both sides keep the connection dialled by the smaller node id.
    const std::string& own = identity_.node_id;
    bool keep_new = connection->dialler(own) < existing->second->dialler(own);
    if (!keep_new) return false;
    existing->second->close("replaced by a connection dialled by the smaller id");
    existing->second = connection;
  } else {
    peers_.emplace(id, connection);
  }
  for (Dialer& dialer : dialers_) {
    if (dialer.address.node_id == id) dialer.backoff_ms = 0;
  }
  return true;
}

void PeerNetwork::Impl::closed(Connection* connection) {
  std::string id = connection->peer_id();
  bool was_peer = false;
  std::optional<std::size_t> redial;
  {
    std::lock_guard lock(mutex_);
    for (auto it = pending_.begin(); it != pending_.end(); ++it) {
      if (it->get() == connection) {
        pending_.erase(it);
        break;
      }
    }
    auto it = peers_.find(id);
    if (it != peers_.end() && it->second.get() == connection) {
      peers_.erase(it);
      was_peer = true;
    }
    if (!peers_.count(id)) {
      for (std::size_t i = 0; i < dialers_.size(); ++i) {
        if (dialers_[i].address.node_id == id && !dialers_[i].dialling) redial = i;
      }
    }
  }
  if (was_peer) callbacks_.on_disconnected(id);
  if (redial && !stopped_) {
    std::uint64_t delay;
    {
      std::lock_guard lock(mutex_);
      Dialer& dialer = dialers_[*redial];
      dialer.backoff_ms = dialer.backoff_ms == 0
                              ? config_.p2p.reconnect_min_ms
                              : std::min(dialer.backoff_ms * 2, config_.p2p.reconnect_max_ms);
      delay = dialer.backoff_ms;
    }
    schedule_dial(*redial, delay);
  }
}

void PeerNetwork::Impl::broadcast(const std::shared_ptr<const Bytes>& frame, const Digest& id,
                                  const std::string& except) {
  std::vector<std::shared_ptr<Connection>> targets;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [peer, connection] : peers_) {
      if (peer != except) targets.push_back(connection);
    }
  }
  for (auto& connection : targets) {
    if (connection->learn(id)) connection->send(frame, id);
  }
}

bool PeerNetwork::Impl::send(const std::string& peer, std::shared_ptr<const Bytes> frame,
                             const Digest& id) {
  std::shared_ptr<Connection> connection;
  {
    std::lock_guard lock(mutex_);
    auto it = peers_.find(peer);
    if (it == peers_.end()) return false;
    connection = it->second;
  }
  connection->send(std::move(frame), id);
  return true;
}

// ------------------------------------------------------------------ PeerNetwork

PeerNetwork::PeerNetwork(asio::io_context& io, std::shared_ptr<ssl::context> tls,
                         const NodeConfig& config, PeerIdentity identity, P2pCallbacks callbacks)
    : impl_(std::make_shared<Impl>(io, std::move(tls), config, std::move(identity),
                                   std::move(callbacks))) {}

PeerNetwork::~PeerNetwork() { impl_->stop(); }

Status PeerNetwork::start() { return impl_->start(); }
void PeerNetwork::stop() { impl_->stop(); }

Digest PeerNetwork::message_id(const WireMessage& message) {
  return crypto::hash(crypto::HashAlgorithm::kSha256, encode_frame(message));
}

void PeerNetwork::broadcast(const WireMessage& message, const Digest& message_id,
                            const std::string& except) {
  impl_->broadcast(std::make_shared<const Bytes>(encode_frame(message)), message_id, except);
}

bool PeerNetwork::send(const std::string& peer, const WireMessage& message) {
  Bytes frame = encode_frame(message);
  Digest id = crypto::hash(crypto::HashAlgorithm::kSha256, frame);
  return impl_->send(peer, std::make_shared<const Bytes>(std::move(frame)), id);
}

std::vector<std::string> PeerNetwork::connected_peers() const { return impl_->connected_peers(); }
Endpoint PeerNetwork::listen_endpoint() const { return impl_->listen_endpoint(); }

}  // namespace tracechain::node
