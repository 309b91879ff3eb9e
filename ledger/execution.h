// Executing blocks: a pure function of (state before, chain tip, block context,
// transactions) giving receipts, the state delta and every root the header
// commits to.
//
// Each transaction goes through two stages:
//
//  1. Authentication (authenticate()): it decodes and validates, is for this
//     chain and suite, comes from a known and active participant, carries a
//     valid signature by that participant's current key, the sender holds a
//     role allowed to send this kind, its nonce is unused and its expiry
//     height is neither past nor further ahead than policy allows. A
//     transaction that fails here never enters a block: the mempool refuses
//     it, a proposer drops it, and a block containing one is invalid. The
//     sender's status, roles and nonces are checked only after its signature
//     verifies, and an unknown sender gets the same answer as a bad
//     signature, so a refusal tells an anonymous submitter nothing about
//     participants.
//  2. Execution: the business rules of its kind. A failure here still yields
//     a receipt (status failed, a reason and a precise message) and a mark on
//     the trail of the trade or asset it concerns, so attempts stay on record;
//     its other writes are discarded. The nonce is used either way.
//
// Nothing here reads a clock or draws randomness: time is the block's time.
// Execution writes only into overlays; the caller's state is never modified.
// The functions are thread-safe given thread-safe StateView reads.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "crypto/merkle.h"
#include "ledger/genesis.h"
#include "ledger/payloads.h"
#include "ledger/state.h"
#include "ledger/state_tree.h"

namespace tracechain::ledger {

// What executing the next block needs to know about the last committed one.
struct ChainTip {
  std::uint64_t height = 0;  // 0: only genesis so far
  Digest header_hash{};      // genesis hash at height 0
  std::uint64_t time_ms = 0;
  Digest state_root{};
  crypto::MerkleFrontier log;
  // The state tree after the tip, on a chain that commits to one (its root
  // is state_root); null on a chain of header format 1.
  std::shared_ptr<const StateTree> tree;

  // The tree is compared by its root, which state_root already is.
  bool operator==(const ChainTip& other) const {
    return height == other.height && header_hash == other.header_hash &&
           time_ms == other.time_ms && state_root == other.state_root && log == other.log &&
           (tree == nullptr) == (other.tree == nullptr);
  }
};

ChainTip genesis_tip(const Genesis& genesis);

struct BlockContext {
  std::uint64_t height = 0;
  std::uint64_t time_ms = 0;
  ParticipantId proposer;
};

// Signature verification, replaceable so that a node can skip transactions it
// has already verified at admission. The default verifies every time.
class SignatureChecker {
 public:
  virtual ~SignatureChecker() = default;
  virtual Status check(const Transaction& tx, const Digest& tx_hash,
                       const crypto::PublicKey& key) const;
};

const SignatureChecker& default_signature_checker();

// A transaction on its way into a block: decoded once, its canonical bytes
// shared rather than copied (the mempool, block building, the executed block
// and the store's batch all hold the same bytes) and hashed once. The
// mempool holds these for transactions that passed authentication.
struct AdmittedTx {
  Transaction tx;
  std::shared_ptr<const Bytes> bytes;
  Digest hash{};
  // The payload, decoded and validated when admission authenticated the
  // transaction; block building then checks everything else again at the
  // block's height without decoding it a second time.
  std::optional<Payload> payload;

  // Decodes `encoded` (kInvalidInput above kMaxTransactionSize or when it
  // does not decode) and hashes it; the payload is left to authentication.
  static Result<AdmittedTx> from_bytes(Bytes encoded, crypto::Suite suite);
  // Encodes and hashes a transaction built in memory.
  static std::shared_ptr<const AdmittedTx> from_transaction(Transaction tx, crypto::Suite suite);
};
using AdmittedTxPtr = std::shared_ptr<const AdmittedTx>;

// A block whose transactions are AdmittedTx values: each keeps the canonical
// bytes it travels in and its hash, so a block is decoded and its
// transactions hashed once, when it arrives, and written out again from the
// same buffers. Its encoding is a Block's (receipt.h), byte for byte.
struct AdmittedBlock {
  BlockHeader header;
  std::vector<AdmittedTxPtr> transactions;

