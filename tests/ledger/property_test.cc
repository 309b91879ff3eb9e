// Determinism of execution under random transaction sequences: two runs of
// the same blocks give byte-identical receipts, deltas and roots, and
// executing a block never modifies the state it reads.
//
// Signatures are not what this checks, so transactions go unsigned through a
// checker that accepts them; everything else (authentication rules, business
// rules) runs for real. A failure prints the seed that replays it.
#include <catch2/catch.hpp>

#include <random>

#include "tests/support/test_chain.h"

using namespace tracechain;
using namespace tracechain::ledger;
using test::label_hash;

namespace {

struct AcceptAll : SignatureChecker {
  Status check(const Transaction&, const Digest&, const crypto::PublicKey&) const override {
    return {};
  }
};

// Draws plausible transactions over a small pool of ids, so that they often
// meet existing records (and as often break business rules).
class Generator {
 public:
  Generator(std::uint64_t seed, const Genesis& genesis) : random_(seed), genesis_(genesis) {}

  Transaction next(std::uint64_t height) {
    Transaction tx;
    tx.chain_id = genesis_.chain_id;
    tx.suite = genesis_.suite;
    tx.expiry_height = height + pick(3);
    tx.nonce = random_() % 4096;  // small space: some replays are drawn on purpose
    auto participant = [&] { return genesis_.participants[pick(genesis_.participants.size())].id; };
    auto trade = [&] { return "trade-" + std::to_string(pick(6)); };
    auto asset = [&] { return "asset-" + std::to_string(pick(4)); };
    auto known = [&](const std::vector<Digest>& pool) -> std::optional<Digest> {
      if (pool.empty() || pick(8) == 0) return label_hash("unknown " + std::to_string(pick(3)));
      return pool[pick(pool.size())];
    };
    switch (pick(14)) {
      case 0:
        tx.kind = TxKind::kIdentityAttest;
        tx.payload = encode(AttestPayload{participant(), "legal-entity", label_hash("e"),
                                          genesis_.time_ms, genesis_.time_ms + pick(20) * 1000 + 1});
        break;
      case 1:
        tx.kind = TxKind::kIdentityRevoke;
        tx.payload = encode(RevokePayload{*known(attestations), label_hash("r")});
        break;
      case 2:
        tx.kind = TxKind::kAssetRegister;
        tx.payload = encode(AssetRegisterPayload{asset(), label_hash("c"), label_hash("m"),
                                                 static_cast<std::uint8_t>(1 + pick(4)),
                                                 label_hash("s"), label_hash("l")});
        break;
      case 3:
        tx.kind = TxKind::kAssetReview;
        tx.payload = encode(AssetReviewPayload{asset(), static_cast<SourceVerdict>(1 + pick(3)),
                                               label_hash("r"), "r1"});
        break;
      case 4:
        tx.kind = TxKind::kTradeCreate;
        tx.payload = encode(TradeCreatePayload{trade(), asset(), label_hash("t")});
        break;
      case 5: {
        const bool accept = pick(2) != 0;
        tx.kind = accept ? TxKind::kTradeAccept : TxKind::kTradeDecline;
        tx.payload =
            accept ? encode(TradeAcceptPayload{trade()}) : encode(TradeDeclinePayload{trade()});
        break;
      }
      case 6: {
        tx.kind = TxKind::kTradeReview;
        TradeReviewPayload p;
        p.trade_id = trade();
        p.verdict = pick(4) ? TradeVerdict::kApprove : TradeVerdict::kReject;
        p.buyer_attestation = known(attestations);
        p.provider_attestation = known(attestations);
        p.source_review = known(reviews);
        if (pick(2)) p.security_assessment_hash = label_hash("a");
        tx.payload = encode(p);
        break;
      }
      case 7:
        tx.kind = TxKind::kTradeDeliver;
        tx.payload = encode(TradeDeliverPayload{trade(), label_hash("d"), DeliveryMethod::kApi});
        break;
      case 8:
        tx.kind = TxKind::kTradeConfirm;
        tx.payload = encode(TradeConfirmPayload{trade()});
        break;
      case 9:
        tx.kind = TxKind::kTradeRecordUsage;
        tx.payload = encode(TradeUsagePayload{trade(), label_hash("u"), 1 + pick(100)});
        break;
      case 10:
        tx.kind = TxKind::kTradeSettle;
        tx.payload = encode(TradeSettlePayload{trade(), label_hash("p"), pick(1000), "CNY"});
        break;
      case 11: {
        const bool dispute = pick(2) != 0;
        tx.kind = dispute ? TxKind::kTradeOpenDispute : TxKind::kTradeCancel;
        tx.payload = dispute ? encode(TradeOpenDisputePayload{trade(), label_hash("why")})
                             : encode(TradeCancelPayload{trade(), label_hash("why")});
        break;
      }
      case 12:
        tx.kind = TxKind::kTradeResolveDispute;
        tx.payload = encode(TradeResolvePayload{trade(), label_hash("ruling"),
                                                static_cast<DisputeOutcome>(1 + pick(3))});
        break;
      default: {
        tx.kind = pick(2) ? TxKind::kGovernancePropose : TxKind::kGovernanceApprove;
        std::string id = "proposal-" + std::to_string(pick(3));
        if (tx.kind == TxKind::kGovernanceApprove) {
          tx.payload = encode(ApprovePayload{id});
        } else {
          Change change;
          change.type = pick(2) ? ChangeType::kSuspendParticipant : ChangeType::kReinstateParticipant;
          change.subject = participant();
          tx.payload = encode(ProposePayload{id, change, height + 1 + pick(5)});
        }
        break;
      }
    }
    // Senders are drawn from those whose roles may send the kind most of
    // the time, and from anyone otherwise (to exercise refusals).
    tx.sender = participant();
    if (pick(5) != 0) {
      std::vector<std::string> eligible;
      for (const auto& p : genesis_.participants) {
        if (p.roles & roles_allowed(tx.kind)) eligible.push_back(p.id);
      }
      if (!eligible.empty()) tx.sender = eligible[pick(eligible.size())];
    }
    return tx;
  }

