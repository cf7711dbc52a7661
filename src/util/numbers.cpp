#include "util/numbers.hpp"

#include <cerrno>
#include <cstdlib>

namespace autodns::util {

Expected<long> parse_bounded(std::string_view text, long min, long max,
                             std::string_view description, int base) {
    const std::string s(text);
    char* end = nullptr;
    errno = 0;
    const long v = std::strtol(s.c_str(), &end, base);
    // Read up to the end (as C strings end: at the first NUL).
    if (!s.empty() && *end == '\0' && errno == 0 && v >= min && v <= max) return v;
    return Failure{"'" + s + "' is not " + std::string(description) + " (" + std::to_string(min) +
                   "-" + std::to_string(max) + ")"};
}

}  // namespace autodns::util
