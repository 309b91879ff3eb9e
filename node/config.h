// A node's home directory and its configuration (config/node.toml).
//
// Home layout:
//   config/node.toml        this file (see docs/operations.md)
//   config/genesis.json     the chain's genesis
//   config/node_key.pem     the validator's consensus key (the chain's suite)
//   config/tls/ca.pem       the consortium CA certificate
//   config/tls/node.pem     this node's TLS certificate, issued by the CA
//   config/tls/node.key     this node's TLS key (P-256)
//   data/                   the RocksDB database
//   logs/                   rotating log files
//
// A setting comes from, in order of precedence: the command line
// (--set section.key=value), the environment (TRACECHAIN_SECTION_KEY), the
// file, the defaults below. Unknown keys are errors, so a misspelt setting
// never silently keeps its default; errors name the file, line and key.
//
// Plain values; load_config() reads files and the environment it is given.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "crypto/result.h"

namespace tracechain::node {

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;

  // "host:port", with an IPv6 host in brackets.
  std::string to_string() const {
    bool ipv6 = host.find(':') != std::string::npos;
    return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
  bool operator==(const Endpoint&) const = default;
};

// "host:port"; the host may be a name, an IPv4 address or a [bracketed] IPv6 one.
Result<Endpoint> parse_endpoint(std::string_view text);

// A peer to dial: "node-id@host:port".
struct PeerAddress {
  std::string node_id;
  Endpoint endpoint;

  bool operator==(const PeerAddress&) const = default;
};
Result<PeerAddress> parse_peer_address(std::string_view text);

struct NodeSection {
  std::string id;                 // this node's id: its certificate name and validator id
  bool validator = true;          // signs consensus messages with config/node_key.pem
  // A validator whose store has blocks refuses to start without
  // data/signing_state.bin unless this is set (it could sign twice).
  bool allow_missing_signing_state = false;
};

struct P2pSection {
  Endpoint listen{"127.0.0.1", 26656};
  std::vector<PeerAddress> peers;           // dialled and kept connected
  std::vector<std::string> allowed_peers;   // non-validator node ids also admitted
  std::uint64_t max_frame_bytes = 16 * 1024 * 1024;
  std::uint64_t max_peers = 50;                  // admitted peers, either direction
  std::uint64_t reconnect_min_ms = 250;
  std::uint64_t reconnect_max_ms = 10'000;
  std::uint64_t handshake_timeout_ms = 5'000;
  // A peer from which nothing arrived for this long is disconnected (peers
  // send a keepalive after about a second of silence).
  std::uint64_t peer_timeout_ms = 5'000;
  // Inbound connections still in TLS or hello, in total and from one
  // address; more are closed at once, so a flood of connects cannot crowd
  // out real peers.
  std::uint64_t max_handshakes = 64;
  std::uint64_t max_handshakes_per_address = 8;
};

struct ConsensusSection {
  std::uint64_t timeout_propose_ms = 1'000;
  std::uint64_t timeout_propose_delta_ms = 500;
  std::uint64_t timeout_prevote_ms = 500;
  std::uint64_t timeout_prevote_delta_ms = 500;
  std::uint64_t timeout_precommit_ms = 500;
  std::uint64_t timeout_precommit_delta_ms = 500;
  // With no transactions waiting, a proposer waits this long before
  // proposing an empty block.
  std::uint64_t idle_block_interval_ms = 2'000;
  std::uint64_t max_block_transactions = 10'000;
  std::uint64_t max_block_bytes = 8 * 1024 * 1024;
};

struct MempoolSection {
  std::uint64_t max_transactions = 50'000;
  std::uint64_t max_bytes = 256 * 1024 * 1024;
  std::uint64_t verify_threads = 0;  // 0: one per core
};

struct RpcSection {
  Endpoint listen{"127.0.0.1", 26657};
  Endpoint metrics_listen{"127.0.0.1", 26660};
  std::vector<std::string> cors_origins;    // "*" allows any origin
  // The web console (docs/console.md): a directory holding console/ and
  // js/src/ (the repository's clients/), served read-only at /console/ and
  // /js/src/; "" serves nothing. Relative to the home (console_dir()).
  std::string console;
  std::uint64_t max_body_bytes = 1024 * 1024;   // larger requests get HTTP 413
  std::uint64_t max_header_bytes = 8 * 1024;    // larger headers get HTTP 431
  std::uint64_t max_connections = 256;          // HTTP and WebSocket together
  std::uint64_t max_connections_per_address = 32;  // of those, from one client address
  std::uint64_t metrics_max_connections = 16;   // on the metrics port
  std::uint64_t rate_per_second = 100;          // requests per client address; 0: no limit
  std::uint64_t rate_burst = 200;               // requests a client may send at once
  std::uint64_t max_batch = 100;                // entries in one JSON-RPC batch
  std::uint64_t auth_window_ms = 60'000;        // signed requests' clock tolerance, each way
  std::uint64_t idle_timeout_ms = 30'000;       // an idle connection is closed after this
  std::uint64_t header_timeout_ms = 5'000;      // to send a request's header, once begun
  std::uint64_t request_timeout_ms = 10'000;    // to send a request body or take a response
  std::uint64_t worker_threads = 2;             // threads that answer requests
};

// Every committed block is written with fsync; that is not configurable.
struct StorageSection {
  std::uint64_t cache_mb = 256;   // RocksDB block cache
};

// The read log (docs/oversight.md): every authenticated read is recorded; a
// node with a participant identity (the `node` role) commits its log's
// checkpoint on chain, signed with config/read_log_key.pem.
struct ReadLogSection {
  std::string participant;                   // "": the log is kept, never committed
  std::uint64_t checkpoint_interval_ms = 60'000;  // at most one checkpoint this often
};

struct LogSection {
  std::string level = "info";     // trace, debug, info, warn, error
  std::string format = "text";    // text or json
  std::string file = "logs/tracechaind.log";  // relative to the home; "" for none
  // "auto": stdout under systemd or in a container (or with no file), else
  // the file only; "true": stdout too; "false": the file only.
  std::string to_stdout = "auto";
  std::uint64_t max_file_mb = 64;
  std::uint64_t max_files = 10;
};

struct NodeConfig {
  std::filesystem::path home;
  NodeSection node;
  P2pSection p2p;
  ConsensusSection consensus;
  MempoolSection mempool;
  RpcSection rpc;
  StorageSection storage;
  ReadLogSection read_log;
  LogSection log;

