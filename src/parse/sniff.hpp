// Format sniffing by content. Hints (content type, file name) never decide alone.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace autodns {

enum class SniffKind {
    json,    // a JSON object or array starts at `begin`
    xml,     // an XML document (prolog or element) starts at `begin`
    binary,  // not text: NUL bytes or many control characters
    none,    // text without a JSON or XML notification in it
};

struct Sniffed {
    SniffKind kind = SniffKind::none;
    std::size_t begin = 0;    // offset of the document in the text
    bool embedded = false;    // found after human prose ("standard" format)
    bool missing_lt = false;  // the document starts "message>" / "response>": '<' is missing
    std::string reason;       // for binary / none: why
};

// Looks at `text` (a whole payload):
//  - a leading UTF-8 BOM and whitespace are skipped;
//  - '{' or '[' -> json; '<' -> xml;
//  - "message>", "response>", "notification>" or "epp>" whose end tag occurs later -> xml with
//    missing_lt (a documented imperfection of the AutoDNS examples);
//  - otherwise prose: the earliest of "<?xml", "<response", "<message", "<notification",
//    "<epp" (as a tag) or a '{' followed by a '"' -> embedded json/xml;
//  - NUL bytes or more than 2% control characters in the first 64 KiB -> binary.
Sniffed sniff_payload(std::string_view text);

// Why the first 64 KiB of `text` look like binary data (see sniff_payload): "binary content
// (NUL byte at offset 3)"; nothing when they look like text.
std::optional<std::string> binary_evidence(std::string_view text);

}  // namespace autodns
