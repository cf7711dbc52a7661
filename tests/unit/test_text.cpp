#include <catch2/catch.hpp>

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
    CHECK(sanitize_utf8("a\xFF"
                        "b\xC3\xBC") == "a?b\xC3\xBC");
}
