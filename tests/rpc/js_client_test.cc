// The JavaScript client (clients/js) against a live node. Two cases:
//   - example.js, the front-end flow: builds an asset.register from
//     docs/encoding.md, signs it with WebCrypto, submits it, waits for the
//     receipt and verifies it offline;
//   - the package's own tests (node --test clients/js/test/), with the live
//     node's URL, keys and genesis in the environment, and a file of payloads
//     encoded here by the ledger's own code, one per transaction kind and
//     governance change, against which the JavaScript kind table is checked.
// Skipped when no Node.js 20 or later is installed (scripts/install-deps.sh
// installs one).
#include <catch2/catch.hpp>
#include <fstream>
#include <iostream>

#include "ledger/genesis.h"
#include "ledger/payloads.h"
#include "node/rpc/shapes.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;

namespace {

std::string quote(const std::string& text) { return "'" + text + "'"; }

bool have_node_20() {
  auto [found, version] = run_command("node -p 'process.versions.node.split(\".\")[0]'");
  if (found == 0 && std::atoi(version.c_str()) >= 20) return true;
  std::cout << "SKIPPED: no Node.js 20 or later on the PATH (scripts/install-deps.sh installs it)\n";
  return false;
}

// ------------------------------------------- payloads encoded by the ledger

// The type of a payload field, as the JavaScript kind table names it.
std::string type_name(const std::string&) { return "text"; }
std::string type_name(const Digest&) { return "digest"; }
std::string type_name(const std::optional<Digest>&) { return "optional<digest>"; }
std::string type_name(const std::vector<Digest>&) { return "list<digest>"; }
std::string type_name(std::uint64_t) { return "u64"; }
std::string type_name(std::uint8_t) { return "u8"; }
std::string type_name(const Bytes&) { return "bytes"; }
std::string type_name(ledger::SourceVerdict) { return "source-verdict"; }
std::string type_name(ledger::TradeVerdict) { return "trade-verdict"; }
std::string type_name(ledger::DeliveryMethod) { return "delivery-method"; }
std::string type_name(ledger::DisputeOutcome) { return "dispute-outcome"; }
std::string type_name(const ledger::Change&) { return "change"; }

Digest digest_of(std::string_view label) {
  return crypto::hash(crypto::HashAlgorithm::kSha256,
                      ByteView(reinterpret_cast<const std::uint8_t*>(label.data()), label.size()));
}

// Sample values: valid for validate(), and unlike the defaults, so that a
// field read in the wrong place shows.
struct Sampler {
  Bytes public_key;

