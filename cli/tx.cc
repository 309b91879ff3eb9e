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
    ledger::RoleSet roles = 0;
    std::string_view rest = *value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      auto role = ledger::parse_role(rest.substr(0, comma));
      if (!role) return invalid(name, role.error().message());
      roles |= ledger::role_bit(*role);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
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

template <typename P>
Result<Bytes> finish(const P& payload) {
  if (Status s = ledger::validate(payload); !s) return s.error();
  return ledger::encode(payload);
}

Result<ledger::Change> build_change(const Args& a) {
  ledger::Change change;
  TC_TRY_ASSIGN(change.type, a.named("change", ledger::parse_change_type));
  if (change.type != ledger::ChangeType::kChangePolicy) TC_TRY_ASSIGN(change.subject, a.text("subject"));
  switch (change.type) {
    case ledger::ChangeType::kAdmitParticipant:
    case ledger::ChangeType::kAddValidator: {
      std::string file;
      TC_TRY_ASSIGN(file, a.text("public-key"));
      auto pem = read_file(file, 64 * 1024);
      if (!pem) return invalid("public-key", pem.error().message());
      auto key = crypto::PublicKey::from_pem(*pem);
      if (!key) {
        // A private key file serves too: its public half is what goes on chain.
        auto private_key = crypto::PrivateKey::from_pem(*pem, file);
        if (!private_key) return invalid("public-key", key.error().message());
        key = private_key->public_key();
      }
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

Result<ledger::TradeVerdict> parse_trade_verdict(std::string_view name) {
  if (name == "approve") return ledger::TradeVerdict::kApprove;
  if (name == "reject") return ledger::TradeVerdict::kReject;
  return Error(ErrorCode::kInvalidInput, "unknown verdict '" + std::string(name) +
                                             "' (approve or reject)");
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
  using K = ledger::TxKind;
  switch (request.kind) {
    case K::kGovernancePropose: {
      ledger::ProposePayload p;
      TC_TRY_ASSIGN(p.proposal_id, a.text("proposal"));
      TC_TRY_ASSIGN(p.change, build_change(a));
      TC_TRY_ASSIGN(p.expiry_height, a.number("proposal-expiry"));
      return finish(p);
    }
    case K::kGovernanceApprove: {
      ledger::ApprovePayload p;
      TC_TRY_ASSIGN(p.proposal_id, a.text("proposal"));
      return finish(p);
    }
    case K::kIdentityAttest: {
      ledger::AttestPayload p;
      TC_TRY_ASSIGN(p.subject, a.text("subject"));
      TC_TRY_ASSIGN(p.claim_type, a.text("claim"));
      TC_TRY_ASSIGN(p.evidence_hash, a.digest("evidence"));
      TC_TRY_ASSIGN(p.valid_from_ms, a.time("valid-from"));
      TC_TRY_ASSIGN(p.valid_until_ms, a.time("valid-until"));
      return finish(p);
    }
    case K::kIdentityRevoke: {
      ledger::RevokePayload p;
      TC_TRY_ASSIGN(p.attestation_id, a.digest("attestation"));
      TC_TRY_ASSIGN(p.reason_hash, a.digest("reason"));
      return finish(p);
    }
    case K::kIdentityRotateKey: {
      ledger::RotateKeyPayload p;
      std::string file;
      TC_TRY_ASSIGN(file, a.text("new-key"));
      auto key = crypto::PrivateKey::load(file);
      if (!key) return invalid("new-key", key.error().message());
      p.new_public_key = key->public_key().bytes();
      return finish(p);
    }
    case K::kAssetRegister: {
      ledger::AssetRegisterPayload p;
      TC_TRY_ASSIGN(p.asset_id, a.text("asset"));
      TC_TRY_ASSIGN(p.content_hash, a.digest("content"));
      TC_TRY_ASSIGN(p.metadata_hash, a.digest("metadata"));
      std::uint64_t level = 0;
      TC_TRY_ASSIGN(level, a.number("level"));
      if (level < ledger::kMinLevel || level > ledger::kMaxLevel) {
        return invalid("level", "must be 1 (public) to 4 (core)");
      }
      p.level = static_cast<std::uint8_t>(level);
      TC_TRY_ASSIGN(p.source_declaration_hash, a.digest("source-declaration"));
      TC_TRY_ASSIGN(p.licence_terms_hash, a.digest("licence"));
      return finish(p);
    }
    case K::kAssetReview: {
      ledger::AssetReviewPayload p;
      TC_TRY_ASSIGN(p.asset_id, a.text("asset"));
      TC_TRY_ASSIGN(p.verdict, a.named("verdict", ledger::parse_source_verdict));
      TC_TRY_ASSIGN(p.report_hash, a.digest("report"));
      TC_TRY_ASSIGN(p.rule_set_version, a.text("rules"));
      return finish(p);
    }
    case K::kTradeCreate: {
      ledger::TradeCreatePayload p;
      TC_TRY_ASSIGN(p.trade_id, a.text("trade"));
      TC_TRY_ASSIGN(p.asset_id, a.text("asset"));
      TC_TRY_ASSIGN(p.terms_hash, a.digest("terms"));
      return finish(p);
    }
    case K::kTradeAccept:
    case K::kTradeDecline:
    case K::kTradeConfirm: {
      ledger::TradeStepPayload p;
      TC_TRY_ASSIGN(p.trade_id, a.text("trade"));
      return finish(p);
    }
    case K::kTradeReview: {
      ledger::TradeReviewPayload p;
      TC_TRY_ASSIGN(p.trade_id, a.text("trade"));
      TC_TRY_ASSIGN(p.verdict, a.named("verdict", parse_trade_verdict));
      TC_TRY_ASSIGN(p.buyer_attestation, a.optional_digest("buyer-attestation"));
      TC_TRY_ASSIGN(p.provider_attestation, a.optional_digest("provider-attestation"));
      TC_TRY_ASSIGN(p.source_review, a.optional_digest("source-review"));
      TC_TRY_ASSIGN(p.report_hash, a.digest("report"));
      TC_TRY_ASSIGN(p.security_assessment_hash, a.optional_digest("security-assessment"));
      return finish(p);
    }
    case K::kTradeDeliver: {
      ledger::TradeDeliverPayload p;
      TC_TRY_ASSIGN(p.trade_id, a.text("trade"));
      TC_TRY_ASSIGN(p.delivery_hash, a.digest("delivery"));
      TC_TRY_ASSIGN(p.method, a.named("method", ledger::parse_delivery_method));
      return finish(p);
    }
    case K::kTradeRecordUsage: {
      ledger::TradeUsagePayload p;
      TC_TRY_ASSIGN(p.trade_id, a.text("trade"));
      TC_TRY_ASSIGN(p.usage_report_hash, a.digest("report"));
      TC_TRY_ASSIGN(p.units, a.number("units"));
      return finish(p);
    }
    case K::kTradeSettle: {
      ledger::TradeSettlePayload p;
      TC_TRY_ASSIGN(p.trade_id, a.text("trade"));
      TC_TRY_ASSIGN(p.payment_reference_hash, a.digest("payment-reference"));
      TC_TRY_ASSIGN(p.amount, a.number("amount"));
      TC_TRY_ASSIGN(p.currency, a.text("currency"));
      return finish(p);
    }
    case K::kTradeOpenDispute:
    case K::kTradeCancel: {
      ledger::TradeReasonPayload p;
      TC_TRY_ASSIGN(p.trade_id, a.text("trade"));
      TC_TRY_ASSIGN(p.reason_hash, a.digest("reason"));
      return finish(p);
    }
    case K::kTradeResolveDispute: {
      ledger::TradeResolvePayload p;
      TC_TRY_ASSIGN(p.trade_id, a.text("trade"));
      TC_TRY_ASSIGN(p.ruling_hash, a.digest("ruling"));
      TC_TRY_ASSIGN(p.outcome, a.named("outcome", ledger::parse_dispute_outcome));
      return finish(p);
    }
  }
  return Error(ErrorCode::kInvalidInput, "unknown transaction kind");
}

#undef TC_TRY_ASSIGN

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
