#include "node/rpc/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace tracechain::node::rpc {

RateLimiter::RateLimiter(std::uint64_t per_second, std::uint64_t burst, std::size_t max_clients)
    : per_second_(static_cast<double>(per_second)),
      burst_(static_cast<double>(std::max<std::uint64_t>(burst, 1))),
      max_clients_(std::max<std::size_t>(max_clients, 1)) {}

void RateLimiter::refill(Bucket& bucket, Clock::time_point now) const {
  if (now <= bucket.updated) return;
  double seconds = std::chrono::duration<double>(now - bucket.updated).count();
  bucket.tokens = std::min(burst_, bucket.tokens + seconds * per_second_);
  bucket.updated = now;
}

RateLimiter::Bucket& RateLimiter::bucket_for(const std::string& client, Clock::time_point now) {
  if (auto it = buckets_.find(client); it != buckets_.end()) return it->second;
  if (buckets_.size() >= max_clients_) {
    for (auto it = buckets_.begin(); it != buckets_.end();) {
      refill(it->second, now);
      it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
    }
  }
  if (buckets_.size() >= max_clients_) {
    if (!overflow_started_) {
      overflow_ = {burst_, now};
      overflow_started_ = true;
    }
    return overflow_;
  }
  return buckets_.emplace(client, Bucket{burst_, now}).first->second;
}

bool RateLimiter::take(const std::string& client, std::uint64_t requests, Clock::time_point now) {
  if (per_second_ <= 0) return true;
  std::lock_guard lock(mutex_);
  Bucket& bucket = bucket_for(client, now);
  refill(bucket, now);
  double wanted = static_cast<double>(requests);
  if (bucket.tokens < wanted) return false;
  bucket.tokens -= wanted;
  return true;
}

std::uint64_t RateLimiter::retry_after_seconds() const {
  if (per_second_ <= 0) return 0;
  return static_cast<std::uint64_t>(std::max(1.0, std::ceil(1.0 / per_second_)));
}

}  // namespace tracechain::node::rpc
