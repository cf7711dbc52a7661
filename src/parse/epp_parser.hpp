// EPP poll replies (RFC 5730 <poll op="req"/> answers) as notifications.
#pragma once

#include "core/parse.hpp"

namespace pugi {
class xml_node;
}

namespace autodns {

// `epp` is the root element of a parsed EPP document. A response with a queued message
// (msgQ with id, and resData or msgQ/msg) gives one record of kind "job" and format epp;
// an ack reply (msgQ count="0", no resData) or a command is not a notification.
ParseResult parse_epp_document(const pugi::xml_node& epp);

}  // namespace autodns
