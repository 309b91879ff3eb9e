// Structured logging for tracechaind: one line per event, to stdout and to a
// rotating file, each line with its time, level and component:
//
//   2026-11-23T15:04:05.123Z info  consensus height=12 round=0 committed block 3f1a... (4 txs)
//
// Consensus lines carry height and round, P2P lines the peer. Control
// characters in a message are written as \xNN, so that bytes from a peer or
// a client can never start a line of their own. Thread-safe (spdlog's
// multi-threaded sinks).
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <string_view>
#include <vector>

#include "crypto/result.h"

namespace tracechain::node::log {

struct Options {
  std::string level = "info";
  std::filesystem::path file;  // empty: stdout only
  std::size_t max_file_bytes = 64 * 1024 * 1024;
  std::size_t max_files = 10;
  bool to_stdout = true;
};

// Installs the sinks; until then messages go to stderr.
Status init(const Options& options);
// Flushes everything written so far (on shutdown and before exiting).
void flush();

template <typename... Args>
void trace(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  spdlog::trace("{:<9} {}", component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  spdlog::debug("{:<9} {}", component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void info(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  spdlog::info("{:<9} {}", component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  spdlog::warn("{:<9} {}", component, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void error(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  spdlog::error("{:<9} {}", component, fmt::format(format, std::forward<Args>(args)...));
}

// Holds back repeated log lines so a flood cannot fill the disk with them:
// per kind, at most `burst` lines a window; the rest are counted and
// summarised once their window has ended ("N more refused in the last
// second"). Kinds must come from a small fixed set (the callers' literals):
// the table keeps one entry per kind. Time is an input. Thread-safe.
class LogRateLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  LogRateLimiter(std::size_t burst, Clock::duration window) : burst_(burst), window_(window) {}

  struct Verdict {
    bool write = false;           // write this line
    std::uint64_t held_back = 0;  // lines of this kind held back in the window
                                  // that just ended: summarise them first
  };
  Verdict admit(std::string_view kind, Clock::time_point now);

  // (kind, count) of the lines held back in windows that ended by `now`;
  // each held-back line is counted in exactly one verdict or summary.
  std::vector<std::pair<std::string, std::uint64_t>> take_summaries(Clock::time_point now);

  // Whether some held-back lines are not yet summarised.
  bool holding_back() const;

  Clock::duration window() const { return window_; }

 private:
  struct Window {
    Clock::time_point start;
    std::size_t written = 0;
    std::uint64_t held_back = 0;
  };

  std::size_t burst_;
  Clock::duration window_;
  mutable std::mutex mutex_;
  std::map<std::string, Window, std::less<>> windows_;  // GUARDED_BY(mutex_)
};

}  // namespace tracechain::node::log
