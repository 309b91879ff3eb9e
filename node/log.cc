#include "node/log.h"

#include <algorithm>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace tracechain::node::log {
namespace {

// The message, with control characters written as \xNN: a line of the log is
// one event, whatever bytes a peer or a client put into what it names.
class EscapedMessage : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    static constexpr char kHex[] = "0123456789abcdef";
    for (char c : msg.payload) {
      auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == 0x7f) {
        const char escaped[] = {'\\', 'x', kHex[byte >> 4], kHex[byte & 0xf]};
        dest.append(escaped, escaped + sizeof escaped);
      } else {
        dest.push_back(c);
      }
    }
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessage>();
  }
};

}  // namespace

Status init(const Options& options) {
  std::vector<spdlog::sink_ptr> sinks;
  if (options.to_stdout) sinks.push_back(std::make_shared<spdlog::sinks::stdout_sink_mt>());
  if (!options.file.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.file.parent_path(), ec);
    try {
      sinks.push_back(std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
          options.file.string(), options.max_file_bytes, options.max_files));
    } catch (const spdlog::spdlog_ex& e) {
      return Error(ErrorCode::kIo, "log file '" + options.file.string() + "': " + e.what());
    }
  }
  auto logger = std::make_shared<spdlog::logger>("tracechaind", sinks.begin(), sinks.end());
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<EscapedMessage>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-5l %*");
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(options.level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return {};
}

void flush() { spdlog::default_logger()->flush(); }

LogRateLimiter::Verdict LogRateLimiter::admit(std::string_view kind, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = windows_.find(kind);
  if (it == windows_.end()) it = windows_.emplace(std::string(kind), Window{now}).first;
  Window& w = it->second;
  Verdict verdict;
  if (now - w.start >= window_) {
    verdict.held_back = std::exchange(w.held_back, 0);
    w = Window{now};
  }
  if (w.written < burst_) {
    ++w.written;
    verdict.write = true;
  } else {
    ++w.held_back;
  }
  return verdict;
}

std::vector<std::pair<std::string, std::uint64_t>> LogRateLimiter::take_summaries(
    Clock::time_point now) {
  std::lock_guard lock(mutex_);
  std::vector<std::pair<std::string, std::uint64_t>> out;
  for (auto& [kind, w] : windows_) {
    if (w.held_back > 0 && now - w.start >= window_) {
      out.emplace_back(kind, std::exchange(w.held_back, 0));
    }
  }
  return out;
}

bool LogRateLimiter::holding_back() const {
  std::lock_guard lock(mutex_);
  return std::any_of(windows_.begin(), windows_.end(),
                     [](const auto& entry) { return entry.second.held_back > 0; });
}

}  // namespace tracechain::node::log
