// Cheap structural pre-scans of JSON and XML text, run before any real parser sees the bytes.
//
// They bound what the parsers are given (nesting depth, DTD entity declarations), find where
// a document embedded in other text ends, and tell a truncated document from a broken one.
// They do not validate: a scan that says `complete` may still be rejected by the parser.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace autodns {

// Nesting deeper than this is refused before parsing (AutoDNS documents nest < 20 levels).
constexpr std::size_t kMaxNestingDepth = 256;

enum class ScanStatus {
    complete,   // one whole document: [begin, end)
    truncated,  // input ended inside the document
    too_deep,   // nesting exceeded the limit at `error_offset`
    invalid,    // a structural error at `error_offset` (described in `error`)
};

struct ScanResult {
    ScanStatus status = ScanStatus::invalid;
    std::size_t end = 0;           // one past the document's last byte when complete
    std::size_t error_offset = 0;  // byte offset in the scanned text for the other statuses
    std::string error;             // human description when not complete
    std::string root;              // XML only: the root element's name as written ("epp", "d:x")
    bool entity_declarations = false;  // XML only: a DOCTYPE declares entities
};

// Scans the JSON value (object or array) starting at text[begin] ('{' or '[').
ScanResult scan_json(std::string_view text, std::size_t begin,
                     std::size_t max_depth = kMaxNestingDepth);

// Scans the XML document starting at text[begin] ('<'): an optional XML declaration,
// comments, processing instructions and DOCTYPE, then one root element up to its end tag.
// Checks that end tags match start tags.
ScanResult scan_xml(std::string_view text, std::size_t begin,
                    std::size_t max_depth = kMaxNestingDepth);

}  // namespace autodns
