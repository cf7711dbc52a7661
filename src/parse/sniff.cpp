#include "parse/sniff.hpp"

#include <array>
#include <utility>

#include "util/text.hpp"

namespace autodns {
namespace {

constexpr std::size_t kBinarySample = 64 * 1024;
constexpr std::array<std::string_view, 4> kRootNames = {"response", "message", "notification",
                                                        "epp"};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

// True when text[pos..] is "<name" followed by '>', '/', or whitespace.
bool tag_at(std::string_view text, std::size_t pos, std::string_view name) {
    if (text.compare(pos + 1, name.size(), name) != 0) return false;
    const std::size_t after = pos + 1 + name.size();
    if (after >= text.size()) return false;
    const char c = text[after];
    return c == '>' || c == '/' || is_space(c);
}

std::size_t find_embedded_xml(std::string_view text, std::size_t from) {
    for (std::size_t pos = text.find('<', from); pos != std::string_view::npos;
         pos = text.find('<', pos + 1)) {
        if (text.compare(pos, 6, "<?xml ") == 0) return pos;
        for (std::string_view name : kRootNames) {
            if (tag_at(text, pos, name)) return pos;
        }
    }
    return std::string_view::npos;
}

std::size_t find_embedded_json(std::string_view text, std::size_t from) {
    for (std::size_t pos = text.find('{', from); pos != std::string_view::npos;
         pos = text.find('{', pos + 1)) {
        std::size_t next = pos + 1;
        while (next < text.size() && is_space(text[next])) ++next;
        if (next < text.size() && text[next] == '"') return pos;
    }
    return std::string_view::npos;
}

}  // namespace

std::optional<std::string> binary_evidence(std::string_view text) {
    const std::string_view sample = text.substr(0, kBinarySample);
    std::size_t control = 0;
    for (std::size_t i = 0; i < sample.size(); ++i) {
        const auto c = static_cast<unsigned char>(sample[i]);
        if (c == 0) return "binary content (NUL byte at offset " + std::to_string(i) + ")";
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') || c == 0x7f) {
            ++control;
        }
    }
    if (!sample.empty() && control * 50 > sample.size()) {
        return "binary content (" + std::to_string(control) + " control characters in the first " +
               std::to_string(sample.size()) + " bytes)";
    }
    return std::nullopt;
}

Sniffed sniff_payload(std::string_view text) {
    Sniffed s;
    const std::string_view body = util::strip_utf8_bom(text);
    std::size_t pos = text.size() - body.size();
    if (auto binary = binary_evidence(body)) {
        s.kind = SniffKind::binary;
        s.reason = std::move(*binary);
        return s;
    }
    pos += util::blank_run(text, pos);
    if (pos == text.size()) {
        s.reason = "empty payload";
        return s;
    }
    const char first = text[pos];
    if (first == '{' || first == '[') {
        s.kind = SniffKind::json;
        s.begin = pos;
        return s;
    }
    if (first == '<') {
        s.kind = SniffKind::xml;
        s.begin = pos;
        return s;
    }
    for (std::string_view name : kRootNames) {
        if (text.compare(pos, name.size(), name) == 0 && pos + name.size() < text.size() &&
            text[pos + name.size()] == '>' &&
            text.find("</" + std::string(name) + ">", pos) != std::string_view::npos) {
            s.kind = SniffKind::xml;
            s.begin = pos;
            s.missing_lt = true;
            return s;
        }
    }
    const std::size_t xml_at = find_embedded_xml(text, pos);
    const std::size_t json_at = find_embedded_json(text, pos);
    if (xml_at == std::string_view::npos && json_at == std::string_view::npos) {
        s.reason =
            "no JSON or XML notification in " + std::to_string(text.size()) + " bytes of text";
        return s;
    }
    s.embedded = true;
    if (xml_at <= json_at) {
        s.kind = SniffKind::xml;
        s.begin = xml_at;
    } else {
        s.kind = SniffKind::json;
        s.begin = json_at;
    }
    return s;
}

}  // namespace autodns
