#include "mail/header_fields.hpp"

#include <algorithm>
#include <map>

#include "mail/extract.hpp"
#include "mail/transfer_decoding.hpp"
#include "util/charset.hpp"
#include "util/text.hpp"

namespace autodns {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string trimmed(std::string_view s) {
    return std::string(util::trim(s, " \t\r\n"));
}

// Skips a comment starting at s[i] == '(' (nested, with quoted pairs); returns the index after.
std::size_t skip_comment(std::string_view s, std::size_t i) {
    int depth = 0;
    for (; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\\') {
            ++i;
        } else if (c == '(') {
            ++depth;
        } else if (c == ')') {
            if (--depth == 0) return i + 1;
        }
    }
    return s.size();
}

std::size_t skip_space_and_comments(std::string_view s, std::size_t i) {
    while (i < s.size()) {
        if (is_space(s[i])) {
            ++i;
        } else if (s[i] == '(') {
            i = skip_comment(s, i);
        } else {
            break;
        }
    }
    return i;
}

// Reads a quoted string starting at s[i] == '"'; backslash escapes resolved. An unterminated
// string runs to the end.
std::string read_quoted(std::string_view s, std::size_t& i) {
    std::string out;
    for (++i; i < s.size(); ++i) {
        char c = s[i];
        if (c == '\\' && i + 1 < s.size()) {
            out.push_back(s[++i]);
        } else if (c == '"') {
            ++i;
            return out;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size()) {
            int hi = util::hex_digit_value(s[i + 1]), lo = util::hex_digit_value(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(s[i]);
    }
    return out;
}

struct Rfc2231Section {
    bool extended = false;
    std::string value;
};

struct EncodedWord {
    std::string charset;
    std::string bytes;
};

// Parses an encoded word "=?charset?B|Q?text?=" at s[i]; on success sets `end` after "?=".
bool parse_encoded_word(std::string_view s, std::size_t i, EncodedWord& word, std::size_t& end) {
    if (i + 1 >= s.size() || s[i] != '=' || s[i + 1] != '?') return false;
    std::size_t q1 = s.find('?', i + 2);
    if (q1 == std::string_view::npos || q1 == i + 2 || q1 - i > 80) return false;
    if (q1 + 2 >= s.size() || s[q1 + 2] != '?') return false;
    char enc = s[q1 + 1];
    if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') return false;
    std::size_t text_begin = q1 + 3;
    // Encoded words are at most 75 characters (RFC 2047 2); allow some slack, stay linear.
    std::size_t close = s.substr(0, text_begin + 1024).find("?=", text_begin);
    if (close == std::string_view::npos) return false;
    std::string_view charset = s.substr(i + 2, q1 - i - 2);
    for (char c : charset)
        if (is_space(c) || c == '=') return false;
    std::string_view text = s.substr(text_begin, close - text_begin);
    word.charset = std::string(charset);
    word.bytes.clear();
    if (enc == 'B' || enc == 'b') {
        if (!decode_base64(text, word.bytes)) return false;
    } else {
        for (std::size_t k = 0; k < text.size(); ++k) {
            char c = text[k];
            if (c == '_') {
                word.bytes.push_back(' ');
            } else if (c == '=' && k + 2 < text.size() && util::hex_digit_value(text[k + 1]) >= 0 &&
                       util::hex_digit_value(text[k + 2]) >= 0) {
                word.bytes.push_back(static_cast<char>(util::hex_digit_value(text[k + 1]) * 16 +
                                                       util::hex_digit_value(text[k + 2])));
                k += 2;
            } else {
                word.bytes.push_back(c);
            }
        }
    }
    end = close + 2;
    return true;
}

std::string plain_to_utf8(std::string_view s) {
    return util::convert_to_utf8(std::string(s), "").text;
}

}  // namespace

std::string FieldValue::param(std::string_view name) const {
    for (const auto& p : params)
        if (p.first == name) return p.second;
    return {};
}

bool FieldValue::has_param(std::string_view name) const {
    for (const auto& p : params)
        if (p.first == name) return true;
    return false;
}

std::string unfold(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (char c : value)
        if (c != '\r' && c != '\n') out.push_back(c);
    return out;
}

FieldValue parse_field_value(std::string_view raw) {
    FieldValue fv;
    const std::string s = unfold(raw);
    std::size_t i = skip_space_and_comments(s, 0);
    // The leading token: everything up to ';' or whitespace, comments dropped.
    while (i < s.size() && s[i] != ';') {
        char c = s[i];
        if (c == '(') {
            i = skip_comment(s, i);
            continue;
        }
        if (is_space(c)) {
            std::size_t j = skip_space_and_comments(s, i);
            // "text / plain" continues the token; "text/plain charset=x" starts parameters.
            if (j < s.size() && (s[j] == '/' || (!fv.token.empty() && fv.token.back() == '/'))) {
                i = j;
                continue;
            }
            i = j;
            break;
        }
        if (c == '=' || c == '"') break;  // no token at all: "; charset=x" or garbage
        fv.token.push_back(c);
        ++i;
    }
    if (fv.token.find('=') != std::string::npos) fv.token.clear();
    util::to_lower_in_place(fv.token);

    std::map<std::string, std::map<unsigned, Rfc2231Section>> sections;  // RFC 2231
    std::vector<std::string> section_order;
    std::size_t next_semi = 0;  // cached position of the next ';' (npos: none)
    while (i < s.size()) {
        i = skip_space_and_comments(s, i);
        if (i < s.size() && s[i] == ';') {
            ++i;
            continue;
        }
        if (i >= s.size()) break;
        std::size_t name_begin = i;
        while (i < s.size() && s[i] != '=' && s[i] != ';' && !is_space(s[i]) && s[i] != '(' &&
               s[i] != '"')
            ++i;
        std::string name(s, name_begin, i - name_begin);
        util::to_lower_in_place(name);
        i = skip_space_and_comments(s, i);
        if (i >= s.size() || s[i] != '=') {
            // A parameter without value (or stray text): skip to the next ';'.
            if (name.empty() && i < s.size()) {
                if (s[i] == '"') {
                    read_quoted(s, i);
                } else {
                    ++i;
                }
            }
            continue;
        }
        i = skip_space_and_comments(s, i + 1);
        std::string value;
        if (i < s.size() && s[i] == '"') {
            value = read_quoted(s, i);
        } else {
            std::size_t vb = i;
            while (i < s.size() && s[i] != ';' && !is_space(s[i])) ++i;
            value.assign(s, vb, i - vb);
            // An unquoted value with spaces ("name=my file.xml") runs on when no '=' follows.
            if (next_semi < i) next_semi = s.find(';', i);
            std::size_t semi = next_semi;
            std::size_t stop = semi == std::string::npos ? s.size() : semi;
            std::size_t j = i;
            while (j < stop && is_space(s[j])) ++j;
            if (j < stop && s[j] != '(' && s.find('=', j) >= stop) {
                value += ' ';
                value += trimmed(std::string_view(s).substr(j, stop - j));
                i = stop;
            }
        }
        if (name.empty()) continue;
        std::size_t star = name.find('*');
        if (star == std::string::npos) {
            fv.params.emplace_back(std::move(name), std::move(value));
            continue;
        }
        // RFC 2231: name*, name*N, name*N*.
        std::string base = name.substr(0, star);
        std::string rest = name.substr(star + 1);
        Rfc2231Section sec;
        unsigned number = 0;
        if (rest.empty()) {
            sec.extended = true;
        } else {
            bool extended = rest.back() == '*';
            if (extended) rest.pop_back();
            if (rest.empty() || rest.size() > 4 ||
                !std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; }))
                continue;
            number = static_cast<unsigned>(std::stoul(rest));
            sec.extended = extended;
        }
        sec.value = std::move(value);
        if (!sections.count(base)) section_order.push_back(base);
        sections[base].emplace(number, std::move(sec));
    }
    for (const std::string& base : section_order) {
        const auto& secs = sections[base];
        std::string charset, bytes;
        bool first = true;
        for (const auto& entry : secs) {
            const Rfc2231Section& sec = entry.second;
            if (sec.extended) {
                std::string_view v = sec.value;
                if (first) {
                    std::size_t q1 = v.find('\'');
                    std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
                    if (q2 != std::string_view::npos) {
                        charset = std::string(v.substr(0, q1));
                        v = v.substr(q2 + 1);
                    }
                }
                bytes += percent_decode(v);
            } else {
                bytes += sec.value;
            }
            first = false;
        }
        std::string value = util::convert_to_utf8(std::move(bytes), charset).text;
        auto it = std::find_if(fv.params.begin(), fv.params.end(),
                               [&](const auto& p) { return p.first == base; });
        if (it != fv.params.end()) {
            it->second = std::move(value);
        } else {
            fv.params.emplace_back(base, std::move(value));
        }
    }
    return fv;
}

