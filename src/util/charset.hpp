// Character sets: conversion of labelled bytes to UTF-8 (validation and repair: util/text.hpp).
//
// Generic helpers (nothing project-specific). Conversion uses hand-written fast paths for
// UTF-8, US-ASCII and ISO-8859-1 and glibc iconv for every other charset. Labels are matched
// through an alias table first ("latin1", "iso8859-1", "utf8", "cp1252", "us-ascii", ...).
#pragma once

#include <string>
#include <string_view>

namespace autodns::util {

// Canonical name for a charset label from a MIME parameter, an RFC 2047 word or an XML
// declaration: "UTF-8", "US-ASCII", "ISO-8859-1", "ISO-8859-15", "WINDOWS-1252", ... Labels
// outside the alias table come back upper-cased and trimmed (iconv gets them as they are);
// an empty label stays empty. An RFC 2231 language suffix ("utf-8*de") is dropped.
std::string canonical_charset(std::string_view label);

// ISO-8859-1 bytes to UTF-8 (every byte maps to the code point of the same value).
std::string latin1_to_utf8(std::string_view bytes);

struct Utf8Text {
    std::string text;              // always well-formed UTF-8
    bool replaced = false;         // invalid sequences were replaced by U+FFFD
    bool unknown_charset = false;  // the label is unknown: read as UTF-8 if valid, else Latin-1
    bool guessed = false;          // no label (or US-ASCII with 8-bit bytes): same guess
    std::string charset;           // canonical name of the charset the bytes were read as
};

// Converts `bytes` labelled `charset` to UTF-8. Takes the bytes by value so that text that
// already is UTF-8 (the common case) moves through without a copy. Never throws for bad input.
Utf8Text convert_to_utf8(std::string bytes, std::string_view charset);

}  // namespace autodns::util
