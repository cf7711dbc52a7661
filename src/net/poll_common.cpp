#include "net/poll_common.hpp"

#include <cstdio>

#include "util/log.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace autodns::poll_common {

void log_line(const std::string& line) {
    util::log_linef("poll", "%s %s", util::now_utc_iso8601().c_str(), line.c_str());
}

std::string excerpt(const std::string& body) {
    std::string s = util::repair_utf8(body.substr(0, 160), util::Utf8Repair::question_mark);
    for (char& c : s) {
        if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    }
    return body.size() > 160 ? s + "…" : s;
}

std::string seconds_text(double seconds) {
    char buf[32];
    std::snprintf(buf, sizeof buf, seconds < 10 ? "%.1f s" : "%.0f s", seconds);
    return buf;
}

}  // namespace autodns::poll_common
