// Poll and confirm replies: the call's status, the queue length and the message ids.
#include "parse/poll_reply.hpp"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include <charconv>

#include "parse/json_members.hpp"
#include "parse/scan.hpp"
#include "parse/sniff.hpp"
#include "parse/xml_tree.hpp"
#include "util/text.hpp"

namespace autodns {
namespace {

using json_members::member;
using json_members::text_member;
using nlohmann::json;

std::optional<std::int64_t> to_int(std::string_view s) {
    s = util::trim(s);
    std::int64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return v;
}

std::optional<std::int64_t> int_member(const json& j, const char* key) {
    const json* m = member(j, key);
    if (!m) return std::nullopt;
    if (m->is_number_integer()) return m->get<std::int64_t>();
    if (m->is_string()) return to_int(m->get<std::string>());
    return std::nullopt;
}

void read_json(std::string_view doc, PollReply& reply) {
    const json j = json::parse(doc.begin(), doc.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
        reply.error = "not a JSON object";
        return;
    }
    reply.readable = true;
    if (const json* s = member(j, "status"); s && s->is_object()) {
        if (auto t = text_member(*s, "type")) reply.status_type = util::to_lower(*t);
        reply.status_code = text_member(*s, "code");
        if (!reply.status_code) reply.status_code = text_member(*s, "resultCode");
        reply.status_text = text_member(*s, "text");
    }
    if (const json* o = member(j, "object")) reply.summary = int_member(*o, "summary");
    const json* data = member(j, "data");
    if (!data || !data->is_array()) return;
    for (const json& entry : *data) {
        if (!entry.is_object()) continue;
        if (!reply.summary) reply.summary = int_member(entry, "summary");
        // Shape 1: data[].message{id, ...}; shape 2: data[].{id, notify|job, ...}.
        const json* message = member(entry, "message");
        const json& m = (message && message->is_object()) ? *message : entry;
        if (!message && !member(entry, "id") && !member(entry, "notify") && !member(entry, "job") &&
            !member(entry, "object")) {
            continue;  // a summary-only entry
        }
        ++reply.message_count;
        if (auto id = int_member(m, "id")) reply.ids.push_back(*id);
    }
}

void read_xml(std::string_view doc, PollReply& reply) {
    pugi::xml_document document;
    const pugi::xml_parse_result parsed =
        document.load_buffer(doc.data(), doc.size(), pugi::parse_default, pugi::encoding_auto);
    if (!parsed) {
        reply.error = std::string("invalid XML: ") + parsed.description();
        return;
    }
    const pugi::xml_node root = document.document_element();
    if (xmltree::local_name(root.name()) != "response") {
        reply.error = std::string("XML root is <") + root.name() + ">, not <response>";
        return;
    }
    reply.readable = true;
    const pugi::xml_node result = xmltree::child(root, "result");
    if (const pugi::xml_node status = xmltree::child(result, "status")) {
        if (auto t = xmltree::child_text(status, "type")) reply.status_type = util::to_lower(*t);
        reply.status_code = xmltree::child_text(status, "code");
        reply.status_text = xmltree::child_text(status, "text");
    }
    const pugi::xml_node data = xmltree::child(result, "data");
    if (auto s = xmltree::child_text(data, "summary")) reply.summary = to_int(*s);
    for (pugi::xml_node m = data.first_child(); m; m = m.next_sibling()) {
        if (m.type() != pugi::node_element || xmltree::local_name(m.name()) != "message") continue;
        // A 0906 reply echoes <message><id/></message> with nothing else: not a message.
        bool only_id = true;
        for (pugi::xml_node c = m.first_child(); c; c = c.next_sibling()) {
            if (c.type() == pugi::node_element && xmltree::local_name(c.name()) != "id") {
                only_id = false;
            }
        }
        if (only_id && reply.status_code && *reply.status_code == "S0906") continue;
        ++reply.message_count;
        if (auto id = xmltree::child_text(m, "id")) {
            if (auto v = to_int(*id)) reply.ids.push_back(*v);
        }
    }
}

}  // namespace

bool PollReply::succeeded() const {
    if (status_type) return *status_type == "success";
    return status_code && !status_code->empty() && (*status_code)[0] == 'S';
}

PollReply inspect_poll_reply(std::string_view body) {
    PollReply reply;
    const Sniffed sniffed = sniff_payload(body);
    if (sniffed.kind != SniffKind::json && sniffed.kind != SniffKind::xml) {
        reply.error = sniffed.reason.empty() ? "neither JSON nor XML" : sniffed.reason;
        return reply;
    }
    if (sniffed.embedded || sniffed.missing_lt) {
        reply.error = "the reply does not start with a JSON or XML document";
        return reply;
    }
    const bool is_json = sniffed.kind == SniffKind::json;
    reply.format = is_json ? "json" : "xml";
    const ScanResult scan =
        is_json ? scan_json(body, sniffed.begin) : scan_xml(body, sniffed.begin);
    if (scan.status != ScanStatus::complete) {
        reply.error = scan.error.empty() ? "incomplete document" : scan.error;
        return reply;
    }
    if (scan.entity_declarations) {
        reply.error = "XML with entity declarations";
        return reply;
    }
    const std::string_view doc = body.substr(sniffed.begin, scan.end - sniffed.begin);
    try {
        if (is_json) {
            read_json(doc, reply);
        } else {
            read_xml(doc, reply);
        }
    } catch (const std::exception& e) {
        reply = PollReply{};
        reply.error = std::string("reply could not be read: ") + e.what();
    }
    return reply;
}

}  // namespace autodns
