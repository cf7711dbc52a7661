#include "util/json.hpp"

#include <cstdio>

#include "util/text.hpp"

namespace autodns::util {
namespace {

void append_u_escape(std::string& out, unsigned char c) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", c);
    out += buf;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s, JsonEscape escape) {
    out += '"';
    const bool text = escape == JsonEscape::text;
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (text && c == '\n') {
            out += "\\n";
        } else if (text && c == '\r') {
            out += "\\r";
        } else if (text && c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || (text && c == 0x7f)) {
            append_u_escape(out, c);
        } else if (text && c >= 0x80) {
            const std::size_t n = utf8_sequence_length(s, i);
            if (n == 0) {
                out += "\\ufffd";
                ++i;
            } else {
                out.append(s.data() + i, n);
                i += n;
            }
            continue;
        } else {
            out += static_cast<char>(c);
        }
        ++i;
    }
    out += '"';
}

std::string json_string(std::string_view s, JsonEscape escape) {
    std::string out;
    out.reserve(s.size() + 2);
    append_json_string(out, s, escape);
    return out;
}

JsonWriter& JsonWriter::begin_object(const char* key) {
    return open(key, '{');
}
JsonWriter& JsonWriter::begin_array(const char* key) {
    return open(key, '[');
}
JsonWriter& JsonWriter::end_object() {
    return close('}');
}
JsonWriter& JsonWriter::end_array() {
    return close(']');
}

JsonWriter& JsonWriter::field(const char* key, std::string_view v) {
    prefix(key);
    append_json_string(out_, v, JsonEscape::text);
    return *this;
}

JsonWriter& JsonWriter::field(const char* key, std::int64_t v) {
    prefix(key);
    out_ += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::field(const char* key, bool v) {
    prefix(key);
    out_ += v ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::field(const char* key, const std::optional<std::string>& v) {
    return v ? field(key, *v) : null_field(key);
}

JsonWriter& JsonWriter::field(const char* key, const std::optional<std::int64_t>& v) {
    return v ? field(key, *v) : null_field(key);
}

JsonWriter& JsonWriter::null_field(const char* key) {
    prefix(key);
    out_ += "null";
    return *this;
}

void JsonWriter::prefix(const char* key) {
    if (!first_.empty()) {
        if (!first_.back()) out_ += ',';
        first_.back() = false;
        out_ += '\n';
        out_.append(first_.size() * 2, ' ');
    }
    if (key) {
        append_json_string(out_, key, JsonEscape::text);
        out_ += ": ";
    }
}

JsonWriter& JsonWriter::open(const char* key, char bracket) {
    prefix(key);
    out_ += bracket;
    first_.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
    const bool empty = first_.back();
    first_.pop_back();
    if (!empty) {
        out_ += '\n';
        out_.append(first_.size() * 2, ' ');
    }
    out_ += bracket;
    return *this;
}

}  // namespace autodns::util
