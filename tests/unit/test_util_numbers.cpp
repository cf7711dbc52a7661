#include <catch2/catch.hpp>

#include <climits>
#include <string>

#include "util/numbers.hpp"

using namespace autodns::util;

TEST_CASE("numbers: a value inside the bounds", "[numbers]") {
    const Expected<long> n = parse_bounded("42", 1, 100, "a count");
    REQUIRE(n);
    CHECK(*n == 42);
    CHECK(n.error().empty());
    CHECK(*parse_bounded("1", 1, 100, "a count") == 1);
    CHECK(*parse_bounded("100", 1, 100, "a count") == 100);
    CHECK(*parse_bounded("-7", -10, 10, "an offset") == -7);
    // As std::strtol reads it: leading blanks and a sign.
    CHECK(*parse_bounded(" +5", 0, 10, "a count") == 5);
    CHECK(*parse_bounded("0660", 0, 0777, "an octal mode", 8) == 0660);
}

TEST_CASE("numbers: the reason names the text, the description and the bounds", "[numbers]") {
    CHECK(parse_bounded("0", 1, 100, "a count").error() == "'0' is not a count (1-100)");
    CHECK(parse_bounded("101", 1, 100, "a count").error() == "'101' is not a count (1-100)");
    CHECK(parse_bounded("", 1, 100, "a count").error() == "'' is not a count (1-100)");
    CHECK(parse_bounded("5x", 1, 100, "a count").error() == "'5x' is not a count (1-100)");
    CHECK(parse_bounded("5 ", 1, 100, "a count").error() == "'5 ' is not a count (1-100)");
    CHECK_FALSE(parse_bounded("x", 1, 100, "a count"));
    CHECK_FALSE(parse_bounded("99999999999999999999", 0, 2147483647, "a count"));
    CHECK_FALSE(parse_bounded("99999999999999999999", 0, LONG_MAX, "a count"));  // overflow
    CHECK_FALSE(parse_bounded("-99999999999999999999", LONG_MIN, 0, "a count"));
    CHECK_FALSE(parse_bounded("0800", 0, 0777, "an octal mode", 8));
    CHECK(parse_bounded("-1", 0, 0777, "an octal mode", 8).error() ==
          "'-1' is not an octal mode (0-511)");
}
