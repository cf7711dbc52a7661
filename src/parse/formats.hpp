// The format parsers behind parse_payload (parse/parse.hpp). Each reads one document that the
// sniffer located and returns records without key and with the format of what it read
// (json / xml / epp); parse_payload sets "standard" and the keys.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "parse/parse.hpp"

namespace autodns {

// A result without records, with the reason.
inline ParseResult parse_failure(ParseStatus status, std::string why) {
    ParseResult r;
    r.status = status;
    r.error = std::move(why);
    return r;
}
inline ParseResult not_notification(std::string why) {
    return parse_failure(ParseStatus::not_notification, std::move(why));
}
inline ParseResult malformed(std::string why) {
    return parse_failure(ParseStatus::malformed, std::move(why));
}

// `doc` is one complete JSON value (already depth-checked); `base` is its offset in the
// payload, used in error messages.
ParseResult parse_json_document(std::string_view doc, std::size_t base);

// `doc` is one complete XML document (already depth- and DTD-checked). Dispatches on the
// root element: response, message, notification, epp.
ParseResult parse_xml_document(std::string_view doc, std::size_t base);

}  // namespace autodns
