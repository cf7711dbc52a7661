// Small string helpers (ASCII semantics; bytes >= 0x80 pass through unchanged).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace autodns::util {

// Without leading and trailing ASCII whitespace.
std::string_view trim(std::string_view s);

// ASCII lower case.
std::string to_lower(std::string_view s);

// Every line trimmed, blank lines at the start and end dropped, "\r\n" read as "\n".
std::string trim_lines(std::string_view s);

// True when `s` starts with `prefix`, ignoring ASCII case.
bool starts_with_nocase(std::string_view s, std::string_view prefix);

// Drops a leading UTF-8 byte order mark.
std::string_view strip_utf8_bom(std::string_view s);

// True when every character is an ASCII digit and there is at least one.
bool all_digits(std::string_view s);

// Length of the run of ASCII whitespace and U+00A0 NO-BREAK SPACE (UTF-8 C2 A0) at s[pos..].
std::size_t blank_run(std::string_view s, std::size_t pos);

// True when `s` holds nothing but ASCII whitespace and U+00A0 (web copies of documents
// carry no-break spaces between elements).
bool is_blank(std::string_view s);

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

// ISO-8859-1 bytes as UTF-8.
std::string latin1_to_utf8(std::string_view s);

// `s` with every byte that is not part of a well-formed UTF-8 sequence replaced by '?'.
std::string sanitize_utf8(std::string_view s);

// `s` with & < > " ' replaced by character references: safe as XML or HTML text and inside
// quoted attribute values.
std::string markup_escape(std::string_view s);

}  // namespace autodns::util
