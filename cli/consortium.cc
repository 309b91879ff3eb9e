// Founding a consortium without sharing private keys: `tracectl ca init`
// and `ca sign` on the CA's (offline) machine, and the `tracectl genesis`
// commands that build the genesis file from public keys, check it and print
// the hash every founder compares. docs/operations.md walks through it.
#include <chrono>
#include <ostream>

#include "cli/commands.h"
#include "cli/print.h"
#include "cli/tx.h"
#include "crypto/file_util.h"
#include "crypto/x509.h"
#include "ledger/genesis.h"
#include "ledger/json_fields.h"

namespace tracechain::cli {

namespace {

using Json = nlohmann::json;

constexpr std::size_t kMaxPemBytes = 64 * 1024;
constexpr std::size_t kMaxGenesisBytes = 16 * 1024 * 1024;
constexpr unsigned kCaDays = 3650;

Error invalid(const std::string& message) { return Error(ErrorCode::kInvalidInput, message); }

std::uint64_t unix_now_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

// A genesis draft: the JSON document, read and written whole. Each command
// checks what it adds; `genesis check` checks the whole.
struct Draft {
  std::filesystem::path path;
  Json document;
  crypto::Suite suite = crypto::kDefaultSuite;

  static Result<Draft> load(const std::filesystem::path& path) {
    auto text = read_file(path, kMaxGenesisBytes);
    if (!text) return text.error();
    auto document = ledger::parse_json(*text, path.string());
    if (!document) return document.error();
    auto fields = ledger::JsonFields::of(*document, path.string());
    if (!fields) return fields.error();
    auto suite_name = fields->text("suite", 64);
    if (!suite_name) return suite_name.error();
    auto suite = crypto::parse_suite(*suite_name);
    if (!suite) return suite.error().with_context(path.string());
    for (const char* list : {"participants", "validators"}) {
      if (!document->contains(list) || !(*document)[list].is_array()) {
        return invalid(path.string() + ": " + list + ": expected an array");
      }
    }
    return Draft{path, std::move(*document), *suite};
  }

  Status save() const {
    return write_file_atomic(path, document.dump(2) + "\n", 0644, Overwrite::kReplace);
  }

  // Refuses an id the list already holds.
  Status refuse_repeat(const char* list, const std::string& id) const {
    for (const Json& entry : document[list]) {
      if (entry.is_object() && entry.value("id", "") == id) {
        return Error(ErrorCode::kConflict, path.string() + ": " + list + " already lists '" + id + "'");
      }
    }
    return {};
  }

