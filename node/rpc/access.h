// Who may read what (docs/rpc.md#access has the table for people).
//
//   auditor role          everything
//   buyer / provider      their own trades (as a party), the assets they
//                         provide, assets they trade (buyers), their own
//                         transactions, participant record and attestations
//   reviewer              trades awaiting review (agreed) and those they
//                         reviewed; every asset and its history; participants
//                         and their attestations (a review cites them)
//   arbitrator            disputed trades and those they resolved
//   operator              trades to settle or settled (accepted, resolved,
//                         settled);
//                         every asset, its history and its trades
//   attestor              participants, and the attestations they made
//   governor              participants; governance transactions
//   anyone, unsigned      status, headers, certificates, validator-set
//                         changes, consistency proofs; submitting transactions
//
// A transaction is readable by its sender and by whoever may read the record
// it concerns (the trade, asset, attestation subject, ...); so are its
// receipt and proofs. Decisions read one state snapshot.
//
// Thread-safety: an Access is used by one thread; the view must outlive it.
#pragma once

#include <optional>

#include "node/rpc/auth.h"

namespace tracechain::node::rpc {

class Access {
 public:
  // Which attestations about a subject the caller sees.
  enum class Attestations { kNone, kOwn, kAll };  // kOwn: those the caller made

  Access(const ledger::StateView& state, const std::optional<Caller>& caller)
      : state_(state), caller_(caller) {}

  bool authenticated() const { return caller_.has_value(); }
  bool auditor() const { return has(ledger::Role::kAuditor); }

  bool can_read_trade(const ledger::Trade& trade) const;
  bool can_read_asset(const ledger::Asset& asset) const;
  bool can_read_asset_history(const ledger::Asset& asset) const;
  bool can_list_trades_of_participant(std::string_view participant) const;
  bool can_list_trades_of_asset(const ledger::Asset& asset) const;
  bool can_read_participant(std::string_view participant) const;
  Attestations attestations_of(std::string_view subject) const;
  bool can_read_transaction(const ledger::Transaction& tx) const;
  // Governance proposals: governors and auditors.
  bool can_read_proposals() const { return auditor() || has(ledger::Role::kGovernor); }
  // Whole blocks hold everyone's transactions: auditors only.
  bool can_read_blocks() const { return auditor(); }
  // The trade-events subscription delivers events of the caller's own trades.
  bool is_party(const ledger::Trade& trade) const;
  // A state key's proof (state_getProof): whoever may read the record it
  // holds, or the record whose history commitment it is ("hc/<record key>");
  // anyone for the chain parameters, policy and validator set; auditors for
  // every other key, and for keys that hold nothing.
  bool can_read_state_key(std::string_view key) const;

 private:
  bool is(std::string_view participant) const { return caller_ && caller_->id == participant; }
  bool has(ledger::Role role) const { return caller_ && caller_->has(role); }
  bool resolved_by_caller(const ledger::Trade& trade) const;
  bool trades_asset(const ledger::Asset& asset) const;

  const ledger::StateView& state_;
  const std::optional<Caller>& caller_;
};

// Who a record is about, for the read log's "about" (docs/oversight.md): a
// trade's two parties, an asset's provider, a participant, an attestation's
// subject; a transaction's sender and whoever its record is about; a state
// key's record's (none for keys that hold no such record).
std::vector<std::string> trade_parties(const ledger::Trade& trade);
std::vector<std::string> concerned_by(const ledger::StateView& state, const ledger::Transaction& tx);
std::vector<std::string> concerned_by_key(const ledger::StateView& state, std::string_view key);

}  // namespace tracechain::node::rpc