  std::filesystem::path config_file() const { return home / "config" / "node.toml"; }
  std::filesystem::path genesis_file() const { return home / "config" / "genesis.json"; }
  std::filesystem::path node_key_file() const { return home / "config" / "node_key.pem"; }
  std::filesystem::path ca_file() const { return home / "config" / "tls" / "ca.pem"; }
  std::filesystem::path tls_certificate_file() const { return home / "config" / "tls" / "node.pem"; }
  std::filesystem::path tls_key_file() const { return home / "config" / "tls" / "node.key"; }
  std::filesystem::path read_log_key_file() const { return home / "config" / "read_log_key.pem"; }
  std::filesystem::path data_dir() const { return home / "data"; }
  std::filesystem::path read_log_dir() const { return data_dir() / "read-log"; }
  std::filesystem::path log_file() const;
  std::filesystem::path console_dir() const;  // empty when rpc.console is ""
};

// Settings from outside the file, as "section.key" → text.
using Overrides = std::map<std::string, std::string>;

// TRACECHAIN_<SECTION>_<KEY> variables from `environment` (entries as in
// `environ`, "NAME=value"), e.g. TRACECHAIN_P2P_LISTEN=0.0.0.0:26656.
// kInvalidInput for a variable that starts with a section's prefix but names
// none of its settings (TRACECHAIN_P2P_LISEN). Other names are not settings
// and are skipped (TRACECHAIN_HOME, and TRACECHAIN_NODE, tracectl's URL).
Result<Overrides> overrides_from_environment(const std::vector<std::string>& environment);

// Reads <home>/config/node.toml (which must exist) and applies the overrides,
// environment first and command line last.
Result<NodeConfig> load_config(const std::filesystem::path& home, const Overrides& environment,
                               const Overrides& command_line);

// Parses TOML text (for tests and tools); `source` names it in errors.
Result<NodeConfig> parse_config(std::string_view toml, std::string_view source,
                                const std::filesystem::path& home,
                                const Overrides& environment = {},
                                const Overrides& command_line = {});

// The TOML text of a configuration, every setting written out with a comment.
std::string config_to_toml(const NodeConfig& config);

// Every setting's "section.key" name, for help texts.
std::vector<std::string> config_keys();

}  // namespace tracechain::node
