#include "mail/body_text.hpp"

#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "util/charset.hpp"

namespace autodns {
namespace {

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_alnum(char c) {
    return is_alpha(c) || (c >= '0' && c <= '9');
}
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f';
}

void append_utf8(std::string& out, std::uint32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

struct Entity {
    const char* name;
    std::uint32_t cp;
};

// &nbsp; becomes a plain space: the text is for parsers, not for layout.
const Entity kEntities[] = {
    {"amp", '&'},      {"lt", '<'},        {"gt", '>'},       {"quot", '"'},     {"apos", '\''},
    {"nbsp", ' '},     {"auml", 0xE4},     {"ouml", 0xF6},    {"uuml", 0xFC},    {"Auml", 0xC4},
    {"Ouml", 0xD6},    {"Uuml", 0xDC},     {"szlig", 0xDF},   {"eacute", 0xE9},  {"egrave", 0xE8},
    {"ecirc", 0xEA},   {"agrave", 0xE0},   {"aacute", 0xE1},  {"acirc", 0xE2},   {"ccedil", 0xE7},
    {"iuml", 0xEF},    {"euml", 0xEB},     {"oacute", 0xF3},  {"uacute", 0xFA},  {"Eacute", 0xC9},
    {"copy", 0xA9},    {"reg", 0xAE},      {"laquo", 0xAB},   {"raquo", 0xBB},   {"bdquo", 0x201E},
    {"ldquo", 0x201C}, {"rdquo", 0x201D},  {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"ndash", 0x2013},
    {"mdash", 0x2014}, {"hellip", 0x2026}, {"bull", 0x2022},  {"euro", 0x20AC},  {"deg", 0xB0},
    {"sect", 0xA7},    {"middot", 0xB7},   {"times", 0xD7},
};

// Decodes a character reference at html[i] == '&'; on success appends it and returns the
// index after ';', else returns i.
std::size_t decode_reference(std::string_view html, std::size_t i, std::string& out) {
    std::size_t semi = html.substr(0, i + 14).find(';', i + 1);  // references are short
    if (semi == std::string_view::npos || semi == i + 1) return i;
    std::string_view name = html.substr(i + 1, semi - i - 1);
    if (name[0] == '#') {
        std::uint32_t cp = 0;
        bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
        std::size_t k = hex ? 2 : 1;
        if (k >= name.size()) return i;
        for (; k < name.size(); ++k) {
            char c = name[k];
            int d = -1;
            if (c >= '0' && c <= '9')
                d = c - '0';
            else if (hex && c >= 'a' && c <= 'f')
                d = c - 'a' + 10;
            else if (hex && c >= 'A' && c <= 'F')
                d = c - 'A' + 10;
            if (d < 0) return i;
            cp = cp * (hex ? 16 : 10) + static_cast<std::uint32_t>(d);
            if (cp > 0x10FFFF) cp = 0x110000;  // stays invalid, no overflow
        }
        append_utf8(out, cp);
        return semi + 1;
    }
    for (const Entity& e : kEntities) {
        if (name == e.name) {
            append_utf8(out, e.cp);
            return semi + 1;
        }
    }
    return i;
}

// Index of the '>' that ends the tag starting at html[i] == '<' (quotes respected), or npos.
std::size_t tag_end(std::string_view html, std::size_t i) {
    char quote = 0;
    for (std::size_t k = i + 1; k < html.size(); ++k) {
        char c = html[k];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            // Quotes only open inside an attribute value ("a='x>y'"), not in stray text.
            if (html[k - 1] == '=' || is_space(html[k - 1])) quote = c;
        } else if (c == '>') {
            return k;
        }
    }
    return std::string_view::npos;
}

// Index after the closing tag "</name ...>" at or after `from`, or npos.
std::size_t after_closing_tag(std::string_view html, std::size_t from, std::string_view name) {
    for (std::size_t k = html.find("</", from); k != std::string_view::npos;
         k = html.find("</", k + 2)) {
        std::size_t j = k + 2;
        bool match = j + name.size() <= html.size();
        for (std::size_t m = 0; match && m < name.size(); ++m)
            match = lower(html[j + m]) == name[m];
        if (match && (j + name.size() == html.size() || !is_alnum(html[j + name.size()]))) {
            std::size_t e = html.find('>', j);
            return e == std::string_view::npos ? html.size() : e + 1;
        }
    }
    return std::string_view::npos;
}

bool is_block(const std::string& n) {
    static const char* const blocks[] = {"p",  "div", "tr", "li", "h1",    "h2",         "h3", "h4",
                                         "h5", "h6",  "ul", "ol", "table", "blockquote", "hr"};
    for (const char* b : blocks)
        if (n == b) return true;
    return false;
}

}  // namespace

