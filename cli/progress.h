// A progress report on stderr for long commands (audits, backups): a bar with
// the count done, the rate and the time left when stderr is a terminal, and
// plain lines every few seconds otherwise (logs, CI), so either reader sees
// the work advance without the output filling up.
//
// Time is an input: the clock is injectable so tests drive it.
//
// Thread-safety: advance() may be called from many threads at once (workers
// verifying signatures); the rest from one thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <iosfwd>
#include <mutex>
#include <string>

namespace tracechain::cli {

class Progress {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  struct Options {
    bool terminal = false;  // redraw one line instead of printing lines
    std::chrono::milliseconds line_interval{5000};  // between plain lines
    std::chrono::milliseconds redraw_interval{200};  // between redraws on a terminal
    Clock clock = [] { return std::chrono::steady_clock::now(); };
  };

  // `total` 0: unknown (no bar, no ETA). `unit` names what is counted ("blocks").
  Progress(std::ostream& out, std::string label, std::uint64_t total, std::string unit,
           Options options);
  // For stderr: terminal when stderr is a TTY.
  static Progress on_stderr(std::string label, std::uint64_t total, std::string unit);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void advance(std::uint64_t count = 1);
  // Prints the final state once (also done by the destructor).
  void finish();

  std::uint64_t done() const { return done_.load(); }
  // "1234 blocks, 310.2 blocks/s, ETA 0:04" — what a line shows.
  std::string describe() const;

 private:
  void maybe_print(bool force);

  std::ostream& out_;
  std::string label_;
  std::uint64_t total_;
  std::string unit_;
  Options options_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  std::atomic<std::uint64_t> done_{0};
  std::mutex print_mutex_;  // guards out_, last_print_, finished_
  bool finished_ = false;
  bool printed_ = false;
};

// The current time in UTC, "2026-01-01T12:00:00Z", for reports and backups.
std::string utc_timestamp();

// "m:ss" or "h:mm:ss".
std::string format_duration(std::chrono::seconds duration);

}  // namespace tracechain::cli
