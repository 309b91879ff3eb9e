// tracectl's transaction builders: every kind from its command-line
// arguments, digests from hex or files, times from milliseconds or dates,
// and errors that name the option at fault.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>

#include "cli/tx.h"
#include "crypto/hash.h"
#include "ledger/encoding.h"
#include "ledger/payloads.h"
#include "node/rpc/shapes.h"
#include "tests/support/temp_dir.h"

namespace tracechain {
namespace {

using cli::TxRequest;
using ledger::TxKind;

constexpr crypto::Suite kSuite = crypto::Suite::kP256Sha256;
const std::string kHex1 = std::string(63, '0') + "1";
const std::string kHex2 = std::string(63, '0') + "2";

Digest digest_of(const std::string& hex) { return *digest_from_hex(hex); }

template <typename P>
P built(TxKind kind, std::map<std::string, std::string> args) {
  auto bytes = cli::build_payload(TxRequest{kind, std::move(args)}, kSuite);
  INFO((bytes ? "" : bytes.error().message()));
  REQUIRE(bytes.ok());
  auto payload = ledger::decode<P>(*bytes);
  REQUIRE(payload.ok());
  return *payload;
}

std::string error_of(TxKind kind, std::map<std::string, std::string> args) {
  auto bytes = cli::build_payload(TxRequest{kind, std::move(args)}, kSuite);
  REQUIRE_FALSE(bytes.ok());
  CHECK(bytes.error().code() == ErrorCode::kInvalidInput);
  return bytes.error().message();
}

TEST_CASE("transaction payloads are built from command-line arguments", "[cli][tx]") {
  auto asset = built<ledger::AssetRegisterPayload>(
      TxKind::kAssetRegister, {{"asset", "weather-2026"}, {"content", kHex1},
                               {"metadata", kHex2}, {"level", "3"},
                               {"source-declaration", kHex1}, {"licence", kHex2}});
  CHECK(asset.asset_id == "weather-2026");
  CHECK(asset.content_hash == digest_of(kHex1));
  CHECK(asset.metadata_hash == digest_of(kHex2));
  CHECK(asset.level == 3);

  auto review = built<ledger::TradeReviewPayload>(
      TxKind::kTradeReview, {{"trade", "t-1"}, {"verdict", "reject"}, {"report", kHex1},
                             {"buyer-attestation", kHex2}});
  CHECK(review.verdict == ledger::TradeVerdict::kReject);
  CHECK(review.buyer_attestation == digest_of(kHex2));
  CHECK_FALSE(review.provider_attestation.has_value());
  CHECK_FALSE(review.security_assessment_hash.has_value());

  auto settle = built<ledger::TradeSettlePayload>(
      TxKind::kTradeSettle, {{"trade", "t-1"}, {"payment-reference", kHex1},
                             {"amount", "18446744073709551615"}, {"currency", "CNY"}});
  CHECK(settle.amount == 18446744073709551615ull);

  auto resolve = built<ledger::TradeResolvePayload>(
      TxKind::kTradeResolveDispute, {{"trade", "t-1"}, {"ruling", kHex1}, {"outcome", "for-buyer"}});
  CHECK(resolve.outcome == ledger::DisputeOutcome::kForBuyer);

  auto attest = built<ledger::AttestPayload>(
      TxKind::kIdentityAttest, {{"subject", "buyer-bank"}, {"claim", "legal-entity"},
                                {"evidence", kHex1}, {"valid-from", "2026-01-01"},
                                {"valid-until", "2027-01-01T12:00:00Z"}});
  CHECK(attest.valid_from_ms == 1767225600000ull);
  CHECK(attest.valid_until_ms == 1798761600000ull + 12 * 3600 * 1000);

  auto grant = built<ledger::ProposePayload>(
      TxKind::kGovernancePropose, {{"proposal", "p-1"}, {"change", "grant-roles"},
                                   {"subject", "buyer-bank"}, {"roles", "buyer,auditor"},
                                   {"proposal-expiry", "500"}});
  CHECK(grant.change.type == ledger::ChangeType::kGrantRoles);
  CHECK(grant.change.roles ==
        (ledger::role_bit(ledger::Role::kBuyer) | ledger::role_bit(ledger::Role::kAuditor)));
  CHECK(grant.expiry_height == 500);
}

TEST_CASE("keys and policies for governance come from files", "[cli][tx]") {
  test::TempDir dir;
  auto key = crypto::PrivateKey::generate(kSuite);
  REQUIRE(key.ok());
  REQUIRE(key->save(dir.path() / "new.pem").ok());
  auto admit = built<ledger::ProposePayload>(
      TxKind::kGovernancePropose,
      {{"proposal", "p-2"}, {"change", "admit-participant"}, {"subject", "buyer-coop"},
       {"public-key", (dir.path() / "new.pem").string()}, {"roles", "buyer"},
       {"jurisdiction", "cn"}, {"proposal-expiry", "100"}});
  CHECK(admit.change.public_key == key->public_key().bytes());
  // What keys show and join print (the key's hex), or a public key PEM file,
  // serve as well: a governor needs no one's private key.
  const std::string hex = to_hex(key->public_key().bytes());
  auto by_hex = built<ledger::ProposePayload>(
      TxKind::kGovernancePropose,
      {{"proposal", "p-2"}, {"change", "add-validator"}, {"subject", "validator-9"},
       {"public-key", hex}, {"proposal-expiry", "100"}});
  CHECK(by_hex.change.public_key == key->public_key().bytes());
  std::ofstream(dir.path() / "new.pub.pem") << key->public_key().to_pem();
  auto by_public_pem = built<ledger::ProposePayload>(
      TxKind::kGovernancePropose,
      {{"proposal", "p-2"}, {"change", "add-validator"}, {"subject", "validator-9"},
       {"public-key", (dir.path() / "new.pub.pem").string()}, {"proposal-expiry", "100"}});
  CHECK(by_public_pem.change.public_key == key->public_key().bytes());
  CHECK_THAT(error_of(TxKind::kGovernancePropose,
                      {{"proposal", "p-2"}, {"change", "add-validator"}, {"subject", "v-9"},
                       {"public-key", hex.substr(0, 20)}, {"proposal-expiry", "100"}}),
             Catch::Contains("--public-key"));

  auto other_suite = crypto::PrivateKey::generate(crypto::Suite::kEd25519Sha256);
  REQUIRE(other_suite->save(dir.path() / "ed.pem").ok());
  CHECK_THAT(error_of(TxKind::kGovernancePropose,
                      {{"proposal", "p-3"}, {"change", "add-validator"}, {"subject", "v-9"},
                       {"public-key", (dir.path() / "ed.pem").string()},
                       {"proposal-expiry", "100"}}),
             Catch::Contains("--public-key") && Catch::Contains("ed25519"));

  std::ofstream(dir.path() / "policy.json") << "{\"governance_threshold\": \"two\"}";
  CHECK_THAT(error_of(TxKind::kGovernancePropose,
                      {{"proposal", "p-4"}, {"change", "change-policy"},
                       {"policy", (dir.path() / "policy.json").string()},
                       {"proposal-expiry", "100"}}),
             Catch::Contains("--policy"));
}

TEST_CASE("digest arguments: hex or the hash of a file", "[cli][tx]") {
  test::TempDir dir;
  std::ofstream(dir.path() / "report.pdf") << "the review report";
  auto from_file =
      cli::parse_digest_argument("report", "@" + (dir.path() / "report.pdf").string(), kSuite);
  REQUIRE(from_file.ok());
  CHECK(*from_file == crypto::hash(crypto::HashAlgorithm::kSha256, as_bytes("the review report")));
  auto sm3 = cli::parse_digest_argument("report", "@" + (dir.path() / "report.pdf").string(),
                                        crypto::Suite::kSm2Sm3);
  CHECK(*sm3 == crypto::hash(crypto::HashAlgorithm::kSm3, as_bytes("the review report")));
  CHECK_THAT(cli::parse_digest_argument("report", "@" + (dir.path() / "none").string(), kSuite)
                 .error()
                 .message(),
             Catch::Contains("--report") && Catch::Contains("cannot read"));
  CHECK_THAT(cli::parse_digest_argument("terms", "abc", kSuite).error().message(),
             Catch::Contains("--terms"));
}

TEST_CASE("time arguments: milliseconds or UTC dates, nothing else", "[cli][tx]") {
  CHECK(*cli::parse_time_argument("t", "0") == 0);
  CHECK(*cli::parse_time_argument("t", "1767225600000") == 1767225600000ull);
  CHECK(*cli::parse_time_argument("t", "1970-01-02") == 86400000ull);
  CHECK(*cli::parse_time_argument("t", "2026-01-01T00:00:01Z") == 1767225601000ull);
  for (const char* bad : {"", "2026-13-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z",
                          "yesterday", "1969-12-31", "2026-01-01T25:00:00Z", "-5"}) {
    INFO(bad);
    CHECK_FALSE(cli::parse_time_argument("valid-from", bad).ok());
  }
}

// A value for every option any kind takes, in the form tracectl reads it.
std::string sample_argument(const cli::TxOption& option, const std::string& key_file) {
  if (option.digest) return kHex1;
  static const std::map<std::string, std::string> values = {
      {"valid-from", "2026-01-01"}, {"valid-until", "2027-01-01"},
      {"level", "2"},               {"verdict", "approve"},
      {"method", "api"},            {"outcome", "split"},
      {"units", "5"},               {"amount", "5"},
      {"proposal-expiry", "9"},     {"currency", "CNY"},
      {"rules", "2026.1"},          {"change", "suspend-participant"},
      {"size", "5"}};
  if (option.name == "new-key") return key_file;
  if (option.name == "consistency") return std::string(kHex1) + "," + std::string(kHex1);
  auto it = values.find(option.name);
  return it != values.end() ? it->second : "id-" + option.name;
}

TEST_CASE("every kind's command takes its payload's fields, builds it and shows it",
          "[cli][tx]") {
  test::TempDir dir;
  auto key = crypto::PrivateKey::generate(kSuite);
  REQUIRE(key->save(dir.path() / "new.pem").ok());
  std::set<std::string> names;
  for (TxKind kind : ledger::kAllTxKinds) {
    auto name = ledger::tx_kind_name(kind);
    REQUIRE(name.has_value());
    INFO(*name);
    CHECK(names.insert(std::string(*name)).second);
    CHECK(ledger::parse_tx_kind(*name).value() == kind);
    CHECK(ledger::roles_allowed(kind) != 0);

    // Every option, the optional ones too (a change needs --subject).
    TxRequest request{kind, {}};
    for (const cli::TxOption& option : cli::tx_options(kind)) {
      CHECK_FALSE(option.help.empty());
      request.args[option.name] = sample_argument(option, (dir.path() / "new.pem").string());
    }
    auto bytes = cli::build_payload(request, kSuite);
    INFO((bytes ? "" : bytes.error().message()));
    REQUIRE(bytes.ok());
    auto payload = ledger::decode_payload(kind, *bytes, kSuite);
    REQUIRE(payload.ok());
    CHECK(ledger::kind_of(*payload) == kind);

    // The JSON shape has one member per field; a trade's names its trade.
    auto json = node::rpc::payload_json(kind, *bytes, kSuite);
    REQUIRE(json.is_object());
    std::size_t fields = 0;
    std::visit(
        [&](const auto& p) { p.fields(p, [&](const ledger::Field&, const auto&) { ++fields; }); },
        *payload);
    CHECK(json.size() == fields);
    if (auto trade = ledger::payload_trade_id(*payload)) CHECK(json.at("tradeId") == *trade);

    // A missing required option is named.
    for (const cli::TxOption& option : cli::tx_options(kind)) {
      if (!option.required) continue;
      TxRequest without = request;
      without.args.erase(option.name);
      CHECK_THAT(error_of(kind, without.args), Catch::Contains("--" + option.name));
    }
  }
  CHECK(names.size() == std::size(ledger::kAllTxKinds));
  // An unknown kind builds nothing.
  CHECK_FALSE(cli::build_payload(TxRequest{static_cast<TxKind>(0x0499), {}}, kSuite).ok());
}

TEST_CASE("kinds that once shared a payload type keep its encoding", "[cli][tx]") {
  // u8 version 1, then the trade id as text (u32 length, little-endian, and
  // its bytes), then the reason hash where there is one.
  const Bytes step = *from_hex("0103000000742d31");
  CHECK(ledger::encode(ledger::TradeAcceptPayload{"t-1"}) == step);
  CHECK(ledger::encode(ledger::TradeDeclinePayload{"t-1"}) == step);
  CHECK(ledger::encode(ledger::TradeConfirmPayload{"t-1"}) == step);
  Bytes reason = step;
  const Digest hash = digest_of(kHex2);
  reason.insert(reason.end(), hash.begin(), hash.end());
  CHECK(ledger::encode(ledger::TradeOpenDisputePayload{"t-1", hash}) == reason);
  CHECK(ledger::encode(ledger::TradeCancelPayload{"t-1", hash}) == reason);
}

TEST_CASE("missing or malformed arguments name their option", "[cli][tx]") {
  CHECK_THAT(error_of(TxKind::kTradeCreate, {{"trade", "t-1"}, {"asset", "a"}}),
             Catch::Contains("--terms") && Catch::Contains("required"));
  CHECK_THAT(error_of(TxKind::kTradeRecordUsage,
                      {{"trade", "t-1"}, {"report", kHex1}, {"units", "12x"}}),
             Catch::Contains("--units"));
  CHECK_THAT(error_of(TxKind::kAssetRegister,
                      {{"asset", "a"}, {"content", kHex1}, {"metadata", kHex1}, {"level", "5"},
                       {"source-declaration", kHex1}, {"licence", kHex1}}),
             Catch::Contains("--level"));
  CHECK_THAT(error_of(TxKind::kTradeDeliver,
                      {{"trade", "t-1"}, {"delivery", kHex1}, {"method", "carrier-pigeon"}}),
             Catch::Contains("--method"));
  CHECK_THAT(error_of(TxKind::kGovernancePropose,
                      {{"proposal", "p"}, {"change", "grant-roles"}, {"subject", "x"},
                       {"roles", "buyer,king"}, {"proposal-expiry", "1"}}),
             Catch::Contains("--roles"));
  // The ledger's own bounds apply too (an id with a space).
  CHECK_FALSE(cli::build_payload(TxRequest{TxKind::kTradeAccept, {{"trade", "no spaces"}}}, kSuite)
                  .ok());
}

}  // namespace
}  // namespace tracechain
