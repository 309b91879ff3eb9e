// tracectl's commands, callable without the command-line parser (tests and
// other programs use them directly). Each returns the process exit code and
// prints its results to `out` and its errors to `err`.
//
// Exit codes: 0 ok, 1 verification failed, 2 usage or input error,
// 3 node unreachable.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "crypto/result.h"
#include "crypto/signature.h"
#include "ledger/model.h"

namespace tracechain::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitVerificationFailed = 1,
  kExitUsage = 2,
  kExitUnreachable = 3,
};

// Prints "tracectl: <message>" to `err` and returns the exit code the error's
// kind calls for.
int report_error(std::ostream& err, const Error& error);

struct KeysGenerateOptions {
  crypto::Suite suite = crypto::kDefaultSuite;
  std::filesystem::path out;
};
int keys_generate(const KeysGenerateOptions& options, std::ostream& out, std::ostream& err);

struct KeysShowOptions {
  std::filesystem::path key;
};
int keys_show(const KeysShowOptions& options, std::ostream& out, std::ostream& err);

struct InitOptions {
  std::filesystem::path home;
  std::string chain_id = "tracechain-local";
  crypto::Suite suite = crypto::kDefaultSuite;
  std::string node_id = "validator-0";
  bool demo_participants = true;  // the demo consortium's participants, keys in <home>/keys
  // A chain of format 2 (headers commit to the state tree); false founds one
  // of format 1, as before the tree existed (to compare their costs).
  bool state_tree = true;
};
int init(const InitOptions& options, std::ostream& out, std::ostream& err);

struct TestnetOptions {
  std::filesystem::path out;
  std::uint32_t validators = 4;
  std::string chain_id = "tracechain-testnet";
  crypto::Suite suite = crypto::kDefaultSuite;
  // Node i uses base + 10 i (p2p), +1 (rpc), +2 (metrics): node0 answers on
  // 26657, tracectl's default.
  std::uint16_t base_port = 26656;
  std::uint32_t observers = 0;      // non-validator nodes, after the validators
  // The address each node listens on and is dialled at: none (127.0.0.1 for
  // every node), one for every node, or one per node in order.
  std::vector<std::string> hosts;
  bool state_tree = true;  // as InitOptions::state_tree
};
int testnet_init(const TestnetOptions& options, std::ostream& out, std::ostream& err);

// The policy new chains start with: every level but L4 tradable, one review
// (two for L3 and L4), cross-border assessments for L3 and L4, no identity
// rules; `threshold` governor approvals per change.
ledger::Policy default_policy(std::uint8_t threshold);

// `tracectl join`, in one of three ways:
//   - request: with --node-id and no --ca-dir, the home gets its config, its
//     keys and a certificate request (config/tls/node.csr) for the CA;
//   - complete: with --certificate, a requested home gets the certificate
//     the CA signed, the CA certificate and the chain's genesis;
//   - at once: with --ca-dir (holding ca.key) and --genesis, on a machine
//     that holds the CA key (tests, a testnet).
struct JoinOptions {
  std::filesystem::path home;
  std::filesystem::path genesis;  // the chain's genesis.json
  std::filesystem::path ca_dir;   // holds the consortium's ca.pem and ca.key
  std::string node_id;
  bool validator = false;         // false: an observer that follows without signing
  std::string suite;              // request without --genesis: the chain's suite
  std::string p2p_listen;         // host:port, empty for the default
  std::string rpc_listen;
  std::string metrics_listen;
  std::vector<std::string> peers; // node-id@host:port
  std::filesystem::path certificate;     // complete: the certificate the CA signed
  std::filesystem::path ca_certificate;  // complete: the consortium CA's certificate
};
int join(const JoinOptions& options, std::ostream& out, std::ostream& err);

struct CaInitOptions {
  std::filesystem::path out;  // directory for ca.pem and ca.key
  std::string name = "consortium CA";
};
int ca_init(const CaInitOptions& options, std::ostream& out, std::ostream& err);

struct CaSignOptions {
  std::filesystem::path ca;   // directory with ca.pem and ca.key
  std::filesystem::path csr;
  std::filesystem::path out;
  unsigned days = 825;
};
int ca_sign(const CaSignOptions& options, std::ostream& out, std::ostream& err);

struct GenesisNewOptions {
  std::filesystem::path out;
  std::string chain_id;
  std::string suite = "p256-sha256";
  std::string time;  // Unix ms or an ISO 8601 date; empty: now
};
int genesis_new(const GenesisNewOptions& options, std::ostream& out, std::ostream& err);

struct GenesisParticipantOptions {
  std::filesystem::path genesis;
  std::string id;
  std::string public_key;  // hex or a PEM file
  std::string roles;       // comma-separated role names
  std::string jurisdiction;
};
int genesis_add_participant(const GenesisParticipantOptions& options, std::ostream& out,
                            std::ostream& err);

struct GenesisValidatorOptions {
  std::filesystem::path genesis;
  std::string id;
  std::string public_key;
  std::uint64_t power = 1;
};
int genesis_add_validator(const GenesisValidatorOptions& options, std::ostream& out,
                          std::ostream& err);

struct GenesisPolicyOptions {
  std::filesystem::path genesis;
  std::filesystem::path policy;  // a policy file in genesis's form
  std::optional<std::uint64_t> governance_threshold;
};
int genesis_set_policy(const GenesisPolicyOptions& options, std::ostream& out,
                       std::ostream& err);

struct GenesisCheckOptions {
  std::filesystem::path genesis;
};
int genesis_check(const GenesisCheckOptions& options, std::ostream& out, std::ostream& err);

struct InspectOptions {
  std::filesystem::path home;
  bool headers = false;  // list every header's hash
};
int inspect(const InspectOptions& options, std::ostream& out, std::ostream& err);

struct DemoOptions {
  crypto::Suite suite = crypto::kDefaultSuite;
  std::uint64_t log_size = 8;
  std::uint64_t prove_index = 5;
};
int demo(const DemoOptions& options, std::ostream& out, std::ostream& err);

}  // namespace tracechain::cli
