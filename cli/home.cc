// `tracectl init` and `tracectl testnet init`: create node homes.
//
// A home holds config/node.toml, config/genesis.json, the validator key
// (config/node_key.pem), the TLS key and certificate with the consortium CA
// certificate (config/tls/), and later data/ and logs/. The consortium CA's
// private key is written beside the homes (ca/ca.key) so that an operator can
// issue certificates for new nodes; in production it belongs offline.
#include <ostream>
#include <tuple>

#include "cli/commands.h"
#include "crypto/file_util.h"
#include "crypto/x509.h"
#include "ledger/genesis.h"
#include "node/config.h"

namespace tracechain::cli {

namespace {

constexpr unsigned kCaDays = 3650;
constexpr unsigned kNodeCertificateDays = 825;
constexpr std::uint64_t kGenesisTimeMs = 1'767'225'600'000ull;  // 2026-01-01T00:00:00Z
// The cosigner name of a demo witness: this prefix and its participant id.
constexpr std::string_view kDemoWitnessNamePrefix = "witness.tracechain.example/";
// How often a demo home's node commits its read log.
constexpr std::uint64_t kDemoReadLogIntervalMs = 3000;

Status write_text(const std::filesystem::path& path, const std::string& text, unsigned mode) {
  std::error_code ec;
  std::filesystem::create_directories(path.parent_path(), ec);
  if (ec) {
    return Error(ErrorCode::kIo, "cannot create '" + path.parent_path().string() +
                                     "': " + ec.message());
  }
  return write_file_atomic(path, text, mode, Overwrite::kRefuse);
}

Status refuse_existing(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) {
    return Error(ErrorCode::kConflict, "'" + path.string() +
                                           "' already exists; choose another directory or remove it");
  }
  return {};
}

struct Consortium {
  crypto::PrivateKey ca_key;
  std::string ca_certificate;
};

Result<Consortium> create_consortium(const std::filesystem::path& dir, const std::string& chain_id) {
  auto ca_key = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  if (!ca_key) return ca_key.error();
  auto ca = crypto::create_ca_certificate(*ca_key, chain_id + " consortium CA", kCaDays);
  if (!ca) return ca.error();
  if (Status s = write_text(dir / "ca" / "ca.pem", *ca, 0644); !s) return s.error();
  if (Status s = write_text(dir / "ca" / "ca.key", ca_key->to_pem(), 0600); !s) return s.error();
  return Consortium{std::move(*ca_key), std::move(*ca)};
}

// Writes a node home (config.home): config, genesis, validator key, TLS key
// and certificate.
Status write_home(const node::NodeConfig& config,
                  const std::string& genesis_json, const crypto::PrivateKey& validator_key,
                  const Consortium& consortium,
                  const crypto::PrivateKey* read_log_key = nullptr) {
  auto tls_key = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  if (!tls_key) return tls_key.error();
  auto certificate = crypto::issue_node_certificate(consortium.ca_key, consortium.ca_certificate,
                                                    tls_key->public_key(), config.node.id,
                                                    kNodeCertificateDays);
  if (!certificate) return certificate.error();
  if (Status s = write_text(config.config_file(), node::config_to_toml(config), 0644); !s) return s;
  if (Status s = write_text(config.genesis_file(), genesis_json, 0644); !s) return s;
  if (Status s = write_text(config.node_key_file(), validator_key.to_pem(), 0600); !s) return s;
  if (read_log_key) {
    if (Status s = write_text(config.read_log_key_file(), read_log_key->to_pem(), 0600); !s) {
      return s;
    }
  }
  if (Status s = write_text(config.ca_file(), consortium.ca_certificate, 0644); !s) return s;
  if (Status s = write_text(config.tls_certificate_file(), *certificate, 0644); !s) return s;
  return write_text(config.tls_key_file(), tls_key->to_pem(), 0600);
}

struct DemoParticipant {
  const char* id;
  std::vector<ledger::Role> roles;
  const char* jurisdiction;
};

// The participants a demo consortium starts with; their keys go to keys/.
const std::vector<DemoParticipant>& demo_participants() {
  using ledger::Role;
  static const std::vector<DemoParticipant> list = {
      {"exchange", {Role::kGovernor, Role::kOperator}, "cn"},
      {"regulator", {Role::kGovernor, Role::kAuditor}, "cn"},
      {"member-bank", {Role::kGovernor}, "cn"},
      {"attestor-ca", {Role::kAttestor}, "cn"},
      {"provider-acme", {Role::kProvider}, "cn"},
      {"buyer-bank", {Role::kBuyer}, "cn"},
      {"buyer-abroad", {Role::kBuyer}, "sg"},
      {"reviewer-1", {Role::kReviewer}, "cn"},
      {"reviewer-2", {Role::kReviewer}, "cn"},
      {"arbitrator-1", {Role::kArbitrator}, "cn"},
      {"auditor-1", {Role::kAuditor}, "cn"},
      {"witness-1", {Role::kWitness}, "cn"},
  };
  return list;
}

}  // namespace

