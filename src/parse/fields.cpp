#include "parse/fields.hpp"

#include <limits>

#include "parse/task_codes.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace autodns {

std::optional<std::string> normalize_time(std::string_view text) {
    const auto seconds = util::parse_time_to_unix(text, kAutoDnsLocalZone);
    if (!seconds) return std::nullopt;
    return util::format_utc_iso8601(*seconds);
}

std::optional<std::int64_t> parse_message_id(std::string_view text) {
    const std::string_view digits = util::trim(text);
    if (!util::all_digits(digits) || digits.size() > 18) return std::nullopt;
    std::int64_t value = 0;
    for (char c : digits) value = value * 10 + (c - '0');
    return value;
}

std::optional<std::string> normalize_notice(std::string_view text) {
    std::string out = util::trim_lines(text);
    if (out.empty()) return std::nullopt;
    return out;
}

std::optional<std::string> normalize_type(std::string_view text) {
    const std::string_view t = util::trim(text);
    if (t.empty()) return std::nullopt;
    return util::to_lower(t);
}

void apply_task_code(Notification& n) {
    if (!n.status.code) return;
    if (auto match = match_task_code(*n.status.code)) {
        n.task = match->code;
        n.type = match->name;
        return;
    }
    const std::string digits = task_digits(*n.status.code);
    if (!digits.empty()) n.task = digits;
}

namespace {
constexpr const char* kObjectElements[] = {"domain",   "handle",    "contact",  "zone",
                                           "redirect", "mailproxy", "backupmx", "certificate",
                                           "user",     "dnssec"};
}  // namespace

bool is_object_element_name(std::string_view name) {
    for (const char* e : kObjectElements) {
        if (name == e) return true;
    }
    return false;
}

const char* const kObjectValueChildren[] = {"name", "origin", "id", "alias", "value"};
const std::size_t kObjectValueChildrenCount =
    sizeof kObjectValueChildren / sizeof kObjectValueChildren[0];

}  // namespace autodns
