// Notices to the service manager (sd_notify(3)) for tracechaind under
// systemd's Type=notify: readiness, the watchdog's keep-alive, and stopping.
//
// Every function does nothing when the process was not started with
// NOTIFY_SOCKET (not under systemd, or Type= other than notify), so
// tracechaind calls them unconditionally. A notice that cannot be sent is
// logged, never fatal: the service manager's own timeouts then act.
//
// Thread-safety: each function may be called from any thread.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace tracechain::node::systemd {

// EXTEND_TIMEOUT_USEC and STATUS=`step`: starting is under way and has
// reached `step`; the start timeout (TimeoutStartSec=) is extended to
// kStartExtension from now, so a long open that makes progress is not
// killed, and one that stops making progress still is.
inline constexpr std::chrono::seconds kStartExtension{120};
void notify_starting(const std::string& step);
// READY=1 (and STATUS=serving): the node and its RPC server have started.
void notify_ready();
// STOPPING=1: a clean stop has begun.
void notify_stopping();
// WATCHDOG=1: the node is alive and healthy.
void notify_watchdog();

// How often to send WATCHDOG=1 when the service manager watches this
// process (WatchdogSec=, seen as WATCHDOG_USEC): half its timeout, so one
// late beat is not yet a missed one. None when there is no watchdog.
std::optional<std::chrono::milliseconds> watchdog_interval();

}  // namespace tracechain::node::systemd
