// Reading members of a JSON object (nlohmann::json): what the JSON notification parser and the
// poll reply reader share. Internal to parse/.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace autodns::json_members {

// The member `key` of object `j`; nullptr when `j` is no object, or the member is missing or
// null.
inline const nlohmann::json* member(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return nullptr;
    auto it = j.find(key);
    if (it == j.end() || it->is_null()) return nullptr;
    return &*it;
}

// A scalar member as text: strings as they are, integers in decimal; else nullopt.
inline std::optional<std::string> text_member(const nlohmann::json& j, const char* key) {
    const nlohmann::json* m = member(j, key);
    if (!m) return std::nullopt;
    if (m->is_string()) return m->get<std::string>();
    if (m->is_number_unsigned()) return std::to_string(m->get<std::uint64_t>());
    if (m->is_number_integer()) return std::to_string(m->get<std::int64_t>());
    return std::nullopt;
}

}  // namespace autodns::json_members
