#include "parse/scan.hpp"

#include <vector>

namespace autodns {
namespace {

bool is_xml_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool is_name_char(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '-' || c == '.';
}

ScanResult failure(ScanStatus status, std::size_t offset, std::string error) {
    ScanResult r;
    r.status = status;
    r.error_offset = offset;
    r.error = std::move(error);
    return r;
}

}  // namespace

ScanResult scan_json(std::string_view text, std::size_t begin, std::size_t max_depth) {
    if (begin >= text.size() || (text[begin] != '{' && text[begin] != '[')) {
        return failure(ScanStatus::invalid, begin, "expected '{' or '['");
    }
    std::vector<char> open;  // expected closers; bounded by max_depth
    bool in_string = false;
    for (std::size_t i = begin; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;  // skip the escaped character (truncation is caught below)
            } else if (c == '"') {
                in_string = false;
            }
            continue;
        }
        switch (c) {
            case '"':
                in_string = true;
                break;
            case '{':
            case '[':
                if (open.size() >= max_depth) {
                    return failure(ScanStatus::too_deep, i,
                                   "JSON nested deeper than " + std::to_string(max_depth) +
                                       " levels at byte " + std::to_string(i));
                }
                open.push_back(c == '{' ? '}' : ']');
                break;
            case '}':
            case ']':
                if (open.empty() || open.back() != c) {
                    return failure(
                        ScanStatus::invalid, i,
                        std::string("unbalanced '") + c + "' at byte " + std::to_string(i));
                }
                open.pop_back();
                if (open.empty()) {
                    ScanResult r;
                    r.status = ScanStatus::complete;
                    r.end = i + 1;
                    return r;
                }
                break;
            default:
                break;
        }
    }
    return failure(ScanStatus::truncated, text.size(),
                   in_string
                       ? "input ends inside a string"
                       : "input ends with " + std::to_string(open.size()) + " unclosed bracket(s)");
}

ScanResult scan_xml(std::string_view text, std::size_t begin, std::size_t max_depth) {
    std::vector<std::string_view> open;  // element names; bounded by max_depth
    ScanResult result;
    bool root_seen = false;
    std::size_t i = begin;
    const auto truncated = [&](const std::string& inside) {
        std::string what = "input ends " + inside;
        if (!open.empty()) what += " with <" + std::string(open.back()) + "> not closed";
        ScanResult r = failure(ScanStatus::truncated, text.size(), what);
        r.root = result.root;
        return r;
    };
    while (i < text.size()) {
        if (text[i] != '<') {
            if (open.empty() && !is_xml_space(text[i])) {
                return failure(ScanStatus::invalid, i,
                               "text outside the root element at byte " + std::to_string(i));
            }
            const std::size_t next = text.find('<', i);
            if (next == std::string_view::npos) break;
            i = next;
            continue;
        }
        const std::string_view rest = text.substr(i);
        if (rest.substr(0, 4) == "<!--") {
            const std::size_t e = text.find("-->", i + 4);
            if (e == std::string_view::npos) return truncated("inside a comment");
            i = e + 3;
        } else if (rest.substr(0, 9) == "<![CDATA[") {
            const std::size_t e = text.find("]]>", i + 9);
            if (e == std::string_view::npos) return truncated("inside a CDATA section");
            i = e + 3;
        } else if (rest.substr(0, 2) == "<?") {
            const std::size_t e = text.find("?>", i + 2);
            if (e == std::string_view::npos) return truncated("inside a processing instruction");
            i = e + 2;
        } else if (rest.substr(0, 2) == "<!") {
            // DOCTYPE (possibly with an internal subset in [...]) or another declaration.
            std::size_t j = i + 2;
            int bracket = 0;
            char quote = 0;
            for (; j < text.size(); ++j) {
                const char c = text[j];
                if (quote) {
                    if (c == quote) quote = 0;
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if (c == '[') {
                    ++bracket;
                } else if (c == ']') {
                    --bracket;
                } else if (c == '>' && bracket <= 0) {
                    break;
                }
            }
            if (j >= text.size()) return truncated("inside a declaration");
            if (text.substr(i, j - i).find("<!ENTITY") != std::string_view::npos) {
                result.entity_declarations = true;
            }
            i = j + 1;
        } else if (rest.substr(0, 2) == "</") {
            std::size_t j = i + 2;
            while (j < text.size() && is_name_char(text[j])) ++j;
            const std::string_view name = text.substr(i + 2, j - i - 2);
            while (j < text.size() && is_xml_space(text[j])) ++j;
            if (j >= text.size()) return truncated("inside an end tag");
            if (text[j] != '>' || name.empty()) {
                return failure(ScanStatus::invalid, i,
                               "malformed end tag at byte " + std::to_string(i));
            }
            if (open.empty() || open.back() != name) {
                return failure(
                    ScanStatus::invalid, i,
                    "end tag </" + std::string(name) + "> at byte " + std::to_string(i) +
                        (open.empty() ? std::string(" without a start tag")
                                      : " does not close <" + std::string(open.back()) + ">"));
            }
            open.pop_back();
            i = j + 1;
            if (open.empty()) {
                result.status = ScanStatus::complete;
                result.end = i;
                return result;
            }
        } else {
            std::size_t j = i + 1;
            while (j < text.size() && is_name_char(text[j])) ++j;
            const std::string_view name = text.substr(i + 1, j - i - 1);
            if (name.empty()) {
                std::size_t k = j;
                while (k < text.size() && is_xml_space(text[k])) ++k;
                if (k >= text.size()) return truncated("inside a start tag");
                return failure(ScanStatus::invalid, i,
                               "'<' not followed by a name at byte " + std::to_string(i));
            }
            if (open.empty() && root_seen) {
                return failure(ScanStatus::invalid, i,
                               "second root element at byte " + std::to_string(i));
            }
            // Attributes: skip to the closing '>' outside quotes.
            char quote = 0;
            for (; j < text.size(); ++j) {
                const char c = text[j];
                if (quote) {
                    if (c == quote) quote = 0;
                } else if (c == '"' || c == '\'') {
                    quote = c;
                } else if (c == '>') {
                    break;
                }
            }
            if (j >= text.size())
                return truncated("inside the start tag <" + std::string(name) + ">");
            const bool self_closing = text[j - 1] == '/';
            if (!root_seen) {
                root_seen = true;
                result.root = std::string(name);
            }
            if (!self_closing) {
                if (open.size() >= max_depth) {
                    return failure(ScanStatus::too_deep, i,
                                   "XML nested deeper than " + std::to_string(max_depth) +
                                       " levels at byte " + std::to_string(i));
                }
                open.push_back(name);
            }
            i = j + 1;
            if (self_closing && open.empty()) {
                result.status = ScanStatus::complete;
                result.end = i;
                return result;
            }
        }
    }
    if (!root_seen) return failure(ScanStatus::invalid, text.size(), "no root element");
    return truncated("inside element content");
}

}  // namespace autodns
