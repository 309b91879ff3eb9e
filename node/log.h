// Structured logging for tracechaind: one line per event, to stdout and to a
// rotating file, each line with its time, level and component:
//
//   2026-11-23T15:04:05.123Z info  consensus height=12 round=0 committed block 3f1a... (4 txs)
//
// Consensus lines carry height and round, P2P lines the peer. Thread-safe
// (spdlog's multi-threaded sinks).
#pragma once

#include <spdlog/spdlog.h>

#include <filesystem>
#include <string_view>

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

}  // namespace tracechain::node::log
