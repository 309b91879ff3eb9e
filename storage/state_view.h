// The ledger's state over the store's "state" column: ledger::StateView
// implemented with point reads and bounded prefix scans, live or at a
// snapshot. Execution and the ledger's queries (trade trails, trades of a
// participant, ...) run over it unchanged.
//
// An engine read failure is thrown as ledger::StateReadError, as StateView's
// contract asks; the ledger turns it into an Error at its boundary. As
// thread-safe as the reader it wraps.
#pragma once

#include <memory>

#include "ledger/state.h"
#include "storage/kv.h"

namespace tracechain::storage {

class KvStateView final : public ledger::StateView {
 public:
  // `reader` must outlive the view.
  explicit KvStateView(const KvReader& reader) : reader_(&reader) {}

  std::optional<Bytes> get(std::string_view key) const override;
  void scan(std::string_view prefix,
            const std::function<bool(std::string_view key, ByteView value)>& visit)
      const override;

 private:
  const KvReader* reader_;
};

// The state as of one committed block, unaffected by later commits.
class StateSnapshot final : public ledger::StateView {
 public:
  StateSnapshot(std::unique_ptr<KvReader> reader, std::uint64_t height)
      : reader_(std::move(reader)), view_(*reader_), height_(height) {}

  // The committed height whose state this is.
  std::uint64_t height() const { return height_; }
  // The whole store (blocks, receipts, ...) at the same point.
  const KvReader& reader() const { return *reader_; }

  std::optional<Bytes> get(std::string_view key) const override { return view_.get(key); }
  void scan(std::string_view prefix,
            const std::function<bool(std::string_view key, ByteView value)>& visit)
      const override {
    view_.scan(prefix, visit);
  }

 private:
  std::unique_ptr<KvReader> reader_;
  KvStateView view_;
  std::uint64_t height_;
};

}  // namespace tracechain::storage
