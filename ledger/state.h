// The ledger's view of state: an ordered key-value map, and the overlay that
// execution writes into.
//
// The ledger never opens a database. It reads through StateView, which the
// storage layer implements over RocksDB and MemoryState implements over a
// std::map. Execution writes only into a StateOverlay stacked on a view; the
// overlay's writes, in key order, are the block's StateDelta, and the state
// root is a hash chain over deltas:
//
//   state_root(h) = H(state_root(h-1) || H(encode(delta(h))))
//
// with state_root(-1) all zero, so genesis's root is H(0^32 || H(genesis delta)).
// That is cheap at any ledger size and makes any divergence between nodes
// visible at the next block.
//
// A StateView implementation may throw StateReadError when it cannot read
// (an I/O failure); execution turns it into an Error at its boundary.
// Views are read from one thread at a time unless an implementation says more.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "crypto/hash.h"
#include "ledger/encoding.h"

namespace tracechain::ledger {

class StateReadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class StateView {
 public:
  virtual ~StateView() = default;

  virtual std::optional<Bytes> get(std::string_view key) const = 0;

  // Calls `visit` for each key starting with `prefix`, in ascending byte order,
  // until it returns false.
  virtual void scan(std::string_view prefix,
                    const std::function<bool(std::string_view key, ByteView value)>& visit)
      const = 0;
};

// One write of a block: a new value, or nullopt to delete the key.
struct StateWrite {
  std::string key;
  std::optional<Bytes> value;

  template <class Archive>
  void serialize(Archive& ar) {
    ar(key, value);
  }

  bool operator==(const StateWrite&) const = default;
};

// A block's writes, sorted by key, one per key.
using StateDelta = std::vector<StateWrite>;

Digest next_state_root(crypto::HashAlgorithm algorithm, const Digest& previous_root,
                       const StateDelta& delta);

// State held in memory: for tests, tools and the consensus simulator.
class MemoryState final : public StateView {
 public:
  std::optional<Bytes> get(std::string_view key) const override;
  void scan(std::string_view prefix,
            const std::function<bool(std::string_view, ByteView)>& visit) const override;

  void apply(const StateDelta& delta);
  std::size_t size() const { return entries_.size(); }
  bool operator==(const MemoryState& other) const { return entries_ == other.entries_; }

 private:
  std::map<std::string, Bytes, std::less<>> entries_;
};

// A view of a state that does not change while the view is used (a block's
// base during its execution, a snapshot during admission), with every key
// found read from the base once: execution reads the chain parameters, the
// policy and the sender's record several times for every transaction. Keys
// not found are not remembered (a fresh nonce is looked up once and never
// again). get() may be called from several threads at once.
class MemoizedView final : public StateView {
 public:
  explicit MemoizedView(const StateView& base) : base_(base) {}
  // Owning the base: it lives as long as this view.
  explicit MemoizedView(std::shared_ptr<const StateView> base)
      : owned_(std::move(base)), base_(*owned_) {}
  MemoizedView(const MemoizedView&) = delete;
  MemoizedView& operator=(const MemoizedView&) = delete;

  std::optional<Bytes> get(std::string_view key) const override;
  void scan(std::string_view prefix,
            const std::function<bool(std::string_view, ByteView)>& visit) const override;

 private:
  std::shared_ptr<const StateView> owned_;
  const StateView& base_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, Bytes, std::less<>> found_;
};

// Writes stacked on a base view, which is never modified. Reads see the
// overlay's writes first. Overlays nest: a transaction's overlay sits on its
// block's, and is merged into it only if the transaction succeeds.
class StateOverlay final : public StateView {
 public:
  // Takes a pointer so that an overlay on an overlay can never be mistaken
  // for a copy. Overlays are not copied or moved: children point at them.
  explicit StateOverlay(const StateView* base) : base_(base) { TC_ASSERT(base != nullptr); }
  StateOverlay(const StateOverlay&) = delete;
  StateOverlay& operator=(const StateOverlay&) = delete;

  std::optional<Bytes> get(std::string_view key) const override;
  void scan(std::string_view prefix,
            const std::function<bool(std::string_view, ByteView)>& visit) const override;

  void put(std::string_view key, Bytes value);
  void erase(std::string_view key);

  // Moves this overlay's writes into the overlay it was stacked on.
  void merge_into(StateOverlay& parent);

  // The writes so far, in key order.
  StateDelta delta() const;
  bool empty() const { return writes_.empty(); }

 private:
  const StateView* base_;
  std::map<std::string, std::optional<Bytes>, std::less<>> writes_;
};

}  // namespace tracechain::ledger
