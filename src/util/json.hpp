// JSON text without a JSON library: string escaping and a small streaming writer, for the
// code that writes JSON by hand (reports, the push server's replies, SQL parameters).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace autodns::util {

// How append_json_string() writes the bytes of a string. Both escape '"' and '\' with a
// backslash and every other byte below 0x20 as \u00xx (lower-case hex); nothing else is
// escaped, U+2028 and U+2029 included.
enum class JsonEscape {
    // Every other byte as is: the output is as well-formed UTF-8 as the input.
    minimal,
    // Also \n, \r and \t in their short forms, DEL (0x7f) as \u007f, and each byte that is not
    // part of a well-formed UTF-8 sequence (is_valid_utf8()'s reading) as \ufffd: the output
    // is always well-formed UTF-8.
    text,
};

// Appends `s` to `out` as a JSON string, quotes included.
void append_json_string(std::string& out, std::string_view s, JsonEscape escape);

// `s` as a JSON string, quotes included.
std::string json_string(std::string_view s, JsonEscape escape);

// A streaming writer of indented JSON (two spaces per level, "key": value, one member or
// element per line; an empty object or array is written "{}" / "[]"). The caller opens and
// closes objects and arrays in order; commas, line breaks and indentation are handled here.
// Strings are written with JsonEscape::text.
class JsonWriter {
  public:
    // The JSON written so far.
    const std::string& text() const { return out_; }

    // `key` names the member in an object; without it (nullptr) the value is an array
    // element or the top-level value.
    JsonWriter& begin_object(const char* key = nullptr);
    JsonWriter& begin_array(const char* key = nullptr);
    JsonWriter& end_object();
    JsonWriter& end_array();

    JsonWriter& field(const char* key, std::string_view v);
    JsonWriter& field(const char* key, const std::string& v) {
        return field(key, std::string_view(v));
    }
    JsonWriter& field(const char* key, const char* v) { return field(key, std::string_view(v)); }
    JsonWriter& field(const char* key, std::int64_t v);
    JsonWriter& field(const char* key, bool v);
    // nullopt is written as null.
    JsonWriter& field(const char* key, const std::optional<std::string>& v);
    JsonWriter& field(const char* key, const std::optional<std::int64_t>& v);
    JsonWriter& null_field(const char* key);

  private:
    void prefix(const char* key);
    JsonWriter& open(const char* key, char bracket);
    JsonWriter& close(char bracket);

    std::string out_;
    std::vector<bool> first_;  // per open level: nothing written yet
};

}  // namespace autodns::util
