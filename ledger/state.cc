#include "ledger/state.h"

#include <cstring>

namespace tracechain::ledger {

Digest next_state_root(crypto::HashAlgorithm algorithm, const Digest& previous_root,
                       const StateDelta& delta) {
  Digest delta_hash = crypto::hash(algorithm, encode(delta));
  std::uint8_t buffer[2 * kDigestSize];
  std::memcpy(buffer, previous_root.data(), kDigestSize);
  std::memcpy(buffer + kDigestSize, delta_hash.data(), kDigestSize);
  return crypto::hash(algorithm, ByteView(buffer, sizeof(buffer)));
}

// ---------------------------------------------------------------- MemoryState

std::optional<Bytes> MemoryState::get(std::string_view key) const {
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

void MemoryState::scan(std::string_view prefix,
                       const std::function<bool(std::string_view, ByteView)>& visit) const {
  for (auto it = entries_.lower_bound(prefix);
       it != entries_.end() && std::string_view(it->first).starts_with(prefix); ++it) {
    if (!visit(it->first, it->second)) return;
  }
}

std::optional<Bytes> MemoizedView::get(std::string_view key) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = found_.find(key); it != found_.end()) return it->second;
  }
  std::optional<Bytes> value = base_.get(key);
  if (value) {
    std::lock_guard lock(mutex_);
    found_.emplace(std::string(key), *value);
  }
  return value;
}

void MemoizedView::scan(std::string_view prefix,
                        const std::function<bool(std::string_view, ByteView)>& visit) const {
  base_.scan(prefix, visit);
}

void MemoryState::apply(const StateDelta& delta) {
  for (const StateWrite& write : delta) {
    if (write.value) {
      entries_.insert_or_assign(write.key, *write.value);
    } else {
      entries_.erase(write.key);
    }
  }
}

// --------------------------------------------------------------- StateOverlay

std::optional<Bytes> StateOverlay::get(std::string_view key) const {
  if (auto it = writes_.find(key); it != writes_.end()) return it->second;
  return base_->get(key);
}

void StateOverlay::scan(std::string_view prefix,
                        const std::function<bool(std::string_view, ByteView)>& visit) const {
  // Merge the base's keys with the overlay's in order; the overlay wins on
  // equal keys, and its deletions hide the base's entries.
  auto mine = writes_.lower_bound(prefix);
  auto mine_in_range = [&] {
    return mine != writes_.end() && std::string_view(mine->first).starts_with(prefix);
  };
  bool stopped = false;
  base_->scan(prefix, [&](std::string_view key, ByteView value) {
    while (mine_in_range() && std::string_view(mine->first) < key) {
      if (mine->second && !visit(mine->first, *mine->second)) {
        stopped = true;
        return false;
      }
      ++mine;
    }
    if (mine_in_range() && std::string_view(mine->first) == key) {
      bool keep_going = !mine->second || visit(mine->first, *mine->second);
      ++mine;
      if (!keep_going) stopped = true;
      return keep_going;
    }
    if (!visit(key, value)) {
      stopped = true;
      return false;
    }
    return true;
  });
  if (stopped) return;
  for (; mine_in_range(); ++mine) {
    if (mine->second && !visit(mine->first, *mine->second)) return;
  }
}

void StateOverlay::put(std::string_view key, Bytes value) {
  writes_.insert_or_assign(std::string(key), std::optional<Bytes>(std::move(value)));
}

void StateOverlay::erase(std::string_view key) {
  writes_.insert_or_assign(std::string(key), std::nullopt);
}

void StateOverlay::merge_into(StateOverlay& parent) {
  TC_ASSERT_MSG(base_ == &parent, "an overlay merges only into the overlay it sits on");
  for (auto& [key, value] : writes_) parent.writes_.insert_or_assign(key, std::move(value));
  writes_.clear();
}

StateDelta StateOverlay::delta() const {
  StateDelta delta;
  delta.reserve(writes_.size());
  for (const auto& [key, value] : writes_) delta.push_back({key, value});
  return delta;
}

}  // namespace tracechain::ledger
