// What this build is: the release (CMake's PROJECT_VERSION) and the commit
// it was configured from (`git rev-parse --short HEAD` at configure time,
// "unknown" outside a git checkout). Constants; thread-safe.
#pragma once

#include <string_view>

namespace tracechain::node {

std::string_view build_version();
std::string_view build_commit();

}  // namespace tracechain::node
