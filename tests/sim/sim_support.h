// What both simulators draw their randomness from and hash their traces
// with. Header-only; plain value types.
#pragma once

#include <algorithm>
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "consensus/types.h"
#include "crypto/bytes.h"

namespace tracechain::sim {

// Draws from the seed's generator. Modulo bias is irrelevant here, and these
// helpers (unlike std::uniform_*_distribution) give the same numbers on
// every standard library.
class Random {
 public:
  explicit Random(std::uint64_t seed) : engine_(seed) {}
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : engine_() % n; }
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }
  double unit() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }

 private:
  std::mt19937_64 engine_;
};

// FNV-1a, 64 bits: cheap, and enough to tell two traces apart.
class TraceHash {
 public:
  void add(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) add_byte(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void add(ByteView bytes) {
    add(bytes.size());
    for (std::uint8_t b : bytes) add_byte(b);
  }
  void add(std::string_view text) { add(as_bytes(text)); }
  std::uint64_t value() const { return hash_; }

 private:
  void add_byte(std::uint8_t b) {
    hash_ ^= b;
    hash_ *= 0x100000001b3ull;
  }
  std::uint64_t hash_ = 0xcbf29ce484222325ull;
};

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

inline std::string node_id(std::size_t index) { return "node-" + std::to_string(index); }
// The first four bytes of a hash, for traces.
inline std::string short_hex(const Digest& d) { return to_hex(ByteView(d.data(), 4)); }

// Timeouts short enough for many heights per simulated second.
inline consensus::Timeouts sim_timeouts() {
  consensus::Timeouts t;
  t.propose_ms = 500;
  t.propose_delta_ms = 100;
  t.prevote_ms = 200;
  t.prevote_delta_ms = 50;
  t.precommit_ms = 200;
  t.precommit_delta_ms = 50;
  return t;
}

// Loss, duplication and the delay bound of one seed, drawn within a mix's
// bounds; described on `out`.
struct LinkFaults {
  double loss = 0;
  double duplication = 0;
  std::uint64_t max_delay_ms = 0;
};

inline LinkFaults draw_link_faults(Random& rng, double max_loss, double max_duplication,
                                   std::uint64_t max_delay_ms, std::uint64_t stable_max_delay_ms,
                                   std::ostream& out) {
  LinkFaults f;
  f.loss = max_loss * rng.unit();
  f.duplication = max_duplication * rng.unit();
  f.max_delay_ms = rng.between(std::min(stable_max_delay_ms, max_delay_ms),
                               std::max(stable_max_delay_ms, max_delay_ms));
  out << ", loss " << static_cast<int>(f.loss * 100) << "%, duplication "
      << static_cast<int>(f.duplication * 100) << "%, delay <= " << f.max_delay_ms << " ms";
  return f;
}

// The network split in two sides from start_ms to end_ms.
struct Partition {
  std::uint64_t start_ms = 0;
  std::uint64_t end_ms = 0;
  std::vector<int> side;  // per node
};

// One or two partitions within a fault phase of `phase_ms`, each healing
// within 2 s; described on `out`.
inline std::vector<Partition> draw_partitions(Random& rng, std::uint64_t phase_ms,
                                              std::size_t nodes, std::ostream& out) {
  std::vector<Partition> partitions;
  const std::uint64_t count = rng.between(1, 2);
  for (std::uint64_t p = 0; p < count; ++p) {
    Partition partition;
    partition.start_ms = rng.between(0, phase_ms - 600);
    partition.end_ms = std::min(phase_ms, partition.start_ms + rng.between(200, 2000));
    partition.side.resize(nodes);
    do {
      for (int& s : partition.side) s = static_cast<int>(rng.below(2));
    } while (std::count(partition.side.begin(), partition.side.end(), 0) == 0 ||
             std::count(partition.side.begin(), partition.side.end(), 1) == 0);
    out << ", partition " << partition.start_ms << "-" << partition.end_ms << " ms {";
    for (std::size_t i = 0; i < nodes; ++i) {
      if (partition.side[i] == 0) out << " " << i;
    }
    out << " | ...}";
    partitions.push_back(std::move(partition));
  }
  return partitions;
}

inline bool partitioned(const std::vector<Partition>& partitions, std::uint64_t now_ms,
                        std::size_t a, std::size_t b) {
  for (const Partition& p : partitions) {
    if (p.start_ms <= now_ms && now_ms < p.end_ms && p.side[a] != p.side[b]) return true;
  }
  return false;
}

}  // namespace tracechain::sim
