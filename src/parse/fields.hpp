// Normalization rules the format parsers share (docs/formats.md, "Field derivation").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/notification.hpp"

namespace autodns {

// AutoDNS writes XML times without a zone: they are Europe/Berlin local time. Given as the
// zone's POSIX rule (EU summer time, in force since 1996, long before any AutoDNS message):
// evaluated in memory, whereas the IANA name would make every process scan the system
// time-zone database first (about 3 ms, the largest single cost of a one-mail filter run).
// tests/unit/test_util_time.cpp checks the rule against the IANA zone for 2000-2037.
constexpr const char* kAutoDnsLocalZone = "CET-1CEST,M3.5.0,M10.5.0/3";

// Message time -> "YYYY-MM-DDThh:mm:ssZ". Times with a zone designator keep it; times without
// one are kAutoDnsLocalZone wall-clock time. nullopt when unreadable.
std::optional<std::string> normalize_time(std::string_view text);

// Message id: decimal digits (surrounding whitespace ignored) that fit in int64; never guessed.
std::optional<std::int64_t> parse_message_id(std::string_view text);

// Notice text: every line trimmed, blank edge lines dropped; nullopt when nothing is left.
std::optional<std::string> normalize_notice(std::string_view text);

// A status/object type in lower case; nullopt for empty text.
std::optional<std::string> normalize_type(std::string_view text);

// For a job: task and type from status.code (longest task-table match); when the code has
// digits but no table entry matches, task is those digits and type stays null.
void apply_task_code(Notification& n);

// Element names that carry the object of a notification (<domain>, <handle>, ...), and the
// child names whose text is the object's value, most specific first.
bool is_object_element_name(std::string_view name);
extern const char* const kObjectValueChildren[];
extern const std::size_t kObjectValueChildrenCount;

}  // namespace autodns
