#include <catch2/catch.hpp>

#include <string>

#include "util/json.hpp"

using namespace autodns::util;

// The expected texts are byte for byte what the report renderer (text), the push server's
// health reply and the SQLite outbox filter (minimal) wrote before they shared this code.
TEST_CASE("json: minimal escaping leaves every byte but quote, backslash and C0 alone", "[json]") {
    CHECK(json_string("", JsonEscape::minimal) == "\"\"");
    CHECK(json_string("q\"b\\s/", JsonEscape::minimal) == "\"q\\\"b\\\\s/\"");
    CHECK(json_string(std::string("nul\0x", 5), JsonEscape::minimal) == "\"nul\\u0000x\"");
    CHECK(json_string("\x01\x08\x09\x0a\x0b\x0c\x0d\x1f\x20\x7f", JsonEscape::minimal) ==
          "\"\\u0001\\u0008\\u0009\\u000a\\u000b\\u000c\\u000d\\u001f \x7f\"");
    CHECK(json_string("\xE2\x80\xA8|\xE2\x80\xA9", JsonEscape::minimal) ==
          "\"\xE2\x80\xA8|\xE2\x80\xA9\"");  // U+2028, U+2029 as they are
    CHECK(json_string("bad \xFF \xC3", JsonEscape::minimal) == "\"bad \xFF \xC3\"");
    std::string out = "[";
    append_json_string(out, "a", JsonEscape::minimal);
    CHECK(out == "[\"a\"");
}

TEST_CASE("json: text escaping uses short forms and always yields well-formed UTF-8", "[json]") {
    CHECK(json_string("q\"b\\s/", JsonEscape::text) == "\"q\\\"b\\\\s/\"");
    CHECK(json_string(std::string("nul\0x", 5), JsonEscape::text) == "\"nul\\u0000x\"");
    CHECK(json_string("\x01\x08\x09\x0a\x0b\x0c\x0d\x1f\x20\x7f", JsonEscape::text) ==
          "\"\\u0001\\u0008\\t\\n\\u000b\\u000c\\r\\u001f \\u007f\"");
    CHECK(json_string("\xE2\x80\xA8|\xE2\x80\xA9", JsonEscape::text) ==
          "\"\xE2\x80\xA8|\xE2\x80\xA9\"");
    CHECK(json_string("\xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80", JsonEscape::text) ==
          "\"\xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80\"");
    CHECK(json_string("bad \xFF x", JsonEscape::text) == "\"bad \\ufffd x\"");
    CHECK(json_string("trunc \xC3", JsonEscape::text) == "\"trunc \\ufffd\"");
    CHECK(json_string("trunc3 \xE2\x82", JsonEscape::text) == "\"trunc3 \\ufffd\\ufffd\"");
    CHECK(json_string("\x80\xBF", JsonEscape::text) == "\"\\ufffd\\ufffd\"");
    CHECK(json_string("\xC0\xAF", JsonEscape::text) == "\"\\ufffd\\ufffd\"");
    // Overlong forms, surrogates and code points above U+10FFFF are not UTF-8 either.
    CHECK(json_string("\xE0\x80\xAF", JsonEscape::text) == "\"\\ufffd\\ufffd\\ufffd\"");
    CHECK(json_string("\xED\xA0\x80", JsonEscape::text) == "\"\\ufffd\\ufffd\\ufffd\"");
    CHECK(json_string("\xF4\x90\x80\x80", JsonEscape::text) == "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

TEST_CASE("json: the writer indents, separates and writes null", "[json]") {
    JsonWriter j;
    j.begin_object();
    j.field("s", "x\n").field("n", std::int64_t{-3}).field("b", true);
    j.field("none", std::optional<std::string>{}).field("some", std::optional<std::int64_t>{7});
    j.begin_array("empty").end_array();
    j.begin_array("list").begin_object().field("k", std::string("v")).end_object().end_array();
    j.begin_object("o").end_object();
    j.end_object();
    CHECK(j.text() ==
          "{\n"
          "  \"s\": \"x\\n\",\n"
          "  \"n\": -3,\n"
          "  \"b\": true,\n"
          "  \"none\": null,\n"
          "  \"some\": 7,\n"
          "  \"empty\": [],\n"
          "  \"list\": [\n"
          "    {\n"
          "      \"k\": \"v\"\n"
          "    }\n"
          "  ],\n"
          "  \"o\": {}\n"
          "}");
}
