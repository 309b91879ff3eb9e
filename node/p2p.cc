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

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <unordered_set>

#include "crypto/file_util.h"
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
// A connection that has sent nothing for this long sends a keepalive.
constexpr std::chrono::milliseconds kKeepaliveAfter{1000};
// Refusal lines written per kind and window before the rest are summarised.
constexpr std::size_t kRefusalBurst = 5;
constexpr std::chrono::seconds kRefusalWindow{1};

// At least three keepalives fit in a timeout, so one delayed keepalive does
// not drop a healthy peer (timeouts below 3 s only occur in tests).
std::chrono::milliseconds keepalive_interval(std::uint64_t peer_timeout_ms) {
  return std::clamp(std::chrono::milliseconds(peer_timeout_ms / 3), std::chrono::milliseconds(1),
                    kKeepaliveAfter);
}

const std::shared_ptr<const Bytes>& keepalive_frame() {
  static const auto frame = std::make_shared<const Bytes>(encode_frame(Keepalive{}));
  return frame;
}

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
  if (Status s = check_private_file(config.tls_key_file(), "TLS key"); !s) return s.error();
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
        dial_strand_(asio::make_strand(io)),
        summary_timer_(dial_strand_) {}

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

  // Connection events. admit() returns why a connection is refused, if it is.
  std::optional<std::string> admit(const std::shared_ptr<Connection>& connection);
  void closed(Connection* connection);
  // Writes a refusal line unless too many of its kind were written lately;
  // `peer` is the id the connection named, if any.
  void log_refusal(std::string_view kind, std::string_view peer, const std::string& line);

  ssl::context& tls() { return *tls_; }
  const NodeConfig& config() const { return config_; }
  const PeerIdentity& identity() const { return identity_; }
  const P2pCallbacks& callbacks() const { return callbacks_; }

 private:
  struct Dialer {
    PeerAddress address;
    std::unique_ptr<asio::steady_timer> timer;
    std::uint64_t backoff_ms = 0;
    // From dial() until its connection is admitted or fails: one attempt at
    // a time, whatever else schedules a redial meanwhile.
    bool dialling = false;
    std::uint64_t attempts = 0;  // numbers them, so a late close of an old
                                 // attempt's connection is told apart
  };

  void accept();
  void schedule_dial(std::size_t index, std::uint64_t delay_ms);
  void dial(std::size_t index);
  // Ends attempt `attempt` of dialer `index` as failed and schedules the next.
  void attempt_failed(std::size_t index, std::uint64_t attempt, const std::string& why);
  std::uint64_t next_backoff_locked(Dialer& dialer);
  // Forgets `connection` as in handshake; returns whether it was.
  bool leave_handshake_locked(const Connection* connection);
  void arm_refusal_summary();

  asio::io_context& io_;
  std::shared_ptr<ssl::context> tls_;
  NodeConfig config_;
  PeerIdentity identity_;
  P2pCallbacks callbacks_;
  tcp::acceptor acceptor_;
  // Every dial timer is used on this strand only: a timer is not
  // thread-safe, and two connections to one peer closing at once on
  // different threads both schedule its redial. The refusal summary timer
  // runs here too.
  asio::strand<asio::io_context::executor_type> dial_strand_;
  asio::steady_timer summary_timer_;
  std::atomic<bool> summary_armed_{false};
  Endpoint bound_;
  std::atomic<bool> stopped_{false};
  log::LogRateLimiter refusals_{kRefusalBurst, kRefusalWindow};

  mutable std::mutex mutex_;  // guards the members below
  std::map<std::string, std::shared_ptr<Connection>> peers_;
  // Connections in TLS or hello, either direction; inbound ones are also
  // counted per remote address against the handshake caps.
  std::set<std::shared_ptr<Connection>> pending_;
  std::size_t inbound_handshakes_ = 0;
  std::map<asio::ip::address, std::size_t> handshakes_by_address_;
  std::vector<Dialer> dialers_;
};

// Which configured peer and which of its attempts an outbound connection is.
struct DialAttempt {
  std::size_t dialer = 0;
  std::uint64_t attempt = 0;
  std::string node_id;
};

