#include "node/systemd_notify.h"

#include <systemd/sd-daemon.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "node/log.h"

namespace tracechain::node::systemd {

namespace {

void notify(const char* state) {
  // 0: no NOTIFY_SOCKET, nothing to tell; negative: the socket refused it.
  // unset_environment stays 0, as the watchdog keeps reading the variables.
  if (int r = sd_notify(0, state); r < 0) {
    log::warn("node", "cannot tell the service manager {}: {}", state, std::strerror(-r));
  }
}

}  // namespace

void notify_starting(const std::string& step) {
  std::string state = "EXTEND_TIMEOUT_USEC=" +
                      std::to_string(std::chrono::microseconds(kStartExtension).count()) +
                      "\nSTATUS=" + step;
  std::replace(state.begin() + static_cast<std::ptrdiff_t>(state.find("STATUS=")), state.end(),
               '\n', ' ');
  notify(state.c_str());
}

void notify_ready() { notify("READY=1\nSTATUS=serving"); }
void notify_stopping() { notify("STOPPING=1"); }
void notify_watchdog() { notify("WATCHDOG=1"); }

std::optional<std::chrono::milliseconds> watchdog_interval() {
  std::uint64_t timeout_us = 0;
  // > 0 only when WATCHDOG_USEC is set (and WATCHDOG_PID, if set, is ours).
  if (sd_watchdog_enabled(0, &timeout_us) <= 0 || timeout_us == 0) return std::nullopt;
  // At least 1 ms, so a tiny WATCHDOG_USEC does not become a busy loop.
  auto interval = std::chrono::milliseconds(timeout_us / 2000);
  return std::max(interval, std::chrono::milliseconds(1));
}

}  // namespace tracechain::node::systemd
