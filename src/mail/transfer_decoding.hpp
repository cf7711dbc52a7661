// Content-Transfer-Encoding decoders (RFC 2045) written for hostile input: linear time, no
// reads outside the input, and a clear verdict instead of silent garbage.
#pragma once

#include <string>
#include <string_view>

namespace autodns {

// Decodes base64, ignoring whitespace. Returns false when the input holds a character outside
// the base64 alphabet (a stray '|', a '-' line, ...) or data after the padding cannot form a
// quantum; `out` then holds what decoded from the valid characters (they are skipped, like
// lenient decoders do) so that the caller can pick between it and the raw text.
bool decode_base64(std::string_view in, std::string& out);

// Decodes quoted-printable: "=XX" escapes (either hex case), soft line breaks ("=" at the end
// of a line, also with trailing whitespace), trailing whitespace of encoded lines removed.
// Malformed escapes are kept literally. Expects LF line endings.
std::string decode_quoted_printable(std::string_view in);

}  // namespace autodns