// One TLS connection, from TCP connect or accept to close. Everything runs on
// the socket's strand.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Clock = std::chrono::steady_clock;

  Connection(std::weak_ptr<PeerNetwork::Impl> network, tcp::socket socket, ssl::context& tls,
             const P2pSection& settings, std::optional<DialAttempt> dial)
      : network_(std::move(network)),
        remote_(remote_address(socket)),
        stream_(std::move(socket), tls),
        timer_(stream_.get_executor()),
        dial_(std::move(dial)),
        max_frame_bytes_(settings.max_frame_bytes),
        handshake_timeout_(settings.handshake_timeout_ms),
        peer_timeout_(settings.peer_timeout_ms),
        keepalive_after_(keepalive_interval(settings.peer_timeout_ms)) {}

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

  // Set once TLS completes, before admit() or closed() can be called.
  const std::string& peer_id() const { return peer_id_; }
  bool outbound() const { return dial_.has_value(); }
  const std::optional<DialAttempt>& dial() const { return dial_; }
  const asio::ip::address& remote() const { return remote_; }
  // The id of whichever side dialled.
  std::string dialler(const std::string& own_id) const { return outbound() ? own_id : peer_id_; }

 private:
  static asio::ip::address remote_address(const tcp::socket& socket) {
    boost::system::error_code ec;
    auto endpoint = socket.remote_endpoint(ec);
    return ec ? asio::ip::address() : endpoint.address();
  }

  void handshake() {
    timer_.expires_after(handshake_timeout_);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && !self->admitted_) self->shutdown("handshake timed out");
    });
    boost::system::error_code option_error;
    stream_.lowest_layer().set_option(tcp::no_delay(true), option_error);
    stream_.lowest_layer().set_option(asio::socket_base::keep_alive(true), option_error);
    stream_.async_handshake(outbound() ? ssl::stream_base::client : ssl::stream_base::server,
                            [self = shared_from_this()](boost::system::error_code ec) {
                              self->on_handshake(ec);
                            });
  }

  void on_handshake(boost::system::error_code ec) {
    if (closed_) return;  // timed out meanwhile
    if (ec) return shutdown("TLS handshake failed: " + ec.message());
    tls_done_ = true;
    auto network = network_.lock();
    if (!network) return shutdown("node stopping");
    peer_id_ = peer_common_name(stream_.native_handle());
    if (peer_id_.empty()) return shutdown("peer certificate has no common name");
    if (dial_ && peer_id_ != dial_->node_id) {
      return shutdown("dialled '" + dial_->node_id + "' but the certificate names '" + peer_id_ +
                      "'");
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

  // async_read and async_write call this after every chunk but the last, so
  // a large frame on a slow link counts as life long before it is complete;
  // the completion handlers record the last chunk.
  auto progress(Clock::time_point& last) {
    return [&last](const boost::system::error_code& ec, std::size_t transferred) {
      if (transferred > 0) last = Clock::now();
      return asio::transfer_all()(ec, transferred);
    };
  }

  void read_header() {
    asio::async_read(stream_, asio::buffer(header_), progress(last_received_),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->shutdown(ec == asio::error::eof ? "peer closed"
                                                                             : ec.message());
                       self->last_received_ = Clock::now();
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
    asio::async_read(stream_, asio::buffer(body_), progress(last_received_),
                     [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                       if (ec) return self->shutdown(ec.message());
                       self->last_received_ = Clock::now();
                       self->handle_frame();
                     });
  }

  void handle_frame() {
    auto network = network_.lock();
    if (!network || closed_) return;
    if (is_keepalive(body_)) {
      // It has done its work already: it arrived, so last_received_ moved.
      if (!admitted_) return shutdown("first message was not a hello");
      if (auto keepalive = decode_keepalive(body_); !keepalive) {
        return shutdown("undecodable " + keepalive.error().message());
      }
      return read_header();
    }
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
      if (auto refusal = network->admit(shared_from_this())) return shutdown(*refusal);
      admitted_ = true;
      log::info("p2p", {.peer = peer_id_}, "peer {} connected ({}, height {})", peer_id_,
                outbound() ? "outbound" : "inbound", hello->height);
      start_heartbeat();
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

  // From admission on, timer_ (the handshake deadline until then) paces the
  // keepalives and checks both directions for silence.
  void start_heartbeat() {
    auto now = Clock::now();
    last_received_ = now;  // the hello just arrived
    if (!writing_) last_sent_ = now;
    heartbeat(now);
  }

  void heartbeat(Clock::time_point now) {
    if (closed_) return;
    if (now - last_received_ >= peer_timeout_) {
      return shutdown("nothing received for " + std::to_string(peer_timeout_.count()) + " ms");
    }
    if (writing_ && now - last_sent_ >= peer_timeout_) {
      return shutdown("peer took none of our bytes for " + std::to_string(peer_timeout_.count()) +
                      " ms");
    }
    if (!writing_ && now - last_sent_ >= keepalive_after_) enqueue(keepalive_frame());
    if (closed_) return;
    // Wake for whichever comes first: the next keepalive or the receive
    // deadline. While a write is under way, look again a keepalive interval on.
    Clock::time_point next = std::min(last_received_ + peer_timeout_, last_sent_ + keepalive_after_);
    if (next <= now) next = now + keepalive_after_;
    timer_.expires_at(next);
    timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->heartbeat(Clock::now());
    });
  }

  void enqueue(std::shared_ptr<const Bytes> frame) {
    if (closed_) return;
    queued_bytes_ += frame->size();
    queue_.push_back(std::move(frame));
    if (queued_bytes_ > kMaxQueuedBytes) {
      return shutdown("peer reads too slowly (" + std::to_string(queued_bytes_) +
                      " bytes waiting)");
    }
    if (!writing_) {
      last_sent_ = Clock::now();  // the stall clock starts with the write
      write_next();
    }
  }

  void write_next() {
    if (queue_.empty() || closed_) {
      writing_ = false;
      return;
    }
    writing_ = true;
    auto frame = queue_.front();
    asio::async_write(stream_, asio::buffer(*frame), progress(last_sent_),
                      [self = shared_from_this(), frame](boost::system::error_code ec, std::size_t) {
                        // A write that completed just before shutdown() ran:
                        // the queue is cleared already, nothing to pop.
                        if (self->closed_) return;
                        if (ec) return self->shutdown("write failed: " + ec.message());
                        self->last_sent_ = Clock::now();
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
    if (admitted_) {
      log::info("p2p", {.peer = peer_id_}, "peer {} disconnected: {}", peer_id_, reason);
    } else {
      std::string_view id = !peer_id_.empty() ? std::string_view(peer_id_)
                            : dial_           ? std::string_view(dial_->node_id)
                                              : std::string_view();
      std::string who = !peer_id_.empty() ? "peer " + peer_id_
                        : dial_           ? "peer " + dial_->node_id + " (dialled)"
                                          : "an unidentified peer at " + remote_.to_string();
      std::string line = who + " refused: " + reason;
      // A flood of connects fails in TLS; real misconfigurations mostly after it.
      if (network) {
        network->log_refusal(tls_done_ ? "after TLS" : "in TLS", id, line);
      } else {
        log::warn("p2p", {.peer = id}, "{}", line);
      }
    }
    if (network) network->closed(this);
  }

  std::weak_ptr<PeerNetwork::Impl> network_;
  asio::ip::address remote_;
  ssl::stream<tcp::socket> stream_;
  asio::steady_timer timer_;
  std::optional<DialAttempt> dial_;  // set for outbound connections
  std::uint64_t max_frame_bytes_;
  std::chrono::milliseconds handshake_timeout_;
  std::chrono::milliseconds peer_timeout_;
  std::chrono::milliseconds keepalive_after_;

  std::string peer_id_;
  bool tls_done_ = false;
  bool admitted_ = false;
  bool closed_ = false;
  std::array<std::uint8_t, kFrameHeaderSize> header_{};
  Bytes body_;
  std::deque<std::shared_ptr<const Bytes>> queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  Clock::time_point last_received_ = Clock::now();  // the last byte from the peer
  Clock::time_point last_sent_ = Clock::now();      // the last write started or progressed
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
    Dialer dialer;
    dialer.address = peer;
    dialer.timer = std::make_unique<asio::steady_timer>(dial_strand_);
    dialers_.push_back(std::move(dialer));
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
      self->summary_timer_.cancel();
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
      auto remote = socket.remote_endpoint(ec);  // fails if the peer is gone already
      const P2pSection& limits = self->config_.p2p;
      std::string refusal;
      std::string_view kind;
      std::shared_ptr<Connection> connection;
      if (!ec) {
        std::lock_guard lock(self->mutex_);
        auto from_address = self->handshakes_by_address_.find(remote.address());
        if (self->peers_.size() >= limits.max_peers) {
          // Checked again at admission; refusing here saves a TLS handshake.
          kind = "max_peers";
          refusal = std::to_string(self->peers_.size()) + " peers already (p2p.max_peers)";
        } else if (self->inbound_handshakes_ >= limits.max_handshakes) {
          kind = "max_handshakes";
          refusal = std::to_string(self->inbound_handshakes_) +
                    " handshakes in progress (p2p.max_handshakes)";
        } else if (from_address != self->handshakes_by_address_.end() &&
                   from_address->second >= limits.max_handshakes_per_address) {
          kind = "max_handshakes_per_address";
          refusal = std::to_string(from_address->second) +
                    " handshakes from that address in progress (p2p.max_handshakes_per_address)";
        } else {
          connection = std::make_shared<Connection>(self, std::move(socket), *self->tls_, limits,
                                                    std::nullopt);
          self->pending_.insert(connection);
          ++self->inbound_handshakes_;
          ++self->handshakes_by_address_[remote.address()];
        }
      }
      if (connection) {
        connection->start();
      } else if (!refusal.empty()) {
        // `socket` closes as it goes out of scope.
        self->log_refusal(kind, {},
                          "refusing a connection from " + remote.address().to_string() + ": " +
                              refusal);
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

std::uint64_t PeerNetwork::Impl::next_backoff_locked(Dialer& dialer) {
  dialer.backoff_ms = dialer.backoff_ms == 0
                          ? config_.p2p.reconnect_min_ms
                          : std::min(dialer.backoff_ms * 2, config_.p2p.reconnect_max_ms);
  return dialer.backoff_ms;
}

void PeerNetwork::Impl::attempt_failed(std::size_t index, std::uint64_t attempt,
                                       const std::string& why) {
  std::uint64_t delay;
  {
    std::lock_guard lock(mutex_);
    Dialer& dialer = dialers_[index];
    if (!dialer.dialling || dialer.attempts != attempt) return;  // concluded already
    dialer.dialling = false;
    // The peer may have dialled us meanwhile.
    if (peers_.count(dialer.address.node_id)) return;
    delay = next_backoff_locked(dialer);
  }
  log::debug("p2p", {.peer = dialers_[index].address.node_id},
             "dialling {} failed ({}); retrying in {} ms", dialers_[index].address.node_id, why,
             delay);
  if (!stopped_) schedule_dial(index, delay);
}

void PeerNetwork::Impl::dial(std::size_t index) {
  DialAttempt attempt;
  Endpoint endpoint;
  {
    std::lock_guard lock(mutex_);
    Dialer& dialer = dialers_[index];
    if (dialer.dialling || peers_.count(dialer.address.node_id)) return;
    dialer.dialling = true;
    attempt = {index, ++dialer.attempts, dialer.address.node_id};
    endpoint = dialer.address.endpoint;
  }
  auto resolver = std::make_shared<tcp::resolver>(io_);
  auto socket = std::make_shared<tcp::socket>(asio::make_strand(io_));
  resolver->async_resolve(
      endpoint.host, std::to_string(endpoint.port),
      [self = shared_from_this(), resolver, socket, attempt](
          boost::system::error_code ec, tcp::resolver::results_type results) {
        if (ec) return self->attempt_failed(attempt.dialer, attempt.attempt, "resolve: " + ec.message());
        asio::async_connect(
            *socket, results,
            [self, socket, attempt](boost::system::error_code connect_ec, const tcp::endpoint&) {
              if (connect_ec) {
                return self->attempt_failed(attempt.dialer, attempt.attempt, connect_ec.message());
              }
              if (self->stopped_) return;
              // From here the attempt ends in admit() or closed().
              auto connection = std::make_shared<Connection>(self, std::move(*socket), *self->tls_,
                                                             self->config_.p2p, attempt);
              {
                std::lock_guard lock(self->mutex_);
                self->pending_.insert(connection);
              }
              connection->start();
            });
      });
}

bool PeerNetwork::Impl::leave_handshake_locked(const Connection* connection) {
  auto it = std::find_if(pending_.begin(), pending_.end(),
                         [&](const auto& c) { return c.get() == connection; });
  if (it == pending_.end()) return false;
  pending_.erase(it);
  if (!connection->outbound()) {
    TC_ASSERT(inbound_handshakes_ > 0);
    --inbound_handshakes_;
    auto from_address = handshakes_by_address_.find(connection->remote());
    TC_ASSERT(from_address != handshakes_by_address_.end() && from_address->second > 0);
    if (--from_address->second == 0) handshakes_by_address_.erase(from_address);
  }
  return true;
}

std::optional<std::string> PeerNetwork::Impl::admit(const std::shared_ptr<Connection>& connection) {
  std::lock_guard lock(mutex_);
  leave_handshake_locked(connection.get());
  if (const auto& dial = connection->dial()) {
    // The attempt is over either way; a refused one is not redialled while
    // the peer is connected otherwise.
    Dialer& dialer = dialers_[dial->dialer];
    if (dialer.dialling && dialer.attempts == dial->attempt) dialer.dialling = false;
  }
  if (stopped_) return "node stopping";
  const std::string& id = connection->peer_id();
  auto existing = peers_.find(id);
  if (existing != peers_.end()) {
    // Both sides keep the connection dialled by the smaller node id.
    const std::string& own = identity_.node_id;
    bool keep_new = connection->dialler(own) < existing->second->dialler(own);
    if (!keep_new) return "duplicate connection";
    existing->second->close("replaced by a connection dialled by the smaller id");
    existing->second = connection;
  } else {
    if (peers_.size() >= config_.p2p.max_peers) {
      return std::to_string(peers_.size()) + " peers already (p2p.max_peers)";
    }
    peers_.emplace(id, connection);
  }
  for (Dialer& dialer : dialers_) {
    if (dialer.address.node_id == id) dialer.backoff_ms = 0;
  }
  return std::nullopt;
}

void PeerNetwork::Impl::closed(Connection* connection) {
  std::string id = connection->peer_id();
  bool was_peer = false;
  std::optional<std::size_t> redial;
  std::uint64_t delay = 0;
  {
    std::lock_guard lock(mutex_);
    leave_handshake_locked(connection);
    auto it = peers_.find(id);
    if (it != peers_.end() && it->second.get() == connection) {
      peers_.erase(it);
      was_peer = true;
    }
    // Redial after our own attempt failed at any stage (the peer id may be
    // empty then: TLS never completed), or after losing an admitted peer.
    std::optional<std::size_t> index;
    if (const auto& dial = connection->dial()) {
      Dialer& dialer = dialers_[dial->dialer];
      if (dialer.dialling && dialer.attempts == dial->attempt) dialer.dialling = false;
      index = dial->dialer;
    } else if (was_peer) {
      for (std::size_t i = 0; i < dialers_.size(); ++i) {
        if (dialers_[i].address.node_id == id) index = i;
      }
    }
    if (index) {
      Dialer& dialer = dialers_[*index];
      if (!dialer.dialling && !peers_.count(dialer.address.node_id)) {
        redial = index;
        delay = next_backoff_locked(dialer);
      }
    }
  }
  if (was_peer) callbacks_.on_disconnected(id);
  if (redial && !stopped_) {
    log::debug("p2p", {.peer = dialers_[*redial].address.node_id}, "redialling {} in {} ms",
               dialers_[*redial].address.node_id, delay);
    schedule_dial(*redial, delay);
  }
}

void PeerNetwork::Impl::log_refusal(std::string_view kind, std::string_view peer,
                                    const std::string& line) {
  log::LogRateLimiter::Verdict verdict = refusals_.admit(kind, log::LogRateLimiter::Clock::now());
  if (verdict.held_back > 0) {
    log::warn("p2p", "{} more refused ({}) in the last second", verdict.held_back, kind);
  }
  if (verdict.write) {
    log::warn("p2p", {.peer = peer}, "{}", line);
  } else {
    arm_refusal_summary();
  }
}

// Summarises held-back refusals once their window has ended, so the count
// of a flood's tail is logged even when nothing follows it.
void PeerNetwork::Impl::arm_refusal_summary() {
  if (summary_armed_.exchange(true)) return;
  asio::post(dial_strand_, [self = shared_from_this()] {
    if (self->stopped_) return;
    self->summary_timer_.expires_after(self->refusals_.window());
    self->summary_timer_.async_wait([self](boost::system::error_code ec) {
      // Cleared before taking the summaries: a line held back after this
      // arms the timer again.
      self->summary_armed_ = false;
      if (ec) return;
      for (const auto& [kind, count] : self->refusals_.take_summaries(log::LogRateLimiter::Clock::now())) {
        log::warn("p2p", "{} more refused ({}) in the last second", count, kind);
      }
      if (self->refusals_.holding_back()) self->arm_refusal_summary();
    });
  });
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

void PeerNetwork::broadcast_frame(std::shared_ptr<const Bytes> frame, const std::string& except) {
  const Digest id = crypto::hash(crypto::HashAlgorithm::kSha256, *frame);
  impl_->broadcast(std::move(frame), id, except);
}

bool PeerNetwork::send(const std::string& peer, const WireMessage& message) {
  Bytes frame = encode_frame(message);
  Digest id = crypto::hash(crypto::HashAlgorithm::kSha256, frame);
  return impl_->send(peer, std::make_shared<const Bytes>(std::move(frame)), id);
}

std::vector<std::string> PeerNetwork::connected_peers() const { return impl_->connected_peers(); }
Endpoint PeerNetwork::listen_endpoint() const { return impl_->listen_endpoint(); }

}  // namespace tracechain::node
