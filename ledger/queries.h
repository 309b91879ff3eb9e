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

// Attestations about a participant, revoked ones included, in id order.
std::vector<Attestation> attestations_of(const StateView& state, std::string_view participant);

Result<Participant> find_participant(const StateView& state, std::string_view id);
Result<Asset> find_asset(const StateView& state, std::string_view id);
Result<Trade> find_trade(const StateView& state, std::string_view id);
Result<Attestation> find_attestation(const StateView& state, const Digest& id);
Result<SourceReview> find_source_review(const StateView& state, const Digest& id);
Result<GovernanceProposal> find_proposal(const StateView& state, std::string_view id);

}  // namespace tracechain::ledger