ledger::Policy default_policy(std::uint8_t threshold) {
  ledger::Policy policy;
  policy.governance_threshold = threshold;
  policy.max_transaction_lifetime = 1000;
  policy.max_proposal_lifetime = 10000;
  policy.levels[0] = ledger::level_rule(true, 1, false);
  policy.levels[1] = ledger::level_rule(true, 1, false);
  policy.levels[2] = ledger::level_rule(true, 2, true);
  policy.levels[3] = ledger::level_rule(false, 2, true);
  return policy;
}

namespace {

// Generates the demo participants' keys into `keys_dir` and lists them in `genesis`.
Status add_demo_participants(ledger::Genesis& genesis, const std::filesystem::path& keys_dir,
                             bool all) {
  for (const DemoParticipant& p : demo_participants()) {
    if (!all && std::string_view(p.id) != "exchange") continue;
    auto key = crypto::PrivateKey::generate(genesis.suite);
    if (!key) return key.error();
    ledger::RoleSet roles = 0;
    for (ledger::Role role : p.roles) roles |= ledger::role_bit(role);
    genesis.participants.push_back({p.id, key->public_key().bytes(), roles, p.jurisdiction});
    if (Status s = write_text(keys_dir / (std::string(p.id) + ".pem"), key->to_pem(), 0600); !s) {
      return s;
    }
    if (roles != ledger::role_bit(ledger::Role::kWitness)) continue;
    // A witness cosigns with an Ed25519 key of its own, which the policy
    // names (docs/oversight.md).
    auto cosigning = crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256);
    if (!cosigning) return cosigning.error();
    genesis.policy.witnesses.push_back({p.id, std::string(kDemoWitnessNamePrefix) + p.id,
                                        cosigning->public_key().bytes()});
    if (Status s = write_text(keys_dir / (std::string(p.id) + ".cosigning.pem"),
                              cosigning->to_pem(), 0600);
        !s) {
      return s;
    }
  }
  return {};
}

// A node's own participant (named as the node, with the node role) that
// commits its read log (docs/oversight.md): listed in `genesis`, named in
// `config`; its key is returned for the home.
Result<crypto::PrivateKey> add_node_participant(ledger::Genesis& genesis, node::NodeConfig& config) {
  auto key = crypto::PrivateKey::generate(genesis.suite);
  if (!key) return key.error();
  genesis.participants.push_back(
      {config.node.id, key->public_key().bytes(), ledger::role_bit(ledger::Role::kNode), "cn"});
  config.read_log.participant = config.node.id;
  // A demo commits its reads within seconds; the default is a minute.
  config.read_log.checkpoint_interval_ms = kDemoReadLogIntervalMs;
  return key;
}

}  // namespace

