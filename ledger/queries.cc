#include "ledger/queries.h"

#include <algorithm>
#include <charconv>

#include "ledger/handlers.h"

namespace tracechain::ledger {

namespace {

template <Decodable T>
Result<T> find(const StateView& state, const std::string& key, const std::string& what) {
  try {
    auto value = detail::load_record<T>(state, key);
    if (!value) return Error(ErrorCode::kNotFound, what + " does not exist");
    return std::move(*value);
  } catch (const StateReadError& e) {
    return Error(ErrorCode::kCorruption, e.what());
  }
}

std::vector<TrailEntry> history(const StateView& state, const std::string& prefix) {
  std::vector<TrailEntry> entries;
  state.scan(prefix, [&](std::string_view key, ByteView value) {
    auto entry = decode<TrailEntry>(value);
    if (!entry) throw StateReadError("trail entry '" + std::string(key) + "' is corrupt");
    entries.push_back(std::move(*entry));
    return true;
  });
  return entries;
}

// The last path component of every key under `prefix`, after `start_after`.
std::vector<std::string> index_page(const StateView& state, const std::string& prefix,
                                    std::string_view start_after, std::size_t limit) {
  std::vector<std::string> ids;
  state.scan(prefix, [&](std::string_view key, ByteView) {
    std::string_view id = key.substr(prefix.size());
    if (!start_after.empty() && id <= start_after) return true;
    ids.emplace_back(id);
    return ids.size() < limit;
  });
  return ids;
}

template <typename F>
auto guarded(F&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const StateReadError& e) {
    return Error(ErrorCode::kCorruption, e.what());
  }
}

// The records stored under `prefix` + id, a page of them.
template <typename T>
Result<RecordPage<T>> records_page(const StateView& state, const std::string& prefix,
                                   std::string_view start_after, std::size_t limit) {
  return guarded([&]() -> Result<RecordPage<T>> {
    RecordPage<T> page;
    std::string last;
    state.scan(prefix, [&](std::string_view key, ByteView value) {
      std::string_view id = key.substr(prefix.size());
      if (!start_after.empty() && id <= start_after) return true;
      if (page.records.size() == limit) {
        page.next = last;
        return false;
      }
      last = id;
      auto record = decode<T>(value);
      if (!record) {
        throw StateReadError(std::string(T::kTypeName) + " '" + std::string(id) + "' is corrupt");
      }
      page.records.push_back(std::move(*record));
      return true;
    });
    return page;
  });
}

}  // namespace

Result<RecordPage<GovernanceProposal>> proposals_page(const StateView& state,
                                                      std::string_view start_after,
                                                      std::size_t limit) {
  return records_page<GovernanceProposal>(state, keys::proposal(""), start_after, limit);
}

Result<RecordPage<Asset>> assets_page(const StateView& state, std::string_view start_after,
                                      std::size_t limit) {
  return records_page<Asset>(state, keys::asset(""), start_after, limit);
}

Result<RecordPage<Trade>> trades_page(const StateView& state, std::string_view start_after,
                                      std::size_t limit) {
  return records_page<Trade>(state, keys::trade(""), start_after, limit);
}

Result<Participant> find_participant(const StateView& state, std::string_view id) {
  return find<Participant>(state, keys::participant(id), "participant '" + std::string(id) + "'");
}

Result<Asset> find_asset(const StateView& state, std::string_view id) {
  return find<Asset>(state, keys::asset(id), "asset '" + std::string(id) + "'");
}

Result<Trade> find_trade(const StateView& state, std::string_view id) {
  return find<Trade>(state, keys::trade(id), "trade '" + std::string(id) + "'");
}

Result<Attestation> find_attestation(const StateView& state, const Digest& id) {
  return find<Attestation>(state, keys::attestation(id), "attestation " + to_hex(id));
}

Result<SourceReview> find_source_review(const StateView& state, const Digest& id) {
  return find<SourceReview>(state, keys::source_review(id), "source review " + to_hex(id));
}

Result<GovernanceProposal> find_proposal(const StateView& state, std::string_view id) {
  return find<GovernanceProposal>(state, keys::proposal(id),
                                  "proposal '" + std::string(id) + "'");
}

Result<TradeTrail> trade_trail(const StateView& state, std::string_view trade_id) {
  return guarded([&]() -> Result<TradeTrail> {
    TradeTrail trail;
    auto trade = find_trade(state, trade_id);
    if (!trade) return trade.error();
    trail.trade = std::move(*trade);
    trail.steps = history(state, keys::trade_history_prefix(trade_id));
    auto asset = find_asset(state, trail.trade.asset);
    if (!asset) return asset.error().with_context("trade '" + std::string(trade_id) + "'");
    trail.asset = std::move(*asset);
    // The registration creates the asset's record, so it is the first entry
    // of the asset's history: one read, however many trades the asset has.
    auto first = detail::load_record<TrailEntry>(state, keys::asset_history(trail.asset.id, 0));
    if (!first || first->tx_hash != trail.asset.registration_tx) {
      throw StateReadError("asset '" + trail.asset.id +
                           "': the first entry of its history is not its registration");
    }
    trail.registration = std::move(*first);

    std::vector<Digest> reviews;
    std::vector<Digest> attestations;
    auto add_once = [](std::vector<Digest>& list, const std::optional<Digest>& id) {
      if (id && std::find(list.begin(), list.end(), *id) == list.end()) list.push_back(*id);
    };
    for (const TradeReviewRecord& review : trail.trade.reviews) {
      add_once(reviews, review.source_review);
      add_once(attestations, review.buyer_attestation);
      add_once(attestations, review.provider_attestation);
    }
    for (const Digest& id : reviews) {
      // A rejecting review may name records that do not exist; the trail
      // lists what exists.
      if (auto review = find_source_review(state, id)) trail.source_reviews.push_back(*review);
    }
    for (const Digest& id : attestations) {
      if (auto attestation = find_attestation(state, id)) {
        trail.attestations.push_back(*attestation);
      }
    }
    return trail;
  });
}

