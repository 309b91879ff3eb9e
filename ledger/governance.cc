// Governance: M-of-N changes to participants, roles, validators and policy.
#include <algorithm>

#include "ledger/handlers.h"

namespace tracechain::ledger::detail {

namespace {

Event event(std::string kind, std::string subject) {
  return Event{std::move(kind), std::move(subject)};
}

// Active governors in state; governance changes may not leave fewer than the
// threshold, or no change could ever pass again.
std::size_t active_governors(const StateView& state) {
  std::size_t count = 0;
  state.scan("p/", [&](std::string_view, ByteView value) {
    auto participant = decode<Participant>(value);
    if (!participant) throw StateReadError("a participant entry is corrupt");
    count += participant->active() && has_role(participant->roles, Role::kGovernor);
    return true;
  });
  return count;
}

Outcome keep_governable(const TxContext& ctx, std::uint8_t threshold) {
  std::size_t governors = active_governors(ctx.state);
  if (governors < threshold) {
    return fail(Reason::kInvalidChange,
                "the change would leave " + std::to_string(governors) +
                    " active governors, fewer than the threshold of " +
                    std::to_string(threshold));
  }
  return done({});
}

Outcome apply_change(TxContext& ctx, const Change& change) {
  const std::string& subject = change.subject;
  auto participant_key = keys::participant(subject);

  switch (change.type) {
    case ChangeType::kAdmitParticipant: {
      if (ctx.exists(participant_key)) {
        return fail(Reason::kAlreadyExists, "participant '" + subject + "' already exists");
      }
      Participant participant;
      participant.id = subject;
      participant.roles = change.roles;
      participant.jurisdiction = change.jurisdiction;
      participant.admitted_height = ctx.block.height;
      participant.keys.push_back({ctx.block.height, change.public_key});
      ctx.store(participant_key, participant);
      return done({event("participant.admitted", subject)});
    }
    case ChangeType::kGrantRoles:
    case ChangeType::kRevokeRoles:
    case ChangeType::kSuspendParticipant:
    case ChangeType::kReinstateParticipant: {
      auto participant = ctx.load<Participant>(participant_key);
      if (!participant) {
        return fail(Reason::kNotFound, "participant '" + subject + "' does not exist");
      }
      std::string kind;
      if (change.type == ChangeType::kGrantRoles) {
        if ((participant->roles & change.roles) == change.roles) {
          return fail(Reason::kInvalidChange, "participant '" + subject + "' already holds " +
                                                  roles_to_string(change.roles));
        }
        participant->roles |= change.roles;
        kind = "participant.roles-granted";
      } else if (change.type == ChangeType::kRevokeRoles) {
        if ((participant->roles & change.roles) == 0) {
          return fail(Reason::kInvalidChange, "participant '" + subject + "' holds none of " +
                                                  roles_to_string(change.roles));
        }
        participant->roles &= static_cast<RoleSet>(~change.roles);
        kind = "participant.roles-revoked";
      } else if (change.type == ChangeType::kSuspendParticipant) {
        if (!participant->active()) {
          return fail(Reason::kInvalidChange, "participant '" + subject + "' is already suspended");
        }
        participant->status = ParticipantStatus::kSuspended;
        kind = "participant.suspended";
      } else {
        if (participant->active()) {
          return fail(Reason::kInvalidChange, "participant '" + subject + "' is not suspended");
        }
        participant->status = ParticipantStatus::kActive;
        kind = "participant.reinstated";
      }
      ctx.store(participant_key, *participant);
      if (Outcome governable = keep_governable(ctx, ctx.policy.governance_threshold);
          !governable.ok()) {
        return governable;
      }
      return done({event(kind, subject)});
    }
    case ChangeType::kAddValidator:
    case ChangeType::kRemoveValidator: {
      auto set = ctx.load<ValidatorSet>(keys::kValidators);
      TC_ASSERT_MSG(set.has_value(), "genesis always records a validator set");
      auto& validators = set->validators;
      auto at = std::lower_bound(validators.begin(), validators.end(), subject,
                                 [](const Validator& v, const std::string& id) { return v.id < id; });
      bool present = at != validators.end() && at->id == subject;
      if (change.type == ChangeType::kAddValidator) {
        if (present) return fail(Reason::kAlreadyExists, "validator '" + subject + "' exists");
        validators.insert(at, Validator{subject, change.public_key, change.power});
      } else {
        if (!present) return fail(Reason::kNotFound, "validator '" + subject + "' does not exist");
        if (validators.size() == 1) {
          return fail(Reason::kInvalidChange, "removing '" + subject + "' would leave no validators");
        }
        validators.erase(at);
      }
      if (Status s = validate(*set); !s) {
        return fail(Reason::kInvalidChange, "the validator set would be invalid: " +
                                                s.error().message());
      }
      ctx.store(keys::kValidators, *set);
      return done({event(change.type == ChangeType::kAddValidator ? "validator.added"
                                                                  : "validator.removed",
                         subject)});
    }
    case ChangeType::kChangePolicy: {
      if (Outcome governable = keep_governable(ctx, change.policy->governance_threshold);
          !governable.ok()) {
        return governable;
      }
      for (const PolicyWitness& witness : change.policy->witnesses) {
        auto participant = ctx.load<Participant>(keys::participant(witness.participant));
        if (!participant || !has_role(participant->roles, Role::kWitness)) {
          return fail(Reason::kInvalidChange, "witness '" + witness.participant +
                                                  "' must be a participant with the witness role");
        }
      }
      ctx.store(keys::kPolicy, *change.policy);
      return done({event("policy.changed", "policy")});
    }
  }
  return fail(Reason::kInvalidChange, "unknown change type");
}

// Applies the proposal's change if it has enough approvals; adds the events.
Outcome apply_if_approved(TxContext& ctx, GovernanceProposal& proposal, Outcome outcome) {
  if (proposal.approvals.size() < ctx.policy.governance_threshold) return outcome;
  Outcome applied = apply_change(ctx, proposal.change);
  if (!applied.ok()) {
    applied.message = "proposal '" + proposal.id + "' cannot apply: " + applied.message;
    return applied;
  }
  proposal.status = ProposalStatus::kApplied;
  proposal.applied_height = ctx.block.height;
  outcome.events.push_back(event("governance.applied", proposal.id));
  for (Event& e : applied.events) outcome.events.push_back(std::move(e));
  return outcome;
}

}  // namespace

Outcome execute(TxContext& ctx, const ProposePayload& payload) {
  std::string key = keys::proposal(payload.proposal_id);
  if (ctx.exists(key)) {
    return fail(Reason::kAlreadyExists, "proposal '" + payload.proposal_id + "' already exists");
  }
  std::uint64_t height = ctx.block.height;
  if (payload.expiry_height <= height ||
      payload.expiry_height - height > ctx.policy.max_proposal_lifetime) {
    return fail(Reason::kInvalidChange,
                "expiry height " + std::to_string(payload.expiry_height) +
                    " must be after height " + std::to_string(height) + " and at most " +
                    std::to_string(ctx.policy.max_proposal_lifetime) + " blocks ahead");
  }
  // The change must make sense now; try it on a scratch overlay.
  {
    StateOverlay scratch(&ctx.state);
    TxContext dry = ctx.with_state(scratch);
    if (Outcome trial = apply_change(dry, payload.change); !trial.ok()) return trial;
  }

  GovernanceProposal proposal;
  proposal.id = payload.proposal_id;
  proposal.proposer = ctx.tx.sender;
  proposal.change = payload.change;
  proposal.expiry_height = payload.expiry_height;
  proposal.proposed_height = height;
  proposal.approvals.push_back({ctx.tx.sender, ctx.tx_hash, height});
  Outcome outcome =
      apply_if_approved(ctx, proposal, done({event("governance.proposed", proposal.id)}));
  if (outcome.ok()) ctx.store(key, proposal);
  return outcome;
}

Outcome execute(TxContext& ctx, const ApprovePayload& payload) {
  std::string key = keys::proposal(payload.proposal_id);
  auto proposal = ctx.load<GovernanceProposal>(key);
  if (!proposal) {
    return fail(Reason::kNotFound, "proposal '" + payload.proposal_id + "' does not exist");
  }
  if (proposal->status == ProposalStatus::kApplied) {
    return fail(Reason::kProposalClosed, "proposal '" + proposal->id + "' was already applied at height " +
                                             std::to_string(proposal->applied_height));
  }
  if (ctx.block.height > proposal->expiry_height) {
    return fail(Reason::kProposalClosed, "proposal '" + proposal->id + "' expired at height " +
                                             std::to_string(proposal->expiry_height));
  }
  for (const Approval& approval : proposal->approvals) {
    if (approval.governor == ctx.tx.sender) {
      return fail(Reason::kDuplicateApproval, "'" + ctx.tx.sender +
                                                  "' already approved proposal '" +
                                                  proposal->id + "' at height " +
                                                  std::to_string(approval.height));
    }
  }
  proposal->approvals.push_back({ctx.tx.sender, ctx.tx_hash, ctx.block.height});
  Outcome outcome =
      apply_if_approved(ctx, *proposal, done({event("governance.approved", proposal->id)}));
  if (outcome.ok()) ctx.store(key, *proposal);
  return outcome;
}

}  // namespace tracechain::ledger::detail