namespace {

// The node's part of a home: config/node.toml from the options.
Result<node::NodeConfig> join_config(const JoinOptions& options) {
  node::NodeConfig config;
  config.home = options.home;
  config.node.id = options.node_id;
  config.node.validator = options.validator;
  for (auto [text, target, name] :
       {std::tuple{&options.p2p_listen, &config.p2p.listen, "--p2p-listen"},
        std::tuple{&options.rpc_listen, &config.rpc.listen, "--rpc-listen"},
        std::tuple{&options.metrics_listen, &config.rpc.metrics_listen, "--metrics-listen"}}) {
    if (text->empty()) continue;
    auto endpoint = node::parse_endpoint(*text);
    if (!endpoint) return endpoint.error().with_context(name);
    *target = *endpoint;
  }
  for (const std::string& text : options.peers) {
    auto peer = node::parse_peer_address(text);
    if (!peer) return peer.error();
    config.p2p.peers.push_back(*peer);
  }
  return config;
}

void print_next_step(std::ostream& out, const JoinOptions& options,
                     const crypto::PrivateKey& validator_key) {
  out << "  validator key " << to_hex(validator_key.public_key().bytes()) << "\n";
  if (options.validator) {
    out << "it signs once it is in the validator set: a founder's key goes into genesis "
           "(tracectl genesis add-validator --id "
        << options.node_id << " --public-key KEY), a later validator's into an add-validator "
           "governance change\n";
  } else {
    out << "it follows the chain without signing; the consortium's nodes must list "
        << options.node_id << " in p2p.allowed_peers\n";
  }
}

// Second step: the certificate the CA signed, the CA's certificate and the
// genesis complete a requested home, each checked against what it holds.
int join_complete(const JoinOptions& options, std::ostream& out, std::ostream& err) {
  auto loaded = node::load_config(options.home, {}, {});
  if (!loaded) return report_error(err, loaded.error());
  const node::NodeConfig& config = *loaded;
  std::error_code ec;
  if (std::filesystem::exists(config.tls_certificate_file(), ec)) {
    return report_error(err, Error(ErrorCode::kConflict,
                                   config.tls_certificate_file().string() +
                                       " already exists: this home is complete"));
  }
  if (options.ca_certificate.empty() || options.genesis.empty()) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   "--certificate needs --ca-certificate and --genesis"));
  }
  auto certificate = read_file(options.certificate, 64 * 1024);
  if (!certificate) return report_error(err, certificate.error());
  auto ca_certificate = read_file(options.ca_certificate, 64 * 1024);
  if (!ca_certificate) return report_error(err, ca_certificate.error());
  if (Status s = crypto::verify_node_certificate(*certificate, *ca_certificate); !s) {
    return report_error(err, s.error().with_context(options.certificate.string()));
  }
  auto name = crypto::certificate_common_name(*certificate);
  if (!name) return report_error(err, name.error());
  if (*name != config.node.id) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   options.certificate.string() + " names node '" + *name +
                                       "', but this home is '" + config.node.id + "'"));
  }
  auto tls_key = crypto::PrivateKey::load(config.tls_key_file());
  if (!tls_key) return report_error(err, tls_key.error());
  if (Status s = crypto::certificate_matches_key(*certificate, *tls_key); !s) {
    return report_error(err, s.error().with_context(options.certificate.string()));
  }
  auto genesis = ledger::load_genesis(options.genesis);
  if (!genesis) return report_error(err, genesis.error());
  auto validator_key = crypto::PrivateKey::load(config.node_key_file());
  if (!validator_key) return report_error(err, validator_key.error());
  if (validator_key->suite() != genesis->suite) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   "this home's validator key is " +
                                       std::string(crypto::suite_name(validator_key->suite())) +
                                       " but the chain uses " +
                                       std::string(crypto::suite_name(genesis->suite))));
  }
  if (Status s = write_text(config.genesis_file(), ledger::genesis_to_json(*genesis), 0644); !s) {
    return report_error(err, s.error());
  }
  if (Status s = write_text(config.ca_file(), *ca_certificate, 0644); !s) {
    return report_error(err, s.error());
  }
  if (Status s = write_text(config.tls_certificate_file(), *certificate, 0644); !s) {
    return report_error(err, s.error());
  }
  const ledger::Validator* listed = genesis->validators.find(config.node.id);
  out << "completed the home of " << config.node.id << " in " << options.home.string() << "\n"
      << "  chain        " << genesis->chain_id << ", genesis "
      << to_hex(ledger::genesis_hash(*genesis)) << "\n"
      << "  validator    "
      << (!config.node.validator ? "no (an observer)"
          : !listed ? "not in genesis: it follows until governance adds it"
          : listed->public_key == validator_key->public_key().bytes()
              ? "in genesis, with this home's key"
              : "in genesis with ANOTHER key: tracechaind will refuse to start")
      << "\n"
      << "start it with: tracechaind --home " << options.home.string() << "\n";
  return kExitOk;
}

