#include "node/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <functional>
#include <sstream>

#include "crypto/file_util.h"
#include "ledger/identifiers.h"

namespace tracechain::node {

namespace {

constexpr std::size_t kMaxConfigBytes = 1024 * 1024;

Error invalid(const std::string& message) { return Error(ErrorCode::kInvalidInput, message); }

// A setting's value as it arrived: from the file (a TOML node) or as text
// (environment, command line).
struct Input {
  const toml::node* node = nullptr;
  std::string text;
};

Result<std::string> as_text(const Input& in) {
  if (!in.node) return in.text;
  if (auto value = in.node->value<std::string>()) return *value;
  return invalid("expected a string");
}

Result<std::uint64_t> as_number(const Input& in) {
  if (in.node) {
    // is_integer() first: value<std::int64_t>() of a float converts it, which
    // is undefined beyond the type's range (1e20).
    if (!in.node->is_integer()) return invalid("expected a whole number");
    auto value = in.node->value<std::int64_t>();
    if (!value) return invalid("expected a whole number");
    if (*value < 0) return invalid("expected a number of at least 0");
    return static_cast<std::uint64_t>(*value);
  }
  std::uint64_t value = 0;
  auto [end, ec] = std::from_chars(in.text.data(), in.text.data() + in.text.size(), value);
  if (ec != std::errc() || end != in.text.data() + in.text.size()) {
    return invalid("expected a whole number, got '" + in.text + "'");
  }
  return value;
}

Result<bool> as_bool(const Input& in) {
  if (in.node) {
    if (!in.node->is_boolean()) return invalid("expected true or false");
    if (auto value = in.node->value<bool>()) return *value;
    return invalid("expected true or false");
  }
  if (in.text == "true") return true;
  if (in.text == "false") return false;
  return invalid("expected true or false, got '" + in.text + "'");
}

Result<std::vector<std::string>> as_list(const Input& in) {
  std::vector<std::string> out;
  if (in.node) {
    const toml::array* array = in.node->as_array();
    if (!array) return invalid("expected a list of strings");
    for (const toml::node& element : *array) {
      auto value = element.value<std::string>();
      if (!value || !element.is_string()) return invalid("expected a list of strings");
      out.push_back(*value);
    }
    return out;
  }
  // From text: comma-separated, blanks ignored.
  std::stringstream stream(in.text);
  std::string item;
  while (std::getline(stream, item, ',')) {
    auto first = item.find_first_not_of(' ');
    auto last = item.find_last_not_of(' ');
    if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
  }
  return out;
}

// One setting: its name, help, how to set it from an input and how to print it.
struct Field {
  std::string key;
  std::string help;
  std::function<Status(NodeConfig&, const Input&)> set;
  std::function<std::string(const NodeConfig&)> toml_value;
};

// A TOML string: a literal one ('...') when the text allows, as toml++
// prints, else a basic string with every control character escaped.
// (toml++ prints a string holding a newline as a multi-line string, whose
// first newline a parser then drops, so a value starting with one would not
// survive.)
std::string quote(const std::string& text) {
  bool literal = std::none_of(text.begin(), text.end(), [](char c) {
    return c == '\'' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
  });
  if (literal) return "'" + text + "'";
  std::string out = "\"";
  for (char c : text) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04X", static_cast<unsigned char>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string quote_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += quote(items[i]);
  }
  return out + "]";
}

template <typename Section>
struct Binder {
  std::string section;
  Section NodeConfig::*member;

  Field text(const char* key, const char* help, std::string Section::*field) const {
    auto m = member;
    return {section + "." + key, help,
            [m, field](NodeConfig& c, const Input& in) -> Status {
              auto v = as_text(in);
              if (!v) return v.error();
              (c.*m).*field = *v;
              return {};
            },
            [m, field](const NodeConfig& c) { return quote((c.*m).*field); }};
  }

  Field number(const char* key, const char* help, std::uint64_t Section::*field) const {
    auto m = member;
    return {section + "." + key, help,
            [m, field](NodeConfig& c, const Input& in) -> Status {
              auto v = as_number(in);
              if (!v) return v.error();
              (c.*m).*field = *v;
              return {};
            },
            [m, field](const NodeConfig& c) { return std::to_string((c.*m).*field); }};
  }

