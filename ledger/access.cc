// The business rule of access.checkpoint: a node's read log only grows.
#include "crypto/merkle.h"
#include "ledger/handlers.h"

namespace tracechain::ledger::detail {

// The first checkpoint of a sender is taken as given (nothing on chain to
// extend); every later one must carry the RFC 9162 proof that its log
// extends the previous one, so that no entry a checkpoint covered can be
// changed or dropped afterwards without the chain refusing the next.
Outcome execute(TxContext& ctx, const AccessCheckpointPayload& payload) {
  const std::string key = keys::read_log(ctx.tx.sender);
  std::optional<ReadLogCheckpoint> previous = ctx.load<ReadLogCheckpoint>(key);
  if (!previous) {
    if (!payload.consistency.empty()) {
      return fail(Reason::kInconsistentLog,
                  "the first read-log checkpoint of '" + ctx.tx.sender + "' carries no proof");
    }
  } else {
    if (payload.size <= previous->size) {
      return fail(Reason::kInconsistentLog,
                  "the read log of '" + ctx.tx.sender + "' was already checkpointed at " +
                      std::to_string(previous->size) + " entries; a checkpoint must be larger");
    }
    crypto::MerkleHasher hasher(ctx.params.hash_algorithm());
    if (Status s = crypto::verify_consistency(hasher, previous->size, payload.size, previous->root,
                                              payload.root, payload.consistency);
        !s) {
      return fail(Reason::kInconsistentLog,
                  "the read log of '" + ctx.tx.sender + "' at " + std::to_string(payload.size) +
                      " entries does not extend its checkpoint at " +
                      std::to_string(previous->size) + ": " + s.error().message());
    }
  }
  ctx.store(key, ReadLogCheckpoint{ctx.tx.sender, payload.size, payload.root, ctx.block.height,
                                   ctx.tx_hash});
  return done({{"access.checkpointed", ctx.tx.sender}});
}

}  // namespace tracechain::ledger::detail