// First step: keys made here, and a request for the CA; nothing secret leaves.
int join_request(const JoinOptions& options, std::ostream& out, std::ostream& err) {
  crypto::Suite suite = crypto::kDefaultSuite;
  if (!options.suite.empty()) {
    auto parsed = crypto::parse_suite(options.suite);
    if (!parsed) return report_error(err, parsed.error().with_context("--suite"));
    suite = *parsed;
  }
  auto config = join_config(options);
  if (!config) return report_error(err, config.error());
  auto validator_key = crypto::PrivateKey::generate(suite);
  if (!validator_key) return report_error(err, validator_key.error());
  auto tls_key = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  if (!tls_key) return report_error(err, tls_key.error());
  auto request = crypto::create_certificate_request(*tls_key, options.node_id);
  if (!request) return report_error(err, request.error());
  const auto request_file = config->tls_certificate_file().parent_path() / "node.csr";
  if (Status s = write_text(config->config_file(), node::config_to_toml(*config), 0644); !s) {
    return report_error(err, s.error());
  }
  if (Status s = write_text(config->node_key_file(), validator_key->to_pem(), 0600); !s) {
    return report_error(err, s.error());
  }
  if (Status s = write_text(config->tls_key_file(), tls_key->to_pem(), 0600); !s) {
    return report_error(err, s.error());
  }
  if (Status s = write_text(request_file, *request, 0644); !s) return report_error(err, s.error());
  out << "created the keys of " << options.node_id << " in " << options.home.string()
      << " (they stay there)\n"
      << "  certificate request " << request_file.string() << "  (send it to the consortium CA)\n";
  print_next_step(out, options, *validator_key);
  out << "then, with the certificate the CA returns, its ca.pem and the chain's genesis.json:\n"
      << "  tracectl join --home " << options.home.string()
      << " --certificate NODE.pem --ca-certificate ca.pem --genesis genesis.json\n";
  return kExitOk;
}

}  // namespace

int join(const JoinOptions& options, std::ostream& out, std::ostream& err) {
  if (!options.certificate.empty()) return join_complete(options, out, err);
  if (Status s = refuse_existing(options.home / "config"); !s) return report_error(err, s.error());
  if (Status s = ledger::validate_identifier("node id", options.node_id); !s) {
    return report_error(err, s.error().with_context("--node-id"));
  }
  if (options.ca_dir.empty()) return join_request(options, out, err);
  if (options.genesis.empty()) {
    return report_error(err, Error(ErrorCode::kInvalidInput, "--ca-dir needs --genesis"));
  }
  auto genesis = ledger::load_genesis(options.genesis);
  if (!genesis) return report_error(err, genesis.error());
  auto ca_certificate = read_file(options.ca_dir / "ca.pem", 64 * 1024);
  if (!ca_certificate) return report_error(err, ca_certificate.error().with_context("CA certificate"));
  auto ca_key = crypto::PrivateKey::load(options.ca_dir / "ca.key");
  if (!ca_key) return report_error(err, ca_key.error());
  Consortium consortium{std::move(*ca_key), std::move(*ca_certificate)};
  auto config = join_config(options);
  if (!config) return report_error(err, config.error());
  auto validator_key = crypto::PrivateKey::generate(genesis->suite);
  if (!validator_key) return report_error(err, validator_key.error());
  if (Status s = write_home(*config, ledger::genesis_to_json(*genesis), *validator_key, consortium);
      !s) {
    return report_error(err, s.error());
  }
  out << "created a home for " << options.node_id << " in " << options.home.string() << "\n"
      << "  chain        " << genesis->chain_id << ", genesis "
      << to_hex(ledger::genesis_hash(*genesis)) << "\n";
  print_next_step(out, options, *validator_key);
  return kExitOk;
}

