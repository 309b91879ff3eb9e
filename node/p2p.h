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
// Refusal log lines are rate-limited per kind (LogRateLimiter).
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

// Holds back repeated log lines so a flood cannot fill the disk with them:
// per kind, at most `burst` lines a window; the rest are counted and
// summarised once their window has ended ("N more refused in the last
// second"). Kinds must come from a small fixed set (the callers' literals):
// the table keeps one entry per kind. Time is an input. Thread-safe.
class LogRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  LogRateLimiter(std::size_t burst, Clock::duration window) : burst_(burst), window_(window) {}

  struct Verdict {
    bool write = false;           // write this line
    std::uint64_t held_back = 0;  // lines of this kind held back in the window
                                  // that just ended: summarise them first
  };
  Verdict admit(std::string_view kind, Clock::time_point now);

  // (kind, count) of the lines held back in windows that ended by `now`;
  // each held-back line is counted in exactly one verdict or summary.
  std::vector<std::pair<std::string, std::uint64_t>> take_summaries(Clock::time_point now);

  // Whether some held-back lines are not yet summarised.
  bool holding_back() const;

  Clock::duration window() const { return window_; }

 private:
  struct Window {
    Clock::time_point start;
    std::size_t written = 0;
    std::uint64_t held_back = 0;
  };

  std::size_t burst_;
  Clock::duration window_;
  mutable std::mutex mutex_;
  std::map<std::string, Window, std::less<>> windows_;  // GUARDED_BY(mutex_)
};

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
