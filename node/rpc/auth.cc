#include "node/rpc/auth.h"

#include <charconv>

#include "ledger/queries.h"

namespace tracechain::node::rpc {

namespace {

Error refused(const std::string& message) { return Error(ErrorCode::kVerificationFailed, message); }

Error malformed(const std::string& message) { return Error(ErrorCode::kInvalidInput, message); }

}  // namespace

Bytes request_signing_bytes(const RpcRequestAuth& auth) {
  return ledger::signing_bytes_of(ledger::SigningDomain::kRpcRequest, auth);
}

Authenticator::Authenticator(ledger::ChainParams params, std::string audience,
                             std::uint64_t window_ms, std::uint64_t started_ms,
                             std::size_t replay_capacity)
    : params_(std::move(params)),
      audience_(std::move(audience)),
      window_ms_(window_ms),
      started_ms_(started_ms),
      replay_capacity_(replay_capacity) {}

Result<Caller> Authenticator::verify(const Credentials& credentials, std::string_view request,
                                     std::string_view body, const ledger::StateView& state,
                                     std::uint64_t now_ms, std::string* log_detail) {
  std::string ignored;
  std::string& detail = log_detail ? *log_detail : ignored;
  if (!credentials.participant || !credentials.timestamp || !credentials.signature) {
    return malformed("a signed request needs all of " + std::string(kParticipantHeader) + ", " +
                     std::string(kTimestampHeader) + " and " + std::string(kSignatureHeader));
  }
  const std::string& id = *credentials.participant;
  if (Status s = ledger::validate_identifier("participant", id); !s) {
    return malformed(s.error().message());
  }

  const std::string& stamp = *credentials.timestamp;
  std::uint64_t timestamp_ms = 0;
  auto [end, ec] = std::from_chars(stamp.data(), stamp.data() + stamp.size(), timestamp_ms);
  if (stamp.empty() || ec != std::errc() || end != stamp.data() + stamp.size()) {
    return malformed(std::string(kTimestampHeader) +
                     " must be Unix milliseconds as a decimal number");
  }
  std::uint64_t skew = timestamp_ms > now_ms ? timestamp_ms - now_ms : now_ms - timestamp_ms;
  if (skew > window_ms_) {
    detail = "stale or future timestamp";
    return refused("timestamp " + stamp + " is " + std::to_string(skew) +
                   " ms away from the node's clock (" + std::to_string(now_ms) + "); at most " +
                   std::to_string(window_ms_) + " ms is accepted");
  }
  if (timestamp_ms < started_ms_) {
    detail = "timestamp before the node started";
    return refused("timestamp " + stamp + " is earlier than this node's start (" +
                   std::to_string(started_ms_) + "); sign the request afresh");
  }

  // At most 2 * 72 hex digits: anything longer is no signature of any suite.
  if (credentials.signature->size() > 2 * crypto::kMaxSignatureSize) {
    return malformed(std::string(kSignatureHeader) + " is longer than any signature");
  }
  auto signature = from_hex(*credentials.signature);
  if (!signature || signature->empty()) {
    return malformed(std::string(kSignatureHeader) + " must be the signature in hex");
  }

  // Unknown, suspended, another key or a bad signature: one answer.
  auto not_verified = [&](std::string why) -> Error {
    detail = std::move(why);
    return refused("signature does not verify as participant '" + id + "' for " +
                   std::string(request) + " to node '" + audience_ + "' on chain '" +
                   params_.chain_id +
                   "' with this body and timestamp (or the participant is unknown or suspended)");
  };
  auto participant = ledger::find_participant(state, id);
  if (!participant) {
    if (participant.error().code() == ErrorCode::kNotFound) {
      return not_verified("participant not known to this chain");
    }
    return participant.error();
  }
  auto key = crypto::PublicKey::from_bytes(params_.suite, participant->current_key());
  if (!key) return key.error();

  RpcRequestAuth auth;
  auth.chain_id = params_.chain_id;
  auth.audience = audience_;
  auth.request = std::string(request);
  auth.body_hash = crypto::hash(params_.hash_algorithm(), as_bytes(body));
  auth.timestamp_ms = timestamp_ms;
  auth.participant = id;
  const Bytes signing_bytes = request_signing_bytes(auth);
  if (Status s = key->verify(signing_bytes, *signature); !s) {
    return not_verified("bad signature: " + s.error().message());
  }
  if (!participant->active()) return not_verified("participant suspended");
  if (!remember(*signature, timestamp_ms + window_ms_, now_ms)) {
    detail = "replay";
    return refused("this signed request was already received; sign each request afresh");
  }
  return Caller{id, participant->roles, participant->current_key(),
                crypto::hash(params_.hash_algorithm(), signing_bytes)};
}

std::optional<std::string> caller_changed(const ledger::StateView& state, const Caller& caller) {
  auto participant = ledger::find_participant(state, caller.id);
  if (!participant) return std::string("participant no longer readable");
  if (!participant->active()) return std::string("participant suspended");
  if (participant->current_key() != caller.key) return std::string("key rotated; sign anew");
  if (participant->roles != caller.roles) return std::string("roles changed; sign anew");
  return std::nullopt;
}

bool Authenticator::remember(const Bytes& signature, std::uint64_t expires_ms,
                             std::uint64_t now_ms) {
  Digest key = crypto::hash(crypto::HashAlgorithm::kSha256, signature);
  std::lock_guard lock(mutex_);
  while (!seen_order_.empty() &&
         (seen_order_.front().first < now_ms || seen_order_.size() >= replay_capacity_)) {
    seen_.erase(seen_order_.front().second);
    seen_order_.pop_front();
  }
  if (!seen_.insert(key).second) return false;
  seen_order_.emplace_back(expires_ms, key);
  return true;
}

}  // namespace tracechain::node::rpc
