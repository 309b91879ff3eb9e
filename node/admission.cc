#include "node/admission.h"

#include <boost/asio/post.hpp>

namespace tracechain::node {

// One submit() call on its way through the verification pool.
struct Admission::Batch {
  std::vector<Bytes> encoded;
  std::vector<Result<ledger::AdmittedTxPtr>> checked;  // per entry; set by its slice
  std::atomic<std::size_t> slices_left{0};
  std::function<void(std::vector<Result<Digest>>)> done;
  std::string from_peer;
};

Admission::Admission(Mempool& mempool, ledger::VerifiedSignatures& verified, crypto::Suite suite,
                     std::size_t max_frame_bytes, std::size_t threads, Hooks hooks)
    : mempool_(mempool),
      verified_(verified),
      suite_(suite),
      max_frame_bytes_(max_frame_bytes),
      threads_(std::max<std::size_t>(1, threads)),
      hooks_(std::move(hooks)),
      pool_(threads_) {}

Admission::~Admission() { join(); }

void Admission::join() { pool_.join(); }

void Admission::set_state(std::shared_ptr<const ledger::StateView> state, std::uint64_t height) {
  std::lock_guard lock(state_mutex_);
  state_ = std::move(state);
  height_ = height;
}

void Admission::submit(std::vector<Bytes> encoded,
                       std::function<void(std::vector<Result<Digest>>)> done,
                       const std::string& from_peer) {
  const std::size_t count = encoded.size();
  if (count == 0) {
    if (done) done({});
    return;
  }
  const std::size_t before = waiting_.fetch_add(count);
  const std::size_t taken = before >= kMaxWaiting ? 0 : std::min(count, kMaxWaiting - before);
  if (taken < count) waiting_.fetch_sub(count - taken);
  auto batch = std::make_shared<Batch>();
  batch->encoded = std::move(encoded);
  batch->checked.reserve(count);
  for (std::size_t i = 0; i < count; ++i) {
    batch->checked.emplace_back(Error(ErrorCode::kResourceExhausted,
                                      "node busy verifying " + std::to_string(kMaxWaiting) +
                                          " transactions, retry"));
  }
  batch->done = std::move(done);
  batch->from_peer = from_peer;
  if (taken == 0) {
    finish(*batch);
    return;
  }
  // A hand-off per slice, not per transaction; the last slice to finish
  // queues the whole batch.
  const std::size_t slices = std::min(taken, threads_);
  const std::size_t per_slice = (taken + slices - 1) / slices;
  batch->slices_left = (taken + per_slice - 1) / per_slice;
  for (std::size_t first = 0; first < taken; first += per_slice) {
    const std::size_t last = std::min(taken, first + per_slice);
    boost::asio::post(pool_, [this, batch, first, last] {
      waiting_.fetch_sub(last - first);
      std::shared_ptr<const ledger::StateView> state;
      std::uint64_t next_height = 0;
      {
        std::lock_guard lock(state_mutex_);
        state = state_;
        next_height = height_ + 1;
      }
      for (std::size_t i = first; i < last; ++i) {
        batch->checked[i] = state ? mempool_.check(std::move(batch->encoded[i]), *state,
                                                   next_height, suite_, verified_)
                                  : Result<ledger::AdmittedTxPtr>(Error(
                                        ErrorCode::kUnavailable, "the node is not ready"));
      }
      if (batch->slices_left.fetch_sub(1) == 1) finish(*batch);
    });
  }
}

void Admission::finish(Batch& batch) {
  std::vector<Result<Digest>> results;
  results.reserve(batch.checked.size());
  std::vector<std::shared_ptr<const Bytes>> relay;
  std::size_t relay_bytes = 0;
  bool admitted = false;
  auto flush = [&] {
    if (relay.empty()) return;
    if (hooks_.relay) hooks_.relay(relay, batch.from_peer);
    relay.clear();
    relay_bytes = 0;
  };
  for (std::size_t i = 0; i < batch.checked.size(); ++i) {
    Result<ledger::AdmittedTxPtr>& checked = batch.checked[i];
    if (!checked) {
      results.emplace_back(checked.error());
      continue;
    }
    std::shared_ptr<const Bytes> encoded = (*checked)->bytes;
    results.push_back(mempool_.insert(*checked));
    if (!results.back()) continue;
    admitted = true;
    // Half a frame leaves room for the framing around the transactions.
    if (relay_bytes + encoded->size() > max_frame_bytes_ / 2) flush();
    relay_bytes += encoded->size();
    relay.push_back(std::move(encoded));
  }
  flush();
  if (admitted && hooks_.waiting) hooks_.waiting();
  if (batch.done) batch.done(std::move(results));
}

}  // namespace tracechain::node
