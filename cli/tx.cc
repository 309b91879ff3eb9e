#include "cli/tx.h"

#include <ctime>
#include <fstream>
#include <iostream>
#include <random>

#include "cli/commands.h"
#include "cli/print.h"
#include "crypto/file_util.h"
#include "crypto/hash.h"
#include "ledger/encoding.h"
#include "ledger/genesis.h"
#include "ledger/json_fields.h"
#include "ledger/payloads.h"

namespace tracechain::cli {

namespace {

using node::rpc::Json;

Error invalid(std::string_view option, const std::string& why) {
  return Error(ErrorCode::kInvalidInput, "--" + std::string(option) + ": " + why);
}

// The arguments of one request, read by option name.
class Args {
 public:
  Args(const TxRequest& request, crypto::Suite suite) : args_(request.args), suite_(suite) {}

  Result<std::string> text(std::string_view name) const {
    auto it = args_.find(std::string(name));
    if (it == args_.end() || it->second.empty()) return invalid(name, "required");
    return it->second;
  }
  bool has(std::string_view name) const {
    auto it = args_.find(std::string(name));
    return it != args_.end() && !it->second.empty();
  }
  Result<Digest> digest(std::string_view name) const {
    auto value = text(name);
    if (!value) return value.error();
    return parse_digest_argument(name, *value, suite_);
  }
  Result<std::optional<Digest>> optional_digest(std::string_view name) const {
    if (!has(name)) return std::optional<Digest>();
    auto value = digest(name);
    if (!value) return value.error();
    return std::optional<Digest>(*value);
  }
  Result<std::uint64_t> number(std::string_view name) const {
    auto value = text(name);
    if (!value) return value.error();
    auto out = ledger::parse_whole_number(*value);
    if (!out) return invalid(name, "'" + *value + "' is not a whole number from 0 to 2^64-1");
    return *out;
  }
  Result<std::uint64_t> time(std::string_view name) const {
    auto value = text(name);
    if (!value) return value.error();
    return parse_time_argument(name, *value);
  }
  // A name the ledger parses (a verdict, a method, an outcome, a change).
  template <typename Parse>
  auto named(std::string_view name, Parse parse) const -> decltype(parse(std::string_view())) {
    auto value = text(name);
    if (!value) return value.error();
    auto parsed = parse(*value);
    if (!parsed) return invalid(name, parsed.error().message());
    return parsed;
  }
  Result<ledger::RoleSet> roles(std::string_view name) const {
    auto value = text(name);
    if (!value) return value.error();
    auto roles = parse_role_list(*value);
    if (!roles) return invalid(name, roles.error().message());
    return roles;
  }
  crypto::Suite suite() const { return suite_; }

 private:
  const std::map<std::string, std::string>& args_;
  crypto::Suite suite_;
};

// Assigns each Result to its field, stopping at the first error.
#define TC_TRY_ASSIGN(target, expression) \
  do {                                    \
    auto value_ = (expression);           \
    if (!value_) return value_.error();   \
    (target) = std::move(*value_);        \
  } while (false)

}  // namespace

Result<ledger::RoleSet> parse_role_list(std::string_view text) {
  ledger::RoleSet roles = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    auto role = ledger::parse_role(rest.substr(0, comma));
    if (!role) return role.error();
    roles |= ledger::role_bit(*role);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
  }
  return roles;
}

Result<crypto::PublicKey> read_public_key(const std::string& text, crypto::Suite suite) {
  const bool hex = !text.empty() && text.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (hex && !std::filesystem::exists(text)) {
    auto bytes = from_hex(text);
    if (!bytes) return bytes.error();
    return crypto::PublicKey::from_bytes(suite, *bytes);
  }
  auto pem = read_file(text, 64 * 1024);
  if (!pem) return pem.error();
  auto key = crypto::PublicKey::from_pem(*pem);
  if (key) return key;
  auto private_key = crypto::PrivateKey::from_pem(*pem, text);
  if (!private_key) return key.error();
  return private_key->public_key();
}

