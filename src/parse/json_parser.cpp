// JSON notifications (poll replies, push bodies, bare event notifications). The only file
// besides record_json.cpp that includes nlohmann/json.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "parse/fields.hpp"
#include "parse/formats.hpp"
#include "parse/json_members.hpp"
#include "util/charset.hpp"
#include "util/text.hpp"

namespace autodns {
namespace {

using json_members::member;
using json_members::text_member;
using nlohmann::json;

const json* object_member(const json& j, const char* key) {
    const json* m = member(j, key);
    return (m && m->is_object()) ? m : nullptr;
}

std::optional<std::string> nonempty(std::optional<std::string> s) {
    if (s && util::trim(*s).empty()) return std::nullopt;
    return s;
}

std::string dump(const json& j) {
    return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status read_status(const json& s) {
    Status st;
    if (s.is_string()) {
        st.type = normalize_type(s.get<std::string>());
        return st;
    }
    st.code = nonempty(text_member(s, "code"));
    if (!st.code) st.code = nonempty(text_member(s, "resultCode"));
    st.text = nonempty(text_member(s, "text"));
    if (auto t = text_member(s, "type")) st.type = normalize_type(*t);
    return st;
}

bool status_is(const json& top, const char* code) {
    const json* s = object_member(top, "status");
    if (!s) return false;
    const Status st = read_status(*s);
    return st.code && *st.code == code;
}

std::string status_code_of(const json& top) {
    const json* s = object_member(top, "status");
    if (!s) return "none";
    return read_status(*s).code.value_or("none");
}

bool is_message(const json& m) {
    return object_member(m, "job") != nullptr || object_member(m, "notify") != nullptr;
}

// The element of the job/notify section that describes the object ("domain": {...}).
const json* embedded_object(const json& section, std::string* name) {
    if (!section.is_object()) return nullptr;
    for (auto it = section.begin(); it != section.end(); ++it) {
        if (it->is_object() && is_object_element_name(it.key())) {
            *name = it.key();
            return &*it;
        }
    }
    return nullptr;
}

// Reads one message (poll data element or push body). Returns false with `error` when it is
// a notification that cannot be read.
bool read_message(const json& m, Notification& n, std::string& error) {
    const json* job = object_member(m, "job");
    const json* notify = object_member(m, "notify");
    const json* section = job ? job : notify;

    const json* id = member(m, "id");
    if (!id) {
        error = "notification message without id";
        return false;
    }
    std::optional<std::int64_t> parsed_id;
    if (id->is_number_unsigned() || id->is_number_integer()) {
        const auto v = id->get<std::int64_t>();
        if (v >= 0) parsed_id = v;
    } else if (id->is_string()) {
        parsed_id = parse_message_id(id->get<std::string>());
    }
    if (!parsed_id) {
        error = "message id " + dump(*id) + " is not a non-negative integer";
        return false;
    }
    n.id = parsed_id;

    if (const json* s = object_member(m, "status")) {
        n.status = read_status(*s);
    } else if (const json* s2 = member(*section, "status")) {
        n.status = read_status(*s2);
    }
    n.stid = nonempty(text_member(m, "stid"));
    if (!n.stid) n.stid = nonempty(text_member(*section, "stid"));
    n.ctid = nonempty(text_member(m, "ctid"));
    if (!n.ctid) n.ctid = nonempty(text_member(*section, "ctid"));

    if (job) {
        n.kind = "job";
        if (auto text = nonempty(text_member(*job, "id"))) n.job_id = parse_message_id(*text);
        if (!n.job_id) {
            if (auto text = nonempty(text_member(*job, "job_id"))) {
                n.job_id = parse_message_id(*text);
            }
        }
        n.job_type = nonempty(text_member(*job, "type"));
        apply_task_code(n);
    } else {
        n.kind = "notify";
        n.type = nonempty(text_member(*notify, "type"));
        if (!n.type) {
            error = "notify message " + std::to_string(*n.id) + " without notify type";
            return false;
        }
    }

    std::string element_name;
    const json* element = embedded_object(*section, &element_name);
    if (const json* o = object_member(m, "object")) {
        if (auto t = text_member(*o, "type")) n.object.type = normalize_type(*t);
        n.object.value = nonempty(text_member(*o, "value"));
        if (const json* d = member(*o, "data")) n.data_json = dump(*d);
    }
    if (!n.object.type && !n.object.value && element) {
        n.object.type = element_name;
        for (std::size_t i = 0; i < kObjectValueChildrenCount && !n.object.value; ++i) {
            n.object.value = nonempty(text_member(*element, kObjectValueChildren[i]));
        }
    }
    if (n.data_json == "null" && element) n.data_json = dump(*element);

    if (const json* o = object_member(m, "owner")) {
        n.owner.user = nonempty(text_member(*o, "user"));
        if (auto c = text_member(*o, "context")) n.owner.context = parse_message_id(*c);
    }

    if (auto created = text_member(m, "created")) {
        n.created = normalize_time(*created);
        if (!n.created) {
            error = "message " + std::to_string(*n.id) + ": unreadable created time \"" + *created +
                    "\"";
            return false;
        }
    }

    std::optional<std::string> notice = text_member(m, "notice");
    if (!notice) notice = text_member(*section, "notice");
    if (!notice) notice = text_member(*section, "nic_response");
    if (!notice) notice = text_member(*section, "system_notify");
    if (notice) n.notice = normalize_notice(*notice);
    return true;
}

// {"notification": {"type": ..., "domain": ..., "timestamp": ...}} (seed 002).
ParseResult read_bare_notification(const json& b) {
    ParseResult r;
    Notification n;
    n.kind = "notify";
    n.type = nonempty(text_member(b, "type"));
    if (!n.type) {
        r.status = ParseStatus::malformed;
        r.error = "bare notification without type";
        return r;
    }
    if (auto id = text_member(b, "id")) {
        n.id = parse_message_id(*id);
        if (!n.id) {
            r.status = ParseStatus::malformed;
            r.error = "notification id \"" + *id + "\" is not an integer";
            return r;
        }
    }
    for (auto it = b.begin(); it != b.end(); ++it) {
        if (is_object_element_name(it.key()) && it->is_string()) {
            n.object.type = it.key();
            n.object.value = it->get<std::string>();
            break;
        }
    }
    if (auto ts = text_member(b, "timestamp")) {
        n.created = normalize_time(*ts);
        if (!n.created) {
            r.status = ParseStatus::malformed;
            r.error = "notification " + *n.type + ": unreadable timestamp \"" + *ts + "\"";
            return r;
        }
    }
    n.format = Format::json;
    r.status = ParseStatus::ok;
    r.notifications.push_back(std::move(n));
    return r;
}

ParseResult read_messages(const std::vector<const json*>& messages) {
    ParseResult r;
    for (const json* m : messages) {
        Notification n;
        n.format = Format::json;
        std::string error;
        if (!read_message(*m, n, error)) {
            r.status = ParseStatus::malformed;
            r.error = error;
            r.notifications.clear();
            return r;
        }
        r.notifications.push_back(std::move(n));
    }
    r.status = ParseStatus::ok;
    return r;
}

ParseResult read_top(const json& top) {
    std::vector<const json*> messages;
    if (top.is_array()) {
        for (const json& el : top) {
            const json* m = object_member(el, "message");
            if (!m) m = &el;
            if (is_message(*m)) messages.push_back(m);
        }
        if (messages.empty()) return not_notification("JSON array without notification messages");
        return read_messages(messages);
    }
    if (!top.is_object()) return not_notification("JSON value is not an object");
    if (const json* b = object_member(top, "notification")) return read_bare_notification(*b);
    if (status_is(top, "S0906")) {
        return not_notification("confirm reply (status S0906), not a notification");
    }
    if (const json* data = member(top, "data")) {
        // A success reply of another call (a job or certificate list: S0105, S400110, ...)
        // lists objects; only a poll reply (S0905) or a reply without a status carries
        // notification messages in data.
        if (const json* s = object_member(top, "status")) {
            const Status st = read_status(*s);
            const bool success = st.type ? *st.type == "success"
                                         : (st.code && !st.code->empty() && (*st.code)[0] == 'S');
            if (success && st.code && *st.code != "S0905") {
                const std::size_t count = data->is_array() ? data->size() : 1;
                return not_notification("reply (status " + *st.code + ") lists " +
                                        std::to_string(count) +
                                        " object(s): a call's answer, not a notification");
            }
        }
        if (data->is_array()) {
            for (const json& el : *data) {
                const json* m = object_member(el, "message");
                if (!m) m = &el;
                if (is_message(*m)) messages.push_back(m);
            }
        } else if (data->is_object()) {
            const json* m = object_member(*data, "message");
            if (!m) m = data;
            if (is_message(*m)) messages.push_back(m);
        }
        if (messages.empty()) {
            return not_notification("reply (status " + status_code_of(top) +
                                    ") without a notification message in data");
        }
        return read_messages(messages);
    }
    if (is_message(top)) return read_messages({&top});
    if (object_member(top, "status")) {
        return not_notification("status reply (status " + status_code_of(top) +
                                ") without a notification");
    }
    return not_notification("JSON object is neither a notification nor a poll reply");
}

std::string strip_exception_prefix(const std::string& what) {
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    const std::size_t colon = what.find(": ");
    return colon == std::string::npos ? what : what.substr(colon + 2);
}

}  // namespace

ParseResult parse_json_document(std::string_view doc, std::size_t base) {
    // JSON is UTF-8 (RFC 8259); bodies that are not are read as ISO-8859-1, the only other
    // charset AutoDNS mail uses. Both encodings keep ASCII offsets, so byte positions in error
    // messages stay right up to the first non-ASCII byte.
    std::string converted;
    if (!util::is_valid_utf8(doc)) {
        converted = util::latin1_to_utf8(doc);
        doc = converted;
    }
    json top;
    try {
        top = json::parse(doc.begin(), doc.end());
    } catch (const json::parse_error& e) {
        ParseResult r;
        r.status = ParseStatus::malformed;
        // The pre-scan has seen the whole value, so this is never a truncation.
        const std::size_t at = base + (e.byte > 0 ? e.byte - 1 : 0);
        r.error =
            "invalid JSON at byte " + std::to_string(at) + ": " + strip_exception_prefix(e.what());
        return r;
    } catch (const std::exception& e) {
        ParseResult r;
        r.status = ParseStatus::malformed;
        r.error = std::string("unreadable JSON: ") + e.what();
        return r;
    }
    try {
        return read_top(top);
    } catch (const std::exception& e) {  // type errors from unexpected shapes
        ParseResult r;
        r.status = ParseStatus::malformed;
        r.error = std::string("unexpected JSON structure: ") + e.what();
        return r;
    }
}

}  // namespace autodns
