// Helpers for handling credentials.
#pragma once

#include <string>
#include <string_view>

namespace autodns::util {

// Compares in time that depends only on the lengths, not on where the first difference is.
bool constant_time_equal(std::string_view a, std::string_view b);

// Standard base64 with padding (RFC 4648 §4), for HTTP basic authentication.
std::string base64_encode(std::string_view bytes);

}  // namespace autodns::util