  Field flag(const char* key, const char* help, bool Section::*field) const {
    auto m = member;
    return {section + "." + key, help,
            [m, field](NodeConfig& c, const Input& in) -> Status {
              auto v = as_bool(in);
              if (!v) return v.error();
              (c.*m).*field = *v;
              return {};
            },
            [m, field](const NodeConfig& c) { return std::string((c.*m).*field ? "true" : "false"); }};
  }

  Field endpoint(const char* key, const char* help, Endpoint Section::*field) const {
    auto m = member;
    return {section + "." + key, help,
            [m, field](NodeConfig& c, const Input& in) -> Status {
              auto v = as_text(in);
              if (!v) return v.error();
              auto e = parse_endpoint(*v);
              if (!e) return e.error();
              (c.*m).*field = *e;
              return {};
            },
            [m, field](const NodeConfig& c) { return quote(((c.*m).*field).to_string()); }};
  }

  Field list(const char* key, const char* help, std::vector<std::string> Section::*field) const {
    auto m = member;
    return {section + "." + key, help,
            [m, field](NodeConfig& c, const Input& in) -> Status {
              auto v = as_list(in);
              if (!v) return v.error();
              (c.*m).*field = *v;
              return {};
            },
            [m, field](const NodeConfig& c) { return quote_list((c.*m).*field); }};
  }