Result<AssetHistory> asset_history(const StateView& state, std::string_view asset_id) {
  return guarded([&]() -> Result<AssetHistory> {
    AssetHistory result;
    auto asset = find_asset(state, asset_id);
    if (!asset) return asset.error();
    result.asset = std::move(*asset);
    result.entries = history(state, keys::asset_history_prefix(asset_id));
    for (const TrailEntry& entry : result.entries) {
      if (entry.kind != TxKind::kAssetReview || entry.status != TxStatus::kOk) continue;
      auto review = find_source_review(state, entry.tx_hash);
      if (!review) return review.error();
      result.reviews.push_back(std::move(*review));
    }
    return result;
  });
}

std::vector<std::string> trades_of_participant(const StateView& state,
                                               std::string_view participant,
                                               std::string_view start_after, std::size_t limit) {
  return index_page(state, keys::participant_trades_prefix(participant), start_after, limit);
}

std::vector<std::string> trades_of_asset(const StateView& state, std::string_view asset,
                                         std::string_view start_after, std::size_t limit) {
  return index_page(state, keys::asset_trades_prefix(asset), start_after, limit);
}

Result<std::vector<PartyTradeCreation>> participant_history(const StateView& state,
                                                            std::string_view participant,
                                                            std::size_t max) {
  return guarded([&]() -> Result<std::vector<PartyTradeCreation>> {
    std::vector<std::string> ids = trades_of_participant(state, participant, {}, max + 1);
    if (ids.size() > max) {
      return Error(ErrorCode::kResourceExhausted,
                   "'" + std::string(participant) + "' is a party to more than " +
                       std::to_string(max) + " trades");
    }
    std::vector<PartyTradeCreation> creations;
    creations.reserve(ids.size());
    for (std::string& id : ids) {
      auto entry = find<TrailEntry>(state, keys::trade_history(id, 0),
                                    "the creation entry of trade '" + id + "'");
      if (!entry) {
        return Error(ErrorCode::kCorruption, "trade '" + id + "' of '" + std::string(participant) +
                                                 "': " + entry.error().message());
      }
      creations.push_back({std::move(id), std::move(*entry)});
    }
    std::sort(creations.begin(), creations.end(), [](const auto& a, const auto& b) {
      return std::pair(a.entry.height, a.entry.index) < std::pair(b.entry.height, b.entry.index);
    });
    return creations;
  });
}

Result<AssetHistoryPage> asset_history_page(const StateView& state, std::string_view asset_id,
                                            std::optional<std::uint64_t> start_after,
                                            std::size_t limit) {
  return guarded([&]() -> Result<AssetHistoryPage> {
    AssetHistoryPage page;
    const std::string prefix = keys::asset_history_prefix(asset_id);
    state.scan(prefix, [&](std::string_view key, ByteView value) {
      std::string_view digits = key.substr(prefix.size());
      std::uint64_t seq = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), seq, 16);
      if (ec != std::errc() || end != digits.data() + digits.size()) {
        throw StateReadError("asset history key '" + std::string(key) + "' is malformed");
      }
      if (start_after && seq <= *start_after) return true;
      if (page.entries.size() == limit) {
        page.next = page.entries.back().first;
        return false;
      }
      auto entry = decode<TrailEntry>(value);
      if (!entry) throw StateReadError("trail entry '" + std::string(key) + "' is corrupt");
      page.entries.emplace_back(seq, std::move(*entry));
      return true;
    });
    return page;
  });
}

Result<AttestationPage> attestations_page(const StateView& state, std::string_view participant,
                                          std::optional<Digest> start_after, std::size_t limit) {
  return guarded([&]() -> Result<AttestationPage> {
    AttestationPage page;
    const std::string after = start_after ? to_hex(*start_after) : std::string();
    // One more than the page, to know whether more follow.
    std::vector<std::string> ids = index_page(state, keys::subject_attestations_prefix(participant),
                                              after, limit == SIZE_MAX ? limit : limit + 1);
    for (std::size_t i = 0; i < ids.size() && i < limit; ++i) {
      auto id = digest_from_hex(ids[i]);
      if (!id) throw StateReadError("attestation index entry '" + ids[i] + "' is malformed");
      auto attestation = find_attestation(state, *id);
      if (!attestation) return attestation.error();
      page.attestations.push_back(std::move(*attestation));
    }
    if (ids.size() > limit) page.next = page.attestations.back().id;
    return page;
  });
}

}  // namespace tracechain::ledger
