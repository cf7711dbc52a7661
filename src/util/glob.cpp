#include "util/glob.hpp"

#include <cstddef>

namespace autodns::util {
namespace {

// Matches one character class starting at pattern[p] == '['. Sets `next` to the position after
// the closing ']'. An unterminated '[' is a literal '['.
bool match_class(std::string_view pattern, std::size_t p, char c, std::size_t& next) {
    std::size_t i = p + 1;
    bool negate = false;
    if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
        negate = true;
        ++i;
    }
    bool matched = false;
    bool first = true;
    for (; i < pattern.size(); ++i) {
        char lo = pattern[i];
        if (lo == ']' && !first) {
            next = i + 1;
            return matched != negate;
        }
        first = false;
        if (lo == '\\' && i + 1 < pattern.size()) lo = pattern[++i];
        char hi = lo;
        if (i + 2 < pattern.size() && pattern[i + 1] == '-' && pattern[i + 2] != ']') {
            hi = pattern[i + 2];
            if (hi == '\\' && i + 3 < pattern.size()) {
                hi = pattern[i + 3];
                ++i;
            }
            i += 2;
        }
        if (static_cast<unsigned char>(c) >= static_cast<unsigned char>(lo) &&
            static_cast<unsigned char>(c) <= static_cast<unsigned char>(hi)) {
            matched = true;
        }
    }
    next = p + 1;  // unterminated: a literal '['
    return c == '[';
}

}  // namespace

bool glob_match(std::string_view pattern, std::string_view text) {
    std::size_t p = 0, t = 0;
    std::size_t star_p = std::string_view::npos, star_t = 0;
    while (t < text.size()) {
        if (p < pattern.size()) {
            const char pc = pattern[p];
            if (pc == '*') {
                star_p = ++p;
                star_t = t;
                continue;
            }
            if (pc == '?') {
                ++p;
                ++t;
                continue;
            }
            if (pc == '[') {
                std::size_t next = 0;
                if (match_class(pattern, p, text[t], next)) {
                    p = next;
                    ++t;
                    continue;
                }
            } else {
                char literal = pc;
                std::size_t next = p + 1;
                if (pc == '\\' && p + 1 < pattern.size()) {
                    literal = pattern[p + 1];
                    next = p + 2;
                }
                if (literal == text[t]) {
                    p = next;
                    ++t;
                    continue;
                }
            }
        }
        // Mismatch: let the last '*' swallow one more character, or fail.
        if (star_p == std::string_view::npos) return false;
        p = star_p;
        t = ++star_t;
    }
    while (p < pattern.size() && pattern[p] == '*') ++p;
    return p == pattern.size();
}

}  // namespace autodns::util
