#include "ledger/json_fields.h"

#include <algorithm>

#include <charconv>

#include "ledger/identifiers.h"

namespace tracechain::ledger {

namespace {

Error wrong(std::string what) { return Error(ErrorCode::kInvalidInput, std::move(what)); }

}  // namespace

std::optional<std::uint64_t> parse_whole_number(std::string_view text) {
  if (text.empty() || text.front() < '0' || text.front() > '9') return std::nullopt;
  std::uint64_t out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return out;
}

Result<Json> parse_json(std::string_view text, std::string_view source) {
  try {
    return Json::parse(text);
  } catch (const Json::parse_error& e) {
    // nlohmann counts bytes from 1; people look for a line and a column.
    const std::size_t offset = std::min<std::size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
    const auto before = text.substr(0, offset);
    const std::size_t line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
    const std::size_t newline = before.rfind('\n');
    const std::size_t column = newline == std::string_view::npos ? offset + 1 : offset - newline;
    // "[json.exception.parse_error.101] parse error at line 2, column 7: syntax error ..."
    std::string what = e.what();
    if (auto colon = what.find(": "); colon != std::string::npos) what = what.substr(colon + 2);
    return Error(ErrorCode::kInvalidInput, std::string(source) + ":" + std::to_string(line) + ":" +
                                               std::to_string(column) + ": not valid JSON: " + what);
  } catch (const Json::exception& e) {
    // Parsing throws more than parse_error: a number too large for any JSON
    // number type is out_of_range ("number overflow parsing '1e99999'").
    std::string what = e.what();
    if (auto bracket = what.find("] "); bracket != std::string::npos) what = what.substr(bracket + 2);
    return Error(ErrorCode::kInvalidInput, std::string(source) + ": not valid JSON: " + what);
  }
}

Result<std::string> read_text(const Json& value, std::size_t max_size) {
  if (!value.is_string()) return wrong("expected a string");
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() > max_size) return wrong("longer than " + std::to_string(max_size) + " bytes");
  return text;
}

Result<std::uint64_t> read_whole_number(const Json& value, std::uint64_t max) {
  std::optional<std::uint64_t> n;
  if (value.is_number_unsigned()) {
    n = value.get<std::uint64_t>();
  } else if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    n = static_cast<std::uint64_t>(value.get<std::int64_t>());
  } else if (value.is_string()) {
    n = parse_whole_number(value.get_ref<const std::string&>());
  }
  std::string range = max == kAnyWholeNumber ? "2^64-1" : std::to_string(max);
  if (!n) return wrong("expected a whole number from 0 to " + range + " (a number or a decimal string)");
  if (*n > max) return wrong(std::to_string(*n) + " is above " + range);
  return *n;
}

Result<bool> read_boolean(const Json& value) {
  if (!value.is_boolean()) return wrong("expected true or false");
  return value.get<bool>();
}

Result<Bytes> read_hex(const Json& value, std::size_t max_bytes) {
  auto text = read_text(value, 2 * max_bytes + 2);
  if (!text) {
    return value.is_string() ? wrong("more than " + std::to_string(max_bytes) + " bytes of hex")
                             : text.error();
  }
  auto bytes = from_hex(*text);
  if (!bytes) return wrong(bytes.error().message());
  if (bytes->size() > max_bytes) return wrong("more than " + std::to_string(max_bytes) + " bytes of hex");
  return bytes;
}

Result<Digest> read_digest(const Json& value) {
  auto text = read_text(value, 2 * kDigestSize + 2);
  if (!text) return value.is_string() ? wrong("expected 64 hex digits") : text.error();
  auto digest = digest_from_hex(*text);
  if (!digest) return wrong("expected 64 hex digits: " + digest.error().message());
  return digest;
}

Result<std::string> read_identifier(const Json& value) {
  auto text = read_text(value, 2 * kMaxIdentifierSize);
  if (!text || !validate_identifier("identifier", *text)) {
    return value.is_string() ? wrong("not an identifier (1 to 64 of a-z 0-9 . - _)")
                             : wrong("expected a string");
  }
  return text;
}

Result<JsonFields> JsonFields::of(const Json& node, std::string path) {
  if (!node.is_object()) return wrong((path.empty() ? "the document" : path) + ": expected an object");
  return JsonFields(node, std::move(path));
}

std::string JsonFields::path(std::string_view name) const {
  return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
}

const Json* JsonFields::find(std::string_view name) const {
  auto it = node_->find(name);
  if (it == node_->end() || it->is_null()) return nullptr;
  return &*it;
}

Result<const Json*> JsonFields::field(std::string_view name) const {
  const Json* value = find(name);
  if (value == nullptr) return wrong(path(name) + ": missing");
  return value;
}

Result<std::string> JsonFields::text(std::string_view name, std::size_t max_size) const {
  return required(name, [&](const Json& v) { return read_text(v, max_size); });
}

Result<std::uint64_t> JsonFields::whole_number(std::string_view name, std::uint64_t max) const {
  return required(name, [&](const Json& v) { return read_whole_number(v, max); });
}

Result<std::optional<std::uint64_t>> JsonFields::optional_whole_number(std::string_view name,
                                                                       std::uint64_t max) const {
  if (!has(name)) return std::optional<std::uint64_t>();
  auto n = whole_number(name, max);
  if (!n) return n.error();
  return std::optional<std::uint64_t>(*n);
}

Result<bool> JsonFields::boolean(std::string_view name) const {
  return required(name, [](const Json& v) { return read_boolean(v); });
}

Result<Bytes> JsonFields::hex(std::string_view name, std::size_t max_bytes) const {
  return required(name, [&](const Json& v) { return read_hex(v, max_bytes); });
}

Result<Digest> JsonFields::digest(std::string_view name) const {
  return required(name, [](const Json& v) { return read_digest(v); });
}

Result<std::string> JsonFields::identifier(std::string_view name) const {
  return required(name, [](const Json& v) { return read_identifier(v); });
}

Result<JsonFields> JsonFields::object(std::string_view name) const {
  auto value = field(name);
  if (!value) return value.error();
  return of(**value, path(name));
}

Result<const Json*> JsonFields::array(std::string_view name) const {
  auto value = field(name);
  if (!value) return value.error();
  if (!(*value)->is_array()) return wrong(path(name) + ": expected an array");
  return value;
}

}  // namespace tracechain::ledger
