#include "node/log.h"

#include <algorithm>
#include <atomic>

#include <fmt/chrono.h>
#include <nlohmann/json.hpp>
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

// A JSON line: time and level from the message, then the members write()
// put into the payload (a JSON object: component, message, fields).
class JsonLine : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    auto since_epoch = msg.time.time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds);
    fmt::format_to(std::back_inserter(dest), R"({{"time":"{:%Y-%m-%dT%H:%M:%S}.{:03}Z","level":"{}",)",
                   fmt::gmtime(static_cast<std::time_t>(seconds.count())), ms.count(),
                   level_name(msg.level));
    // The payload is an object; its members follow ours.
    std::string_view payload(msg.payload.data(), msg.payload.size());
    TC_ASSERT(payload.size() >= 2 && payload.front() == '{');
    dest.append(payload.data() + 1, payload.data() + payload.size());
    dest.push_back('\n');
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLine>(); }

 private:
  // The names log.level takes, so a filter on "warn" finds warnings.
  static std::string_view level_name(spdlog::level::level_enum level) {
    switch (level) {
      case spdlog::level::trace: return "trace";
      case spdlog::level::debug: return "debug";
      case spdlog::level::info: return "info";
      case spdlog::level::warn: return "warn";
      case spdlog::level::err: return "error";
      case spdlog::level::critical: return "critical";
      case spdlog::level::off: return "off";
      case spdlog::level::n_levels: break;
    }
    return "unknown";
  }
};

// The format init() chose; text until then.
std::atomic<Format> g_format{Format::kText};

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
  switch (options.format) {
    case Format::kText: {
      auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
      formatter->add_flag<EscapedMessage>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-5l %*");
      logger->set_formatter(std::move(formatter));
      break;
    }
    case Format::kJson:
      logger->set_formatter(std::make_unique<JsonLine>());
      break;
  }
  logger->set_level(spdlog::level::from_str(options.level));
  logger->flush_on(spdlog::level::info);
  g_format = options.format;
  spdlog::set_default_logger(logger);
  return {};
}

void flush() { spdlog::default_logger()->flush(); }

void write(spdlog::level::level_enum level, std::string_view component, const Fields& fields,
           std::string_view message) {
  switch (g_format.load()) {
    case Format::kText: {
      std::string line = fmt::format("{:<9} ", component);
      if (fields.height) fmt::format_to(std::back_inserter(line), "height={} ", *fields.height);
      if (fields.round) fmt::format_to(std::back_inserter(line), "round={} ", *fields.round);
      line += message;
      spdlog::log(level, spdlog::string_view_t(line));
      return;
    }
    case Format::kJson: {
      nlohmann::ordered_json object = {{"component", component}, {"message", message}};
      if (fields.height) object["height"] = *fields.height;
      if (fields.round) object["round"] = *fields.round;
      if (!fields.peer.empty()) object["peer"] = fields.peer;
      if (fields.block) object["block"] = to_hex(*fields.block);
      if (fields.tx) object["tx"] = to_hex(*fields.tx);
      // Bytes that are not UTF-8 become U+FFFD: a line stays valid JSON
      // whatever a peer sent.
      std::string payload = object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      spdlog::log(level, spdlog::string_view_t(payload));
      return;
    }
  }
}

bool stdout_is_kept(const std::vector<std::string>& environment,
                    const std::vector<std::filesystem::path>& marker_files) {
  for (const std::string& entry : environment) {
    if (entry.starts_with("INVOCATION_ID=") || entry.starts_with("JOURNAL_STREAM=")) return true;
  }
  return std::any_of(marker_files.begin(), marker_files.end(), [](const auto& path) {
    std::error_code ec;
    return std::filesystem::exists(path, ec);
  });
}

Destinations destinations(std::string_view stdout_setting, const std::filesystem::path& file,
                          bool stdout_kept) {
  if (stdout_setting == "true") return {file, true};
  if (stdout_setting == "false") return {file, false};
  TC_ASSERT(stdout_setting == "auto");  // the configuration checks the value
  if (stdout_kept || file.empty()) return {{}, true};
  return {file, false};
}

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
