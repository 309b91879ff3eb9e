#include "node/rpc/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include "node/build_info.h"
#include "node/log.h"
#include "node/rpc/process_stats.h"

namespace tracechain::node::rpc {

namespace {

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& registry,
                                                 const std::string& name, const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

prometheus::Gauge& gauge(prometheus::Registry& registry, const std::string& name,
                         const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add({});
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  requests_ = &counter(r, "tracechain_rpc_requests_total",
                       "JSON-RPC calls by method and outcome (ok or the error kind)");
  rejections_ = &counter(r, "tracechain_rpc_submissions_rejected_total",
                         "transactions submitted over RPC and refused, by reason");
  http_ = &counter(r, "tracechain_rpc_http_responses_total", "HTTP responses by status code");
  failed_transactions_ = &counter(r, "tracechain_transactions_failed_total",
                                  "committed transactions with a failure receipt, by reason");
  refused_connections_ = &counter(r, "tracechain_rpc_connections_refused_total",
                                  "RPC connections closed at once because the limit was reached")
                              .Add({});
  rate_limited_ = &counter(r, "tracechain_rpc_rate_limited_total",
                           "RPC requests refused by the per-client rate limit")
                       .Add({});
  committed_blocks_ =
      &counter(r, "tracechain_committed_blocks_total", "blocks committed since the process started")
           .Add({});
  committed_transactions_ = &counter(r, "tracechain_committed_transactions_total",
                                     "transactions in the ledger-wide log (committed)")
                                 .Add({});
  height_ = &gauge(r, "tracechain_height", "height of the last committed block");
  peers_ = &gauge(r, "tracechain_peers", "connected peers");
  best_peer_height_ = &gauge(r, "tracechain_best_peer_height", "highest height a peer announced");
  syncing_ = &gauge(r, "tracechain_syncing", "1 while the node catches up by block sync");
  consensus_round_ = &gauge(r, "tracechain_consensus_round", "consensus round at the open height");
  mempool_transactions_ = &gauge(r, "tracechain_mempool_transactions", "transactions waiting");
  mempool_bytes_ = &gauge(r, "tracechain_mempool_bytes", "encoded bytes of waiting transactions");
  validators_ = &gauge(r, "tracechain_validators", "validators in the set signing the next block");
  connections_ = &gauge(r, "tracechain_rpc_connections", "open RPC connections");
  subscriptions_ = &gauge(r, "tracechain_rpc_subscriptions", "active WebSocket subscriptions");
  witness_behind_entries_ =
      &prometheus::BuildGauge()
           .Name("tracechain_witness_behind_entries")
           .Help("log entries committed since the latest checkpoint each policy witness cosigned")
           .Register(r);
  witness_behind_seconds_ =
      &prometheus::BuildGauge()
           .Name("tracechain_witness_behind_seconds")
           .Help("seconds from each policy witness's latest cosignature to the tip block's time "
                 "(absent before its first)")
           .Register(r);
  prometheus::BuildGauge()
      .Name("tracechain_build_info")
      .Help("1, labelled with the release and the commit this node was built from")
      .Register(r)
      .Add({{"version", std::string(build_version())}, {"commit", std::string(build_commit())}})
      .Set(1);
  // The process_* names are Prometheus's own, so the usual dashboards and
  // alerts work unchanged.
  process_cpu_seconds_ = &counter(r, "process_cpu_seconds_total",
                                  "user and system CPU time spent, in seconds")
                              .Add({});
  process_resident_memory_ = &gauge(r, "process_resident_memory_bytes", "resident memory size");
  process_virtual_memory_ = &gauge(r, "process_virtual_memory_bytes", "virtual memory size");
  process_open_fds_ = &gauge(r, "process_open_fds", "open file descriptors");
  process_max_fds_ = &gauge(r, "process_max_fds", "file descriptors allowed (soft limit)");
  process_start_time_ = &gauge(r, "process_start_time_seconds",
                               "start time of the process since the Unix epoch, in seconds");
}

Metrics::~Metrics() = default;

void Metrics::count_request(std::string_view method, std::string_view outcome) {
  requests_->Add({{"method", std::string(method)}, {"outcome", std::string(outcome)}}).Increment();
}

void Metrics::count_rejection(std::string_view reason) {
  rejections_->Add({{"reason", std::string(reason)}}).Increment();
}

void Metrics::count_http(unsigned status) {
  http_->Add({{"status", std::to_string(status)}}).Increment();
}

void Metrics::count_refused_connection() { refused_connections_->Increment(); }
void Metrics::count_rate_limited() { rate_limited_->Increment(); }

void Metrics::on_commit(const CommitNotice& notice) {
  committed_blocks_->Increment();
  committed_transactions_->Increment(static_cast<double>(notice.tx_hashes.size()));
  for (const ledger::Receipt& receipt : notice.receipts) {
    if (receipt.ok()) continue;
    failed_transactions_->Add({{"reason", std::string(ledger::reason_name(receipt.reason))}})
        .Increment();
  }
}

void Metrics::set_committed_transactions(std::uint64_t total) {
  committed_transactions_->Increment(static_cast<double>(total));
}

void Metrics::connection_opened() { connections_->Increment(); }
void Metrics::connection_closed() { connections_->Decrement(); }
void Metrics::subscriptions_changed(int delta) { subscriptions_->Increment(delta); }

std::string Metrics::render(const NodeStatus& status, const std::vector<WitnessLag>& witnesses) {
  {
    std::lock_guard lock(witness_mutex_);
    // A witness the policy no longer names leaves the series.
    for (const std::string& gone : witness_labels_) {
      witness_behind_entries_->Remove(&witness_behind_entries_->Add({{"witness", gone}}));
      witness_behind_seconds_->Remove(&witness_behind_seconds_->Add({{"witness", gone}}));
    }
    witness_labels_.clear();
    for (const WitnessLag& lag : witnesses) {
      const std::string& id = lag.witness.participant;
      witness_labels_.push_back(id);
      witness_behind_entries_->Add({{"witness", id}}).Set(static_cast<double>(lag.behind_entries));
      if (lag.behind_seconds) {
        witness_behind_seconds_->Add({{"witness", id}}).Set(static_cast<double>(*lag.behind_seconds));
      }
    }
  }
  height_->Set(static_cast<double>(status.height));
  peers_->Set(static_cast<double>(status.peers.size()));
  best_peer_height_->Set(static_cast<double>(status.best_peer_height));
  syncing_->Set(status.syncing ? 1 : 0);
  consensus_round_->Set(status.consensus_round);
  mempool_transactions_->Set(static_cast<double>(status.mempool_transactions));
  mempool_bytes_->Set(static_cast<double>(status.mempool_bytes));
  validators_->Set(static_cast<double>(status.validators.validators.size()));
  if (auto process = read_process_stats()) {
    // A counter only grows: it takes the CPU time spent since the last scrape.
    {
      std::lock_guard lock(cpu_mutex_);
      double spent = process->cpu_seconds - process_cpu_seconds_->Value();
      if (spent > 0) process_cpu_seconds_->Increment(spent);
    }
    process_resident_memory_->Set(process->resident_bytes);
    process_virtual_memory_->Set(process->virtual_bytes);
    process_open_fds_->Set(process->open_fds);
    process_max_fds_->Set(process->max_fds);
    process_start_time_->Set(process->start_time_seconds);
  } else {
    log::warn("rpc", "cannot read the process's figures for /metrics: {}",
              process.error().message());
  }
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace tracechain::node::rpc
