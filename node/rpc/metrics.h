// The node's Prometheus metrics, served as text on the metrics port:
// chain height, peers, sync state, mempool size and bytes, committed blocks
// and transactions (failed ones by reason), RPC requests by method and
// outcome, transaction submissions refused by reason, connections and
// subscriptions; how far behind each witness's latest cosignature is; the process's CPU, memory and file descriptors (read from
// /proc/self at each scrape) and the build (tracechain_build_info). Label values come from closed sets (known method names,
// error kinds), so a client cannot grow the series.
//
// Thread-safety: every method may be called from any thread (prometheus-cpp
// counters are atomic and its families lock).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "node/node.h"
#include "node/cosignatures.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
template <typename T>
class Family;
}  // namespace prometheus

namespace tracechain::node::rpc {

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One JSON-RPC call: `method` is a known method name or "unknown";
  // `outcome` is "ok" or an error name ("not_found", "invalid_params", ...).
  void count_request(std::string_view method, std::string_view outcome);
  // A transaction submitted over RPC and refused; `reason` names the kind
  // ("invalid", "conflict", "mempool_full", ...).
  void count_rejection(std::string_view reason);
  // An HTTP request answered with `status` (any path).
  void count_http(unsigned status);
  void count_refused_connection();
  void count_rate_limited();
  void on_commit(const CommitNotice& notice);
  // The committed transactions before this process started (the tip's log size).
  void set_committed_transactions(std::uint64_t total);
  void connection_opened();
  void connection_closed();
  void subscriptions_changed(int delta);

  // The text exposition (format 0.0.4), with the gauges taken from `status`
  // and how far behind each policy witness is (labels: the policy's
  // participants, at most 16).
  std::string render(const NodeStatus& status, const std::vector<WitnessLag>& witnesses = {});

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* requests_;
  prometheus::Family<prometheus::Counter>* rejections_;
  prometheus::Family<prometheus::Counter>* http_;
  prometheus::Family<prometheus::Counter>* failed_transactions_;
  prometheus::Counter* refused_connections_;
  prometheus::Counter* rate_limited_;
  prometheus::Counter* committed_blocks_;
  prometheus::Counter* committed_transactions_;
  prometheus::Gauge* height_;
  prometheus::Gauge* peers_;
  prometheus::Gauge* best_peer_height_;
  prometheus::Gauge* syncing_;
  prometheus::Gauge* consensus_round_;
  prometheus::Gauge* mempool_transactions_;
  prometheus::Gauge* mempool_bytes_;
  prometheus::Gauge* validators_;
  prometheus::Gauge* connections_;
  prometheus::Gauge* subscriptions_;
  prometheus::Family<prometheus::Gauge>* witness_behind_entries_;
  prometheus::Family<prometheus::Gauge>* witness_behind_seconds_;
  std::mutex witness_mutex_;  // one scrape at a time replaces the witness series
  std::vector<std::string> witness_labels_;
  std::mutex cpu_mutex_;  // one scrape at a time brings the CPU counter up to date
  prometheus::Counter* process_cpu_seconds_;  // GUARDED_BY(cpu_mutex_) for Increment
  prometheus::Gauge* process_resident_memory_;
  prometheus::Gauge* process_virtual_memory_;
  prometheus::Gauge* process_open_fds_;
  prometheus::Gauge* process_max_fds_;
  prometheus::Gauge* process_start_time_;
};

}  // namespace tracechain::node::rpc
