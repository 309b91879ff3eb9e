// Authenticated RPC requests: a participant signs each HTTP request (or the
// WebSocket upgrade) with its ledger key, and the node checks the signature
// against the participant's current key in committed state.
//
// What is signed (docs/rpc.md#authentication has a worked example): the
// signing bytes of an RpcRequestAuth, format version 2,
//   04                      SigningDomain::kRpcRequest
//   u8      format version  02
//   text    chain id
//   text    audience        the id of the node the request is sent to
//   text    request         HTTP method, one space, path without the query: "POST /", "GET /ws"
//   digest  body hash       the chain's hash of the exact body bytes (H("") for none)
//   u64     timestamp       Unix milliseconds
//   text    participant
// carried in the headers X-Tracechain-Participant, X-Tracechain-Timestamp
// (decimal) and X-Tracechain-Signature (hex, the suite's signature form).
// A request is refused when its timestamp is more than the window away from
// the node's clock or earlier than the moment the node started, or when its
// signature was already seen (replay): the replay cache covers everything
// since the start, so a request captured before a restart cannot be replayed
// after it, and the audience makes one captured for another node useless
// here.
//
// Refusals say what to fix about the credentials' form and time, but never
// whether a participant exists, is suspended or has another key: those three
// and a bad signature get the same answer. The precise reason goes to the
// caller's `log_detail` for the operator's log.
//
// Thread-safety: Authenticator::verify may be called from any thread.
#pragma once

#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "ledger/model.h"
#include "ledger/signature_cache.h"

namespace tracechain::node::rpc {

inline constexpr std::string_view kParticipantHeader = "X-Tracechain-Participant";
inline constexpr std::string_view kTimestampHeader = "X-Tracechain-Timestamp";
inline constexpr std::string_view kSignatureHeader = "X-Tracechain-Signature";

// The statement a participant signs to authenticate one request.
struct RpcRequestAuth {
  static constexpr std::string_view kTypeName = "rpc request";
  static constexpr std::uint8_t kFormatVersion = 2;

  ledger::ChainId chain_id;
  std::string audience;  // the receiving node's id
  std::string request;   // "POST /"
  Digest body_hash{};
  std::uint64_t timestamp_ms = 0;
  ledger::ParticipantId participant;

  template <class Archive>
  void serialize_unsigned(Archive& ar) {
    ledger::FormatVersion version{kFormatVersion, kTypeName.data()};
    ar(version, chain_id, audience, request, body_hash, timestamp_ms, participant);
  }
};

// 0x04 followed by the encoding above.
Bytes request_signing_bytes(const RpcRequestAuth& auth);

// The three credentials as the client sent them (headers or, for browsers'
// WebSockets which cannot set headers, the query of the upgrade request).
struct Credentials {
  std::optional<std::string> participant;
  std::optional<std::string> timestamp;
  std::optional<std::string> signature;

  bool any() const { return participant || timestamp || signature; }
};

// Who is calling, as committed state knows them.
struct Caller {
  ledger::ParticipantId id;
  ledger::RoleSet roles = 0;
  Bytes key;  // the participant's key that signed the request
  // The chain's hash of the signed request's signing bytes (for a WebSocket,
  // of the upgrade request): what the read log records.
  Digest request_hash{};

  bool has(ledger::Role role) const { return ledger::has_role(roles, role); }
};

// Why `caller` no longer stands in `state` ("suspended", "roles changed",
// ...), or nothing if it still does: the same participant, active, with the
// same key and roles as when it authenticated.
std::optional<std::string> caller_changed(const ledger::StateView& state, const Caller& caller);

class Authenticator {
 public:
  // Requests must name `audience` (this node's id) and carry a timestamp no
  // earlier than `started_ms` (when this node started: the replay cache
  // holds nothing from before). `replay_capacity` signatures are
  // remembered; beyond that the oldest are forgotten first (replays of them
  // are then caught only by the window).
  Authenticator(ledger::ChainParams params, std::string audience, std::uint64_t window_ms,
                std::uint64_t started_ms, std::size_t replay_capacity = 100'000);

  // Checks `credentials` for a request `request` ("POST /") with `body`,
  // against `state` and the node's clock `now_ms`. Errors are
  // kVerificationFailed (or kInvalidInput for malformed credentials) with a
  // message for the client; on failure `log_detail` (if given) gets the
  // precise reason, which the client is not told.
  Result<Caller> verify(const Credentials& credentials, std::string_view request,
                        std::string_view body, const ledger::StateView& state,
                        std::uint64_t now_ms, std::string* log_detail = nullptr);

  const ledger::ChainParams& params() const { return params_; }

 private:
  // False if `signature` was seen within the window; remembers it otherwise.
  bool remember(const Bytes& signature, std::uint64_t expires_ms, std::uint64_t now_ms);

  ledger::ChainParams params_;
  std::string audience_;
  std::uint64_t window_ms_;
  std::uint64_t started_ms_;
  std::size_t replay_capacity_;

  std::mutex mutex_;
  std::unordered_set<Digest, ledger::DigestHasher> seen_;  // GUARDED_BY(mutex_)
  std::deque<std::pair<std::uint64_t, Digest>> seen_order_;  // GUARDED_BY(mutex_)
};

}  // namespace tracechain::node::rpc