  // Remembers the records this block created, so later draws can cite them.
  void learn(const std::vector<Transaction>& txs, const std::vector<Receipt>& receipts) {
    for (std::size_t i = 0; i < txs.size(); ++i) {
      if (!receipts[i].ok()) continue;
      if (txs[i].kind == TxKind::kIdentityAttest) attestations.push_back(receipts[i].tx_hash);
      if (txs[i].kind == TxKind::kAssetReview) reviews.push_back(receipts[i].tx_hash);
    }
  }

  std::vector<Digest> attestations;
  std::vector<Digest> reviews;

 private:
  std::uint64_t pick(std::uint64_t n) { return random_() % n; }

  std::mt19937_64 random_;
  const Genesis& genesis_;
};

struct Run {
  std::vector<Block> blocks;
  std::vector<Bytes> receipts;  // encoded, per block
  std::vector<Bytes> deltas;    // encoded, per block
  std::vector<Digest> state_roots;
  std::size_t ok_receipts = 0;
  std::size_t failed_receipts = 0;
};

}  // namespace

TEST_CASE("random transaction sequences execute identically twice",
          "[ledger][property]") {
  constexpr std::uint64_t kSequences = 1500;
  constexpr std::uint64_t kBlocks = 6;
  constexpr std::size_t kCandidates = 12;

  test::TestChain fixture;  // only for its genesis and keys
  const Genesis& genesis = fixture.genesis();
  AcceptAll accept_all;
  std::size_t total_ok = 0;
  std::size_t total_failed = 0;

  for (std::uint64_t seed = 1; seed <= kSequences; ++seed) {
    INFO("seed " << seed << " (replay: run this test with the loop fixed to this seed)");
    Generator generator(seed, genesis);
    MemoryState state;
    state.apply(genesis_delta(genesis));
    ChainTip tip = genesis_tip(genesis);
    ChainParams params = chain_params(genesis);
    Run first;
    for (std::uint64_t b = 0; b < kBlocks; ++b) {
      std::vector<Transaction> candidates;
      for (std::size_t i = 0; i < kCandidates; ++i) candidates.push_back(generator.next(tip.height + 1));
      BlockContext context{tip.height + 1, tip.time_ms + 1000 + b, "validator-0"};
      const MemoryState before = state;
      auto built = build_block(state, tip, context, candidates, {}, accept_all);
      REQUIRE(built.ok());
      REQUIRE(state == before);  // building never touches the state it reads
      auto validated = validate_block(state, tip, built->block, accept_all);
      REQUIRE(validated.ok());
      REQUIRE(state == before);
      REQUIRE(encode(validated->receipts) == encode(built->executed.receipts));

      generator.learn(built->block.to_block().transactions, built->executed.receipts);
      for (const Receipt& r : built->executed.receipts) (r.ok() ? first.ok_receipts : first.failed_receipts)++;
      first.blocks.push_back(built->block.to_block());
      first.receipts.push_back(encode(built->executed.receipts));
      first.deltas.push_back(encode(built->executed.delta));
      first.state_roots.push_back(built->executed.state_root);
      state.apply(built->executed.delta);
      tip = next_tip(params, built->block.header, built->executed);
    }

    // Replay the same blocks on a fresh copy of genesis.
    MemoryState replay_state;
    replay_state.apply(genesis_delta(genesis));
    ChainTip replay_tip = genesis_tip(genesis);
    for (std::size_t b = 0; b < first.blocks.size(); ++b) {
      const Block& block = first.blocks[b];
      BlockContext context{block.header.height, block.header.time_ms, block.header.proposer};
      auto executed = execute_block(replay_state, replay_tip, context, block.transactions, accept_all);
      REQUIRE(executed.ok());
      REQUIRE(encode(executed->receipts) == first.receipts[b]);
      REQUIRE(encode(executed->delta) == first.deltas[b]);
      REQUIRE(executed->state_root == first.state_roots[b]);
      REQUIRE(make_header(params, replay_tip, context, *executed) == block.header);
      replay_state.apply(executed->delta);
      replay_tip = next_tip(params, block.header, *executed);
    }
    REQUIRE(replay_state == state);
    total_ok += first.ok_receipts;
    total_failed += first.failed_receipts;
  }
  // The generator must exercise both outcomes substantially, or the property
  // says little.
  CHECK(total_ok > kSequences * 5);
  CHECK(total_failed > kSequences * 5);
}