  Field peers(const char* key, const char* help, std::vector<PeerAddress> Section::*field) const {
    auto m = member;
    return {section + "." + key, help,
            [m, field](NodeConfig& c, const Input& in) -> Status {
              auto v = as_list(in);
              if (!v) return v.error();
              std::vector<PeerAddress> peers;
              for (const std::string& text : *v) {
                auto peer = parse_peer_address(text);
                if (!peer) return peer.error();
                peers.push_back(*peer);
              }
              (c.*m).*field = std::move(peers);
              return {};
            },
            [m, field](const NodeConfig& c) {
              std::vector<std::string> items;
              for (const PeerAddress& p : (c.*m).*field) {
                items.push_back(p.node_id + "@" + p.endpoint.to_string());
              }
              return quote_list(items);
            }};
  }
};

const std::vector<Field>& fields() {
  static const std::vector<Field> all = [] {
    std::vector<Field> f;
    Binder<NodeSection> node{"node", &NodeConfig::node};
    f.push_back(node.text("id", "this node's id: its TLS certificate name and validator id",
                          &NodeSection::id));
    f.push_back(node.flag("validator", "sign consensus messages with config/node_key.pem",
                          &NodeSection::validator));
    f.push_back(node.flag("allow_missing_signing_state",
                          "let a validator with blocks but no data/signing_state.bin sign",
                          &NodeSection::allow_missing_signing_state));

    Binder<P2pSection> p2p{"p2p", &NodeConfig::p2p};
    f.push_back(p2p.endpoint("listen", "address for peers to connect to", &P2pSection::listen));
    f.push_back(p2p.peers("peers", "peers to dial, as \"node-id@host:port\"", &P2pSection::peers));
    f.push_back(p2p.list("allowed_peers", "non-validator node ids also admitted",
                         &P2pSection::allowed_peers));
    f.push_back(p2p.number("max_frame_bytes", "largest message a peer may send",
                           &P2pSection::max_frame_bytes));
    f.push_back(p2p.number("max_peers", "most admitted peers at once, either direction",
                           &P2pSection::max_peers));
    f.push_back(p2p.number("reconnect_min_ms", "first delay before redialling a lost peer",
                           &P2pSection::reconnect_min_ms));
    f.push_back(p2p.number("reconnect_max_ms", "longest delay between redials (doubling)",
                           &P2pSection::reconnect_max_ms));
    f.push_back(p2p.number("handshake_timeout_ms", "time a peer has to complete TLS and hello",
                           &P2pSection::handshake_timeout_ms));
    f.push_back(p2p.number("peer_timeout_ms", "a peer silent this long is disconnected",
                           &P2pSection::peer_timeout_ms));
    f.push_back(p2p.number("max_handshakes", "inbound connections in TLS or hello at once",
                           &P2pSection::max_handshakes));
    f.push_back(p2p.number("max_handshakes_per_address",
                           "inbound connections in TLS or hello from one address",
                           &P2pSection::max_handshakes_per_address));

    Binder<ConsensusSection> consensus{"consensus", &NodeConfig::consensus};
    f.push_back(consensus.number("timeout_propose_ms", "propose timeout in round 0",
                                 &ConsensusSection::timeout_propose_ms));
    f.push_back(consensus.number("timeout_propose_delta_ms", "added per round",
                                 &ConsensusSection::timeout_propose_delta_ms));
    f.push_back(consensus.number("timeout_prevote_ms", "prevote timeout in round 0",
                                 &ConsensusSection::timeout_prevote_ms));
    f.push_back(consensus.number("timeout_prevote_delta_ms", "added per round",
                                 &ConsensusSection::timeout_prevote_delta_ms));
    f.push_back(consensus.number("timeout_precommit_ms", "precommit timeout in round 0",
                                 &ConsensusSection::timeout_precommit_ms));
    f.push_back(consensus.number("timeout_precommit_delta_ms", "added per round",
                                 &ConsensusSection::timeout_precommit_delta_ms));
    f.push_back(consensus.number("idle_block_interval_ms",
                                 "with nothing to include, wait this long before an empty block",
                                 &ConsensusSection::idle_block_interval_ms));
    f.push_back(consensus.number("max_block_transactions", "transactions per block at most",
                                 &ConsensusSection::max_block_transactions));
    f.push_back(consensus.number("max_block_bytes", "encoded transaction bytes per block at most",
                                 &ConsensusSection::max_block_bytes));

    Binder<MempoolSection> mempool{"mempool", &NodeConfig::mempool};
    f.push_back(mempool.number("max_transactions", "transactions waiting at most",
                               &MempoolSection::max_transactions));
    f.push_back(mempool.number("max_bytes", "bytes of waiting transactions at most",
                               &MempoolSection::max_bytes));
    f.push_back(mempool.number("verify_threads", "signature verification threads (0: one per core)",
                               &MempoolSection::verify_threads));

    Binder<RpcSection> rpc{"rpc", &NodeConfig::rpc};
    f.push_back(rpc.endpoint("listen", "JSON-RPC and WebSocket address", &RpcSection::listen));
    f.push_back(rpc.endpoint("metrics_listen", "Prometheus /metrics address",
                             &RpcSection::metrics_listen));
    f.push_back(rpc.list("cors_origins", "browser origins allowed to call the RPC (\"*\": any)",
                         &RpcSection::cors_origins));
    f.push_back(rpc.text("console",
                         "directory of the web console (console/ and js/src/), served at "
                         "/console/; relative to the home (\"\": none)",
                         &RpcSection::console));
    f.push_back(rpc.number("max_body_bytes", "largest request body (HTTP 413 above)",
                           &RpcSection::max_body_bytes));
    f.push_back(rpc.number("max_header_bytes", "largest request header block (HTTP 431 above)",
                           &RpcSection::max_header_bytes));
    f.push_back(rpc.number("max_connections", "open HTTP and WebSocket connections at most",
                           &RpcSection::max_connections));
    f.push_back(rpc.number("max_connections_per_address",
                           "of rpc.max_connections, how many one client address may hold",
                           &RpcSection::max_connections_per_address));
    f.push_back(rpc.number("metrics_max_connections", "open connections to the metrics port",
                           &RpcSection::metrics_max_connections));
    f.push_back(rpc.number("rate_per_second", "requests per second per client address (0: no limit)",
                           &RpcSection::rate_per_second));
    f.push_back(rpc.number("rate_burst", "requests a client address may send at once",
                           &RpcSection::rate_burst));
    f.push_back(rpc.number("max_batch", "entries in one JSON-RPC batch at most",
                           &RpcSection::max_batch));
    f.push_back(rpc.number("auth_window_ms", "how far a signed request's timestamp may be off",
                           &RpcSection::auth_window_ms));
    f.push_back(rpc.number("idle_timeout_ms", "an idle connection is closed after this",
                           &RpcSection::idle_timeout_ms));
    f.push_back(rpc.number("header_timeout_ms",
                           "time to send a request's header once its first byte arrived",
                           &RpcSection::header_timeout_ms));
    f.push_back(rpc.number("request_timeout_ms", "time to send a request or take a response",
                           &RpcSection::request_timeout_ms));
    f.push_back(rpc.number("worker_threads", "threads that answer RPC requests",
                           &RpcSection::worker_threads));

    Binder<StorageSection> storage{"storage", &NodeConfig::storage};
    f.push_back(storage.number("cache_mb", "RocksDB block cache", &StorageSection::cache_mb));

    Binder<ReadLogSection> read_log{"read_log", &NodeConfig::read_log};
    f.push_back(read_log.text("participant",
                              "this node's participant (role node) that commits its read log "
                              "(\"\": kept, not committed)",
                              &ReadLogSection::participant));
    f.push_back(read_log.number("checkpoint_interval_ms",
                                "at most one read-log checkpoint this often",
                                &ReadLogSection::checkpoint_interval_ms));

    Binder<LogSection> log{"log", &NodeConfig::log};
    f.push_back(log.text("level", "trace, debug, info, warn or error", &LogSection::level));
    f.push_back(log.text("format", "text or json (one JSON object a line)", &LogSection::format));
    f.push_back(log.text("file", "log file, relative to the home (\"\" for none)", &LogSection::file));
    Field to_stdout = log.text("stdout",
                               "auto (stdout under systemd or in a container, else the file), "
                               "true (stdout too) or false (the file only)",
                               &LogSection::to_stdout);
    // `stdout = true` in the file is a TOML boolean; it means "true".
    to_stdout.set = [set = to_stdout.set](NodeConfig& c, const Input& in) -> Status {
      if (in.node && in.node->is_boolean()) {
        return set(c, Input{nullptr, in.node->value<bool>().value_or(false) ? "true" : "false"});
      }
      return set(c, in);
    };
    f.push_back(std::move(to_stdout));
    f.push_back(log.number("max_file_mb", "size at which the log file rotates",
                           &LogSection::max_file_mb));
    f.push_back(log.number("max_files", "rotated files kept", &LogSection::max_files));
    return f;
  }();
  return all;
}

const Field* find_field(std::string_view key) {
  for (const Field& f : fields()) {
    if (f.key == key) return &f;
  }
  return nullptr;
}

std::string environment_name(const std::string& key) {
  std::string name = "TRACECHAIN_";
  for (char c : key) name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

Status check(const NodeConfig& config) {
  if (config.node.id.empty()) {
    return invalid("node.id is not set; every node needs the id its certificate carries");
  }
  static const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error"};
  if (std::find(levels.begin(), levels.end(), config.log.level) == levels.end()) {
    return invalid("log.level '" + config.log.level + "' is not one of trace, debug, info, warn, error");
  }
  if (config.log.format != "text" && config.log.format != "json") {
    return invalid("log.format '" + config.log.format + "' is not one of text, json");
  }
  static const std::vector<std::string> stdout_settings = {"auto", "true", "false"};
  if (std::find(stdout_settings.begin(), stdout_settings.end(), config.log.to_stdout) ==
      stdout_settings.end()) {
    return invalid("log.stdout '" + config.log.to_stdout + "' is not one of auto, true, false");
  }
  if (config.log.to_stdout == "false" && config.log.file.empty()) {
    return invalid("log.stdout = false with log.file = \"\" leaves the log nowhere to go; "
                   "set a log.file or log.stdout = auto");
  }
  if (config.p2p.max_frame_bytes < 1024) return invalid("p2p.max_frame_bytes must be at least 1024");
  if (config.p2p.reconnect_min_ms == 0 || config.p2p.reconnect_max_ms < config.p2p.reconnect_min_ms) {
    return invalid("p2p.reconnect_min_ms must be at least 1 and at most p2p.reconnect_max_ms");
  }
  // Keepalives go out after at most a second of silence; a timeout below
  // that would drop healthy but quiet peers.
  if (config.p2p.peer_timeout_ms < 1000) return invalid("p2p.peer_timeout_ms must be at least 1000");
  if (config.p2p.max_handshakes == 0 || config.p2p.max_handshakes_per_address == 0 ||
      config.p2p.max_handshakes_per_address > config.p2p.max_handshakes) {
    return invalid("p2p.max_handshakes_per_address must be at least 1 and at most "
                   "p2p.max_handshakes");
  }
  if (config.mempool.max_transactions == 0 || config.mempool.max_bytes == 0) {
    return invalid("mempool limits must be above 0");
  }
  if (config.consensus.max_block_transactions == 0) {
    return invalid("consensus.max_block_transactions must be above 0");
  }
  if (!config.read_log.participant.empty()) {
    if (Status s = ledger::validate_identifier("read_log.participant", config.read_log.participant);
        !s) {
      return invalid(s.error().message());
    }
    if (config.read_log.checkpoint_interval_ms < 100) {
      return invalid("read_log.checkpoint_interval_ms must be at least 100");
    }
  }
  const RpcSection& rpc = config.rpc;
  if (rpc.max_body_bytes < 1024 || rpc.max_header_bytes < 1024) {
    return invalid("rpc.max_body_bytes and rpc.max_header_bytes must be at least 1024");
  }
  if (rpc.max_connections == 0 || rpc.max_connections_per_address == 0 ||
      rpc.metrics_max_connections == 0 || rpc.max_batch == 0 || rpc.worker_threads == 0 ||
      rpc.worker_threads > 64) {
    return invalid("rpc.max_connections, rpc.max_connections_per_address, "
                   "rpc.metrics_max_connections and rpc.max_batch must be above 0, "
                   "rpc.worker_threads between 1 and 64");
  }
  if (rpc.rate_per_second > 0 && rpc.rate_burst == 0) {
    return invalid("rpc.rate_burst must be above 0 when rpc.rate_per_second limits the rate");
  }
  if (rpc.idle_timeout_ms < 100 || rpc.request_timeout_ms < 100 ||
      rpc.header_timeout_ms < 100 || rpc.auth_window_ms == 0) {
    return invalid("rpc.idle_timeout_ms, rpc.header_timeout_ms and rpc.request_timeout_ms must "
                   "be at least 100, rpc.auth_window_ms above 0");
  }
  return {};
}

}  // namespace

Result<Endpoint> parse_endpoint(std::string_view text) {
  auto bad = [&] {
    return invalid("'" + std::string(text) + "' is not an address of the form host:port");
  };
  std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return bad();
  std::string_view host = text.substr(0, colon);
  std::string_view port_text = text.substr(colon + 1);
  bool bracketed = host.front() == '[';
  if (bracketed) {
    if (host.back() != ']' || host.size() < 3) return bad();
    host = host.substr(1, host.size() - 2);
    if (host.find(':') == std::string_view::npos) return bad();  // only IPv6 is bracketed
  }
  // A name or IPv4 address: letters, digits, '.', '-', '_'; a bracketed IPv6
  // address: hex digits, ':', '.' and a '%' zone.
  for (char c : host) {
    bool name = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_';
    if (name || (bracketed && (c == ':' || c == '%'))) continue;
    return bad();
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return invalid("'" + std::string(text) + "' has no valid port (0 to 65535)");
  }
  return Endpoint{std::string(host), static_cast<std::uint16_t>(port)};
}

Result<PeerAddress> parse_peer_address(std::string_view text) {
  std::size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0) {
    return invalid("peer '" + std::string(text) + "' is not of the form node-id@host:port");
  }
  auto endpoint = parse_endpoint(text.substr(at + 1));
  if (!endpoint) return endpoint.error().with_context("peer '" + std::string(text) + "'");
  return PeerAddress{std::string(text.substr(0, at)), *endpoint};
}

