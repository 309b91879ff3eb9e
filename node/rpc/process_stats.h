// The process's own resource use, as Prometheus's process_* metrics name it:
// CPU time, resident and virtual memory, open and allowed file descriptors,
// start time. Read from /proc/self at each scrape (Linux only); the parser
// takes the files' text, so tests feed it any /proc they like. Pure
// functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "crypto/result.h"

namespace tracechain::node::rpc {

struct ProcessStats {
  double cpu_seconds = 0;          // user and system time
  double resident_bytes = 0;
  double virtual_bytes = 0;
  double start_time_seconds = 0;   // since the Unix epoch
  double open_fds = 0;
  double max_fds = 0;              // the soft RLIMIT_NOFILE
};

// What the system says of every process: clock ticks a second and the page
// size (sysconf), the boot time ("btime" of /proc/stat, Unix seconds).
struct SystemFacts {
  double ticks_per_second = 100;
  double page_bytes = 4096;
  double boot_time_seconds = 0;
};

// Fills the CPU, memory and start time from the text of /proc/<pid>/stat
// (proc(5)); kInvalidInput when the text is not of that form.
Status parse_proc_stat(std::string_view stat, const SystemFacts& system, ProcessStats& out);

// The "btime" line of /proc/stat, or nothing.
std::optional<double> parse_boot_time(std::string_view proc_stat);

// This process's figures, now; an error names the file that could not be read.
Result<ProcessStats> read_process_stats();

}  // namespace tracechain::node::rpc
