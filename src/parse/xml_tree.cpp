#include "parse/xml_tree.hpp"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>

#include "util/text.hpp"

namespace autodns::xmltree {
namespace {

using nlohmann::json;

// Only repetition makes arrays, so an array value under a key always means "repeated".
// Depth is bounded by the pre-scan (scan_xml), so the recursion is safe.
json to_json(const pugi::xml_node& e) {
    json obj = json::object();
    for (const pugi::xml_attribute& a : e.attributes()) {
        const std::string_view name = a.name();
        if (name == "xmlns" || name.substr(0, 6) == "xmlns:") continue;
        obj["@" + std::string(local_name(name))] = a.value();
    }
    bool has_elements = false;
    for (const pugi::xml_node& c : e.children()) {
        if (c.type() != pugi::node_element) continue;
        has_elements = true;
        const std::string key(local_name(c.name()));
        json value = to_json(c);
        auto it = obj.find(key);
        if (it == obj.end()) {
            obj[key] = std::move(value);
        } else if (it->is_array()) {
            it->push_back(std::move(value));
        } else {
            json pair = json::array();
            pair.push_back(std::move(*it));
            pair.push_back(std::move(value));
            *it = std::move(pair);
        }
    }
    const std::string raw = text_of(e);
    const std::string text(util::is_blank(raw) ? std::string_view{} : util::trim(raw));
    if (!has_elements && obj.empty()) {
        return text.empty() ? json(nullptr) : json(text);
    }
    if (!text.empty()) obj["#text"] = text;
    return obj;
}

}  // namespace

std::string_view local_name(std::string_view qualified) {
    const std::size_t colon = qualified.rfind(':');
    return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

std::string_view prefix_of(std::string_view qualified) {
    const std::size_t colon = qualified.rfind(':');
    return colon == std::string_view::npos ? std::string_view{} : qualified.substr(0, colon);
}

pugi::xml_node child(const pugi::xml_node& parent, std::string_view local) {
    for (const pugi::xml_node& c : parent.children()) {
        if (c.type() == pugi::node_element && local_name(c.name()) == local) return c;
    }
    return {};
}

std::string text_of(const pugi::xml_node& element) {
    std::string text;
    for (const pugi::xml_node& c : element.children()) {
        if (c.type() == pugi::node_pcdata || c.type() == pugi::node_cdata) text += c.value();
    }
    if (!util::is_blank(text)) return text;
    text.clear();
    for (const pugi::xml_node& c : element.children()) {
        if (c.type() != pugi::node_comment) continue;
        const std::string_view v = util::trim(c.value());
        if (v.size() >= 9 && v.substr(0, 7) == "[CDATA[" && v.substr(v.size() - 2) == "]]") {
            text += v.substr(7, v.size() - 9);
        }
    }
    return text;
}

std::optional<std::string> child_text(const pugi::xml_node& parent, std::string_view local) {
    const pugi::xml_node c = child(parent, local);
    if (!c) return std::nullopt;
    const std::string raw = text_of(c);
    if (util::is_blank(raw)) return std::nullopt;
    const std::string text(util::trim(raw));
    return text;
}

std::string element_to_json(const pugi::xml_node& element) {
    return to_json(element).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace autodns::xmltree