  void fill(const ledger::Field& f, std::string& v) const {
    v = f.json == "currency" ? "CNY" : "v-" + std::string(f.option);
  }
  void fill(const ledger::Field& f, Digest& v) const { v = digest_of(f.json); }
  void fill(const ledger::Field& f, std::optional<Digest>& v) const {
    if (f.json != "securityAssessmentHash") v = digest_of(f.json);
  }
  void fill(const ledger::Field& f, std::vector<Digest>& v) const {
    v = {digest_of(f.json), digest_of(f.option)};
  }
  void fill(const ledger::Field& f, std::uint64_t& v) const {
    v = f.json == "validFromMs"    ? 1767225600000
        : f.json == "validUntilMs" ? 1798761600000
                                   : 18446744073709551615ull;
  }
  void fill(const ledger::Field&, std::uint8_t& v) const { v = 3; }
  void fill(const ledger::Field&, Bytes& v) const { v = public_key; }
  void fill(const ledger::Field&, ledger::SourceVerdict& v) const {
    v = ledger::SourceVerdict::kApproveWithConditions;
  }
  void fill(const ledger::Field&, ledger::TradeVerdict& v) const { v = ledger::TradeVerdict::kReject; }
  void fill(const ledger::Field&, ledger::DeliveryMethod& v) const { v = ledger::DeliveryMethod::kApi; }
  void fill(const ledger::Field&, ledger::DisputeOutcome& v) const {
    v = ledger::DisputeOutcome::kForProvider;
  }
  void fill(const ledger::Field&, ledger::Change& v) const { v = {}; }  // set per change below
};

Json roles_of(ledger::RoleSet roles) {
  Json out = Json::array();
  for (ledger::Role role : ledger::all_roles()) {
    if (ledger::has_role(roles, role)) out.push_back(std::string(ledger::role_name(role)));
  }
  return out;
}

// One governance change of each type; the policy in three encodings.
std::vector<ledger::Change> sample_changes(const Bytes& public_key, const ledger::Policy& genesis) {
  using ledger::ChangeType;
  const ledger::RoleSet roles = ledger::role_bit(ledger::Role::kBuyer) |
                                ledger::role_bit(ledger::Role::kAuditor) |
                                ledger::role_bit(ledger::Role::kNode);
  std::vector<ledger::Change> out;
  out.push_back({ChangeType::kAdmitParticipant, "js-newcomer", public_key, roles, "sg", 0, {}});
  out.push_back({ChangeType::kGrantRoles, "js-newcomer", {}, roles, "", 0, {}});
  out.push_back({ChangeType::kRevokeRoles, "js-newcomer", {}, roles, "", 0, {}});
  out.push_back({ChangeType::kSuspendParticipant, "js-newcomer", {}, 0, "", 0, {}});
  out.push_back({ChangeType::kReinstateParticipant, "js-newcomer", {}, 0, "", 0, {}});
  out.push_back({ChangeType::kAddValidator, "validator-9", public_key, 0, "", 5, {}});
  out.push_back({ChangeType::kRemoveValidator, "validator-9", {}, 0, "", 0, {}});
  ledger::Policy with_witnesses = genesis;  // format version 3
  REQUIRE(!with_witnesses.witnesses.empty());
  ledger::Policy with_identity = genesis;  // format version 2
  with_identity.witnesses.clear();
  with_identity.levels[1].accepted_claims = {"legal-entity", "licence"};
  with_identity.levels[1].attestor_roles = ledger::role_bit(ledger::Role::kAttestor);
  with_identity.levels[1].identity_until_settlement = true;
  ledger::Policy plain = genesis;  // format version 1
  plain.witnesses.clear();
  plain.max_transaction_lifetime = 18446744073709551615ull;
  for (const ledger::Policy& policy : {with_witnesses, with_identity, plain}) {
    out.push_back({ChangeType::kChangePolicy, "", {}, 0, "", 0, policy});
  }
  return out;
}

// {"kinds": every kind with its roles and fields, "vectors": payloads
// encoded by the ledger with the node's JSON shape of each}.
Json payload_vectors(const Bytes& public_key, const ledger::Policy& policy) {
  Json kinds = Json::array();
  Json vectors = Json::array();
  const Sampler sampler{public_key};
  auto add = [&](ledger::TxKind kind, const Bytes& bytes) {
    Json shape = node::rpc::payload_json(kind, bytes, crypto::Suite::kP256Sha256);
    REQUIRE(!shape.is_null());
    vectors.push_back({{"kind", *ledger::tx_kind_name(kind)},
                       {"payloadHex", to_hex(bytes)},
                       {"payload", std::move(shape)}});
  };
  ledger::for_each_payload_type([&]<class P>(std::type_identity<P>) {
    P payload{};
    Json fields = Json::array();
    P::fields(payload, [&](const ledger::Field& f, auto& value) {
      fields.push_back({{"json", std::string(f.json)}, {"type", type_name(value)}});
      sampler.fill(f, value);
    });
    kinds.push_back({{"name", std::string(P::kName)},
                     {"code", static_cast<unsigned>(P::kKind)},
                     {"roles", roles_of(P::kRoles)},
                     {"fields", std::move(fields)}});
    if constexpr (std::is_same_v<P, ledger::ProposePayload>) {
      for (const ledger::Change& change : sample_changes(public_key, policy)) {
        payload.change = change;
        add(P::kKind, ledger::encode(payload));
      }
    } else {
      add(P::kKind, ledger::encode(payload));
    }
  });
  return {{"kinds", std::move(kinds)}, {"vectors", std::move(vectors)}};
}

}  // namespace

