#include "tests/support/vectors.h"

#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>

namespace tracechain::test {

std::filesystem::path source_dir() { return TRACECHAIN_SOURCE_DIR; }

std::optional<std::filesystem::path> vectors_dir_or_skip(const std::string& test_name) {
  std::filesystem::path dir;
  if (const char* env = std::getenv("TRACECHAIN_VECTORS"); env != nullptr && *env != '\0') {
    dir = env;
  } else {
    dir = source_dir() / ".." / "shared" / "vectors";
  }
  if (std::filesystem::is_directory(dir)) return dir;
  std::cout << "SKIPPED: " << test_name << ": test vectors not found at " << dir.string()
            << " (set TRACECHAIN_VECTORS)" << std::endl;
  return std::nullopt;
}

nlohmann::json load_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  INFO("vector file " << path.string());
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

std::optional<Bytes> decode_base64(const std::string& text) {
  auto bytes = from_base64(text);
  if (!bytes) return std::nullopt;
  return *bytes;
}

Bytes hex(const std::string& text) {
  auto bytes = from_hex(text);
  INFO("hex " << text);
  REQUIRE(bytes.ok());
  return *bytes;
}

}  // namespace tracechain::test
