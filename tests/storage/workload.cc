#include "tests/storage/workload.h"

#include <cstdio>
#include <stdexcept>

#include "ledger/payloads.h"

namespace tracechain::test {

using namespace ledger;

namespace {

constexpr std::uint64_t kTenYearsMs = 10ull * 365 * 24 * 3600 * 1000;

}  // namespace

Workload::Workload(TestChain& chain, WorkloadOptions options)
    : chain_(chain), options_(options) {
  for (const GenesisParticipant& p : chain.genesis().participants) {
    if (has_role(p.roles, Role::kProvider)) providers_.push_back(p.id);
    if (has_role(p.roles, Role::kBuyer)) buyers_.push_back(p.id);
    if (has_role(p.roles, Role::kReviewer)) reviewers_.push_back(p.id);
    if (has_role(p.roles, Role::kOperator) && operator_.empty()) operator_ = p.id;
    if (has_role(p.roles, Role::kAttestor) && attestor_.empty()) attestor_ = p.id;
  }
  if (providers_.empty() || buyers_.empty() || reviewers_.empty() || operator_.empty() ||
      attestor_.empty()) {
    throw std::invalid_argument(
        "a workload needs a provider, a buyer, a reviewer, an operator and an attestor");
  }
}

std::string Workload::trade_id(std::uint64_t n) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "trade-%08llu", static_cast<unsigned long long>(n));
  return buffer;
}

Transaction Workload::make(const std::string& sender, TxKind kind, const Bytes& payload) {
  return chain_.make_raw(sender, kind, payload, expiry_);
}

void Workload::queue_setup() {
  const std::uint64_t from = chain_.genesis().time_ms;
  std::vector<std::string> subjects = providers_;
  subjects.insert(subjects.end(), buyers_.begin(), buyers_.end());
  for (const std::string& subject : subjects) {
    AttestPayload attest{subject, "legal-entity", label_hash("evidence " + subject), from,
                         from + kTenYearsMs};
    Transaction tx = make(attestor_, TxKind::kIdentityAttest, attest);
    attestations_[subject] = transaction_hash(tx);  // an attestation's id is its tx hash
    setup_.push_back(std::move(tx));
  }
  for (const std::string& provider : providers_) {
    for (std::size_t i = 0; i < options_.assets_per_provider; ++i) {
      Asset asset{provider + "-data-" + std::to_string(i), provider, {}};
      AssetRegisterPayload registration{asset.id,
                                        label_hash("content " + asset.id),
                                        label_hash("metadata " + asset.id),
                                        static_cast<std::uint8_t>(1 + assets_.size() % 2),
                                        label_hash("source declaration " + asset.id),
                                        label_hash("licence " + asset.id)};
      setup_.push_back(make(provider, TxKind::kAssetRegister, registration));
      AssetReviewPayload review{asset.id, SourceVerdict::kApprove,
                                label_hash("source report " + asset.id), "rules-2026.1"};
      const std::string& reviewer = reviewers_[assets_.size() % reviewers_.size()];
      Transaction reviewed = make(reviewer, TxKind::kAssetReview, review);
      asset.source_review = transaction_hash(reviewed);
      setup_.push_back(std::move(reviewed));
      assets_.push_back(std::move(asset));
    }
  }
}

std::vector<Transaction> Workload::next(std::uint64_t height, std::size_t count) {
  expiry_ = height + options_.lifetime_blocks;
  if (trades_started_ == 0 && setup_.empty() && assets_.empty()) queue_setup();
  std::vector<Transaction> txs;
  txs.reserve(count);
  while (txs.size() < count && !setup_.empty()) {
    txs.push_back(std::move(setup_.front()));
    setup_.pop_front();
  }
  if (!setup_.empty()) return txs;
  // Each active trade takes one step, oldest first; then new trades start.
  for (std::size_t turns = active_.size(); turns > 0 && txs.size() < count; --turns) {
    Trade trade = std::move(active_.front());
    active_.pop_front();
    bool done = false;
    txs.push_back(step(trade, done));
    if (done) {
      ++trades_settled_;
    } else {
      active_.push_back(std::move(trade));
    }
  }
  while (txs.size() < count) {
    Trade trade;
    trade.n = trades_started_++;
    trade.asset = trade.n % assets_.size();
    trade.buyer = buyers_[(trade.n / assets_.size()) % buyers_.size()];
    bool done = false;
    txs.push_back(step(trade, done));
    active_.push_back(std::move(trade));
  }
  return txs;
}

Transaction Workload::step(Trade& trade, bool& done) {
  const std::string id = trade_id(trade.n);
  const Asset& asset = assets_[trade.asset];
  const std::size_t k = options_.usage_reports;
  const std::size_t s = trade.step++;
  if (s == 0) {
    return make(trade.buyer, TxKind::kTradeCreate,
                TradeCreatePayload{id, asset.id, label_hash("terms " + id)});
  }
  if (s == 1) return make(asset.provider, TxKind::kTradeAccept, TradeAcceptPayload{id});
  if (s == 2 && options_.failed_attempt_every != 0 &&
      trade.n % options_.failed_attempt_every == options_.failed_attempt_every - 1 &&
      !trade.failed_attempt) {
    // Too early: the trade is not delivered yet, so this fails on the record.
    trade.failed_attempt = true;
    --trade.step;
    return make(trade.buyer, TxKind::kTradeConfirm, TradeConfirmPayload{id});
  }
  if (s == 2) {
    TradeReviewPayload review;
    review.trade_id = id;
    review.verdict = TradeVerdict::kApprove;
    review.buyer_attestation = attestations_.at(trade.buyer);
    review.provider_attestation = attestations_.at(asset.provider);
    review.source_review = asset.source_review;
    review.report_hash = label_hash("trade review " + id);
    return make(reviewers_[trade.n % reviewers_.size()], TxKind::kTradeReview, review);
  }
  if (s == 3) {
    return make(asset.provider, TxKind::kTradeDeliver,
                TradeDeliverPayload{id, label_hash("delivery " + id), DeliveryMethod::kApi});
  }
  if (s < 4 + k) {
    return make(trade.buyer, TxKind::kTradeRecordUsage,
                TradeUsagePayload{id, label_hash("usage " + id + " " + std::to_string(s)),
                                  10 + s});
  }
  if (s == 4 + k) return make(trade.buyer, TxKind::kTradeConfirm, TradeConfirmPayload{id});
  done = true;
  return make(operator_, TxKind::kTradeSettle,
              TradeSettlePayload{id, label_hash("payment " + id), 1000 * (trade.n + 1), "CNY"});
}

}  // namespace tracechain::test