TEST_CASE("js client: signs, submits and verifies a receipt against a live node", "[rpc][js]") {
  if (!have_node_20()) return;
  LiveNode live;
  // A few transactions first, so that the client's proof has a real path.
  for (const char* id : {"asset-a", "asset-b", "asset-c"}) {
    ledger::AssetRegisterPayload asset;
    asset.asset_id = id;
    live.commit(live.make("provider-acme", ledger::TxKind::kAssetRegister, asset));
  }
  std::string script = std::string(TRACECHAIN_SOURCE_DIR) + "/clients/js/example.js";
  std::string command = "node " + quote(script) +
                        " --url http://127.0.0.1:" + std::to_string(live.rpc_port()) + " --key " +
                        quote((live.home() / "keys" / "provider-acme.pem").string()) +
                        " --sender provider-acme --genesis " +
                        quote(live.config().genesis_file().string()) + " --asset js-asset-1";
  auto [status, output] = run_command(command);
  INFO(command << "\n" << output);
  REQUIRE(status == 0);
  Json summary = Json::parse(output.substr(output.find('{')));
  CHECK(summary["selfTest"] == "ok");
  CHECK(summary["status"] == "ok");
  CHECK(summary["trustedValidators"] == true);
  CHECK(summary["signers"] == Json::array({"validator-0"}));
  CHECK(summary["leafIndex"] == 3);
  auto hash = digest_from_hex(summary["txHash"].get<std::string>());
  REQUIRE(hash.ok());
  CHECK(live.node().store().locate(*hash).ok());

  Json asset = live.call("asset_get", {{"assetId", "js-asset-1"}}, "provider-acme");
  CHECK(asset["result"]["provider"] == "provider-acme");
}

TEST_CASE("js client: the package's tests pass against a live node", "[rpc][js]") {
  if (!have_node_20()) return;
  // Read-log checkpoints every 200 ms, so that access_listReads soon has one.
  LiveNode live([](node::NodeConfig& config) { config.read_log.checkpoint_interval_ms = 200; });
  live.trade_scenario();
  auto newcomer = crypto::PrivateKey::generate(crypto::Suite::kP256Sha256);
  REQUIRE(newcomer.ok());
  live.govern({ledger::ChangeType::kAdmitParticipant, "observer-1", newcomer->public_key().bytes(),
               ledger::role_bit(ledger::Role::kAuditor), "cn", 0, {}});

  auto genesis = ledger::load_genesis(live.config().genesis_file());
  REQUIRE(genesis.ok());
  const auto vectors = live.home() / "payload-vectors.json";
  std::ofstream(vectors) << payload_vectors(live.key("buyer-bank").public_key().bytes(),
                                            genesis->policy)
                                .dump(1);

  const std::string source = TRACECHAIN_SOURCE_DIR;
  std::string command =
      "cd " + quote(source) + " && TRACECHAIN_URL=http://127.0.0.1:" +
      std::to_string(live.rpc_port()) + " TRACECHAIN_KEYS=" + quote((live.home() / "keys").string()) +
      " TRACECHAIN_GENESIS=" + quote(live.config().genesis_file().string()) +
      " TRACECHAIN_PAYLOAD_VECTORS=" + quote(vectors.string()) + " node --test clients/js/test/";
  auto [status, output] = run_command(command);
  INFO(command << "\n" << output);
  REQUIRE(status == 0);
  // Every live test ran: none skipped itself for want of the node.
  CHECK(output.find("# skipped 0") != std::string::npos);
  CHECK(output.find("# fail 0") != std::string::npos);
}