namespace {

Result<ledger::Change> build_change(const Args& a) {
  ledger::Change change;
  TC_TRY_ASSIGN(change.type, a.named("change", ledger::parse_change_type));
  if (change.type != ledger::ChangeType::kChangePolicy) TC_TRY_ASSIGN(change.subject, a.text("subject"));
  switch (change.type) {
    case ledger::ChangeType::kAdmitParticipant:
    case ledger::ChangeType::kAddValidator: {
      std::string text;
      TC_TRY_ASSIGN(text, a.text("public-key"));
      auto key = read_public_key(text, a.suite());
      if (!key) return invalid("public-key", key.error().message());
      if (key->suite() != a.suite()) {
        return invalid("public-key", "a " + std::string(crypto::suite_name(key->suite())) +
                                         " key on a " + std::string(crypto::suite_name(a.suite())) +
                                         " chain");
      }
      change.public_key = key->bytes();
      if (change.type == ledger::ChangeType::kAddValidator) {
        TC_TRY_ASSIGN(change.power, a.has("power") ? a.number("power") : Result<std::uint64_t>(1));
      } else {
        TC_TRY_ASSIGN(change.roles, a.roles("roles"));
        TC_TRY_ASSIGN(change.jurisdiction, a.text("jurisdiction"));
      }
      break;
    }
    case ledger::ChangeType::kGrantRoles:
    case ledger::ChangeType::kRevokeRoles:
      TC_TRY_ASSIGN(change.roles, a.roles("roles"));
      break;
    case ledger::ChangeType::kChangePolicy: {
      std::string file;
      TC_TRY_ASSIGN(file, a.text("policy"));
      auto text = read_file(file, 1024 * 1024);
      if (!text) return invalid("policy", text.error().message());
      auto policy = ledger::parse_policy_json(*text, file);
      if (!policy) return invalid("policy", policy.error().message());
      change.policy = *policy;
      break;
    }
    case ledger::ChangeType::kSuspendParticipant:
    case ledger::ChangeType::kReinstateParticipant:
    case ledger::ChangeType::kRemoveValidator:
      break;
  }
  if (Status s = ledger::validate(change, a.suite()); !s) return s.error();
  return change;
}

// Reads one payload field from its option, by the field's type.
Status read_field(const Args& a, const ledger::Field& f, std::string& out) {
  TC_TRY_ASSIGN(out, a.text(f.option));
  return {};
}
Status read_field(const Args& a, const ledger::Field& f, Digest& out) {
  TC_TRY_ASSIGN(out, a.digest(f.option));
  return {};
}
Status read_field(const Args& a, const ledger::Field& f, std::optional<Digest>& out) {
  TC_TRY_ASSIGN(out, a.optional_digest(f.option));
  return {};
}
// A list of hashes: comma-separated hex, none when the option is absent.
Status read_field(const Args& a, const ledger::Field& f, std::vector<Digest>& out) {
  out.clear();
  if (!a.has(f.option)) return {};
  std::string text;
  TC_TRY_ASSIGN(text, a.text(f.option));
  std::string_view rest = text;
  while (true) {
    std::size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    auto digest = ledger::read_digest(Json(std::string(item)));
    if (!digest) return invalid(f.option, "'" + std::string(item) + "': " + digest.error().message());
    out.push_back(*digest);
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return {};
}
Status read_field(const Args& a, const ledger::Field& f, std::uint64_t& out) {
  TC_TRY_ASSIGN(out, f.input == ledger::FieldInput::kTime ? a.time(f.option) : a.number(f.option));
  return {};
}
Status read_field(const Args& a, const ledger::Field& f, std::uint8_t& out) {
  TC_ASSERT(f.input == ledger::FieldInput::kLevel);
  std::uint64_t level = 0;
  TC_TRY_ASSIGN(level, a.number(f.option));
  if (level < ledger::kMinLevel || level > ledger::kMaxLevel) {
    return invalid(f.option, "must be 1 (public) to 4 (core)");
  }
  out = static_cast<std::uint8_t>(level);
  return {};
}
Status read_field(const Args& a, const ledger::Field& f, Bytes& out) {
  TC_ASSERT(f.input == ledger::FieldInput::kKeyFile);
  std::string file;
  TC_TRY_ASSIGN(file, a.text(f.option));
  auto key = crypto::PrivateKey::load(file);
  if (!key) return invalid(f.option, key.error().message());
  out = key->public_key().bytes();
  return {};
}
Status read_field(const Args& a, const ledger::Field& f, ledger::SourceVerdict& out) {
  TC_TRY_ASSIGN(out, a.named(f.option, ledger::parse_source_verdict));
  return {};
}
Status read_field(const Args& a, const ledger::Field& f, ledger::TradeVerdict& out) {
  TC_TRY_ASSIGN(out, a.named(f.option, ledger::parse_trade_verdict));
  return {};
}
Status read_field(const Args& a, const ledger::Field& f, ledger::DeliveryMethod& out) {
  TC_TRY_ASSIGN(out, a.named(f.option, ledger::parse_delivery_method));
  return {};
}
Status read_field(const Args& a, const ledger::Field& f, ledger::DisputeOutcome& out) {
  TC_TRY_ASSIGN(out, a.named(f.option, ledger::parse_dispute_outcome));
  return {};
}
Status read_field(const Args& a, const ledger::Field&, ledger::Change& out) {
  TC_TRY_ASSIGN(out, build_change(a));
  return {};
}

// The options a field of this type takes.
template <typename T>
void add_options(const ledger::Field& f, const T&, std::vector<TxOption>& out) {
  constexpr bool optional =
      std::is_same_v<T, std::optional<Digest>> || std::is_same_v<T, std::vector<Digest>>;
  constexpr bool digest =
      std::is_same_v<T, std::optional<Digest>> || std::is_same_v<T, Digest>;
  out.push_back({std::string(f.option), std::string(f.help), !optional, digest});
}
// A change is given by several options; which are required depends on --change.
void add_options(const ledger::Field&, const ledger::Change&, std::vector<TxOption>& out) {
  out.push_back({"change",
                 "admit-participant, grant-roles, revoke-roles, suspend-participant, "
                 "reinstate-participant, add-validator, remove-validator or change-policy",
                 true, false});
  out.push_back(
      {"subject", "Participant or validator id (all changes but change-policy)", false, false});
  out.push_back({"public-key", "Public key of the participant or validator to add: its hex (tracectl keys show), or a PEM file", false,
                 false});
  out.push_back({"roles",
                 "Comma-separated roles: governor, operator, attestor, provider, buyer, "
                 "reviewer, arbitrator, auditor",
                 false, false});
  out.push_back({"jurisdiction", "Jurisdiction of an admitted participant, e.g. cn", false, false});
  out.push_back({"power", "Voting power of an added validator (default 1)", false, false});
  out.push_back({"policy", "JSON file with the new policy (genesis.json's policy form)", false,
                 false});
}

std::uint64_t random_nonce() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

Result<Digest> parse_digest_argument(std::string_view option, std::string_view value,
                                     crypto::Suite suite) {
  if (!value.empty() && value.front() == '@') {
    const std::string path(value.substr(1));
    std::ifstream in(path, std::ios::binary);
    if (!in) return invalid(option, "cannot read " + path);
    crypto::Hasher hasher(crypto::suite_hash(suite));
    std::vector<char> chunk(1 << 16);
    while (in) {
      in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      hasher.update(ByteView(reinterpret_cast<const std::uint8_t*>(chunk.data()),
                             static_cast<std::size_t>(in.gcount())));
    }
    if (in.bad()) return invalid(option, "error reading " + path);
    return hasher.finish();
  }
  auto digest = digest_from_hex(value);
  if (!digest) return invalid(option, "expected 64 hex digits or @FILE (" + digest.error().message() + ")");
  return *digest;
}

Result<std::uint64_t> parse_time_argument(std::string_view option, std::string_view value) {
  if (auto ms = ledger::parse_whole_number(value)) return *ms;
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char tail = 0;
  const std::string text(value);
  const int fields = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &year, &month, &day,
                                 &hour, &minute, &second, &tail);
  const bool date_only = fields == 3 && text.size() == 10;
  const bool date_time = fields == 7 && tail == 'Z' && text.size() == 20;
  if ((!date_only && !date_time) || year < 1970 || month < 1 || month > 12 || day < 1 ||
      day > 31 || hour > 23 || minute > 59 || second > 60) {
    return invalid(option, "'" + text +
                               "' is neither Unix milliseconds nor a UTC date "
                               "(2026-12-31 or 2026-12-31T23:59:59Z)");
  }
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  const std::time_t seconds = timegm(&tm);
  if (seconds < 0) return invalid(option, "'" + text + "' is not a date");
  return static_cast<std::uint64_t>(seconds) * 1000;
}

Result<Bytes> build_payload(const TxRequest& request, crypto::Suite suite) {
  const Args a(request, suite);
  std::optional<Result<Bytes>> out;
  ledger::with_payload_type(request.kind, [&]<class P>(std::type_identity<P>) {
    P payload;
    Status read;
    P::fields(payload, [&](const ledger::Field& field, auto& value) {
      if (read) read = read_field(a, field, value);
    });
    if (!read) {
      out.emplace(read.error());
    } else if (Status s = ledger::validate(payload); !s) {
      out.emplace(s.error());
    } else {
      out.emplace(ledger::encode(payload));
    }
  });
  if (!out) return Error(ErrorCode::kInvalidInput, "unknown transaction kind");
  return std::move(*out);
}

std::vector<TxOption> tx_options(ledger::TxKind kind) {
  std::vector<TxOption> out;
  ledger::with_payload_type(kind, [&]<class P>(std::type_identity<P>) {
    const P payload{};
    P::fields(payload, [&](const ledger::Field& field, const auto& value) {
      add_options(field, value, out);
    });
  });
  return out;
}

#undef TC_TRY_ASSIGN

namespace {

// The option of P's field read from a private key file.
template <class P>
std::string key_file_option() {
  std::string option;
  const P payload{};
  P::fields(payload, [&](const ledger::Field& field, const auto&) {
    if (field.input == ledger::FieldInput::kKeyFile) option = field.option;
  });
  TC_ASSERT(!option.empty());
  return option;
}

}  // namespace

int submit_transaction(const SubmitOptions& options, const TxRequest& request, std::ostream& out,
                       std::ostream& err) {
  auto key = require_key(options.remote, "signing a transaction");
  if (!key) return report_error(err, key.error());
  // The key is loaded once, above: the client signs its reads with it.
  RemoteOptions remote = options.remote;
  remote.key.clear();
  auto client = connect(remote);
  if (!client) return report_error(err, client.error());
  client->authenticate(*participant_of(options.remote), *key);
  auto status = client->status();
  if (!status) return report_error(err, status.error());

  auto suite = crypto::parse_suite(status->value("suite", ""));
  if (!suite) return report_error(err, suite.error().with_context("the node's chain suite"));
  if (key->suite() != *suite) {
    return report_error(err, Error(ErrorCode::kInvalidInput,
                                   "--key is a " + std::string(crypto::suite_name(key->suite())) +
                                       " key; the chain signs with " +
                                       std::string(crypto::suite_name(*suite))));
  }
  auto payload = build_payload(request, *suite);
  if (!payload) return report_error(err, payload.error());
  // Once a rotation commits, the old key signs no read: the receipt of one
  // is read with the new key (build_payload has loaded it once already).
  std::optional<crypto::PrivateKey> rotated_to;
  if (request.kind == ledger::TxKind::kIdentityRotateKey) {
    auto new_key = crypto::PrivateKey::load(request.args.at(key_file_option<ledger::RotateKeyPayload>()));
    if (!new_key) return report_error(err, new_key.error());
    rotated_to = std::move(*new_key);
  }

  ledger::Transaction tx;
  tx.chain_id = status->value("chainId", "");
  tx.sender = *participant_of(options.remote);
  tx.kind = request.kind;
  tx.payload = std::move(*payload);
  tx.nonce = options.nonce.value_or(random_nonce());
  tx.expiry_height = status->value("height", std::uint64_t{0}) + options.expires_in;
  tx.suite = *suite;
  ledger::sign(tx, *key);
  const Bytes encoded = ledger::encode(tx);
  const std::string hash = to_hex(ledger::transaction_hash(tx.suite, encoded));

  // Listening for the receipt starts before the submission, so that a quick
  // commit is not missed.
  std::optional<node::rpc::ReceiptWaiter> waiter;
  if (options.wait) {
    waiter.emplace(*client);
    if (!waiter->polling_because().empty()) {
      err << "tracectl: will ask for the receipt (no WebSocket: " << waiter->polling_because()
          << ")\n";
    }
  }
  auto submitted = client->call("tx_submit", {{"tx", to_hex(encoded)}});
  if (!submitted) return report_error(err, submitted.error().with_context("submitting " + hash));
  if (rotated_to) client->authenticate(tx.sender, std::move(*rotated_to));
  if (!options.wait) {
    if (options.remote.output == OutputFormat::kJson) {
      out << Json{{"hash", hash}, {"receipt", nullptr}}.dump(2) << "\n";
    } else {
      out << "transaction " << hash << "\nsubmitted   not waiting for its receipt\n";
    }
    return kExitOk;
  }
  auto receipt = waiter->wait(hash, options.timeout);
  if (!receipt) return report_error(err, receipt.error());
  const bool ok = receipt->value("status", "") == "ok";
  if (options.remote.output == OutputFormat::kJson) {
    out << Json{{"hash", hash}, {"receipt", *receipt}}.dump(2) << "\n";
  } else {
    print_receipt(out, hash, *receipt);
  }
  if (!ok) {
    err << "tracectl: committed with a failure receipt: " << receipt->value("reason", "")
        << (receipt->value("message", "").empty() ? "" : ": " + receipt->value("message", ""))
        << "\n";
    return kExitUsage;
  }
  return kExitOk;
}

}  // namespace tracechain::cli