  // A key of the chain's suite, given as hex or a PEM file.
  Result<std::string> key_hex(const std::string& text) const {
    auto key = read_public_key(text, suite);
    if (!key) return key.error().with_context("--public-key");
    if (key->suite() != suite) {
      return invalid("--public-key: a " + std::string(crypto::suite_name(key->suite())) +
                     " key for a " + std::string(crypto::suite_name(suite)) + " chain");
    }
    return to_hex(key->bytes());
  }
};

}  // namespace

int ca_init(const CaInitOptions& options, std::ostream& out, std::ostream& err) {
  const auto key_file = options.out / "ca.key";
  const auto certificate_file = options.out / "ca.pem";
  std::error_code ec;
  for (const auto& file : {key_file, certificate_file}) {
    if (std::filesystem::exists(file, ec)) {
      return report_error(err, Error(ErrorCode::kConflict, "'" + file.string() +
                                                              "' already exists; a CA is created once"));
    }
  }
  auto key = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  if (!key) return report_error(err, key.error());
  auto certificate = crypto::create_ca_certificate(*key, options.name, kCaDays);
  if (!certificate) return report_error(err, certificate.error());
  std::filesystem::create_directories(options.out, ec);
  if (ec) return report_error(err, Error(ErrorCode::kIo, "cannot create '" + options.out.string() + "': " + ec.message()));
  if (Status s = write_file_atomic(key_file, key->to_pem(), 0600, Overwrite::kRefuse); !s) {
    return report_error(err, s.error());
  }
  if (Status s = write_file_atomic(certificate_file, *certificate, 0644, Overwrite::kRefuse); !s) {
    return report_error(err, s.error());
  }
  out << "created the consortium CA '" << options.name << "' (valid " << kCaDays << " days)\n"
      << "  certificate " << certificate_file.string() << "  (give it to every node)\n"
      << "  key         " << key_file.string() << "  (keep it on this machine, offline)\n"
      << "sign a node's request with: tracectl ca sign --ca " << options.out.string()
      << " --csr NODE.csr --out NODE.pem\n";
  return kExitOk;
}

int ca_sign(const CaSignOptions& options, std::ostream& out, std::ostream& err) {
  auto request_text = read_file(options.csr, kMaxPemBytes);
  if (!request_text) return report_error(err, request_text.error());
  auto request = crypto::read_certificate_request(*request_text);
  if (!request) return report_error(err, request.error().with_context(options.csr.string()));
  if (Status s = ledger::validate_identifier("the request's node id", request->common_name); !s) {
    return report_error(err, s.error().with_context(options.csr.string()));
  }
  if (request->public_key.suite() != crypto::Suite::kP256Sha256) {
    return report_error(err, invalid(options.csr.string() + ": a node's TLS key is P-256, not " +
                                     std::string(crypto::suite_name(request->public_key.suite()))));
  }
  auto ca_certificate = read_file(options.ca / "ca.pem", kMaxPemBytes);
  if (!ca_certificate) return report_error(err, ca_certificate.error().with_context("CA certificate"));
  auto ca_key = crypto::PrivateKey::load(options.ca / "ca.key");
  if (!ca_key) return report_error(err, ca_key.error());
  auto certificate = crypto::issue_node_certificate(*ca_key, *ca_certificate, request->public_key,
                                                    request->common_name, options.days);
  if (!certificate) return report_error(err, certificate.error());
  if (Status s = write_file_atomic(options.out, *certificate, 0644, Overwrite::kRefuse); !s) {
    return report_error(err, s.error());
  }
  out << "issued a certificate for node '" << request->common_name << "' (valid " << options.days
      << " days): " << options.out.string() << "\n"
      << "send it, with " << (options.ca / "ca.pem").string() << ", back to the node\n";
  return kExitOk;
}

int genesis_new(const GenesisNewOptions& options, std::ostream& out, std::ostream& err) {
  if (Status s = ledger::validate_identifier("chain id", options.chain_id); !s) {
    return report_error(err, s.error());
  }
  auto suite = crypto::parse_suite(options.suite);
  if (!suite) return report_error(err, suite.error().with_context("--suite"));
  Result<std::uint64_t> time = unix_now_ms() / 1000 * 1000;
  if (!options.time.empty()) time = parse_time_argument("time", options.time);
  if (!time) return report_error(err, time.error());
  // The document a finished genesis is written as, with no one in it yet.
  ledger::Genesis empty;
  empty.chain_id = options.chain_id;
  empty.suite = *suite;
  empty.time_ms = *time;
  empty.policy = default_policy(1);
  empty.state_tree = true;
  Json document = Json::parse(ledger::genesis_to_json(empty));
  document["participants"] = Json::array();
  document["validators"] = Json::array();
  if (Status s = write_file_atomic(options.out, document.dump(2) + "\n", 0644, Overwrite::kRefuse);
      !s) {
    return report_error(err, s.error());
  }
  out << "started " << options.out.string() << " for chain " << options.chain_id << " ("
      << crypto::suite_name(*suite) << "), genesis time " << format_time_ms(*time) << "\n"
      << "add founders with tracectl genesis add-participant / add-validator, then "
         "tracectl genesis check\n";
  return kExitOk;
}

int genesis_add_participant(const GenesisParticipantOptions& options, std::ostream& out,
                            std::ostream& err) {
  auto draft = Draft::load(options.genesis);
  if (!draft) return report_error(err, draft.error());
  if (Status s = ledger::validate_identifier("participant id", options.id); !s) {
    return report_error(err, s.error());
  }
  if (Status s = draft->refuse_repeat("participants", options.id); !s) {
    return report_error(err, s.error());
  }
  auto key = draft->key_hex(options.public_key);
  if (!key) return report_error(err, key.error());
  auto roles = parse_role_list(options.roles);
  if (!roles) return report_error(err, roles.error().with_context("--roles"));
  if (*roles == 0) return report_error(err, invalid("--roles: name at least one role"));
  if (Status s = ledger::validate_jurisdiction(options.jurisdiction); !s) {
    return report_error(err, s.error().with_context("--jurisdiction"));
  }
  draft->document["participants"].push_back({{"id", options.id},
                                             {"public_key", *key},
                                             {"roles", ledger::roles_json(*roles)},
                                             {"jurisdiction", options.jurisdiction}});
  if (Status s = draft->save(); !s) return report_error(err, s.error());
  out << "added participant " << options.id << " (" << ledger::roles_to_string(*roles) << ", "
      << options.jurisdiction << ") to " << options.genesis.string() << "\n";
  return kExitOk;
}

int genesis_add_validator(const GenesisValidatorOptions& options, std::ostream& out,
                          std::ostream& err) {
  auto draft = Draft::load(options.genesis);
  if (!draft) return report_error(err, draft.error());
  if (Status s = ledger::validate_identifier("validator id", options.id); !s) {
    return report_error(err, s.error());
  }
  if (Status s = draft->refuse_repeat("validators", options.id); !s) {
    return report_error(err, s.error());
  }
  auto key = draft->key_hex(options.public_key);
  if (!key) return report_error(err, key.error());
  if (options.power == 0) return report_error(err, invalid("--power must be at least 1"));
  draft->document["validators"].push_back(
      {{"id", options.id}, {"public_key", *key}, {"power", options.power}});
  if (Status s = draft->save(); !s) return report_error(err, s.error());
  out << "added validator " << options.id << " (power " << options.power << ") to "
      << options.genesis.string() << "\n";
  return kExitOk;
}

int genesis_set_policy(const GenesisPolicyOptions& options, std::ostream& out,
                       std::ostream& err) {
  auto draft = Draft::load(options.genesis);
  if (!draft) return report_error(err, draft.error());
  if (options.policy.empty() && !options.governance_threshold) {
    return report_error(err, invalid("give --policy FILE or --governance-threshold N"));
  }
  if (!options.policy.empty()) {
    auto text = read_file(options.policy, kMaxGenesisBytes);
    if (!text) return report_error(err, text.error());
    auto policy = ledger::parse_policy_json(*text, options.policy.string());
    if (!policy) return report_error(err, policy.error());
    draft->document["policy"] = Json::parse(*text);
  }
  if (options.governance_threshold) {
    if (*options.governance_threshold == 0 || *options.governance_threshold > 255) {
      return report_error(err, invalid("--governance-threshold must be from 1 to 255"));
    }
    draft->document["policy"]["governance_threshold"] = *options.governance_threshold;
  }
  if (Status s = draft->save(); !s) return report_error(err, s.error());
  out << "set the policy of " << options.genesis.string() << "\n";
  return kExitOk;
}

int genesis_check(const GenesisCheckOptions& options, std::ostream& out, std::ostream& err) {
  auto genesis = ledger::load_genesis(options.genesis);
  if (!genesis) return report_error(err, genesis.error());
  const ledger::Policy& policy = genesis->policy;
  out << "chain        " << genesis->chain_id << " (" << crypto::suite_name(genesis->suite)
      << "), genesis time " << format_time_ms(genesis->time_ms) << "\n"
      << "policy       " << int{policy.governance_threshold} << " governor approvals per change\n"
      << "participants\n";
  for (const auto& p : genesis->participants) {
    out << "  " << p.id << "  " << ledger::roles_to_string(p.roles) << "  " << p.jurisdiction
        << "  key " << to_hex(p.public_key) << "\n";
  }
  out << "validators\n";
  for (const auto& v : genesis->validators.validators) {
    out << "  " << v.id << "  power " << v.power << "  key " << to_hex(v.public_key) << "\n";
  }
  out << "genesis hash " << to_hex(ledger::genesis_hash(*genesis)) << "\n"
      << "every founder runs this check on their own copy and compares the hash\n";
  return kExitOk;
}

}  // namespace tracechain::cli
