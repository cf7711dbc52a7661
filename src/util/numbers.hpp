// Whole numbers from option and configuration text, with bounds.
#pragma once

#include <string>
#include <string_view>

#include "util/expected.hpp"

namespace autodns::util {

// Reads `text` as std::strtol() does in `base` (leading whitespace and a sign are accepted;
// base 8 or 16 read the digits of that base without a prefix being required) and accepts it
// when all of it (up to a NUL, as strtol sees it) was read, it did not overflow and min <= value <=
// max. `description` names what the number is for the error message ("a number of seconds", "an
// octal mode"): the reason is "'TEXT' is not DESCRIPTION (MIN-MAX)", bounds in decimal.
Expected<long> parse_bounded(std::string_view text, long min, long max,
                             std::string_view description, int base = 10);

}  // namespace autodns::util
