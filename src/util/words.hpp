// Splitting a command line into argv words the way a shell splits a simple command, without
// any of the rest of a shell: no variables, globs, redirections, pipes or command
// substitution. Generic; nothing project-specific.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/expected.hpp"

namespace autodns::util {

// Splits `text` into words at unquoted blanks (space, tab, newline).
//   'single quotes'  everything literal up to the next single quote
//   "double quotes"  literal except \" \\ \$ \` (the backslash is dropped before these)
//   backslash        outside quotes makes the next character literal
// Adjacent pieces join ("a"'b'c is one word abc); "" is an empty word. Fails, with the
// reason, for an unterminated quote or a trailing backslash.
Expected<std::vector<std::string>> split_words(std::string_view text);

// `words` as one line a shell would split back into the same words (for messages and logs).
std::string join_words(const std::vector<std::string>& words);

}  // namespace autodns::util
