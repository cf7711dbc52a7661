// Small string helpers (ASCII semantics; bytes >= 0x80 pass through unchanged).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace autodns::util {

// Without leading and trailing ASCII whitespace (space, \t, \n, \r, \f, \v).
std::string_view trim(std::string_view s);

// Without leading and trailing bytes from `chars` (trim_right: trailing ones only).
std::string_view trim(std::string_view s, std::string_view chars);
std::string_view trim_right(std::string_view s, std::string_view chars);

// ASCII lower case (to_lower_in_place: of `s` itself).
std::string to_lower(std::string_view s);
void to_lower_in_place(std::string& s);

// Every line trimmed, blank lines at the start and end dropped, "\r\n" read as "\n".
std::string trim_lines(std::string_view s);

// True when `s` starts (ends) with `prefix` (`suffix`), byte for byte.
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// The same ignoring ASCII case, and equality ignoring ASCII case.
bool starts_with_nocase(std::string_view s, std::string_view prefix);
bool ends_with_nocase(std::string_view s, std::string_view suffix);
bool equals_nocase(std::string_view a, std::string_view b);

// Drops a leading UTF-8 byte order mark.
std::string_view strip_utf8_bom(std::string_view s);

// True when every character is an ASCII digit and there is at least one.
bool all_digits(std::string_view s);

// The value of a hexadecimal digit (0-9, A-F, a-f), or -1.
int hex_digit_value(char c);

// Length of the run of ASCII whitespace and U+00A0 NO-BREAK SPACE (UTF-8 C2 A0) at s[pos..].
std::size_t blank_run(std::string_view s, std::size_t pos);

// True when `s` holds nothing but ASCII whitespace and U+00A0 (web copies of documents
// carry no-break spaces between elements).
bool is_blank(std::string_view s);

// Index of the first byte >= 0x80 at or after `from`, or s.size() (8 bytes at a time).
std::size_t skip_ascii(std::string_view s, std::size_t from = 0);

// True when `s` holds only bytes < 0x80.
bool is_ascii(std::string_view s);

// Length of the well-formed UTF-8 sequence at s[i] (i < s.size()), or 0 when there is none.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// True when `s` is well-formed UTF-8 (no overlong forms, no surrogates, <= U+10FFFF).
bool is_valid_utf8(std::string_view s);

// What repair_utf8() puts in place of a byte that is not part of a well-formed sequence.
enum class Utf8Repair {
    replacement_character,  // U+FFFD (EF BF BD): text that is stored or shown as text
    question_mark,          // '?': one ASCII byte, for log lines and error messages
};

// `s` with every byte that is not part of a well-formed UTF-8 sequence (as is_valid_utf8()
// reads it) replaced, one replacement per byte. Well-formed text comes back unchanged.
std::string repair_utf8(std::string_view s, Utf8Repair with = Utf8Repair::replacement_character);

// `s` with & < > " ' replaced by character references: safe as XML or HTML text and inside
// quoted attribute values.
std::string markup_escape(std::string_view s);

}  // namespace autodns::util
