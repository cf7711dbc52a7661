#include "util/text.hpp"

#include <cstdint>
#include <cstring>
#include <vector>

namespace autodns::util {

namespace {
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}
}  // namespace

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::string_view trim(std::string_view s, std::string_view chars) {
    while (!s.empty() && chars.find(s.front()) != std::string_view::npos) s.remove_prefix(1);
    return trim_right(s, chars);
}

std::string_view trim_right(std::string_view s, std::string_view chars) {
    while (!s.empty() && chars.find(s.back()) != std::string_view::npos) s.remove_suffix(1);
    return s;
}

std::string to_lower(std::string_view s) {
    std::string out(s);
    to_lower_in_place(out);
    return out;
}

void to_lower_in_place(std::string& s) {
    for (char& c : s) c = lower(c);
}

std::string trim_lines(std::string_view s) {
    std::vector<std::string_view> lines;
    std::size_t start = 0;
    while (start <= s.size()) {
        std::size_t end = s.find('\n', start);
        if (end == std::string_view::npos) end = s.size();
        lines.push_back(trim(s.substr(start, end - start)));
        start = end + 1;
    }
    std::size_t first = 0, last = lines.size();
    while (first < last && lines[first].empty()) ++first;
    while (last > first && lines[last - 1].empty()) --last;
    std::string out;
    for (std::size_t i = first; i < last; ++i) {
        if (i > first) out += '\n';
        out += lines[i];
    }
    return out;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() &&
           s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool equals_nocase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
    return s.size() >= prefix.size() && equals_nocase(s.substr(0, prefix.size()), prefix);
}

bool ends_with_nocase(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && equals_nocase(s.substr(s.size() - suffix.size()), suffix);
}

std::string_view strip_utf8_bom(std::string_view s) {
    if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
    return s;
}

int hex_digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

bool all_digits(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s) {
        if (c < '0' || c > '9') return false;
    }
    return true;
}

std::size_t blank_run(std::string_view s, std::size_t pos) {
    std::size_t i = pos;
    while (i < s.size()) {
        if (is_space(s[i])) {
            ++i;
        } else if (s[i] == '\xC2' && i + 1 < s.size() && s[i + 1] == '\xA0') {
            i += 2;
        } else {
            break;
        }
    }
    return i - pos;
}

bool is_blank(std::string_view s) {
    return blank_run(s, 0) == s.size();
}

std::size_t skip_ascii(std::string_view s, std::size_t from) {
    const char* p = s.data();
    std::size_t i = from, n = s.size();
    while (i + 8 <= n) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL) break;
        i += 8;
    }
    while (i < n && static_cast<unsigned char>(p[i]) < 0x80) ++i;
    return i;
}

bool is_ascii(std::string_view s) {
    return skip_ascii(s, 0) == s.size();
}

std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    const unsigned char c = p[i];
    if (c < 0x80) return 1;
    if (c < 0xC2) return 0;
    if (c < 0xE0) return (i + 1 < n && (p[i + 1] & 0xC0) == 0x80) ? 2 : 0;
    if (c < 0xF0) {
        if (i + 2 >= n) return 0;
        const unsigned char c1 = p[i + 1];
        if ((c1 & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80) return 0;
        if (c == 0xE0 && c1 < 0xA0) return 0;   // overlong
        if (c == 0xED && c1 >= 0xA0) return 0;  // surrogate
        return 3;
    }
    if (c < 0xF5) {
        if (i + 3 >= n) return 0;
        const unsigned char c1 = p[i + 1];
        if ((c1 & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80 || (p[i + 3] & 0xC0) != 0x80) return 0;
        if (c == 0xF0 && c1 < 0x90) return 0;   // overlong
        if (c == 0xF4 && c1 >= 0x90) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

bool is_valid_utf8(std::string_view s) {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (true) {
        i = skip_ascii(s, i);
        if (i >= n) return true;
        const std::size_t len = utf8_sequence_length(s, i);
        if (len == 0) return false;
        i += len;
    }
}

std::string repair_utf8(std::string_view s, Utf8Repair with) {
    const std::string_view replacement = with == Utf8Repair::question_mark
                                             ? std::string_view("?")
                                             : std::string_view("\xEF\xBF\xBD");
    std::string out;
    out.reserve(s.size() + 16);
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        const std::size_t j = skip_ascii(s, i);
        out.append(s.data() + i, j - i);
        i = j;
        if (i >= n) break;
        const std::size_t len = utf8_sequence_length(s, i);
        if (len == 0) {
            out.append(replacement);
            ++i;
        } else {
            out.append(s.data() + i, len);
            i += len;
        }
    }
    return out;
}

std::string markup_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

}  // namespace autodns::util
