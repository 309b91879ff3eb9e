// Read-only queries over ledger state for auditors, front-ends and tools: a
// trade's full trail, trades by participant or asset, a participant's
// attestations, an asset's history.
//
// They read through a StateView, so they work the same on a node's RocksDB
// state and on in-memory state. Lists come in pages (ids after `start_after`,
// at most `limit`) so that memory stays bounded on any ledger size. Pure; as
// thread-safe as the view.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ledger/model.h"
#include "ledger/state.h"

namespace tracechain::ledger {

struct TradeTrail {
  Trade trade;
  // Every transaction that touched the trade, in order, failed attempts too.
  std::vector<TrailEntry> steps;
  Asset asset;
  // The asset's registration.
  TrailEntry registration;
  // The source reviews and attestations the trade's reviews relied on, each
  // once, in the order the reviews named them.
  std::vector<SourceReview> source_reviews;
  std::vector<Attestation> attestations;
};

Result<TradeTrail> trade_trail(const StateView& state, std::string_view trade_id);

struct AssetHistory {
  Asset asset;
  // Registration, source reviews and trade requests, in order.
  std::vector<TrailEntry> entries;
  std::vector<SourceReview> reviews;
};

Result<AssetHistory> asset_history(const StateView& state, std::string_view asset_id);

// Trade ids in id order.
std::vector<std::string> trades_of_participant(const StateView& state,
                                               std::string_view participant,
                                               std::string_view start_after = {},
                                               std::size_t limit = 100);
std::vector<std::string> trades_of_asset(const StateView& state, std::string_view asset,
                                         std::string_view start_after = {},
                                         std::size_t limit = 100);

// The creation of every trade `participant` is a party to, in chain order
// (the history its commitment keys::history(keys::participant(id)) covers),
// each with its trade's id. kResourceExhausted beyond `max` trades.
struct PartyTradeCreation {
  std::string trade_id;
  TrailEntry entry;
};
Result<std::vector<PartyTradeCreation>> participant_history(const StateView& state,
                                                            std::string_view participant,
                                                            std::size_t max);

// A page of an asset's history: at most `limit` entries after sequence
// number `start_after` (from the first when none), each with its sequence
// number; `next` is the last one's when more follow.
struct AssetHistoryPage {
  std::vector<std::pair<std::uint64_t, TrailEntry>> entries;
  std::optional<std::uint64_t> next;
};
Result<AssetHistoryPage> asset_history_page(const StateView& state, std::string_view asset_id,
                                            std::optional<std::uint64_t> start_after,
                                            std::size_t limit);

// A page of the attestations about a participant, revoked ones included, in
// id order: at most `limit` after the id `start_after`; `next` is the last
// one's id when more follow.
struct AttestationPage {
  std::vector<Attestation> attestations;
  std::optional<Digest> next;
};
Result<AttestationPage> attestations_page(const StateView& state, std::string_view participant,
                                          std::optional<Digest> start_after, std::size_t limit);

// A page of the records of one kind, in id order: at most `limit` after the
// id `start_after` (from the first when empty); `next` is the last one's id
// when more follow. The work is the page's, not the ledger's.
template <typename T>
struct RecordPage {
  std::vector<T> records;
  std::optional<std::string> next;
};
Result<RecordPage<GovernanceProposal>> proposals_page(const StateView& state,
                                                      std::string_view start_after,
                                                      std::size_t limit);
Result<RecordPage<Asset>> assets_page(const StateView& state, std::string_view start_after,
                                      std::size_t limit);
Result<RecordPage<Trade>> trades_page(const StateView& state, std::string_view start_after,
                                      std::size_t limit);

Result<Participant> find_participant(const StateView& state, std::string_view id);
Result<Asset> find_asset(const StateView& state, std::string_view id);
Result<Trade> find_trade(const StateView& state, std::string_view id);
Result<Attestation> find_attestation(const StateView& state, const Digest& id);
Result<SourceReview> find_source_review(const StateView& state, const Digest& id);
Result<GovernanceProposal> find_proposal(const StateView& state, std::string_view id);

}  // namespace tracechain::ledger
