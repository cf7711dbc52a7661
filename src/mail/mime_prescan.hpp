// The pass over a raw mail that runs before mimetic sees it (DESIGN §5).
//
// mimetic 0.9.8 mis-parses or crashes on input that real mailboxes hold; this pass reads the
// structure once, line by line, and hands mimetic a canonical text it parses correctly:
//  - line endings normalized to LF (CRLF, bare CR, and CRLF headers ended by a bare-LF line);
//  - an mbox "From " first line dropped;
//  - every entity header parsed here (quoted ';' in parameters, backslash escapes, RFC 2231
//    "boundary*=", "filename*0*=") and its Content-Type replaced by a canonical one;
//  - every boundary replaced by a fresh token that occurs nowhere else in the mail, delimiter
//    lines matched exactly (trailing whitespace allowed, RFC 2046), so that mimetic neither
//    splits inside lines nor mis-splits padded delimiters;
//  - nesting (multipart and message/rfc822) bounded by MimeLimits::max_depth before mimetic
//    recurses, part count by max_parts, header size by max_header_bytes;
//  - missing closing boundaries closed (and reported: truncated mail);
//  - multipart/digest children without Content-Type defaulted to message/rfc822.
// Each entity gets a field "X-Autodns-Part: N" indexing `parts`, so the tree mimetic builds
// maps back to the headers read here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mail/extract.hpp"

namespace autodns {

inline constexpr char kPartIndexField[] = "X-Autodns-Part";

struct PartHeader {
    enum class Kind {
        leaf,           // a body to look at
        multipart,      // children follow
        message,        // message/rfc822: one embedded entity follows
        depth_limited,  // nested too deep: neither descended nor offered as a body
    };
    Kind kind = Kind::leaf;
    std::string media_type = "text/plain";  // lower case, defaults applied
    std::string charset;                    // charset parameter as written, "" when absent
    std::string transfer_encoding;          // lower case, "" when absent
    std::string filename;                   // Content-Disposition filename, else CT name
    bool content_type_defaulted = false;    // no usable Content-Type field
    bool flowed = false;                    // text/plain; format=flowed (RFC 3676)
    bool delsp = false;                     // ... with delsp=yes
};

struct PrescannedMail {
    bool has_headers = false;
    // has_headers: the canonical mail for mimetic. Otherwise: the whole input with LF endings.
    std::string text;
    std::vector<PartHeader> parts;  // entity headers in document order
    std::vector<std::string> defects;
};

// Never throws for bad input (std::bad_alloc aside). Linear in the size of the input.
PrescannedMail prescan_mail(std::string_view raw, const MimeLimits& limits);

}  // namespace autodns
