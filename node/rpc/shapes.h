// The JSON shapes of ledger values in RPC results: transactions with their
// decoded payloads, receipts, headers, certificates, validator sets, proofs
// and the state records (trades, assets, participants, ...).
//
// These shapes are an API: front-ends and the auditor's tools parse them, so
// docs/rpc.md describes each one and they change only by adding fields.
// Conventions, the same everywhere:
//   - field names are lowerCamelCase;
//   - hashes, keys and signatures are lower-case hex without "0x";
//   - every value an auditor may need to re-hash carries its canonical
//     encoding as "hex" beside the decoded fields (transactions, receipts,
//     headers, certificates, validator sets, log leaves);
//   - numbers the chain produces (heights, indexes, log sizes, times in ms,
//     rounds, counts) are JSON numbers: they stay far below 2^53;
//   - u64 values a participant chooses freely (nonces, expiry heights,
//     amounts, usage units, validity times, validator power, policy
//     lifetimes) are decimal strings, so JavaScript never rounds them.
//
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>

#include "ledger/genesis.h"
#include "ledger/queries.h"
#include "node/cosignatures.h"
#include "storage/block_store.h"

namespace tracechain::node::rpc {

using Json = nlohmann::json;

// A u64 as a decimal string (see above for which fields use it).
std::string u64_text(std::uint64_t value);

// `hash` is the transaction's hash (the chain hash of its encoding).
Json transaction_json(const ledger::Transaction& tx, const Digest& hash);
// The decoded payload of `kind`, or null when it does not decode.
Json payload_json(ledger::TxKind kind, ByteView payload, crypto::Suite suite);
Json receipt_json(const ledger::Receipt& receipt, crypto::HashAlgorithm algorithm);
Json header_json(const ledger::BlockHeader& header, crypto::HashAlgorithm algorithm);
Json certificate_json(const ledger::CommitCertificate& certificate);
Json validator_set_json(const ledger::ValidatorSet& set);
Json policy_json(const ledger::Policy& policy);
// A witness's cosignature as kept: who, the checkpoint (size, root) of log
// `origin`, its time, the line and the cosigned note.
Json cosignature_json(const std::string& origin, const StoredCosignature& cosignature);
// The proof's leaf (decoded and as hex), its leaf hash, index, log size and path.
Json inclusion_proof_json(const storage::InclusionProof& proof, const crypto::MerkleHasher& hasher);

Json participant_json(const ledger::Participant& participant);
Json attestation_json(const ledger::Attestation& attestation);
Json asset_json(const ledger::Asset& asset);
Json source_review_json(const ledger::SourceReview& review);
Json trade_json(const ledger::Trade& trade);
// A governance proposal with its change, approvals (governor, transaction,
// height) and status; `open` tells whether it can still be approved at
// `height` (the next block's height: not applied, not expired).
Json proposal_json(const ledger::GovernanceProposal& proposal, std::uint64_t height);
Json trail_entry_json(const ledger::TrailEntry& entry);
Json history_commitment_json(const ledger::HistoryCommitment& commitment);

// The decoded record a state value holds, by its key (trades, participants,
// assets, attestations, history commitments, the policy, the validator
// set); null for other keys or a value that does not decode.
Json state_record_json(std::string_view key, ByteView value);

inline constexpr std::string_view kStateProofFormat = "tracechain-state-proof/1";

// A key's value (or its absence) with its state tree proof against the
// certified header of `header.height`: what `tracectl verify-state` checks
// offline (docs/audit.md).
Json state_proof_json(const ledger::ChainParams& params, std::string_view key,
                      const std::optional<Bytes>& value, const ledger::StateTreeProof& proof,
                      const ledger::BlockHeader& header,
                      const ledger::CommitCertificate& certificate,
                      const ledger::ValidatorSet& validators);

// Role names in bit order: ["governor", "operator"].
using ledger::roles_json;

// JSON text that never throws: invalid UTF-8 (which no ledger value holds,
// but a client's id or method name might in theory) is replaced.
std::string dump(const Json& value);

}  // namespace tracechain::node::rpc
