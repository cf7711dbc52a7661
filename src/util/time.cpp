#include "util/time.hpp"

#include "util/text.hpp"

#include <date/date.h>
#include <date/ptz.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <exception>

namespace autodns::util {
namespace {

// Reads exactly `n` digits at `pos`, advancing it.
bool read_digits(std::string_view s, std::size_t& pos, int n, int& out) {
    if (pos + n > s.size()) return false;
    int value = 0;
    for (int i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
        value = value * 10 + (c - '0');
    }
    pos += n;
    out = value;
    return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c) return false;
    ++pos;
    return true;
}

date::local_seconds local_seconds_of(const TimeFields& f) {
    const date::year_month_day ymd{date::year{f.year}, date::month{static_cast<unsigned>(f.month)},
                                   date::day{static_cast<unsigned>(f.day)}};
    return date::local_days{ymd} + std::chrono::hours{f.hour} + std::chrono::minutes{f.minute} +
           std::chrono::seconds{f.second};
}

}  // namespace

std::optional<TimeFields> parse_time_fields(std::string_view text) {
    const std::string_view s = trim(text);
    std::size_t pos = 0;
    TimeFields f;
    if (!read_digits(s, pos, 4, f.year) || !expect(s, pos, '-') ||
        !read_digits(s, pos, 2, f.month) || !expect(s, pos, '-') ||
        !read_digits(s, pos, 2, f.day)) {
        return std::nullopt;
    }
    if (pos == s.size()) return std::nullopt;  // a date alone is not a point in time
    if (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ') return std::nullopt;
    ++pos;
    if (!read_digits(s, pos, 2, f.hour) || !expect(s, pos, ':') ||
        !read_digits(s, pos, 2, f.minute)) {
        return std::nullopt;
    }
    if (pos < s.size() && s[pos] == ':') {
        ++pos;
        if (!read_digits(s, pos, 2, f.second)) return std::nullopt;
        if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
            ++pos;
            const std::size_t start = pos;
            while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
            if (pos == start) return std::nullopt;
        }
    }
    if (pos < s.size()) {
        const char z = s[pos];
        if ((z == 'Z' || z == 'z') && pos + 1 == s.size()) {
            f.offset_seconds = 0;
            ++pos;
        } else if (z == '+' || z == '-') {
            ++pos;
            int oh = 0, om = 0;
            if (!read_digits(s, pos, 2, oh)) return std::nullopt;
            if (pos < s.size()) {
                if (s[pos] == ':') ++pos;
                if (!read_digits(s, pos, 2, om)) return std::nullopt;
            }
            if (oh > 18 || om > 59) return std::nullopt;
            f.offset_seconds = (z == '-' ? -1 : 1) * (oh * 3600 + om * 60);
        } else {
            return std::nullopt;
        }
    }
    if (pos != s.size()) return std::nullopt;
    if (f.hour > 23 || f.minute > 59 || f.second > 60) return std::nullopt;  // 60: leap second
    const date::year_month_day ymd{date::year{f.year}, date::month{static_cast<unsigned>(f.month)},
                                   date::day{static_cast<unsigned>(f.day)}};
    if (!ymd.ok()) return std::nullopt;
    return f;
}

namespace {

// unique: the one offset. ambiguous: `first` is the earlier instant (the offset in force
// before the clocks went back). nonexistent: `first` is the offset before the gap, so the
// wall-clock time moves forward by the gap's length.
std::int64_t to_unix(const date::local_seconds& local, const date::local_info& info) {
    return static_cast<std::int64_t>((local.time_since_epoch() - info.first.offset).count());
}

}  // namespace

std::optional<std::int64_t> local_to_unix(const TimeFields& fields, const std::string& zone) {
    const date::local_seconds local = local_seconds_of(fields);
    try {
        // A POSIX TZ rule needs no time-zone database: nothing is read from disk.
        const Posix::time_zone rule{zone};
        return to_unix(local, rule.get_info(local));
    } catch (const std::exception&) {
        return std::nullopt;  // not a valid POSIX TZ rule
    }
}

std::optional<std::int64_t> parse_time_to_unix(std::string_view text,
                                               const std::string& zone_for_local) {
    const auto fields = parse_time_fields(text);
    if (!fields) return std::nullopt;
    if (fields->offset_seconds) {
        const auto local = local_seconds_of(*fields);
        return static_cast<std::int64_t>(local.time_since_epoch().count()) -
               *fields->offset_seconds;
    }
    return local_to_unix(*fields, zone_for_local);
}

namespace {

// Seconds, not system_clock's nanoseconds: times far from now (the report's "since the
// beginning") must not overflow.
std::string format_iso(std::int64_t unix_seconds, int millis, IsoFormat form) {
    const date::sys_seconds tp{std::chrono::seconds{unix_seconds}};
    const date::sys_days day = date::floor<date::days>(tp);
    const date::year_month_day ymd{day};
    const date::hh_mm_ss<std::chrono::seconds> hms{tp - day};
    const int year = static_cast<int>(ymd.year());
    const unsigned month = static_cast<unsigned>(ymd.month()),
                   mday = static_cast<unsigned>(ymd.day());
    const int hour = static_cast<int>(hms.hours().count()),
              minute = static_cast<int>(hms.minutes().count()),
              second = static_cast<int>(hms.seconds().count());
    char buf[48];
    switch (form) {
        case IsoFormat::seconds:
            std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02dZ", year, month, mday,
                          hour, minute, second);
            break;
        case IsoFormat::milliseconds:
            std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", year, month, mday,
                          hour, minute, second, millis);
            break;
        case IsoFormat::basic:
            std::snprintf(buf, sizeof buf, "%04d%02u%02uT%02d%02d%02dZ", year, month, mday, hour,
                          minute, second);
            break;
    }
    return buf;
}

}  // namespace

std::string format_utc_iso8601(std::int64_t unix_seconds) {
    return format_iso(unix_seconds, 0, IsoFormat::seconds);
}

std::string format_utc_iso8601(std::chrono::system_clock::time_point t, IsoFormat form) {
    const auto seconds = date::floor<std::chrono::seconds>(t.time_since_epoch());
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch() - seconds);
    return format_iso(static_cast<std::int64_t>(seconds.count()), static_cast<int>(millis.count()),
                      form);
}

std::string now_utc_iso8601(IsoFormat form) {
    if (form == IsoFormat::milliseconds) {
        return format_utc_iso8601(std::chrono::system_clock::now(), form);
    }
    return format_utc_iso8601(std::chrono::system_clock::from_time_t(std::time(nullptr)), form);
}

std::int64_t now_unix() {
    return static_cast<std::int64_t>(std::time(nullptr));
}

}  // namespace autodns::util