  // The transactions' hashes, in order.
  std::vector<Digest> tx_hashes() const;
  // The decoded form; copies every transaction.
  Block to_block() const;
  // Encodes and hashes each transaction of a block built in memory.
  static AdmittedBlock from_block(const Block& block, crypto::Suite suite);
};

// Decodes an untrusted block as decode<Block> does (the same errors, no
// trailing bytes, every field valid), slicing each transaction's bytes out of
// `encoded` and hashing them for `suite`. Payloads are left to authentication.
Result<AdmittedBlock> decode_block(ByteView encoded, crypto::Suite suite);
// The block's canonical encoding, written from the transactions' buffers.
Bytes encode_block(const AdmittedBlock& block);

// A node of the ledger-wide log that a block's leaves complete.
struct LogNode {
  std::uint32_t level = 0;
  std::uint64_t index = 0;
  Digest hash{};
  bool operator==(const LogNode&) const = default;
};

// What executing a block gives: everything the store writes, already
// encoded and hashed, and every root its header commits to.
struct ExecutedBlock {
  std::vector<Digest> tx_hashes;
  std::vector<std::shared_ptr<const Bytes>> tx_bytes;  // canonical encodings
  std::vector<Receipt> receipts;
  std::vector<Bytes> receipt_bytes;  // canonical encodings
  std::vector<LogLeaf> leaves;
  std::vector<LogNode> log_nodes;  // the log nodes the leaves complete, in order
  StateDelta delta;
  // The state tree with the delta applied, on a chain that commits to one.
  std::shared_ptr<const StateTree> tree;
  Digest transactions_root{};
  Digest receipts_root{};
  Digest state_root{};
  crypto::MerkleFrontier log;  // the ledger-wide log after this block
  Digest log_root{};
  Digest validator_set_hash{};  // of the set that signs this block
  Digest next_validator_set_hash{};  // of the set that signs the next block
  // The set that signs the next block, when this block changed it.
  std::optional<ValidatorSet> next_validators;
};

// Stage 1 for one transaction as the next one at `height` on top of `state`.
// On success returns the decoded payload.
Result<Payload> authenticate(const StateView& state, std::uint64_t height, const Transaction& tx,
                             const Digest& tx_hash, const SignatureChecker& checker);
// The same for a transaction whose payload `decoded` was decoded and
// validated before (by decode_payload, for this chain's suite).
Status authenticate(const StateView& state, std::uint64_t height, const Transaction& tx,
                    const Digest& tx_hash, const SignatureChecker& checker,
                    const Payload& decoded);

// Executes `transactions` as block `context.height` on top of `state`/`tip`.
// Fails, naming the transaction, if any fails authentication, or if the height
// or time does not follow the tip.
Result<ExecutedBlock> execute_block(
    const StateView& state, const ChainTip& tip, const BlockContext& context,
    std::span<const AdmittedTxPtr> transactions,
    const SignatureChecker& checker = default_signature_checker());
// The same for transactions built in memory: each is encoded and hashed.
Result<ExecutedBlock> execute_block(
    const StateView& state, const ChainTip& tip, const BlockContext& context,
    std::span<const Transaction> transactions,
    const SignatureChecker& checker = default_signature_checker());

// Executes a received block and checks every field of its header against the
// result: what a validator does before voting for it.
// A transaction that carries a decoded payload (one the mempool admitted) is
// not decoded again.
Result<ExecutedBlock> validate_block(
    const StateView& state, const ChainTip& tip, const AdmittedBlock& block,
    const SignatureChecker& checker = default_signature_checker());
Result<ExecutedBlock> validate_block(
    const StateView& state, const ChainTip& tip, const Block& block,
    const SignatureChecker& checker = default_signature_checker());

struct BlockLimits {
  std::size_t max_transactions = 10000;
  std::size_t max_bytes = 8 * 1024 * 1024;  // encoded transactions
};

struct BuiltBlock {
  AdmittedBlock block;  // shares the candidates' values
  ExecutedBlock executed;
  // Candidates refused by authentication, by index into the candidates.
  std::vector<std::pair<std::size_t, Error>> dropped;
  std::size_t considered = 0;  // candidates examined before the limits were reached
};

// A proposer's block: candidates in order, dropping any that fail
// authentication, until a limit is reached; the header is filled in.
Result<BuiltBlock> build_block(const StateView& state, const ChainTip& tip,
                               const BlockContext& context,
                               std::span<const AdmittedTxPtr> candidates,
                               const BlockLimits& limits = {},
                               const SignatureChecker& checker = default_signature_checker());
// The same from transactions built in memory (tests, the demo).
Result<BuiltBlock> build_block(const StateView& state, const ChainTip& tip,
                               const BlockContext& context,
                               std::span<const Transaction> candidates,
                               const BlockLimits& limits = {},
                               const SignatureChecker& checker = default_signature_checker());

// The header a block with this execution result must carry.
BlockHeader make_header(const ChainParams& params, const ChainTip& tip,
                        const BlockContext& context, const ExecutedBlock& executed);

// The tip after committing `header` with `executed`.
ChainTip next_tip(const ChainParams& params, const BlockHeader& header,
                  const ExecutedBlock& executed);

// Chain parameters, policy and validator set as recorded in state.
Result<ChainParams> read_chain_params(const StateView& state);
Result<Policy> read_policy(const StateView& state);
Result<ValidatorSet> read_validators(const StateView& state);

}  // namespace tracechain::ledger