MediaType split_media_type(std::string_view token) {
    MediaType mt;
    std::size_t slash = token.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == token.size()) return mt;
    mt.type = std::string(token.substr(0, slash));
    mt.subtype = std::string(token.substr(slash + 1));
    if (mt.subtype.find('/') != std::string::npos) return MediaType{};
    util::to_lower_in_place(mt.type);
    util::to_lower_in_place(mt.subtype);
    return mt;
}

std::string first_address(std::string_view list) {
    const std::string s = unfold(list);
    std::string plain;  // text of the first mailbox outside quotes and comments
    for (std::size_t i = 0; i < s.size();) {
        char c = s[i];
        if (c == '"') {
            read_quoted(s, i);
            plain.push_back(' ');
        } else if (c == '(') {
            i = skip_comment(s, i);
            plain.push_back(' ');
        } else if (c == '<') {
            std::size_t close = s.find('>', i + 1);
            std::string addr = trimmed(std::string_view(s).substr(
                i + 1, (close == std::string::npos ? s.size() : close) - i - 1));
            if (!addr.empty() && addr[0] == '@') {  // obsolete route "<@a,@b:x@y>"
                std::size_t colon = addr.find(':');
                addr = colon == std::string::npos ? std::string() : addr.substr(colon + 1);
            }
            util::to_lower_in_place(addr);
            return addr;
        } else if (c == ',') {
            break;
        } else if (c == ':' && plain.find('@') == std::string::npos) {
            plain.clear();  // group "name: a@b, c@d;"
            ++i;
        } else if (c == ';') {
            break;
        } else {
            plain.push_back(c);
            ++i;
        }
    }
    std::string addr;
    for (char c : plain)
        if (!is_space(c)) addr.push_back(c);
    if (addr.find('@') == std::string::npos) return {};
    util::to_lower_in_place(addr);
    return addr;
}

