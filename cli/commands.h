// tracectl's commands, callable without the command-line parser (tests and
// other programs use them directly). Each returns the process exit code and
// prints its results to `out` and its errors to `err`.
//
// Exit codes: 0 ok, 1 verification failed, 2 usage or input error,
// 3 node unreachable.
#pragma once

#include <filesystem>
#include <iosfwd>
#include <string>
#include <vector>

#include "crypto/result.h"
#include "crypto/signature.h"

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
};
int testnet_init(const TestnetOptions& options, std::ostream& out, std::ostream& err);

struct JoinOptions {
  std::filesystem::path home;
  std::filesystem::path genesis;  // the chain's genesis.json
  std::filesystem::path ca_dir;   // holds the consortium's ca.pem and ca.key
  std::string node_id;
  bool validator = false;         // false: an observer that follows without signing
  std::string p2p_listen;         // host:port, empty for the default
  std::vector<std::string> peers; // node-id@host:port
};
int join(const JoinOptions& options, std::ostream& out, std::ostream& err);

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
