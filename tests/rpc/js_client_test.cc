// The JavaScript client (clients/js) against a live node: it builds an
// asset.register from docs/encoding.md, signs it with WebCrypto, submits it,
// waits for the receipt and verifies the inclusion proof and the commit
// certificate offline. Skipped when no Node.js 18+ is installed
// (scripts/install-deps.sh installs one).
#include <catch2/catch.hpp>
#include <cstdio>
#include <iostream>

#include "ledger/payloads.h"
#include "tests/rpc/live_node.h"

using namespace tracechain;
using namespace tracechain::test;

namespace {

std::string quote(const std::string& text) { return "'" + text + "'"; }

}  // namespace

TEST_CASE("js client: signs, submits and verifies a receipt against a live node", "[rpc][js]") {
  auto [found, version] = run_command("node -p 'process.versions.node.split(\".\")[0]'");
  if (found != 0 || std::atoi(version.c_str()) < 18) {
    std::cout
        << "SKIPPED: no Node.js 18 or later on the PATH (scripts/install-deps.sh installs it)\n";
    return;
  }
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
