#include <catch2/catch.hpp>

#include "util/charset.hpp"
#include "util/text.hpp"

using namespace autodns::util;

TEST_CASE("text: trimming and case", "[text]") {
    CHECK(trim("  a b \r\n") == "a b");
    CHECK(trim("") == "");
    CHECK(to_lower("SUCCESS Domain") == "success domain");
    CHECK(trim_lines("\n\n   line one  \n\t\tline two\n  \n") == "line one\nline two");
    CHECK(trim_lines("a\r\nb") == "a\nb");
    CHECK(starts_with_nocase("Content-Type", "content-"));
    CHECK(strip_utf8_bom("\xEF\xBB\xBFx") == "x");
    CHECK(all_digits("0123"));
    CHECK_FALSE(all_digits(""));
    CHECK_FALSE(all_digits("12a"));
}

TEST_CASE("text: blanks include the no-break space", "[text]") {
    CHECK(is_blank(" \xC2\xA0 \n"));
    CHECK_FALSE(is_blank(" \xC2 "));
    CHECK(blank_run("  \xC2\xA0x", 0) == 4);
}

TEST_CASE("text: UTF-8 validity and repair", "[text]") {
    CHECK(
        is_valid_utf8("Gr\xC3\xBC\xC3\x9F"
                      "e \xE2\x82\xAC \xF0\x9F\x98\x80"));
    CHECK_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong
    CHECK_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate
    CHECK_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(is_valid_utf8("abc\xC3"));           // truncated sequence
    CHECK(latin1_to_utf8("M\xFCller") == "M\xC3\xBCller");
    CHECK(repair_utf8("a\xFF"
                      "b\xC3\xBC",
                      Utf8Repair::question_mark) == "a?b\xC3\xBC");
}

TEST_CASE("text: UTF-8 repair replaces each bad byte, by U+FFFD unless told otherwise", "[text]") {
    CHECK(repair_utf8("ok \xC3\xBC") == "ok \xC3\xBC");
    CHECK(repair_utf8("a\xFF"
                      "b") ==
          "a\xEF\xBF\xBD"
          "b");
    CHECK(repair_utf8("\xE0\x80\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong
    CHECK(repair_utf8("\xED\xA0\x80", Utf8Repair::question_mark) == "???");        // surrogate
    CHECK(repair_utf8("abcdefghij\xC3", Utf8Repair::question_mark) == "abcdefghij?");
    CHECK(is_ascii("abcdefgh"));
    CHECK_FALSE(is_ascii("abcdefghijklmno\x80"));
    CHECK(skip_ascii("abcdefghij\xC3\xBC", 0) == 10);
}

TEST_CASE("text: prefixes and suffixes, with and without case", "[text]") {
    CHECK(starts_with("postgres://x", "postgres://"));
    CHECK_FALSE(starts_with("post", "postgres://"));
    CHECK(ends_with("a.xml", ".xml"));
    CHECK_FALSE(ends_with("a.XML", ".xml"));
    CHECK_FALSE(ends_with("ml", ".xml"));
    CHECK(ends_with("", ""));
    CHECK(ends_with_nocase("a.XML", ".xml"));
    CHECK_FALSE(ends_with_nocase("a.XMM", ".xml"));
    CHECK(starts_with_nocase("Content-Type", "content-"));
    CHECK_FALSE(starts_with_nocase("Conte", "content-"));
    CHECK(equals_nocase("Content-Type", "CONTENT-type"));
    CHECK_FALSE(equals_nocase("Content-Type", "Content-Typ"));
    CHECK_FALSE(equals_nocase("\xC3\x9C", "\xC3\xBC"));  // ASCII case only
    CHECK(to_lower("MiXeD \xC3\x9C") == "mixed \xC3\x9C");
}
