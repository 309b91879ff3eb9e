// Identity attestations and key rotation; data assets and their source reviews.
#include "ledger/handlers.h"

namespace tracechain::ledger::detail {

// ---------------------------------------------------------------- identity

Outcome execute(TxContext& ctx, const AttestPayload& payload) {
  if (!ctx.exists(keys::participant(payload.subject))) {
    return fail(Reason::kNotFound, "participant '" + payload.subject + "' does not exist");
  }
  if (payload.subject == ctx.tx.sender) {
    return fail(Reason::kWrongParty, "an attestor cannot attest itself");
  }
  Attestation attestation;
  attestation.id = ctx.tx_hash;
  attestation.attestor = ctx.tx.sender;
  attestation.subject = payload.subject;
  attestation.claim_type = payload.claim_type;
  attestation.evidence_hash = payload.evidence_hash;
  attestation.valid_from_ms = payload.valid_from_ms;
  attestation.valid_until_ms = payload.valid_until_ms;
  attestation.height = ctx.block.height;
  ctx.store(keys::attestation(attestation.id), attestation);
  ctx.mark(keys::subject_attestation(payload.subject, attestation.id));
  return done({{"identity.attested", payload.subject}});
}

Outcome execute(TxContext& ctx, const RevokePayload& payload) {
  std::string key = keys::attestation(payload.attestation_id);
  auto attestation = ctx.load<Attestation>(key);
  if (!attestation) {
    return fail(Reason::kNotFound,
                "attestation " + to_hex(payload.attestation_id) + " does not exist");
  }
  if (attestation->attestor != ctx.tx.sender) {
    return fail(Reason::kWrongParty, "attestation " + to_hex(attestation->id) +
                                         " was made by '" + attestation->attestor +
                                         "'; only its attestor may revoke it");
  }
  if (attestation->revoked_height) {
    return fail(Reason::kWrongState, "attestation " + to_hex(attestation->id) +
                                         " was already revoked at height " +
                                         std::to_string(*attestation->revoked_height));
  }
  attestation->revoked_height = ctx.block.height;
  attestation->revocation_tx = ctx.tx_hash;
  attestation->revocation_reason_hash = payload.reason_hash;
  ctx.store(key, *attestation);
  return done({{"identity.revoked", attestation->subject}});
}

Outcome execute(TxContext& ctx, const RotateKeyPayload& payload) {
  std::string key = keys::participant(ctx.tx.sender);
  Participant participant = ctx.sender;
  std::uint64_t effective = ctx.block.height + 1;
  if (participant.keys.back().from_height == effective) {
    return fail(Reason::kWrongState, "a key rotation of '" + participant.id +
                                         "' already takes effect at height " +
                                         std::to_string(effective));
  }
  if (participant.current_key() == payload.new_public_key) {
    return fail(Reason::kAlreadyExists, "the new key is already the current key");
  }
  // From the next height on only the new key signs; the old one stays in the
  // record so that auditors can verify what it signed before.
  participant.keys.push_back({effective, payload.new_public_key});
  ctx.store(key, participant);
  return done({{"identity.key-rotated", participant.id}});
}

// ------------------------------------------------------------------ assets

Outcome execute(TxContext& ctx, const AssetRegisterPayload& payload) {
  std::string key = keys::asset(payload.asset_id);
  if (ctx.exists(key)) {
    return fail(Reason::kAlreadyExists, "asset '" + payload.asset_id + "' already exists");
  }
  Asset asset;
  asset.id = payload.asset_id;
  asset.provider = ctx.tx.sender;
  asset.content_hash = payload.content_hash;
  asset.metadata_hash = payload.metadata_hash;
  asset.level = payload.level;
  asset.source_declaration_hash = payload.source_declaration_hash;
  asset.licence_terms_hash = payload.licence_terms_hash;
  asset.registered_height = ctx.block.height;
  asset.registration_tx = ctx.tx_hash;
  ctx.store(key, asset);
  return done({{"asset.registered", asset.id}});
}

Outcome execute(TxContext& ctx, const AssetReviewPayload& payload) {
  std::string key = keys::asset(payload.asset_id);
  auto asset = ctx.load<Asset>(key);
  if (!asset) return fail(Reason::kNotFound, "asset '" + payload.asset_id + "' does not exist");
  if (asset->provider == ctx.tx.sender) {
    return fail(Reason::kWrongParty, "a provider cannot review its own asset's source");
  }
  SourceReview review;
  review.id = ctx.tx_hash;
  review.asset = asset->id;
  review.reviewer = ctx.tx.sender;
  review.verdict = payload.verdict;
  review.report_hash = payload.report_hash;
  review.rule_set_version = payload.rule_set_version;
  review.height = ctx.block.height;
  ctx.store(keys::source_review(review.id), review);
  asset->latest_review = review.id;
  asset->latest_verdict = review.verdict;
  ctx.store(key, *asset);
  return done({{"asset.reviewed", asset->id}});
}

}  // namespace tracechain::ledger::detail
