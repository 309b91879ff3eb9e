#include "ledger/identifiers.h"

namespace tracechain::ledger {

namespace {

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

}  // namespace

Status validate_identifier(std::string_view what, std::string_view id) {
  if (id.empty()) return Error(ErrorCode::kInvalidInput, std::string(what) + " is empty");
  if (id.size() > kMaxIdentifierSize) {
    return Error(ErrorCode::kInvalidInput, std::string(what) + " is " +
                                               std::to_string(id.size()) +
                                               " bytes, more than the 64 allowed");
  }
  if (!is_lower_alnum(id.front())) {
    return Error(ErrorCode::kInvalidInput,
                 std::string(what) + " must start with a lower-case letter or a digit");
  }
  for (std::size_t i = 0; i < id.size(); ++i) {
    char c = id[i];
    if (!is_lower_alnum(c) && c != '.' && c != '-' && c != '_') {
      return Error(ErrorCode::kInvalidInput,
                   std::string(what) + " has a character other than a-z, 0-9, '.', '-', '_' at "
                                       "position " + std::to_string(i));
    }
  }
  return {};
}

}  // namespace tracechain::ledger
