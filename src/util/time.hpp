// Timestamps: the clock, ISO 8601 formatting (every form the program writes), parsing the
// common ISO 8601 / SQL forms and converting local wall-clock time in a zone to UTC. Generic:
// knows nothing about notifications.
#pragma once

#include <chrono>
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
// `zone`, a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3", "UTC0"), evaluated without touching
// the disk. IANA names ("Europe/Berlin") are deliberately not supported: the program only ever
// needs Berlin time and UTC, and linking the time-zone database library (libdate-tz, a shared
// library that brings in the shared C++ runtime) cost the one-process-per-mail filter about a
// millisecond per process (docs/performance.md); test_util_time.cpp checks the Berlin rule against
// the IANA zone for every hour around each DST switch from 2000 to 2037. Across DST: an
// ambiguous local time (clocks turned back) is the earlier instant; a nonexistent one (clocks
// turned forward) is shifted forward by the length of the gap (02:30 becomes 03:30 new time).
// Returns nullopt when the rule is not a valid POSIX TZ rule.
std::optional<std::int64_t> local_to_unix(const TimeFields& fields, const std::string& zone);

// Seconds since the epoch for `text`: with its own zone designator when it has one, else as
// local time in `zone_for_local`. nullopt when unreadable.
std::optional<std::int64_t> parse_time_to_unix(std::string_view text,
                                               const std::string& zone_for_local);

// The forms of an ISO 8601 UTC time the program writes.
enum class IsoFormat {
    seconds,       // "2021-05-12T12:43:12Z": stored times, reports, JSON, log lines
    milliseconds,  // "2021-05-12T12:43:12.345Z": the push server's access log
    basic,         // "20210512T124312Z": file names (backup snapshots)
};

// "2021-05-12T12:43:12Z".
std::string format_utc_iso8601(std::int64_t unix_seconds);

// `t` in `form` (sub-second digits are truncated, not rounded).
std::string format_utc_iso8601(std::chrono::system_clock::time_point t, IsoFormat form);

// The current time in `form`.
std::string now_utc_iso8601(IsoFormat form = IsoFormat::seconds);

// Seconds since the Unix epoch, now (std::time()).
std::int64_t now_unix();

}  // namespace autodns::util