std::string decode_rfc2047(std::string_view value) {
    const std::string s = unfold(value);
    std::string out;
    out.reserve(s.size());
    std::string run_charset, run_bytes;  // adjacent encoded words of one charset, decoded together
    bool in_run = false;
    auto flush_run = [&] {
        if (in_run) out += util::convert_to_utf8(std::move(run_bytes), run_charset).text;
        run_bytes.clear();
        in_run = false;
    };
    std::size_t plain_begin = 0;
    std::size_t i = 0;
    EncodedWord word;
    while (i < s.size()) {
        std::size_t at = s.find("=?", i);
        if (at == std::string::npos) break;
        std::size_t end = 0;
        if (!parse_encoded_word(s, at, word, end)) {
            i = at + 2;
            continue;
        }
        std::string_view between = std::string_view(s).substr(plain_begin, at - plain_begin);
        bool only_space = std::all_of(between.begin(), between.end(), is_space);
        if (!(in_run && only_space)) {
            // Text between words that is not just folding whitespace ends the run.
            flush_run();
            out += plain_to_utf8(between);
        }
        if (in_run && util::canonical_charset(word.charset) != util::canonical_charset(run_charset))
            flush_run();
        if (!in_run) {
            run_charset = word.charset;
            in_run = true;
        }
        run_bytes += word.bytes;
        plain_begin = i = end;
    }
    flush_run();
    out += plain_to_utf8(std::string_view(s).substr(plain_begin));
    return out;
}

}  // namespace autodns