std::string html_to_text(std::string_view html) {
    std::string out;
    out.reserve(html.size());
    std::size_t i = 0, n = html.size();
    std::string unclosed;  // names of skipped elements whose closing tag does not follow
    while (i < n) {
        std::size_t lt = i;
        while (lt < n && html[lt] != '<' && html[lt] != '&') ++lt;
        out.append(html.data() + i, lt - i);
        i = lt;
        if (i >= n) break;
        if (html[i] == '&') {
            std::size_t next = decode_reference(html, i, out);
            if (next == i) {
                out.push_back('&');
                ++i;
            } else {
                i = next;
            }
            continue;
        }
        // html[i] == '<'
        if (html.compare(i, 4, "<!--") == 0) {
            std::size_t e = html.find("-->", i + 4);
            i = e == std::string_view::npos ? n : e + 3;
            continue;
        }
        char next = i + 1 < n ? html[i + 1] : '\0';
        if (!is_alpha(next) && next != '/' && next != '!' && next != '?') {
            out.push_back('<');  // a lone '<' in text
            ++i;
            continue;
        }
        std::size_t end = tag_end(html, i);
        if (end == std::string_view::npos) break;  // unterminated tag: the rest is markup
        std::size_t j = i + 1;
        bool closing = html[j] == '/';
        if (closing) ++j;
        std::string name;
        while (j < end && is_alnum(html[j]) && name.size() < 16) name.push_back(lower(html[j++]));
        i = end + 1;
        if (!closing &&
            (name == "head" || name == "title" || name == "script" || name == "style")) {
            // Once a closing tag is missing it stays missing: do not search again (linear).
            if (unclosed.find("<" + name + ">") != std::string::npos) continue;
            std::size_t after = after_closing_tag(html, i, name);
            if (after != std::string_view::npos) {
                i = after;
            } else {
                unclosed += "<" + name + ">";
            }
            continue;
        }
        if (name == "br") {
            out.push_back('\n');
        } else if (is_block(name) && !out.empty() && out.back() != '\n') {
            out.push_back('\n');
        }
    }
    return out;
}

std::string xml_declared_encoding(std::string_view text) {
    std::size_t i = 0;
    if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
    while (i < text.size() && is_space(text[i])) ++i;
    if (text.compare(i, 5, "<?xml") != 0 || i + 5 >= text.size() || !is_space(text[i + 5]))
        return {};
    std::size_t end = text.find("?>", i);
    if (end == std::string_view::npos || end - i > 512) return {};
    std::string_view decl = text.substr(i, end - i);
    std::size_t k = decl.find("encoding");
    if (k == std::string_view::npos) return {};
    k += 8;
    while (k < decl.size() && is_space(decl[k])) ++k;
    if (k >= decl.size() || decl[k] != '=') return {};
    ++k;
    while (k < decl.size() && is_space(decl[k])) ++k;
    if (k >= decl.size() || (decl[k] != '"' && decl[k] != '\'')) return {};
    char q = decl[k];
    std::size_t e = decl.find(q, k + 1);
    if (e == std::string_view::npos) return {};
    return std::string(decl.substr(k + 1, e - k - 1));
}

std::size_t rewrite_xml_encoding_declarations(std::string& text) {
    // Collect the values to replace first, then rebuild once: linear however many there are.
    std::vector<std::pair<std::size_t, std::size_t>> values;  // offset, length
    for (std::size_t at = text.find("<?xml"); at != std::string::npos;
         at = text.find("<?xml", at + 5)) {
        if (at + 5 >= text.size() || !is_space(text[at + 5])) continue;
        std::size_t end = std::string_view(text).substr(0, at + 512).find("?>", at);
        if (end == std::string::npos) continue;  // not a declaration within reach
        std::string_view decl(text.data() + at, end - at);
        std::size_t k = decl.find("encoding");
        if (k == std::string_view::npos) continue;
        k += 8;
        while (k < decl.size() && is_space(decl[k])) ++k;
        if (k >= decl.size() || decl[k] != '=') continue;
        ++k;
        while (k < decl.size() && is_space(decl[k])) ++k;
        if (k >= decl.size() || (decl[k] != '"' && decl[k] != '\'')) continue;
        std::size_t e = decl.find(decl[k], k + 1);
        if (e == std::string_view::npos) continue;
        if (util::canonical_charset(decl.substr(k + 1, e - k - 1)) == "UTF-8") continue;
        values.emplace_back(at + k + 1, e - k - 1);
    }
    if (values.empty()) return 0;
    std::string out;
    out.reserve(text.size() + values.size() * 5);
    std::size_t from = 0;
    for (const auto& v : values) {
        out.append(text, from, v.first - from);
        out.append("UTF-8");
        from = v.first + v.second;
    }
    out.append(text, from, std::string::npos);
    text.swap(out);
    return values.size();
}

std::string unflow_text(std::string_view text, bool delsp) {
    std::string out;
    out.reserve(text.size());
    std::size_t open_depth = 0;  // quote depth of the paragraph being joined
    bool joining = false;        // the previous line ended in a soft break
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t eol = text.find('\n', pos);
        const bool last = eol == std::string_view::npos;
        if (last) eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        pos = last ? text.size() : eol + 1;

        std::size_t depth = 0;
        while (depth < line.size() && line[depth] == '>') ++depth;
        std::string_view quotes = line.substr(0, depth);
        std::string_view content = line.substr(depth);
        if (!content.empty() && content.front() == ' ') content.remove_prefix(1);  // stuffing
        const bool signature = content == "-- ";
        const bool soft = !last && !signature && !content.empty() && content.back() == ' ';

        if (joining && depth != open_depth) out.push_back('\n');  // 4.5: depth changed
        if (!joining || depth != open_depth) {
            out.append(quotes.data(), quotes.size());
            if (depth > 0) out.push_back(' ');  // "> text": one space after the quote marks
        }
        if (soft && delsp) content.remove_suffix(1);
        out.append(content.data(), content.size());
        joining = soft;
        open_depth = depth;
        if (!joining && !last) out.push_back('\n');
    }
    if (joining) out.push_back('\n');  // the text ended "soft \n"
    return out;
}

}  // namespace autodns
