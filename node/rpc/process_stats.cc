#include "node/rpc/process_stats.h"

#include <sys/resource.h>
#include <unistd.h>

#include <charconv>
#include <filesystem>
#include <string>
#include <vector>

#include "crypto/file_util.h"

namespace tracechain::node::rpc {
namespace {

constexpr std::size_t kMaxProcFileBytes = 1024 * 1024;

std::optional<double> whole_number(std::string_view text) {
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return static_cast<double>(value);
}

}  // namespace

Status parse_proc_stat(std::string_view stat, const SystemFacts& system, ProcessStats& out) {
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the
  // fields are counted from the last ')'.
  std::size_t close = stat.rfind(')');
  if (close == std::string_view::npos) {
    return Error(ErrorCode::kInvalidInput, "/proc/self/stat has no ')' after the command name");
  }
  std::vector<std::string_view> fields;  // fields[0] is field 3 of proc(5), the state
  std::string_view rest = stat.substr(close + 1);
  while (!rest.empty()) {
    std::size_t start = rest.find_first_not_of(" \n");
    if (start == std::string_view::npos) break;
    std::size_t end = rest.find_first_of(" \n", start);
    fields.push_back(rest.substr(start, end == std::string_view::npos ? end : end - start));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  }
  // proc(5) numbers from 1: utime 14, stime 15, starttime 22, vsize 23, rss 24.
  auto field = [&](std::size_t number) -> std::optional<double> {
    if (number - 3 >= fields.size()) return std::nullopt;
    return whole_number(fields[number - 3]);
  };
  auto utime = field(14), stime = field(15), start = field(22), vsize = field(23), rss = field(24);
  if (!utime || !stime || !start || !vsize || !rss) {
    return Error(ErrorCode::kInvalidInput,
                 "/proc/self/stat lacks utime, stime, starttime, vsize or rss (" +
                     std::to_string(fields.size() + 2) + " fields)");
  }
  out.cpu_seconds = (*utime + *stime) / system.ticks_per_second;
  out.start_time_seconds = system.boot_time_seconds + *start / system.ticks_per_second;
  out.virtual_bytes = *vsize;
  out.resident_bytes = *rss * system.page_bytes;
  return {};
}

std::optional<double> parse_boot_time(std::string_view proc_stat) {
  std::size_t at = proc_stat.starts_with("btime ") ? 0 : proc_stat.find("\nbtime ");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view line = proc_stat.substr(proc_stat.find("btime ", at) + 6);
  return whole_number(line.substr(0, line.find('\n')));
}

Result<ProcessStats> read_process_stats() {
  // The boot time does not change while the process runs.
  static const std::optional<double> boot_time = [] () -> std::optional<double> {
    auto text = read_file("/proc/stat", kMaxProcFileBytes);
    return text ? parse_boot_time(*text) : std::nullopt;
  }();
  if (!boot_time) return Error(ErrorCode::kIo, "/proc/stat gives no boot time (btime)");
  SystemFacts system{static_cast<double>(::sysconf(_SC_CLK_TCK)),
                     static_cast<double>(::sysconf(_SC_PAGESIZE)), *boot_time};

  auto stat = read_file("/proc/self/stat", kMaxProcFileBytes);
  if (!stat) return stat.error();
  ProcessStats stats;
  if (Status s = parse_proc_stat(*stat, system, stats); !s) return s.error();

  std::error_code ec;
  std::size_t open = 0;
  for (std::filesystem::directory_iterator it("/proc/self/fd", ec), end; !ec && it != end;
       it.increment(ec)) {
    ++open;
  }
  if (ec) return Error(ErrorCode::kIo, "cannot list /proc/self/fd: " + ec.message());
  // The listing's own descriptor is among those listed.
  stats.open_fds = static_cast<double>(open > 0 ? open - 1 : 0);

  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return Error(ErrorCode::kIo, "cannot read RLIMIT_NOFILE");
  }
  stats.max_fds = static_cast<double>(limit.rlim_cur);
  return stats;
}

}  // namespace tracechain::node::rpc
