// Records the largest single heap allocation made while a tracker is active,
// so tests can prove that decoding hostile bytes never allocates what a
// length prefix merely claims. Works by replacing global operator new in the
// test binary that links allocation_tracker.cc. One tracker at a time.
#pragma once

#include <cstddef>

namespace tracechain::test {

class AllocationTracker {
 public:
  AllocationTracker();
  ~AllocationTracker();
  AllocationTracker(const AllocationTracker&) = delete;
  AllocationTracker& operator=(const AllocationTracker&) = delete;

  std::size_t largest_allocation() const;
  // False in an AddressSanitizer build, where operator new is the runtime's.
  static bool supported();
};

}  // namespace tracechain::test
