#include <catch2/catch.hpp>

#include "util/charset.hpp"
#include "util/text.hpp"

using namespace autodns::util;

TEST_CASE("UTF-8 validation rejects overlongs, surrogates and truncation", "[charset]") {
    CHECK(is_valid_utf8(""));
    CHECK(is_valid_utf8("plain ascii, long enough to take the 8-byte path"));
    CHECK(is_valid_utf8("Gr\xC3\xBC\xC3\x9F\x65 \xE2\x82\xAC \xF0\x9F\x98\x80"));
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
    CHECK_FALSE(is_valid_utf8("\xE0\x80\xAF"));      // overlong
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(is_valid_utf8("abc\xC3"));           // truncated
    CHECK_FALSE(is_valid_utf8("M\xFCller"));         // Latin-1
    CHECK(is_ascii("abc\n"));
    CHECK_FALSE(is_ascii("abcdefgh\xC3\xBC"));
}

TEST_CASE("charset labels go through the alias table", "[charset]") {
    CHECK(canonical_charset("utf8") == "UTF-8");
    CHECK(canonical_charset(" \"UTF-8\" ") == "UTF-8");
    CHECK(canonical_charset("latin1") == "ISO-8859-1");
    CHECK(canonical_charset("iso8859-1") == "ISO-8859-1");
    CHECK(canonical_charset("ISO_8859-1") == "ISO-8859-1");
    CHECK(canonical_charset("cp1252") == "WINDOWS-1252");
    CHECK(canonical_charset("us-ascii") == "US-ASCII");
    CHECK(canonical_charset("latin9") == "ISO-8859-15");
    CHECK(canonical_charset("utf-8*de") == "UTF-8");  // RFC 2231 language suffix
    CHECK(canonical_charset("koi8-r") == "KOI8-R");
    CHECK(canonical_charset("") == "");
}

TEST_CASE("conversion to UTF-8 from the charsets mail uses", "[charset]") {
    SECTION("ISO-8859-1") {
        Utf8Text t = convert_to_utf8("M\xFCller Stra\xDF\x65", "iso-8859-1");
        CHECK(t.text == "M\xC3\xBCller Stra\xC3\x9F\x65");
        CHECK_FALSE(t.replaced);
        CHECK(t.charset == "ISO-8859-1");
    }
    SECTION("windows-1252 has the euro sign at 0x80") {
        CHECK(convert_to_utf8("\x80 5", "cp1252").text == "\xE2\x82\xAC 5");
    }
    SECTION("ISO-8859-15 has the euro sign at 0xA4") {
        CHECK(convert_to_utf8("\xA4", "ISO-8859-15").text == "\xE2\x82\xAC");
    }
    SECTION("UTF-16 with byte order mark, through iconv") {
        CHECK(convert_to_utf8(std::string("\xFF\xFE\x41\x00\xFC\x00", 6), "utf-16").text ==
              "A\xC3\xBC");
    }
    SECTION("valid UTF-8 passes unchanged") {
        Utf8Text t = convert_to_utf8("Gr\xC3\xBC\xC3\x9F\x65", "utf8");
        CHECK(t.text == "Gr\xC3\xBC\xC3\x9F\x65");
        CHECK_FALSE(t.replaced);
    }
    SECTION("invalid UTF-8 is replaced, not rejected") {
        Utf8Text t = convert_to_utf8(
            "a\xFF"
            "b",
            "utf-8");
        CHECK(t.text ==
              "a\xEF\xBF\xBD"
              "b");
        CHECK(t.replaced);
    }
    SECTION("unknown label: UTF-8 when valid, else ISO-8859-1, flagged") {
        Utf8Text a = convert_to_utf8("Gr\xC3\xBC\xC3\x9F\x65", "x-unknown");
        CHECK(a.unknown_charset);
        CHECK(a.text == "Gr\xC3\xBC\xC3\x9F\x65");
        CHECK(a.charset == "UTF-8");
        Utf8Text b = convert_to_utf8("Gr\xFC\xDF\x65", "x-unknown");
        CHECK(b.unknown_charset);
        CHECK(b.text == "Gr\xC3\xBC\xC3\x9F\x65");
        CHECK(b.charset == "ISO-8859-1");
    }
    SECTION("US-ASCII with 8-bit bytes is a guess") {
        Utf8Text t = convert_to_utf8("K\xF6ln", "us-ascii");
        CHECK(t.guessed);
        CHECK(t.text == "K\xC3\xB6ln");
    }
    SECTION("invalid bytes in an iconv charset are replaced") {
        Utf8Text t = convert_to_utf8("a\x81z", "windows-1252");  // 0x81 is unassigned
        CHECK(t.replaced);
        CHECK(t.text == "a\xEF\xBF\xBDz");
    }
    SECTION("the output is always valid UTF-8") {
        std::string junk;
        for (int i = 0; i < 256; ++i) junk.push_back(static_cast<char>(i));
        for (const char* cs : {"utf-8", "us-ascii", "", "x-unknown", "iso-8859-1", "cp1252",
                               "shift_jis", "utf-16", "iso-2022-jp"})
            CHECK(is_valid_utf8(convert_to_utf8(junk, cs).text));
    }
}
