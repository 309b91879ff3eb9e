// Test helpers for taking ECDSA/SM2 DER signatures apart and building them,
// including deliberately malformed ones.
#pragma once

#include <utility>

#include "crypto/bytes.h"

namespace tracechain::test {

// (r, s) as minimal big-endian magnitudes.
std::pair<Bytes, Bytes> split_der(const Bytes& der);
// Canonical DER of (r, s) given as big-endian magnitudes.
Bytes make_der(const Bytes& r, const Bytes& s);
// DER-shaped bytes with the INTEGER contents exactly as given (may be
// non-minimal), for malformed-signature tests.
Bytes make_der_raw(const Bytes& r_content, const Bytes& s_content);
// Whether s <= n/2 for P-256, and n - s.
bool is_low_s(const Bytes& s);
Bytes negate_s(const Bytes& s);

}  // namespace tracechain::test
