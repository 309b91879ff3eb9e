// node.toml as an operator writes it (node/config.h). A configuration that
// parses must print (config_to_toml) to TOML that parses again and prints
// the same: every setting survives the round trip.
#include "node/config.h"
#include "tests/fuzz/fuzz.h"

using namespace tracechain;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path home = "/nonexistent/fuzz-home";
  auto config = node::parse_config(fuzz::text(data, size), "node.toml", home);
  if (!config) return 0;
  const std::string toml = node::config_to_toml(*config);
  auto again = node::parse_config(toml, "re-printed node.toml", home);
  if (!again) fuzz::fail("a parsed node.toml does not re-parse from its own TOML: " + again.error().message());
  fuzz::check(node::config_to_toml(*again) == toml,
              "a parsed node.toml prints differently after a round trip");
  return 0;
}
