// What a poll reply of the AutoDNS API says about itself, apart from the notification in it.
//
// The poll client needs three facts that the notification parser does not give: whether the
// queue was empty, the id to confirm, and the call's own status (S0905 / S0906, or an error
// such as E0011 for bad credentials). inspect_poll_reply() reads them from a JSON reply
// (GET /poll, PUT /poll/{id}) or an XML gateway reply (task 0905 / 0906). It never throws and
// never parses the notification itself: parse_payload() does that.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autodns {

struct PollReply {
    bool readable = false;  // a JSON object or an XML <response> that could be read
    std::string error;      // why not, when !readable
    std::string format;     // "json" | "xml"
    std::optional<std::string> status_type;  // lower case: "success", "error", ...
    std::optional<std::string> status_code;  // "S0905", "E0011", ...
    std::optional<std::string> status_text;
    int message_count = 0;                // messages the reply carries (data[] entries / <message>)
    std::vector<std::int64_t> ids;        // their ids, in order; fewer than message_count when some
                                          // message has no readable id
    std::optional<std::int64_t> summary;  // queue length the reply reports, when it does

    // The call succeeded ("success" status type, or an S code).
    bool succeeded() const;
};

// Reads a poll or confirm reply. Bounded like parse_payload (depth-checked before parsing).
PollReply inspect_poll_reply(std::string_view body);

}  // namespace autodns
