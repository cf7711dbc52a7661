#include "parse/epp_parser.hpp"

#include <pugixml.hpp>

#include "parse/fields.hpp"
#include "parse/xml_tree.hpp"
#include "util/text.hpp"

namespace autodns {
namespace {

using xmltree::child;
using xmltree::child_text;
using xmltree::local_name;
using xmltree::prefix_of;

ParseResult outcome(ParseStatus status, std::string why) {
    ParseResult r;
    r.status = status;
    r.error = std::move(why);
    return r;
}

// The object type of a resData child: its namespace prefix ("domain:panData" -> "domain"),
// else the object name in its namespace URI ("urn:ietf:params:xml:ns:contact-1.0" -> "contact").
std::optional<std::string> object_type_of(const pugi::xml_node& e) {
    const std::string_view prefix = prefix_of(e.name());
    if (!prefix.empty()) return util::to_lower(prefix);
    const std::string_view uri = e.attribute("xmlns").value();
    const std::size_t ns = uri.rfind(":ns:");
    if (ns == std::string_view::npos) return std::nullopt;
    std::string_view rest = uri.substr(ns + 4);
    rest = rest.substr(0, rest.find('-'));
    if (rest.empty()) return std::nullopt;
    return util::to_lower(rest);
}

std::optional<std::string> object_value_of(const pugi::xml_node& e) {
    for (const char* name : {"name", "id", "roid"}) {
        if (auto v = child_text(e, name)) return v;
    }
    return std::nullopt;
}

}  // namespace

ParseResult parse_epp_document(const pugi::xml_node& epp) {
    const pugi::xml_node response = child(epp, "response");
    if (!response) {
        return outcome(ParseStatus::not_notification, "EPP document without <response>");
    }
    const pugi::xml_node msgq = child(response, "msgQ");
    const pugi::xml_node res_data = child(response, "resData");
    const pugi::xml_node msg = child(msgq, "msg");
    if (!msgq) {
        return outcome(ParseStatus::not_notification,
                       "EPP response without <msgQ>: not a poll message");
    }
    if (!res_data && !msg) {
        return outcome(ParseStatus::not_notification,
                       std::string("EPP response without a queued message (msgQ count=\"") +
                           msgq.attribute("count").value() +
                           "\", no resData): an ack reply, not a notification");
    }
    const std::string id_text(util::trim(msgq.attribute("id").value()));
    Notification n;
    n.id = parse_message_id(id_text);
    if (!n.id) {
        return outcome(ParseStatus::malformed,
                       id_text.empty() ? "EPP <msgQ> without id"
                                       : "EPP msgQ id \"" + id_text + "\" is not an integer");
    }
    n.kind = "job";
    n.format = Format::epp;
    if (auto q = child_text(msgq, "qDate")) {
        n.created = normalize_time(*q);
        if (!n.created) {
            return outcome(ParseStatus::malformed,
                           "EPP message " + id_text + ": unreadable qDate \"" + *q + "\"");
        }
    }
    if (msg) n.notice = normalize_notice(xmltree::text_of(msg));

    const pugi::xml_node pan = child(res_data, "panData");
    const pugi::xml_node inf = child(res_data, "infData");
    if (pan) {
        n.object.type = object_type_of(pan);
        const pugi::xml_node name = child(pan, "name");
        n.object.value = object_value_of(pan);
        if (!n.object.value) n.object.value = child_text(pan, "id");
        const std::string pa_result(
            util::trim((name ? name : child(pan, "id")).attribute("paResult").value()));
        if (pa_result == "1" || pa_result == "true") {
            n.status.type = "success";
        } else if (pa_result == "0" || pa_result == "false") {
            n.status.type = "error";
        }
        const pugi::xml_node trid = child(pan, "paTRID");
        n.stid = child_text(trid, "svTRID");
        n.ctid = child_text(trid, "clTRID");
    }
    if (inf) {
        if (!n.object.type) n.object.type = object_type_of(inf);
        if (!n.object.value) n.object.value = object_value_of(inf);
    }
    if (res_data) n.data_json = xmltree::element_to_json(res_data);

    ParseResult r;
    r.status = ParseStatus::ok;
    r.notifications.push_back(std::move(n));
    return r;
}

}  // namespace autodns
