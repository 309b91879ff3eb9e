// Peer-to-peer transport: TCP with TLS 1.3 and mutual certificate
// authentication, framed messages, reconnection, and gossip that does not
// flood.
//
// A connection is admitted when (1) TLS completes with a certificate issued
// by the consortium CA, (2) the certificate's common name is a node id the
// node accepts (the current validators and p2p.allowed_peers), and matches
// the id we dialled, and (3) the peer's Hello names the same node id, chain
// id and genesis hash. Otherwise it is dropped and logged. One connection per
// peer: when two nodes dial each other at once, both keep the connection
// dialled by the smaller id.
//
// Frames above p2p.max_frame_bytes, undecodable payloads and protocol
// violations close that connection only. A peer that reads too slowly (its
// send queue exceeds a bound) is disconnected rather than buffered without
// limit.
//
// Liveness: an admitted connection that has sent nothing for about a second
// sends a keepalive frame; one from which no byte arrived for
// p2p.peer_timeout_ms, or that has taken none of our bytes for as long, is
// closed (and redialled if configured). Keepalives never reach on_message.
//
// Admission limits: p2p.max_peers counts admitted peers only. Inbound
// connections still in TLS or hello are capped separately, in total and per
// remote address, and each is closed after p2p.handshake_timeout_ms; a flood
// of bare TCP connects therefore cannot lock out real peers. Every failed
// outbound attempt (connect, TLS, hello, timeout) is redialled with backoff.
// Refusal log lines are rate-limited per kind (log::LogRateLimiter).
//
// Gossip: every broadcast message has an id (its hash). Each connection
// remembers, in a bounded set, the ids it received or sent, and a broadcast
// skips peers known to have the message already.
//
// Threading: runs on the io_context it is given (any number of threads);
// each connection has its own strand; the callbacks are invoked on a
// connection's strand and must not block. Public methods are thread-safe.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/config.h"
#include "node/log.h"
#include "node/wire.h"

namespace tracechain::node {

struct PeerIdentity {
  ledger::ChainId chain_id;
  Digest genesis_hash{};
  std::string node_id;
};

struct P2pCallbacks {
  // Whether a node id may connect (called for every TLS peer).
  std::function<bool(const std::string& node_id)> accept_peer;
  // A message from an admitted peer (never a Hello). `message_id` is the
  // frame's hash, for relaying with broadcast(..., except).
  std::function<void(const std::string& peer, const WireMessage& message,
                     const Digest& message_id)>
      on_message;
  std::function<void(const std::string& peer)> on_connected;
  std::function<void(const std::string& peer)> on_disconnected;
  // Our committed height, for the Hello.
  std::function<std::uint64_t()> height;
};

// Builds a TLS 1.3 context that presents our certificate and requires and
// verifies the peer's against the CA. Errors name the file.
Result<std::shared_ptr<boost::asio::ssl::context>> make_tls_context(const NodeConfig& config);

class PeerNetwork {
 public:
  PeerNetwork(boost::asio::io_context& io, std::shared_ptr<boost::asio::ssl::context> tls,
              const NodeConfig& config, PeerIdentity identity, P2pCallbacks callbacks);
  ~PeerNetwork();
  PeerNetwork(const PeerNetwork&) = delete;
  PeerNetwork& operator=(const PeerNetwork&) = delete;

  // Binds the listen address and starts dialling the configured peers.
  Status start();
  // Closes every connection and stops dialling; callbacks may still run for
  // work already queued on the io_context.
  void stop();

  // Sends to every admitted peer not known to have `message_id`, except `except`.
  void broadcast(const WireMessage& message, const Digest& message_id,
                 const std::string& except = {});
  // The same for a frame already encoded (its id is the frame's hash).
  void broadcast_frame(std::shared_ptr<const Bytes> frame, const std::string& except = {});
  // Sends to one peer if connected; returns whether it was.
  bool send(const std::string& peer, const WireMessage& message);

  std::vector<std::string> connected_peers() const;
  // The address actually bound (useful with port 0).
  Endpoint listen_endpoint() const;

  // The id gossip uses for a message: the hash of its frame.
  static Digest message_id(const WireMessage& message);

  class Impl;  // opaque

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tracechain::node
