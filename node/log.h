// Structured logging for tracechaind: one line per event, each with its time
// (UTC), level and component, as text (the default) or as JSON:
//
//   2026-11-23T15:04:05.123Z info  consensus height=12 round=0 committed block 3f1a9c0b21de (4 txs, 0 failed) via consensus
//   {"time":"2026-11-23T15:04:05.123Z","level":"info","component":"consensus","message":"committed block 3f1a9c0b21de (4 txs, 0 failed) via consensus","height":12,"round":0,"block":"3f1a9c0b21de...(64 hex digits)"}
//
// A line's Fields say what it is about. Text lines write height and round
// before the message ("height=12 round=0"); the message names the peer and a
// shortened hash itself. JSON lines carry every field as a member, hashes in
// full. Control characters in a message are written as \xNN in text and
// escaped in JSON, so bytes from a peer or a client can never start a line of
// their own. Thread-safe (spdlog's multi-threaded sinks).
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "crypto/bytes.h"
#include "crypto/result.h"

namespace tracechain::node::log {

enum class Format { kText, kJson };

struct Options {
  std::string level = "info";
  Format format = Format::kText;
  std::filesystem::path file;  // empty: no file
  std::size_t max_file_bytes = 64 * 1024 * 1024;
  std::size_t max_files = 10;
  bool to_stdout = true;
};

// Installs the sinks; until then messages go to stderr.
Status init(const Options& options);
// Flushes everything written so far (on shutdown and before exiting).
void flush();

// Whether whoever started this process keeps its stdout: systemd (which sets
// INVOCATION_ID for a service, JOURNAL_STREAM when stdout is the journal) or
// a container runtime (Docker's /.dockerenv, Podman's /run/.containerenv).
// `environment` holds "NAME=value" entries as in `environ`; `marker_files`
// are the files whose presence marks a container.
bool stdout_is_kept(const std::vector<std::string>& environment,
                    const std::vector<std::filesystem::path>& marker_files = {
                        "/.dockerenv", "/run/.containerenv"});

// Where lines go, from log.stdout (`auto`, `true` or `false`) and the log
// file (empty for none). `auto` writes to one place only: stdout when it is
// kept or there is no file, else the file. `true` writes to stdout and to
// the file if there is one; `false` to the file only.
struct Destinations {
  std::filesystem::path file;
  bool to_stdout = false;
};
Destinations destinations(std::string_view stdout_setting, const std::filesystem::path& file,
                          bool stdout_kept);

// What a line is about. Lines of consensus carry height and round, lines
// about a peer the peer's id, lines about a block or a transaction its hash.
// (Each member is initialised here so that `{.height = h}` leaves the others
// empty without a missing-initializer warning.)
struct Fields {
  std::optional<std::uint64_t> height{};
  std::optional<std::uint64_t> round{};
  std::string_view peer{};  // empty: none
  std::optional<Digest> block{};
  std::optional<Digest> tx{};
};

// Writes one line (the functions below format the message first).
void write(spdlog::level::level_enum level, std::string_view component, const Fields& fields,
           std::string_view message);

template <typename... Args>
void at(spdlog::level::level_enum level, std::string_view component, const Fields& fields,
        fmt::format_string<Args...> format, Args&&... args) {
  if (!spdlog::should_log(level)) return;  // a debug vote line costs nothing at info
  write(level, component, fields, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
void trace(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  at(spdlog::level::trace, component, {}, format, std::forward<Args>(args)...);
}
template <typename... Args>
void trace(std::string_view component, const Fields& fields, fmt::format_string<Args...> format,
           Args&&... args) {
  at(spdlog::level::trace, component, fields, format, std::forward<Args>(args)...);
}
template <typename... Args>
void debug(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  at(spdlog::level::debug, component, {}, format, std::forward<Args>(args)...);
}
template <typename... Args>
void debug(std::string_view component, const Fields& fields, fmt::format_string<Args...> format,
           Args&&... args) {
  at(spdlog::level::debug, component, fields, format, std::forward<Args>(args)...);
}
template <typename... Args>
void info(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  at(spdlog::level::info, component, {}, format, std::forward<Args>(args)...);
}
template <typename... Args>
void info(std::string_view component, const Fields& fields, fmt::format_string<Args...> format,
          Args&&... args) {
  at(spdlog::level::info, component, fields, format, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  at(spdlog::level::warn, component, {}, format, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(std::string_view component, const Fields& fields, fmt::format_string<Args...> format,
          Args&&... args) {
  at(spdlog::level::warn, component, fields, format, std::forward<Args>(args)...);
}
template <typename... Args>
void error(std::string_view component, fmt::format_string<Args...> format, Args&&... args) {
  at(spdlog::level::err, component, {}, format, std::forward<Args>(args)...);
}
template <typename... Args>
void error(std::string_view component, const Fields& fields, fmt::format_string<Args...> format,
           Args&&... args) {
  at(spdlog::level::err, component, fields, format, std::forward<Args>(args)...);
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