int init(const InitOptions& options, std::ostream& out, std::ostream& err) {
  if (Status s = refuse_existing(options.home / "config"); !s) return report_error(err, s.error());
  if (Status s = ledger::validate_identifier("chain id", options.chain_id); !s) {
    return report_error(err, s.error());
  }
  auto consortium = create_consortium(options.home, options.chain_id);
  if (!consortium) return report_error(err, consortium.error());

  ledger::Genesis genesis;
  genesis.chain_id = options.chain_id;
  genesis.suite = options.suite;
  genesis.time_ms = kGenesisTimeMs;
  genesis.state_tree = options.state_tree;
  genesis.policy = default_policy(1);
  if (Status s = add_demo_participants(genesis, options.home / "keys", options.demo_participants);
      !s) {
    return report_error(err, s.error());
  }
  auto validator_key = crypto::PrivateKey::generate(options.suite);
  if (!validator_key) return report_error(err, validator_key.error());
  genesis.validators.suite = options.suite;
  genesis.validators.validators = {{options.node_id, validator_key->public_key().bytes(), 1}};

  node::NodeConfig config;
  config.home = options.home;
  config.node.id = options.node_id;
  auto read_log_key = add_node_participant(genesis, config);
  if (!read_log_key) return report_error(err, read_log_key.error());
  if (Status s = ledger::validate(genesis); !s) return report_error(err, s.error());
  if (Status s = write_home(config, ledger::genesis_to_json(genesis),
                            *validator_key, *consortium, &*read_log_key);
      !s) {
    return report_error(err, s.error());
  }
  out << "created a single-node home in " << options.home.string() << "\n"
      << "  chain        " << genesis.chain_id << " (" << crypto::suite_name(genesis.suite)
      << "), genesis " << to_hex(ledger::genesis_hash(genesis)) << "\n"
      << "  validator    " << options.node_id << "\n"
      << "  participant keys in " << (options.home / "keys").string() << "\n"
      << "start it with: tracechaind --home " << options.home.string() << "\n";
  return kExitOk;
}

