#include "parse/epp_parser.hpp"

#include <pugixml.hpp>

#include "parse/fields.hpp"
#include "parse/scan.hpp"
#include "parse/sniff.hpp"
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

// The namespace URI an element's prefix is bound to, looked up through its ancestors; empty
// when the prefix is not declared (an AutoDNS documentation example uses domainrobot:
// without declaring it; pugixml reads such a document, and so do we).
std::string_view namespace_of(const pugi::xml_node& e) {
    const std::string_view prefix = prefix_of(e.name());
    const std::string attr = prefix.empty() ? "xmlns" : "xmlns:" + std::string(prefix);
    for (pugi::xml_node n = e; n; n = n.parent()) {
        if (const pugi::xml_attribute a = n.attribute(attr.c_str())) return a.value();
    }
    return {};
}

// The object type of a resData child: its namespace prefix ("domain:panData" -> "domain"),
// else the object name in its namespace URI ("urn:ietf:params:xml:ns:contact-1.0" -> "contact").
std::optional<std::string> object_type_of(const pugi::xml_node& e) {
    const std::string_view prefix = prefix_of(e.name());
    if (!prefix.empty()) return util::to_lower(prefix);
    const std::string_view uri = namespace_of(e);
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

// An element of the AutoDNS extension: prefix "domainrobot" or a urn:org:domainrobot URI.
bool is_domainrobot(const pugi::xml_node& e) {
    if (util::to_lower(prefix_of(e.name())) == "domainrobot") return true;
    return namespace_of(e).substr(0, 20) == "urn:org:domainrobot:";
}

// "S0104001" -> success, "E..." -> error, "N..." -> notify (AutoDNS status codes).
std::optional<std::string> status_type_of_code(std::string_view code) {
    if (code.empty()) return std::nullopt;
    switch (code[0]) {
        case 'S':
        case 's':
            return std::string("success");
        case 'E':
        case 'e':
            return std::string("error");
        case 'N':
        case 'n':
            return std::string("notify");
        default:
            return std::nullopt;
    }
}

// RFC 5731 §3.2.5 transfer status -> record status type.
std::optional<std::string> status_type_of_transfer(std::string_view tr_status) {
    const std::string s = util::to_lower(util::trim(tr_status));
    if (s == "clientapproved" || s == "serverapproved") return std::string("success");
    if (s == "clientrejected" || s == "serverrejected" || s == "clientcancelled" ||
        s == "servercancelled") {
        return std::string("error");
    }
    if (s == "pending") return std::string("notify");
    return std::nullopt;
}

// resData/domainrobot:miscData/domainrobot:message: code, text, argument[@type].
void read_misc_data(const pugi::xml_node& misc, Notification& n) {
    const pugi::xml_node message = child(misc, "message");
    if (!message) return;
    const std::string code(util::trim(message.attribute("code").value()));
    if (!code.empty()) {
        n.status.code = code;
        n.status.type = status_type_of_code(code);
    }
    if (auto text = child_text(message, "text")) n.status.text = normalize_notice(*text);
    const pugi::xml_node argument = child(message, "argument");
    if (argument) {
        n.object.type = normalize_type(argument.attribute("type").value());
        const std::string value(util::trim(xmltree::text_of(argument)));
        if (!value.empty()) n.object.value = value;
    }
}

// The first code, text, ctid and stid an AutoDNS extension element carries (code also as
// an attribute), in the element itself or its <message>. The response's own <trID> is never
// used: it echoes the poll command's clTRID (RFC 5730 §2.6).
void read_extension(const pugi::xml_node& extension, Notification& n) {
    for (const pugi::xml_node& e : extension.children()) {
        if (e.type() != pugi::node_element || !is_domainrobot(e)) continue;
        for (const pugi::xml_node& holder : {e, child(e, "message")}) {
            if (!holder) continue;
            if (!n.ctid) n.ctid = child_text(holder, "ctid");
            if (!n.stid) n.stid = child_text(holder, "stid");
            if (!n.status.code) {
                std::optional<std::string> code = child_text(holder, "code");
                const std::string attr(util::trim(holder.attribute("code").value()));
                if (!code && !attr.empty()) code = attr;
                if (code) {
                    n.status.code = code;
                    if (!n.status.type) n.status.type = status_type_of_code(*code);
                }
            }
            if (!n.status.text) {
                if (auto t = child_text(holder, "text")) n.status.text = normalize_notice(*t);
            }
        }
    }
}

// Object data of resData: panData, trnData, infData, creData... (any "*Data" child other
// than the AutoDNS miscData), most telling first.
pugi::xml_node object_data(const pugi::xml_node& res_data, std::string_view local) {
    for (const pugi::xml_node& c : res_data.children()) {
        if (c.type() == pugi::node_element && local_name(c.name()) == local && !is_domainrobot(c)) {
            return c;
        }
    }
    return {};
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

    if (const pugi::xml_node misc = child(res_data, "miscData"); misc && is_domainrobot(misc)) {
        read_misc_data(misc, n);
    }

    const pugi::xml_node pan = object_data(res_data, "panData");
    const pugi::xml_node trn = object_data(res_data, "trnData");
    if (pan) {
        if (!n.object.type) n.object.type = object_type_of(pan);
        if (!n.object.value) n.object.value = object_value_of(pan);
        const pugi::xml_node name = child(pan, "name");
        const std::string pa_result(
            util::trim((name ? name : child(pan, "id")).attribute("paResult").value()));
        if (!n.status.type) {
            if (pa_result == "1" || pa_result == "true") {
                n.status.type = "success";
            } else if (pa_result == "0" || pa_result == "false") {
                n.status.type = "error";
            }
        }
        const pugi::xml_node trid = child(pan, "paTRID");
        n.stid = child_text(trid, "svTRID");
        n.ctid = child_text(trid, "clTRID");
    }
    if (trn) {
        if (!n.object.type) n.object.type = object_type_of(trn);
        if (!n.object.value) n.object.value = object_value_of(trn);
        if (!n.status.type) {
            if (auto tr = child_text(trn, "trStatus")) n.status.type = status_type_of_transfer(*tr);
        }
    }
    for (const char* local : {"infData", "creData", "renData"}) {
        const pugi::xml_node d = object_data(res_data, local);
        if (!d) continue;
        if (!n.object.type) n.object.type = object_type_of(d);
        if (!n.object.value) n.object.value = object_value_of(d);
    }
    const pugi::xml_node extension = child(response, "extension");
    if (extension) read_extension(extension, n);
    apply_task_code(n);

    if (res_data) n.data_json = xmltree::element_to_json(res_data);
    if (extension) {
        const std::string ext = xmltree::element_to_json(extension);
        if (ext != "null") {
            if (n.data_json == "null" || n.data_json == "{}") {
                n.data_json = "{\"extension\":" + ext + "}";
            } else if (n.data_json.size() >= 2 && n.data_json.front() == '{') {
                n.data_json.insert(n.data_json.size() - 1, ",\"extension\":" + ext);
            }
        }
    }

    ParseResult r;
    r.status = ParseStatus::ok;
    r.notifications.push_back(std::move(n));
    return r;
}

util::Expected<EppFrame> inspect_epp_frame(std::string_view xml) {
    EppFrame f;
    const Sniffed sniffed = sniff_payload(xml);
    if (sniffed.kind != SniffKind::xml || sniffed.embedded || sniffed.missing_lt) {
        return util::Failure{"not an XML document"};
    }
    const ScanResult scan = scan_xml(xml, sniffed.begin);
    if (scan.status != ScanStatus::complete) {
        return util::Failure{scan.error.empty() ? "incomplete XML document" : scan.error};
    }
    if (scan.entity_declarations) {
        return util::Failure{"XML with entity declarations"};
    }
    try {
        pugi::xml_document doc;
        const std::string_view body = xml.substr(sniffed.begin, scan.end - sniffed.begin);
        const pugi::xml_parse_result parsed =
            doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
        if (!parsed) {
            return util::Failure{std::string("invalid XML: ") + parsed.description()};
        }
        const pugi::xml_node epp = doc.document_element();
        if (local_name(epp.name()) != "epp") {
            return util::Failure{std::string("root element <") + epp.name() + "> is not <epp>"};
        }
        if (const pugi::xml_node g = child(epp, "greeting")) {
            f.greeting = true;
            const pugi::xml_node menu = child(g, "svcMenu");
            for (const pugi::xml_node& c : menu.children()) {
                if (c.type() != pugi::node_element) continue;
                if (local_name(c.name()) == "objURI") {
                    f.obj_uris.emplace_back(util::trim(xmltree::text_of(c)));
                } else if (local_name(c.name()) == "svcExtension") {
                    for (const pugi::xml_node& e : c.children()) {
                        if (e.type() == pugi::node_element && local_name(e.name()) == "extURI") {
                            f.ext_uris.emplace_back(util::trim(xmltree::text_of(e)));
                        }
                    }
                }
            }
            return f;
        }
        const pugi::xml_node response = child(epp, "response");
        if (!response) {
            return util::Failure{"<epp> without <greeting> or <response>"};
        }
        const pugi::xml_node result = child(response, "result");
        const std::string code(util::trim(result.attribute("code").value()));
        if (code.size() != 4 || !util::all_digits(code)) {
            return util::Failure{"EPP response without a result code"};
        }
        f.result_code = std::stoi(code);
        if (auto m = child_text(result, "msg")) f.result_text = *m;
        if (const pugi::xml_node q = child(response, "msgQ")) {
            f.msgq_id_text = std::string(util::trim(q.attribute("id").value()));
            f.msgq_id = parse_message_id(f.msgq_id_text);
            f.msgq_count = parse_message_id(q.attribute("count").value());
        }
    } catch (const std::exception& e) {
        return util::Failure{std::string("EPP frame could not be read: ") + e.what()};
    }
    return f;
}

}  // namespace autodns
