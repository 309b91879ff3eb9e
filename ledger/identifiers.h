// Identifiers that appear in signed bytes: chain ids, participant (and
// validator) ids, and the ids of the things participants name: assets,
// trades, governance proposals. Pure functions.
//
// An identifier is 1 to 64 bytes of lower-case ASCII letters, digits, '.',
// '-' and '_', starting with a letter or digit. Keeping them this narrow
// means one spelling per name (no Unicode look-alikes, no case variants).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "crypto/result.h"

namespace tracechain::ledger {

inline constexpr std::size_t kMaxIdentifierSize = 64;

// One rule for all of them; distinct names say which is meant where.
using ChainId = std::string;
using ParticipantId = std::string;  // a participant, or a validator
using AssetId = std::string;
using TradeId = std::string;
using ProposalId = std::string;

// Checks `id` against the rule above; `what` names the field in the error
// ("sender", "chain id", ...).
Status validate_identifier(std::string_view what, std::string_view id);

}  // namespace tracechain::ledger
