// XML notifications (poll replies, push bodies, bare event notifications) and the dispatch
// to EPP. With epp_parser.cpp and xml_tree.cpp the only users of pugixml.
#include <pugixml.hpp>

#include <string>
#include <vector>

#include "parse/epp_parser.hpp"
#include "parse/fields.hpp"
#include "parse/formats.hpp"
#include "parse/xml_tree.hpp"
#include "util/text.hpp"

namespace autodns {
namespace {

using xmltree::child;
using xmltree::child_text;
using xmltree::local_name;

Status read_status(const pugi::xml_node& s) {
    Status st;
    st.code = child_text(s, "code");
    st.text = child_text(s, "text");
    if (auto t = child_text(s, "type")) st.type = normalize_type(*t);
    return st;
}

// The element that carries the object (<domain>, <handle>, ...): the one named like the
// object type when known, else the first object element; looked for in `section/object`
// first, then in `section`.
pugi::xml_node object_element(const pugi::xml_node& section,
                              const std::optional<std::string>& type) {
    for (const pugi::xml_node& parent : {child(section, "object"), section}) {
        if (!parent) continue;
        if (type && is_object_element_name(*type)) {
            if (pugi::xml_node e = child(parent, *type)) return e;
        }
        for (const pugi::xml_node& c : parent.children()) {
            if (c.type() == pugi::node_element && is_object_element_name(local_name(c.name()))) {
                return c;
            }
        }
    }
    return {};
}

std::optional<std::string> object_value_of(const pugi::xml_node& e) {
    bool has_elements = false;
    for (const pugi::xml_node& c : e.children()) {
        if (c.type() == pugi::node_element) has_elements = true;
    }
    if (!has_elements) {
        const std::string text(util::trim(xmltree::text_of(e)));
        if (text.empty()) return std::nullopt;
        return text;
    }
    for (std::size_t i = 0; i < kObjectValueChildrenCount; ++i) {
        if (auto v = child_text(e, kObjectValueChildren[i])) return v;
    }
    return std::nullopt;
}

std::optional<std::string> notice_of(const pugi::xml_node& section) {
    for (const char* name : {"nic_response", "system_notify", "notice"}) {
        if (const pugi::xml_node c = child(section, name)) {
            if (auto n = normalize_notice(xmltree::text_of(c))) return n;
        }
    }
    return std::nullopt;
}

enum class MessageOutcome { notification, not_a_notification, broken };

// One <message>: a poll-reply message (id, owner, job | notify, created) or a push body
// (<type> and the object element directly in <message>, no <notify> wrapper).
MessageOutcome read_message(const pugi::xml_node& m, Notification& n, std::string& error) {
    pugi::xml_node section;
    if (const pugi::xml_node job = child(m, "job")) {
        n.kind = "job";
        section = job;
    } else if (const pugi::xml_node notify = child(m, "notify")) {
        n.kind = "notify";
        section = notify;
    } else if (child(m, "type")) {
        n.kind = "notify";
        section = m;
    } else {
        return MessageOutcome::not_a_notification;
    }

    const auto id_text = child_text(m, "id");
    if (!id_text) {
        error = "<message> without <id>";
        return MessageOutcome::broken;
    }
    n.id = parse_message_id(*id_text);
    if (!n.id) {
        error = "message id \"" + *id_text + "\" is not an integer";
        return MessageOutcome::broken;
    }

    if (const pugi::xml_node s = child(section, "status")) n.status = read_status(s);
    n.stid = child_text(section, "stid");
    if (!n.stid) n.stid = child_text(m, "stid");
    n.ctid = child_text(section, "ctid");
    if (!n.ctid) n.ctid = child_text(m, "ctid");
    n.notice = notice_of(section);
    if (!n.notice && section != m) n.notice = notice_of(m);

    if (n.kind == "job") {
        if (auto text = child_text(section, "job_id")) n.job_id = parse_message_id(*text);
        if (!n.job_id) {
            if (auto text = child_text(section, "id")) n.job_id = parse_message_id(*text);
        }
        n.job_type = child_text(section, "type");
        apply_task_code(n);
    } else {
        n.type = child_text(section, "type");
        if (!n.type) {
            error = "notify message " + std::to_string(*n.id) + " without <type>";
            return MessageOutcome::broken;
        }
    }

    pugi::xml_node ref = child(child(section, "status"), "object");
    if (!ref) ref = child(section, "object");
    if (ref) {
        if (auto t = child_text(ref, "type")) n.object.type = normalize_type(*t);
        n.object.value = child_text(ref, "value");
    }
    const pugi::xml_node element = object_element(section, n.object.type);
    if (element) {
        if (!n.object.type && !n.object.value) {
            n.object.type = std::string(local_name(element.name()));
            n.object.value = object_value_of(element);
        }
        n.data_json = xmltree::element_to_json(element);
    }

    if (const pugi::xml_node o = child(m, "owner")) {
        n.owner.user = child_text(o, "user");
        if (auto c = child_text(o, "context")) n.owner.context = parse_message_id(*c);
    }

    auto created = child_text(m, "created");
    if (!created && section != m) created = child_text(section, "created");
    if (created) {
        n.created = normalize_time(*created);
        if (!n.created) {
            error = "message " + std::to_string(*n.id) + ": unreadable created time \"" + *created +
                    "\"";
            return MessageOutcome::broken;
        }
    }
    return MessageOutcome::notification;
}

ParseResult read_messages(const std::vector<pugi::xml_node>& messages, const std::string& context) {
    ParseResult r;
    for (const pugi::xml_node& m : messages) {
        Notification n;
        n.format = Format::xml;
        std::string error;
        switch (read_message(m, n, error)) {
            case MessageOutcome::notification:
                r.notifications.push_back(std::move(n));
                break;
            case MessageOutcome::not_a_notification:
                break;
            case MessageOutcome::broken:
                return malformed(error);
        }
    }
    if (r.notifications.empty()) {
        return not_notification(context +
                                " without a notification message (no <job>, <notify> or <type>)");
    }
    r.status = ParseStatus::ok;
    return r;
}

// <notification><type>zone_deleted</type><zone>example.com</zone><timestamp>... (seed 002).
ParseResult read_bare_notification(const pugi::xml_node& b) {
    Notification n;
    n.kind = "notify";
    n.format = Format::xml;
    n.type = child_text(b, "type");
    if (!n.type) return malformed("<notification> without <type>");
    if (auto id = child_text(b, "id")) {
        n.id = parse_message_id(*id);
        if (!n.id) return malformed("notification id \"" + *id + "\" is not an integer");
    }
    for (const pugi::xml_node& c : b.children()) {
        if (c.type() == pugi::node_element && is_object_element_name(local_name(c.name()))) {
            n.object.type = std::string(local_name(c.name()));
            n.object.value = object_value_of(c);
            break;
        }
    }
    if (auto ts = child_text(b, "timestamp")) {
        n.created = normalize_time(*ts);
        if (!n.created) return malformed("notification: unreadable timestamp \"" + *ts + "\"");
    }
    ParseResult r;
    r.status = ParseStatus::ok;
    r.notifications.push_back(std::move(n));
    return r;
}

ParseResult read_response(const pugi::xml_node& response) {
    const pugi::xml_node result = child(response, "result");
    const Status call = read_status(child(result, "status"));
    if (call.code && *call.code == "S0906") {
        return not_notification("confirm reply (status S0906), not a notification");
    }
    const bool success = call.type ? *call.type == "success"
                                   : (call.code && !call.code->empty() && (*call.code)[0] == 'S');
    if (success && call.code && *call.code != "S0905") {
        // A success reply of another call (a job or certificate list) lists objects.
        return not_notification("<response> (status " + *call.code +
                                ") of another call than 0905: a call's answer, not a "
                                "notification");
    }
    std::vector<pugi::xml_node> messages;
    for (const pugi::xml_node& c : child(result, "data").children()) {
        if (c.type() == pugi::node_element && local_name(c.name()) == "message")
            messages.push_back(c);
    }
    return read_messages(messages, "<response> (status " + call.code.value_or("none") + ")");
}

// The pre-scan has seen the whole document, so a parser error is never a truncation.
std::string describe(const pugi::xml_parse_result& result, std::size_t base) {
    const std::size_t at = base + static_cast<std::size_t>(result.offset);
    return "invalid XML at byte " + std::to_string(at) + ": " + result.description();
}

}  // namespace

ParseResult parse_xml_document(std::string_view doc, std::size_t base) {
    pugi::xml_document document;
    // Bytes that are valid UTF-8 are read as UTF-8 whatever the declaration says (the mail
    // layer has already converted text parts); anything else follows the declaration/BOM.
    const pugi::xml_encoding encoding =
        util::is_valid_utf8(doc) ? pugi::encoding_utf8 : pugi::encoding_auto;
    const unsigned options = pugi::parse_default | pugi::parse_comments;  // no DOCTYPE, no DTD
    const pugi::xml_parse_result parsed =
        document.load_buffer(doc.data(), doc.size(), options, encoding);
    if (!parsed) return malformed(describe(parsed, base));
    const pugi::xml_node root = document.document_element();
    if (!root) return malformed("XML document without a root element");
    const std::string_view name = local_name(root.name());
    try {
        if (name == "epp") return parse_epp_document(root);
        if (name == "response") return read_response(root);
        if (name == "message") return read_messages({root}, "<message>");
        if (name == "notification") return read_bare_notification(root);
    } catch (const std::exception& e) {  // allocation failures inside pugixml / nlohmann
        return malformed(std::string("XML could not be read: ") + e.what());
    }
    return not_notification("XML root <" + std::string(root.name()) + "> is not a notification");
}

}  // namespace autodns
