// Shell-style wildcard matching of whole strings. Generic; nothing project-specific.
#pragma once

#include <string_view>

namespace autodns::util {

// True when `pattern` matches all of `text`: '*' any run of characters (also none), '?' one
// character, '[abc]' / '[a-z]' / '[!abc]' one character of (or not of) a set; a backslash makes
// the next pattern character literal. Byte-wise and case-sensitive; linear-time backtracking
// over '*' (no exponential blow-up).
bool glob_match(std::string_view pattern, std::string_view text);

}  // namespace autodns::util
