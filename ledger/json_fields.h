// Reading untrusted JSON: genesis and policy files, the receipt and
// validator-change files an auditor is handed, the blocks a node serves an
// auditor, and JSON-RPC parameters. One set of rules, one set of messages:
//
//   - a field that is absent or null is missing (optional readers give
//     nullopt for it);
//   - text is a JSON string of at most a given number of bytes;
//   - a whole number is a JSON integer >= 0, or a string of decimal digits
//     (JavaScript cannot hold every 64-bit number), at most a given maximum;
//     never a fraction, an exponent or a sign;
//   - hex is an even number of hex digits (an optional 0x prefix), at most a
//     given number of bytes; a digest exactly 64 of them;
//   - an identifier follows the ledger's rules (1 to 64 of a-z 0-9 . - _).
//
// The value readers' errors (kInvalidInput) say only what is wrong, for a
// caller that names the value its own way (an RPC parameter); JsonFields
// prefixes the field's path ("participants[2].roles: expected an array").
// tracectl's command-line numbers use parse_whole_number(), the same rule.
//
// Pure functions; a JsonFields refers to the document it reads, which must
// outlive it.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "crypto/bytes.h"
#include "crypto/result.h"

namespace tracechain::ledger {

using Json = nlohmann::json;

inline constexpr std::uint64_t kAnyWholeNumber = ~std::uint64_t{0};

// Decimal digits only, 0 to 2^64-1.
std::optional<std::uint64_t> parse_whole_number(std::string_view text);

// A JSON document read from `source` (a file name); kInvalidInput
// "SOURCE:LINE:COLUMN: not valid JSON: what was expected" when it does not
// parse.
Result<Json> parse_json(std::string_view text, std::string_view source);

Result<std::string> read_text(const Json& value, std::size_t max_size);
Result<std::uint64_t> read_whole_number(const Json& value, std::uint64_t max = kAnyWholeNumber);
Result<bool> read_boolean(const Json& value);
Result<Bytes> read_hex(const Json& value, std::size_t max_bytes);
Result<Digest> read_digest(const Json& value);
Result<std::string> read_identifier(const Json& value);

// The fields of one JSON object, with the path that names it in messages
// ("" for a document's top level).
class JsonFields {
 public:
  // kInvalidInput "<path>: expected an object" unless `node` is one.
  static Result<JsonFields> of(const Json& node, std::string path);

  // The path of a field in messages: "path.name", or "name" at the top.
  std::string path(std::string_view name) const;
  // The field, or nullptr when it is absent or null.
  const Json* find(std::string_view name) const;
  bool has(std::string_view name) const { return find(name) != nullptr; }
  // The field; kInvalidInput "<path>: missing" when absent or null.
  Result<const Json*> field(std::string_view name) const;

  Result<std::string> text(std::string_view name, std::size_t max_size) const;
  Result<std::uint64_t> whole_number(std::string_view name,
                                     std::uint64_t max = kAnyWholeNumber) const;
  Result<std::optional<std::uint64_t>> optional_whole_number(
      std::string_view name, std::uint64_t max = kAnyWholeNumber) const;
  Result<bool> boolean(std::string_view name) const;
  Result<Bytes> hex(std::string_view name, std::size_t max_bytes) const;
  Result<Digest> digest(std::string_view name) const;
  Result<std::string> identifier(std::string_view name) const;
  Result<JsonFields> object(std::string_view name) const;
  Result<const Json*> array(std::string_view name) const;

 private:
  JsonFields(const Json& node, std::string path) : node_(&node), path_(std::move(path)) {}

  // Reads a required field with `read`, naming the field in its error.
  template <typename Read>
  auto required(std::string_view name, Read&& read) const -> decltype(read(std::declval<const Json&>())) {
    auto value = field(name);
    if (!value) return value.error();
    auto out = read(**value);
    if (!out) return out.error().with_context(path(name));
    return out;
  }

  const Json* node_;
  std::string path_;
};

}  // namespace tracechain::ledger
