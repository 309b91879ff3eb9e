// Per-client request rate limits: a token bucket per client address that
// refills at `per_second` up to `burst`. Time is an input, so tests need no
// sleeping.
//
// Memory is bounded: at most `max_clients` buckets are kept; when the table
// is full, buckets that have refilled completely (idle clients) are dropped,
// and if none has, new clients share one overflow bucket, so a flood of
// addresses slows itself rather than growing the table.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace tracechain::node::rpc {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  // per_second == 0 disables the limit.
  RateLimiter(std::uint64_t per_second, std::uint64_t burst, std::size_t max_clients = 10'000);

  // Takes `requests` tokens from `client`'s bucket. False, taking nothing,
  // when the bucket holds fewer.
  bool take(const std::string& client, std::uint64_t requests, Clock::time_point now);

  // Whole seconds after which a refused client has a token again (Retry-After).
  std::uint64_t retry_after_seconds() const;

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point updated;
  };

  void refill(Bucket& bucket, Clock::time_point now) const;
  Bucket& bucket_for(const std::string& client, Clock::time_point now);

  double per_second_;
  double burst_;
  std::size_t max_clients_;
  std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;  // GUARDED_BY(mutex_)
  Bucket overflow_;                                  // GUARDED_BY(mutex_)
  bool overflow_started_ = false;                    // GUARDED_BY(mutex_)
};

}  // namespace tracechain::node::rpc