std::filesystem::path NodeConfig::log_file() const {
  if (log.file.empty()) return {};
  std::filesystem::path path(log.file);
  return path.is_absolute() ? path : home / path;
}

std::filesystem::path NodeConfig::console_dir() const {
  if (rpc.console.empty()) return {};
  std::filesystem::path path(rpc.console);
  return path.is_absolute() ? path : home / path;
}

Result<Overrides> overrides_from_environment(const std::vector<std::string>& environment) {
  Overrides out;
  for (const std::string& entry : environment) {
    std::size_t equals = entry.find('=');
    if (equals == std::string::npos) continue;
    std::string name = entry.substr(0, equals);
    const Field* named = nullptr;
    // The section a TRACECHAIN_<SECTION>_<KEY> name belongs to, if any.
    std::string section;
    for (const Field& f : fields()) {
      if (environment_name(f.key) == name) named = &f;
      std::string prefix = environment_name(f.key.substr(0, f.key.find('.'))) + "_";
      if (name.size() > prefix.size() && name.starts_with(prefix)) {
        section = f.key.substr(0, f.key.find('.'));
      }
    }
    if (named != nullptr) {
      out[named->key] = entry.substr(equals + 1);
    } else if (!section.empty()) {
      // A setting's name, misspelt: as in node.toml, an unknown setting is an
      // error, not a silently ignored one.
      std::string known;
      for (const Field& f : fields()) {
        if (f.key.starts_with(section + ".")) known += (known.empty() ? "" : ", ") + environment_name(f.key);
      }
      return invalid("environment variable " + name + " names no setting of [" + section +
                     "]; those are " + known);
    }
  }
  return out;
}

