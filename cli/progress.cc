#include "cli/progress.h"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace tracechain::cli {

namespace {

constexpr int kBarWidth = 28;

double seconds_between(std::chrono::steady_clock::time_point a,
                       std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

}  // namespace

std::string utc_timestamp() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string format_duration(std::chrono::seconds duration) {
  long long total = std::max<long long>(duration.count(), 0);
  long long h = total / 3600, m = total / 60 % 60, s = total % 60;
  std::ostringstream text;
  text << std::setfill('0');
  if (h > 0) text << h << ':' << std::setw(2) << m;
  else text << m;
  text << ':' << std::setw(2) << s;
  return text.str();
}

Progress::Progress(std::ostream& out, std::string label, std::uint64_t total, std::string unit,
                   Options options)
    : out_(out),
      label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      options_(std::move(options)),
      start_(options_.clock()),
      last_print_(start_) {}

Progress Progress::on_stderr(std::string label, std::uint64_t total, std::string unit) {
  Options options;
  options.terminal = ::isatty(STDERR_FILENO) == 1;
  return Progress(std::cerr, std::move(label), total, std::move(unit), std::move(options));
}

Progress::~Progress() { finish(); }

std::string Progress::describe() const {
  std::uint64_t done = done_.load();
  double elapsed = seconds_between(start_, options_.clock());
  double rate = elapsed > 0 ? static_cast<double>(done) / elapsed : 0;
  std::ostringstream text;
  text << done;
  if (total_ > 0) text << '/' << total_;
  text << ' ' << unit_ << ", " << std::fixed << std::setprecision(1) << rate << ' ' << unit_
       << "/s";
  if (total_ > 0 && done < total_ && rate > 0) {
    auto left = std::chrono::seconds(static_cast<long long>((total_ - done) / rate));
    text << ", ETA " << format_duration(left);
  } else {
    auto spent = std::chrono::seconds(static_cast<long long>(elapsed));
    text << ", " << format_duration(spent) << " elapsed";
  }
  return text.str();
}

void Progress::advance(std::uint64_t count) {
  done_.fetch_add(count);
  maybe_print(false);
}

void Progress::maybe_print(bool force) {
  std::unique_lock lock(print_mutex_, std::try_to_lock);
  if (!lock.owns_lock() && !force) return;  // another thread is printing
  if (!lock.owns_lock()) lock.lock();
  if (finished_) return;
  auto now = options_.clock();
  auto interval = options_.terminal ? options_.redraw_interval : options_.line_interval;
  if (!force && now - last_print_ < interval) return;
  last_print_ = now;
  printed_ = true;
  if (!options_.terminal) {
    out_ << label_ << ": " << describe() << '\n' << std::flush;
    return;
  }
  std::string bar;
  if (total_ > 0) {
    double fraction = std::min(1.0, static_cast<double>(done_.load()) / total_);
    int filled = static_cast<int>(fraction * kBarWidth);
    bar = "[" + std::string(filled, '#') + std::string(kBarWidth - filled, '.') + "] ";
  }
  out_ << '\r' << label_ << ' ' << bar << describe() << "\x1b[K" << std::flush;
}

void Progress::finish() {
  maybe_print(true);
  std::lock_guard lock(print_mutex_);
  if (finished_) return;
  finished_ = true;
  if (options_.terminal && printed_) out_ << '\n' << std::flush;
}

}  // namespace tracechain::cli
