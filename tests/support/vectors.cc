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
  if (text.size() % 4 != 0) return std::nullopt;
  Bytes out(text.size() / 4 * 3);
  int length = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
  if (length < 0) return std::nullopt;
  // EVP_DecodeBlock counts padding as output bytes; drop them.
  std::size_t padding = 0;
  if (!text.empty() && text.back() == '=') ++padding;
  if (text.size() >= 2 && text[text.size() - 2] == '=') ++padding;
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

Bytes hex(const std::string& text) {
  auto bytes = from_hex(text);
  INFO("hex " << text);
  REQUIRE(bytes.ok());
  return *bytes;
}

}  // namespace tracechain::test
