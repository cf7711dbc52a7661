// Whole numbers from option and configuration text, with bounds.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace autodns::util {

// The value parsed, or why there is none.
struct BoundedNumber {
    std::optional<long> value;
    // Empty with a value; else "'TEXT' is not DESCRIPTION (MIN-MAX)", bounds in decimal.
    std::string error;
    explicit operator bool() const { return value.has_value(); }
};

// Reads `text` as std::strtol() does in `base` (leading whitespace and a sign are accepted;
// base 8 or 16 read the digits of that base without a prefix being required) and accepts it
// when all of it (up to a NUL, as strtol sees it) was read, it did not overflow and min <= value <=
// max. `description` names what the number is for the error message ("a number of seconds", "an
// octal mode").
BoundedNumber parse_bounded(std::string_view text, long min, long max, std::string_view description,
                            int base = 10);

}  // namespace autodns::util