int testnet_init(const TestnetOptions& options, std::ostream& out, std::ostream& err) {
  if (options.validators < 1 || options.validators > 64 || options.observers > 16) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   "--validators must be between 1 and 64, --observers at most 16"));
  }
  std::uint32_t nodes = options.validators + options.observers;
  if (options.hosts.size() > 1 && options.hosts.size() != nodes) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   "--host is given " + std::to_string(options.hosts.size()) +
                                       " times; give it once (every node) or once per node (" +
                                       std::to_string(nodes) + ")"));
  }
  std::vector<std::string> hosts;
  for (std::uint32_t i = 0; i < nodes; ++i) {
    std::string host = options.hosts.empty() ? "127.0.0.1"
                       : options.hosts.size() == 1 ? options.hosts[0]
                                                   : options.hosts[i];
    auto endpoint = node::parse_endpoint(node::Endpoint{host, 1}.to_string());
    if (!endpoint) return report_error(err, Error(ErrorCode::kInvalidInput, "--host '" + host + "' is not a host name or address"));
    hosts.push_back(host);
  }
  if (Status s = refuse_existing(options.out); !s) return report_error(err, s.error());
  if (Status s = ledger::validate_identifier("chain id", options.chain_id); !s) {
    return report_error(err, s.error());
  }
  auto consortium = create_consortium(options.out, options.chain_id);
  if (!consortium) return report_error(err, consortium.error());

  ledger::Genesis genesis;
  genesis.chain_id = options.chain_id;
  genesis.suite = options.suite;
  genesis.time_ms = kGenesisTimeMs;
  genesis.state_tree = options.state_tree;
  genesis.policy = default_policy(2);
  if (Status s = add_demo_participants(genesis, options.out / "keys", true); !s) {
    return report_error(err, s.error());
  }
  std::vector<crypto::PrivateKey> keys;
  std::vector<crypto::PrivateKey> read_log_keys;
  std::vector<node::NodeConfig> configs;
  genesis.validators.suite = options.suite;
  std::vector<std::string> observers;
  for (std::uint32_t i = 0; i < options.observers; ++i) {
    observers.push_back("observer-" + std::to_string(i));
  }
  for (std::uint32_t i = 0; i < options.validators + options.observers; ++i) {
    auto key = crypto::PrivateKey::generate(options.suite);
    if (!key) return report_error(err, key.error());
    bool validator = i < options.validators;
    node::NodeConfig config;
    config.node.id = validator ? "validator-" + std::to_string(i)
                               : observers[i - options.validators];
    config.node.validator = validator;
    config.p2p.allowed_peers = observers;
    config.home = options.out / ("node" + std::to_string(i));
    auto port = [&](unsigned offset) {
      return static_cast<std::uint16_t>(options.base_port + 10 * i + offset);
    };
    config.p2p.listen = {hosts[i], port(0)};
    config.rpc.listen = {hosts[i], port(1)};
    config.rpc.metrics_listen = {hosts[i], port(2)};
    if (validator) {
      genesis.validators.validators.push_back({config.node.id, key->public_key().bytes(), 1});
    }
    auto read_log_key = add_node_participant(genesis, config);
    if (!read_log_key) return report_error(err, read_log_key.error());
    keys.push_back(std::move(*key));
    read_log_keys.push_back(std::move(*read_log_key));
    configs.push_back(std::move(config));
  }
  for (auto& config : configs) {
    for (const auto& other : configs) {
      if (other.node.id != config.node.id) {
        config.p2p.peers.push_back({other.node.id, other.p2p.listen});
      }
    }
  }
  if (Status s = ledger::validate(genesis); !s) return report_error(err, s.error());
  std::string genesis_json = ledger::genesis_to_json(genesis);
  for (std::size_t i = 0; i < configs.size(); ++i) {
    if (Status s = write_home(configs[i], genesis_json, keys[i], *consortium, &read_log_keys[i]);
        !s) {
      return report_error(err, s.error());
    }
  }
  if (Status s = write_text(options.out / "genesis.json", genesis_json, 0644); !s) {
    return report_error(err, s.error());
  }
  out << "created a " << options.validators << "-validator testnet"
      << (options.observers ? " with " + std::to_string(options.observers) + " observers" : "")
      << " in " << options.out.string()
      << "\n  chain        " << genesis.chain_id << " (" << crypto::suite_name(genesis.suite)
      << "), genesis " << to_hex(ledger::genesis_hash(genesis)) << "\n";
  for (const auto& config : configs) {
    out << "  " << config.node.id << "  home " << config.home.string() << "  p2p "
        << config.p2p.listen.to_string() << "  rpc " << config.rpc.listen.to_string() << "\n";
  }
  out << "  participant keys in " << (options.out / "keys").string() << "\n"
      << "start each node with: tracechaind --home <home>  (or deploy/testnet.sh start "
      << options.out.string() << ")\n";
  return kExitOk;
}

}  // namespace tracechain::cli