Result<NodeConfig> parse_config(std::string_view text, std::string_view source,
                                const std::filesystem::path& home, const Overrides& environment,
                                const Overrides& command_line) {
  NodeConfig config;
  config.home = home;
  std::string file(source);

  toml::table root;
  try {
    root = toml::parse(text, file);
  } catch (const toml::parse_error& error) {
    return invalid(file + ":" + std::to_string(error.source().begin.line) + ":" +
                   std::to_string(error.source().begin.column) + ": " +
                   std::string(error.description()));
  }
  auto where = [&](const toml::node& node) {
    return file + ":" + std::to_string(node.source().begin.line);
  };
  for (const auto& [section_key, section_node] : root) {
    const toml::table* section = section_node.as_table();
    if (!section) {
      return invalid(where(section_node) + ": '" + std::string(section_key.str()) +
                     "' must be a [section]");
    }
    for (const auto& [key, value] : *section) {
      std::string name = std::string(section_key.str()) + "." + std::string(key.str());
      const Field* field = find_field(name);
      if (!field) return invalid(where(value) + ": unknown setting '" + name + "'");
      if (Status s = field->set(config, Input{&value, {}}); !s) {
        return s.error().with_context(where(value) + ": " + name);
      }
    }
  }
  for (const Overrides* overrides : {&environment, &command_line}) {
    bool from_environment = overrides == &environment;
    for (const auto& [key, value] : *overrides) {
      const Field* field = find_field(key);
      std::string label = from_environment ? "environment " + environment_name(key)
                                           : "command line --set " + key;
      if (!field) return invalid(label + ": unknown setting '" + key + "'");
      if (Status s = field->set(config, Input{nullptr, value}); !s) {
        return s.error().with_context(label);
      }
    }
  }
  if (Status s = check(config); !s) return s.error().with_context(file);
  return config;
}

