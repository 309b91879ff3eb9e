#include "node/log.h"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

namespace tracechain::node::log {

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
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %-5l %v", spdlog::pattern_time_type::utc);
  logger->set_level(spdlog::level::from_str(options.level));
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
  return {};
}

void flush() { spdlog::default_logger()->flush(); }

}  // namespace tracechain::node::log
