#include "tests/support/allocation_tracker.h"

#include <atomic>
#include <cstdlib>
#include <new>

// Under AddressSanitizer the runtime owns operator new (and the shared
// libraries' calls reach its version, not one defined here), so it is not
// replaced and tracking is unsupported; ASan reports oversized allocations
// itself (allocation-size-too-big) in that build.
#if defined(__SANITIZE_ADDRESS__)
#define TRACECHAIN_TRACK_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TRACECHAIN_TRACK_ALLOCATIONS 0
#endif
#endif
#ifndef TRACECHAIN_TRACK_ALLOCATIONS
#define TRACECHAIN_TRACK_ALLOCATIONS 1
#endif

namespace {

std::atomic<bool> tracking{false};
std::atomic<std::size_t> largest{0};

void* allocate(std::size_t size) {
  if (tracking.load(std::memory_order_relaxed)) {
    std::size_t seen = largest.load(std::memory_order_relaxed);
    while (size > seen && !largest.compare_exchange_weak(seen, size)) {
    }
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}

}  // namespace

#if TRACECHAIN_TRACK_ALLOCATIONS
void* operator new(std::size_t size) { return allocate(size); }
void* operator new[](std::size_t size) { return allocate(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace tracechain::test {

AllocationTracker::AllocationTracker() {
  largest = 0;
  tracking = true;
}

AllocationTracker::~AllocationTracker() { tracking = false; }

std::size_t AllocationTracker::largest_allocation() const { return largest.load(); }

bool AllocationTracker::supported() { return TRACECHAIN_TRACK_ALLOCATIONS != 0; }

}  // namespace tracechain::test
