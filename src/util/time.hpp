// Timestamps: parsing the common ISO 8601 / SQL forms and converting local wall-clock time in
// an IANA zone to UTC. Generic: knows nothing about notifications.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace autodns::util {

// Calendar fields as written; `offset_seconds` is set only when the text carried a zone
// designator ("Z", "+02:00", "+0200", "-05").
struct TimeFields {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    std::optional<int> offset_seconds;
};

// Parses "YYYY-MM-DD", then 'T' or ' ', then "hh:mm[:ss[.fraction]]", then an optional zone.
// Leading/trailing whitespace is ignored; fractions are dropped. Returns nullopt for anything
// else, including out-of-range fields (month 13, 25:00, Feb 30).
std::optional<TimeFields> parse_time_fields(std::string_view text);

// Seconds since the Unix epoch (UTC) for wall-clock `fields` (zone designator ignored) in
// `zone`: either a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"; anything with a digit), which
// is evaluated without touching the disk, or an IANA name ("Europe/Berlin"), which loads the
// system time-zone database on first use (a few milliseconds: a directory scan). Across DST:
// an ambiguous local time (clocks turned back) is the earlier instant; a nonexistent one
// (clocks turned forward) is shifted forward by the length of the gap (02:30 becomes 03:30
// new time). Returns nullopt when the zone is unknown or the database cannot be read.
std::optional<std::int64_t> local_to_unix(const TimeFields& fields, const std::string& zone);

// Seconds since the epoch for `text`: with its own zone designator when it has one, else as
// local time in `zone_for_local`. nullopt when unreadable.
std::optional<std::int64_t> parse_time_to_unix(std::string_view text,
                                               const std::string& zone_for_local);

// "2021-05-12T12:43:12Z".
std::string format_utc_iso8601(std::int64_t unix_seconds);

}  // namespace autodns::util