Result<NodeConfig> load_config(const std::filesystem::path& home, const Overrides& environment,
                               const Overrides& command_line) {
  NodeConfig probe;
  probe.home = home;
  auto text = read_file(probe.config_file(), kMaxConfigBytes);
  if (!text) {
    return text.error().with_context("configuration (create a home with `tracectl init` or "
                                     "`tracectl testnet init`)");
  }
  return parse_config(*text, probe.config_file().string(), home, environment, command_line);
}

std::string config_to_toml(const NodeConfig& config) {
  std::string out =
      "# tracechaind configuration. Every setting can also come from the environment\n"
      "# (TRACECHAIN_SECTION_KEY) or the command line (--set section.key=value).\n";
  std::string section;
  for (const Field& f : fields()) {
    std::string this_section = f.key.substr(0, f.key.find('.'));
    if (this_section != section) {
      section = this_section;
      out += "\n[" + section + "]\n";
    }
    out += "# " + f.help + "\n";
    out += f.key.substr(f.key.find('.') + 1) + " = " + f.toml_value(config) + "\n";
  }
  return out;
}

std::vector<std::string> config_keys() {
  std::vector<std::string> keys;
  for (const Field& f : fields()) keys.push_back(f.key);
  return keys;
}

}  // namespace tracechain::node
