// Small measuring helpers shared by the benchmarks: percentiles, the load
// average (noted beside every figure: on a shared machine it explains the
// tails), and process memory from /proc.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace tracechain::bench {

// The p-quantile (0..1) of `values`, which it sorts; 0 when empty.
inline double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  auto at = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  return values[at];
}

// The one-minute load average.
inline double load_average() {
  double load = 0;
  std::ifstream("/proc/loadavg") >> load;
  return load;
}

// A field of /proc/<pid>/status in KiB (VmRSS, VmHWM); 0 if unreadable.
inline std::uint64_t proc_status_kib(long pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1));
  }
  return 0;
}

}  // namespace tracechain::bench
