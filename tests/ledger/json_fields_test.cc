// The one set of rules for reading untrusted JSON (ledger/json_fields.h).
#include <catch2/catch.hpp>

#include "ledger/json_fields.h"

using namespace tracechain;
using ledger::Json;
using ledger::JsonFields;

namespace {

template <typename T>
std::string error_of(const Result<T>& r) {
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == ErrorCode::kInvalidInput);
  return r.error().message();
}

}  // namespace

TEST_CASE("whole numbers: integers >= 0 or decimal strings, nothing else", "[ledger][json]") {
  CHECK(*ledger::read_whole_number(Json(0)) == 0);
  CHECK(*ledger::read_whole_number(Json(18446744073709551615ull)) == 18446744073709551615ull);
  CHECK(*ledger::read_whole_number(Json("18446744073709551615")) == 18446744073709551615ull);
  CHECK(*ledger::read_whole_number(Json("007")) == 7);
  for (const Json& bad : {Json(-1), Json(1.5), Json(1.0), Json("-1"), Json("+1"), Json(" 1"),
                          Json("1e3"), Json(""), Json("18446744073709551616"), Json(true),
                          Json(nullptr), Json::array(), Json::object()}) {
    CHECK_THAT(error_of(ledger::read_whole_number(bad)),
               Catch::Equals("expected a whole number from 0 to 2^64-1 (a number or a decimal "
                             "string)"));
  }
  CHECK(error_of(ledger::read_whole_number(Json(11), 10)) == "11 is above 10");
  CHECK(*ledger::read_whole_number(Json("10"), 10) == 10);
  CHECK(ledger::parse_whole_number("42") == std::optional<std::uint64_t>(42));
  CHECK_FALSE(ledger::parse_whole_number("4 2").has_value());
  CHECK_FALSE(ledger::parse_whole_number("-0").has_value());
}

TEST_CASE("text, hex, digests and identifiers", "[ledger][json]") {
  CHECK(*ledger::read_text(Json("abc"), 3) == "abc");
  CHECK(error_of(ledger::read_text(Json("abcd"), 3)) == "longer than 3 bytes");
  CHECK(error_of(ledger::read_text(Json(5), 3)) == "expected a string");

  CHECK(*ledger::read_hex(Json("0x0aff"), 2) == Bytes{0x0a, 0xff});
  CHECK(*ledger::read_hex(Json(""), 2) == Bytes{});
  CHECK_THAT(error_of(ledger::read_hex(Json("abc"), 2)), Catch::Contains("odd number of digits"));
  CHECK_THAT(error_of(ledger::read_hex(Json("zz"), 2)), Catch::Contains("hex"));
  CHECK(error_of(ledger::read_hex(Json("000000"), 2)) == "more than 2 bytes of hex");
  CHECK(error_of(ledger::read_hex(Json(std::string(100, '0')), 2)) == "more than 2 bytes of hex");

  const std::string digest(64, 'a');
  CHECK(to_hex(*ledger::read_digest(Json(digest))) == digest);
  CHECK_THAT(error_of(ledger::read_digest(Json(digest.substr(2)))),
             Catch::StartsWith("expected 64 hex digits"));
  CHECK_THAT(error_of(ledger::read_digest(Json(digest + "00"))),
             Catch::StartsWith("expected 64 hex digits"));
  CHECK(error_of(ledger::read_digest(Json(digest + digest))) == "expected 64 hex digits");

  CHECK(*ledger::read_identifier(Json("trade-1.a_b")) == "trade-1.a_b");
  for (const Json& bad : {Json(""), Json("Trade"), Json("a b"), Json(std::string(65, 'a')),
                          Json("a\nb")}) {
    CHECK(error_of(ledger::read_identifier(bad)) ==
          "not an identifier (1 to 64 of a-z 0-9 . - _)");
  }
  CHECK(error_of(ledger::read_identifier(Json(7))) == "expected a string");
  CHECK(*ledger::read_boolean(Json(false)) == false);
  CHECK(error_of(ledger::read_boolean(Json(0))) == "expected true or false");
}

TEST_CASE("fields are named by their path, absent and null are both missing", "[ledger][json]") {
  Json doc = Json::parse(R"({"a": {"n": "12", "z": null, "list": [1], "id": "Bad"}, "s": 1})");
  auto top = JsonFields::of(doc, "");
  REQUIRE(top.ok());
  CHECK(error_of(top->text("s", 10)) == "s: expected a string");
  CHECK(error_of(top->text("t", 10)) == "t: missing");
  auto a = top->object("a");
  REQUIRE(a.ok());
  CHECK(*a->whole_number("n") == 12);
  CHECK(error_of(a->whole_number("n", 9)) == "a.n: 12 is above 9");
  CHECK(error_of(a->whole_number("z")) == "a.z: missing");
  CHECK_FALSE(a->has("z"));
  CHECK(a->optional_whole_number("z")->has_value() == false);
  CHECK(**a->optional_whole_number("n") == 12);
  CHECK((*a->array("list"))->size() == 1);
  CHECK(error_of(a->array("n")) == "a.n: expected an array");
  CHECK(error_of(a->identifier("id")) == "a.id: not an identifier (1 to 64 of a-z 0-9 . - _)");
  CHECK(error_of(top->object("s")) == "s: expected an object");
  CHECK(error_of(JsonFields::of(Json::array(), "")) == "the document: expected an object");
  CHECK(error_of(JsonFields::of(Json(1), "receipt")) == "receipt: expected an object");
}

TEST_CASE("a document that does not parse is an error with its place, never an exception",
          "[ledger][json]") {
  auto broken = ledger::parse_json("{\n  \"a\": 1,\n  \"b\": }", "f.json");
  REQUIRE_FALSE(broken.ok());
  CHECK_THAT(broken.error().message(), Catch::StartsWith("f.json:3:8: not valid JSON: syntax error"));
  // A number no JSON number type holds: nlohmann throws out_of_range, not
  // parse_error (found by the genesis fuzz target).
  for (const char* text : {"{\"n\": 1e99999}", "[11246e05977556]", "-1e400"}) {
    auto overflow = ledger::parse_json(text, "n.json");
    REQUIRE_FALSE(overflow.ok());
    CHECK(overflow.error().code() == ErrorCode::kInvalidInput);
    CHECK_THAT(overflow.error().message(), Catch::StartsWith("n.json: not valid JSON: number overflow"));
  }
  CHECK(ledger::parse_json("{\"n\": 1}", "ok.json").ok());
}
