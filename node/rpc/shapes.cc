#include "node/rpc/shapes.h"

#include <type_traits>
#include <variant>

#include "ledger/checkpoint.h"
#include "ledger/payloads.h"

namespace tracechain::node::rpc {

namespace {

Json hex(const Digest& digest) { return to_hex(digest); }
Json hex(const Bytes& bytes) { return to_hex(bytes); }

template <typename T>
Json optional_hex(const std::optional<T>& value) {
  return value ? Json(to_hex(*value)) : Json(nullptr);
}

std::string kind_name(ledger::TxKind kind) {
  auto name = ledger::tx_kind_name(kind);
  return name ? std::string(*name) : "unknown";
}

Json change_json(const ledger::Change& change) {
  return {
      {"type", ledger::change_type_name(change.type)},
      {"subject", change.subject},
      {"publicKey", hex(change.public_key)},
      {"roles", roles_json(change.roles)},
      {"jurisdiction", change.jurisdiction},
      {"power", u64_text(change.power)},
      {"policy", change.policy ? policy_json(*change.policy) : Json(nullptr)},
  };
}

// A payload field's value in JSON, by its type: u64 as decimal text (JSON
// numbers lose precision past 2^53), digests and keys as hex, enums by name.
Json field_json(const std::string& text) { return text; }
Json field_json(const Digest& digest) { return hex(digest); }
Json field_json(const std::optional<Digest>& digest) { return optional_hex(digest); }
Json field_json(const Bytes& bytes) { return hex(bytes); }
Json field_json(const std::vector<Digest>& digests) {
  Json out = Json::array();
  for (const Digest& d : digests) out.push_back(hex(d));
  return out;
}
Json field_json(std::uint64_t value) { return u64_text(value); }
Json field_json(std::uint8_t level) { return level; }
Json field_json(ledger::SourceVerdict verdict) { return ledger::source_verdict_name(verdict); }
Json field_json(ledger::TradeVerdict verdict) { return ledger::trade_verdict_name(verdict); }
Json field_json(ledger::DeliveryMethod method) { return ledger::delivery_method_name(method); }
Json field_json(ledger::DisputeOutcome outcome) { return ledger::dispute_outcome_name(outcome); }
Json field_json(const ledger::Change& change) { return change_json(change); }

}  // namespace

std::string u64_text(std::uint64_t value) { return std::to_string(value); }

Json payload_json(ledger::TxKind kind, ByteView payload, crypto::Suite suite) {
  auto decoded = ledger::decode_payload(kind, payload, suite);
  if (!decoded) return nullptr;
  Json out = Json::object();
  std::visit(
      [&out](const auto& p) {
        p.fields(p, [&out](const ledger::Field& field, const auto& value) {
          out[std::string(field.json)] = field_json(value);
        });
      },
      *decoded);
  return out;
}

Json transaction_json(const ledger::Transaction& tx, const Digest& hash) {
  return {
      {"hash", hex(hash)},
      {"hex", to_hex(ledger::encode(tx))},
      {"chainId", tx.chain_id},
      {"sender", tx.sender},
      {"kind", kind_name(tx.kind)},
      {"kindCode", static_cast<unsigned>(tx.kind)},
      {"payload", payload_json(tx.kind, tx.payload, tx.suite)},
      {"payloadHex", hex(tx.payload)},
      {"nonce", u64_text(tx.nonce)},
      {"expiryHeight", u64_text(tx.expiry_height)},
      {"suite", crypto::suite_name(tx.suite)},
      {"signature", hex(tx.signature)},
  };
}

Json receipt_json(const ledger::Receipt& receipt, crypto::HashAlgorithm algorithm) {
  Json events = Json::array();
  for (const ledger::Event& event : receipt.events) {
    events.push_back({{"kind", event.kind}, {"subject", event.subject}});
  }
  return {
      {"hash", hex(ledger::receipt_hash(algorithm, receipt))},
      {"hex", to_hex(ledger::encode(receipt))},
      {"txHash", hex(receipt.tx_hash)},
      {"height", receipt.height},
      {"index", receipt.index},
      {"status", receipt.ok() ? "ok" : "failed"},
      {"reason", ledger::reason_name(receipt.reason)},
      {"reasonCode", static_cast<unsigned>(receipt.reason)},
      {"message", receipt.message},
      {"events", std::move(events)},
  };
}

Json header_json(const ledger::BlockHeader& header, crypto::HashAlgorithm algorithm) {
  return {
      {"hash", hex(ledger::header_hash(algorithm, header))},
      {"hex", to_hex(ledger::encode(header))},
      {"format", header.format},
      {"chainId", header.chain_id},
      {"height", header.height},
      {"previousHash", hex(header.previous_hash)},
      {"timeMs", header.time_ms},
      {"proposer", header.proposer},
      {"transactionsRoot", hex(header.transactions_root)},
      {"receiptsRoot", hex(header.receipts_root)},
      {"stateRoot", hex(header.state_root)},
      {"logSize", header.log_size},
      {"logRoot", hex(header.log_root)},
      {"validatorSetHash", hex(header.validator_set_hash)},
      {"nextValidatorSetHash", hex(header.next_validator_set_hash)},
  };
}

Json certificate_json(const ledger::CommitCertificate& certificate) {
  Json signatures = Json::array();
  for (const ledger::CommitSignature& s : certificate.signatures) {
    signatures.push_back({{"validator", s.validator}, {"signature", hex(s.signature)}});
  }
  return {
      {"hex", to_hex(ledger::encode(certificate))},
      {"height", certificate.height},
      {"round", certificate.round},
      {"blockHash", hex(certificate.block_hash)},
      {"signatures", std::move(signatures)},
  };
}

Json validator_set_json(const ledger::ValidatorSet& set) {
  Json validators = Json::array();
  for (const ledger::Validator& v : set.validators) {
    validators.push_back(
        {{"id", v.id}, {"publicKey", hex(v.public_key)}, {"power", u64_text(v.power)}});
  }
  return {
      {"hash", hex(ledger::validator_set_hash(set))},
      {"hex", to_hex(ledger::encode(set))},
      {"suite", crypto::suite_name(set.suite)},
      {"validators", std::move(validators)},
  };
}

Json proposal_json(const ledger::GovernanceProposal& proposal, std::uint64_t height) {
  Json approvals = Json::array();
  for (const ledger::Approval& a : proposal.approvals) {
    approvals.push_back({{"governor", a.governor}, {"txHash", hex(a.tx_hash)}, {"height", a.height}});
  }
  const bool applied = proposal.status == ledger::ProposalStatus::kApplied;
  return {
      {"id", proposal.id},
      {"proposer", proposal.proposer},
      {"change", change_json(proposal.change)},
      {"proposedHeight", proposal.proposed_height},
      {"expiryHeight", proposal.expiry_height},
      {"approvals", std::move(approvals)},
      {"status", applied ? "applied" : height > proposal.expiry_height ? "expired" : "open"},
      {"appliedHeight", applied ? Json(proposal.applied_height) : Json(nullptr)},
  };
}

Json policy_json(const ledger::Policy& policy) {
  Json levels = Json::array();
  for (std::size_t i = 0; i < policy.levels.size(); ++i) {
    const ledger::LevelRule& rule = policy.levels[i];
    levels.push_back({{"level", i + 1},
                      {"tradable", rule.tradable},
                      {"requiredReviews", rule.required_reviews},
                      {"crossBorderAssessment", rule.cross_border_assessment},
                      {"acceptedClaims", rule.accepted_claims},
                      {"attestorRoles", roles_json(rule.attestor_roles)},
                      {"identityUntilSettlement", rule.identity_until_settlement}});
  }
  Json witnesses = Json::array();
  for (const ledger::PolicyWitness& witness : policy.witnesses) {
    witnesses.push_back({{"participant", witness.participant},
                         {"name", witness.name},
                         {"cosigningKey", ledger::cosigning_key_text(witness)}});
  }
  return {
      {"governanceThreshold", policy.governance_threshold},
      {"maxTransactionLifetimeBlocks", u64_text(policy.max_transaction_lifetime)},
      {"maxProposalLifetimeBlocks", u64_text(policy.max_proposal_lifetime)},
      {"levels", std::move(levels)},
      {"witnesses", std::move(witnesses)},
  };
}

Json cosignature_json(const std::string& origin, const StoredCosignature& cosignature) {
  ledger::SignedNote note = cosigned_note(origin, cosignature);
  return {{"participant", cosignature.participant},
          {"name", cosignature.signature.name},
          {"logSize", cosignature.size},
          {"logRoot", hex(cosignature.root)},
          {"time", cosignature.time},
          {"note", ledger::format_note(note)}};
}

Json inclusion_proof_json(const storage::InclusionProof& proof,
                          const crypto::MerkleHasher& hasher) {
  Json path = Json::array();
  for (const Digest& node : proof.path) path.push_back(hex(node));
  return {
      {"leaf",
       {{"hex", to_hex(ledger::encode(proof.leaf))},
        {"txHash", hex(proof.leaf.tx_hash)},
        {"receiptHash", hex(proof.leaf.receipt_hash)},
        {"height", proof.leaf.height},
        {"index", proof.leaf.index}}},
      {"leafHash", hex(ledger::log_leaf_hash(hasher, proof.leaf))},
      {"leafIndex", proof.leaf_index},
      {"logSize", proof.log_size},
      {"path", std::move(path)},
  };
}

Json participant_json(const ledger::Participant& participant) {
  Json keys = Json::array();
  for (const ledger::KeyEpoch& key : participant.keys) {
    keys.push_back({{"fromHeight", key.from_height}, {"publicKey", hex(key.public_key)}});
  }
  return {
      {"id", participant.id},
      {"roles", roles_json(participant.roles)},
      {"jurisdiction", participant.jurisdiction},
      {"status", participant.active() ? "active" : "suspended"},
      {"admittedHeight", participant.admitted_height},
      {"currentKey", participant.keys.empty() ? Json(nullptr) : hex(participant.current_key())},
      {"keys", std::move(keys)},
  };
}

Json attestation_json(const ledger::Attestation& a) {
  return {
      {"id", hex(a.id)},
      {"attestor", a.attestor},
      {"subject", a.subject},
      {"claimType", a.claim_type},
      {"evidenceHash", hex(a.evidence_hash)},
      {"validFromMs", u64_text(a.valid_from_ms)},
      {"validUntilMs", u64_text(a.valid_until_ms)},
      {"height", a.height},
      {"revoked", a.revoked_height.has_value()},
      {"revokedHeight", a.revoked_height ? Json(*a.revoked_height) : Json(nullptr)},
      {"revocationTx", optional_hex(a.revocation_tx)},
      {"revocationReasonHash", a.revoked_height ? hex(a.revocation_reason_hash) : Json(nullptr)},
  };
}

Json asset_json(const ledger::Asset& a) {
  return {
      {"id", a.id},
      {"provider", a.provider},
      {"contentHash", hex(a.content_hash)},
      {"metadataHash", hex(a.metadata_hash)},
      {"level", a.level},
      {"sourceDeclarationHash", hex(a.source_declaration_hash)},
      {"licenceTermsHash", hex(a.licence_terms_hash)},
      {"registeredHeight", a.registered_height},
      {"registrationTx", hex(a.registration_tx)},
      {"latestReview", optional_hex(a.latest_review)},
      {"latestVerdict",
       a.latest_verdict ? Json(ledger::source_verdict_name(*a.latest_verdict)) : Json(nullptr)},
      {"historyCount", a.history_count},
  };
}

Json source_review_json(const ledger::SourceReview& r) {
  return {
      {"id", hex(r.id)},
      {"asset", r.asset},
      {"reviewer", r.reviewer},
      {"verdict", ledger::source_verdict_name(r.verdict)},
      {"reportHash", hex(r.report_hash)},
      {"ruleSetVersion", r.rule_set_version},
      {"height", r.height},
  };
}

Json trade_json(const ledger::Trade& t) {
  Json reviews = Json::array();
  for (const ledger::TradeReviewRecord& r : t.reviews) {
    reviews.push_back({{"reviewer", r.reviewer},
                       {"verdict", trade_verdict_name(r.verdict)},
                       {"buyerAttestation", optional_hex(r.buyer_attestation)},
                       {"providerAttestation", optional_hex(r.provider_attestation)},
                       {"sourceReview", optional_hex(r.source_review)},
                       {"reportHash", hex(r.report_hash)},
                       {"securityAssessmentHash", optional_hex(r.security_assessment_hash)},
                       {"height", r.height},
                       {"txHash", hex(r.tx_hash)}});
  }
  Json delivery = nullptr;
  if (t.delivery) {
    delivery = {{"deliveryHash", hex(t.delivery->delivery_hash)},
                {"method", ledger::delivery_method_name(t.delivery->method)}};
  }
  Json settlement = nullptr;
  if (t.settlement) {
    settlement = {{"paymentReferenceHash", hex(t.settlement->payment_reference_hash)},
                  {"amount", u64_text(t.settlement->amount)},
                  {"currency", t.settlement->currency}};
  }
  Json dispute = nullptr;
  if (t.dispute) {
    dispute = {
        {"openedBy", t.dispute->opened_by},
        {"reasonHash", hex(t.dispute->reason_hash)},
        {"rulingHash", optional_hex(t.dispute->ruling_hash)},
        {"outcome", t.dispute->outcome ? Json(ledger::dispute_outcome_name(*t.dispute->outcome))
                                       : Json(nullptr)}};
  }
  return {
      {"id", t.id},
      {"asset", t.asset},
      {"buyer", t.buyer},
      {"provider", t.provider},
      {"state", ledger::trade_state_name(t.state)},
      {"termsHash", hex(t.terms_hash)},
      {"crossBorder", t.cross_border},
      {"createdHeight", t.created_height},
      {"reviews", std::move(reviews)},
      {"delivery", std::move(delivery)},
      {"usageUnits", u64_text(t.usage_units)},
      {"settlement", std::move(settlement)},
      {"dispute", std::move(dispute)},
      {"historyCount", t.history_count},
  };
}

Json trail_entry_json(const ledger::TrailEntry& e) {
  return {
      {"txHash", hex(e.tx_hash)},
      {"height", e.height},
      {"index", e.index},
      {"kind", kind_name(e.kind)},
      {"sender", e.sender},
      {"status", e.status == ledger::TxStatus::kOk ? "ok" : "failed"},
      {"reason", ledger::reason_name(e.reason)},
  };
}

std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Json history_commitment_json(const ledger::HistoryCommitment& commitment) {
  return {{"count", commitment.count}, {"head", hex(commitment.head)}};
}

namespace {

template <typename T, typename Shape>
Json decoded_or_null(ByteView value, Shape&& shape) {
  auto decoded = ledger::decode<T>(value);
  return decoded ? shape(*decoded) : Json(nullptr);
}

}  // namespace

Json state_record_json(std::string_view key, ByteView value) {
  if (key.starts_with("hc/")) {
    return decoded_or_null<ledger::HistoryCommitment>(value, history_commitment_json);
  }
  if (key.starts_with("t/")) return decoded_or_null<ledger::Trade>(value, trade_json);
  if (key.starts_with("p/")) return decoded_or_null<ledger::Participant>(value, participant_json);
  if (key.starts_with("asset/")) return decoded_or_null<ledger::Asset>(value, asset_json);
  if (key.starts_with("a/")) return decoded_or_null<ledger::Attestation>(value, attestation_json);
  if (key == ledger::keys::kPolicy) return decoded_or_null<ledger::Policy>(value, policy_json);
  if (key == ledger::keys::kValidators) {
    return decoded_or_null<ledger::ValidatorSet>(value, validator_set_json);
  }
  return nullptr;
}

Json state_proof_json(const ledger::ChainParams& params, std::string_view key,
                      const std::optional<Bytes>& value, const ledger::StateTreeProof& proof,
                      const ledger::BlockHeader& header,
                      const ledger::CommitCertificate& certificate,
                      const ledger::ValidatorSet& validators) {
  Json value_json = nullptr;
  if (value) value_json = {{"hex", to_hex(*value)}, {"record", state_record_json(key, *value)}};
  return {
      {"format", std::string(kStateProofFormat)},
      {"chainId", params.chain_id},
      {"suite", crypto::suite_name(params.suite)},
      {"genesisHash", hex(params.genesis_hash)},
      {"height", header.height},
      {"key", std::string(key)},
      {"value", std::move(value_json)},
      {"proof", {{"hex", to_hex(ledger::encode(proof))}, {"depth", proof.siblings.size()}}},
      {"header", header_json(header, params.hash_algorithm())},
      {"certificate", certificate_json(certificate)},
      {"validatorSet", validator_set_json(validators)},
  };
}

}  // namespace tracechain::node::rpc
