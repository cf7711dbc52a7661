// EPP poll replies (RFC 5730 <poll op="req"/> answers) as notifications.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse/parse.hpp"
#include "util/expected.hpp"

namespace pugi {
class xml_node;
}

namespace autodns {

// `epp` is the root element of a parsed EPP document. A response with a queued message
// (msgQ with id, and resData or msgQ/msg) gives one record of kind "job" and format epp;
// an ack reply (msgQ count="0", no resData) or a command is not a notification.
// Read: AutoDNS's resData/domainrobot:miscData/domainrobot:message (status code, text, type
// from the code's letter, object from the argument), panData, trnData, infData, creData of
// any object (domain, contact, host), extension/domainrobot:* code and ctid. Elements are
// matched by local name: undeclared namespace prefixes stay readable (docs/formats.md).
ParseResult parse_epp_document(const pugi::xml_node& epp);

// What an EPP frame from the server says about the session, apart from any notification in
// it (that is parse_payload's job).
struct EppFrame {
    bool greeting = false;
    std::vector<std::string> obj_uris;  // greeting: svcMenu/objURI
    std::vector<std::string> ext_uris;  // greeting: svcMenu/svcExtension/extURI
    int result_code = 0;                // response: the first result@code (1000, 1300, 2200, ...)
    std::string result_text;            // its <msg>
    std::optional<std::int64_t> msgq_count;
    std::optional<std::int64_t> msgq_id;  // msgQ@id when it is an integer
    std::string msgq_id_text;             // msgQ@id as written
};
// The frame, when `xml` is an XML document with root <epp> holding <greeting> or <response>;
// else why it is not. Never throws; bounded like parse_payload (the structure is pre-scanned
// before pugixml reads it).
util::Expected<EppFrame> inspect_epp_frame(std::string_view xml);

}  // namespace autodns
