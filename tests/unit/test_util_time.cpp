#include <catch2/catch.hpp>

#include <date/tz.h>

#include "util/time.hpp"

using namespace autodns::util;

namespace {
const char* const berlin_rule = "CET-1CEST,M3.5.0,M10.5.0/3";

// The reference: the system's IANA time-zone database (through libdate-tz, linked into the
// tests only), with the same choice for ambiguous and nonexistent local times.
std::optional<std::int64_t> iana_local_to_unix(const TimeFields& f, const char* zone) {
    const date::local_seconds local = date::local_days{date::year{f.year} / f.month / f.day} +
                                      std::chrono::hours{f.hour} + std::chrono::minutes{f.minute} +
                                      std::chrono::seconds{f.second};
    const date::local_info info = date::locate_zone(zone)->get_info(local);
    return static_cast<std::int64_t>((local.time_since_epoch() - info.first.offset).count());
}

std::string berlin_to_utc(const std::string& local) {
    const auto seconds = parse_time_to_unix(local, berlin_rule);
    const auto fields = parse_time_fields(local);
    if (fields && !fields->offset_seconds) {
        CHECK(seconds == iana_local_to_unix(*fields, "Europe/Berlin"));  // rule and IANA agree
    }
    return seconds ? format_utc_iso8601(*seconds) : "unreadable";
}
}  // namespace

TEST_CASE("time: Berlin local time to UTC in summer and winter", "[time]") {
    CHECK(berlin_to_utc("2021-05-12 14:43:12") == "2021-05-12T12:43:12Z");  // CEST, +2
    CHECK(berlin_to_utc("2022-01-21 15:19:11") == "2022-01-21T14:19:11Z");  // CET, +1
    CHECK(berlin_to_utc("2018-10-15 14:03:02") == "2018-10-15T12:03:02Z");
    CHECK(berlin_to_utc("2024-01-01 00:30:00") == "2023-12-31T23:30:00Z");  // crosses the year
}

TEST_CASE("time: DST transitions", "[time]") {
    // 2021-03-28: 02:00 CET -> 03:00 CEST. 02:30 does not exist: shifted forward to 03:30 CEST.
    CHECK(berlin_to_utc("2021-03-28 01:59:59") == "2021-03-28T00:59:59Z");
    CHECK(berlin_to_utc("2021-03-28 02:30:00") == "2021-03-28T01:30:00Z");
    CHECK(berlin_to_utc("2021-03-28 03:30:00") == "2021-03-28T01:30:00Z");
    CHECK(berlin_to_utc("2021-03-28 03:00:00") == "2021-03-28T01:00:00Z");
    // 2021-10-31: 03:00 CEST -> 02:00 CET. 02:30 happens twice: the earlier (CEST) instant.
    CHECK(berlin_to_utc("2021-10-31 02:30:00") == "2021-10-31T00:30:00Z");
    CHECK(berlin_to_utc("2021-10-31 01:59:59") == "2021-10-30T23:59:59Z");
    CHECK(berlin_to_utc("2021-10-31 03:00:00") == "2021-10-31T02:00:00Z");
}

TEST_CASE("time: explicit zone designators win over the default zone", "[time]") {
    CHECK(berlin_to_utc("2021-05-12T14:42:26.000+0200") == "2021-05-12T12:42:26Z");
    CHECK(berlin_to_utc("2022-01-21T15:12:33.000+0100") == "2022-01-21T14:12:33Z");
    CHECK(berlin_to_utc("2017-07-14T13:46:33.000Z") == "2017-07-14T13:46:33Z");
    CHECK(berlin_to_utc("2024-12-30T12:00:00Z") == "2024-12-30T12:00:00Z");
    CHECK(berlin_to_utc("2024-12-30T12:00:00-05:30") == "2024-12-30T17:30:00Z");
    CHECK(berlin_to_utc("2024-12-30T12:00+01") == "2024-12-30T11:00:00Z");
    // The zone is irrelevant for times that carry an offset.
    CHECK(parse_time_to_unix("2021-05-12T14:42:26+0200", "No/Such_Zone") ==
          parse_time_to_unix("2021-05-12T12:42:26Z", "UTC0"));
}

TEST_CASE("time: unreadable input is refused, not guessed", "[time]") {
    for (const char* bad : {"", "yesterday", "2021-05-12", "2021-13-01 00:00:00",
                            "2021-02-30 10:00:00", "2021-05-12 24:00:00", "2021-05-12T14:42:26+2",
                            "2021-05-12 14:42:26 CEST", "12.05.2021 14:42"}) {
        INFO(bad);
        CHECK_FALSE(parse_time_to_unix(bad, berlin_rule));
    }
    CHECK_FALSE(parse_time_to_unix("2021-05-12 14:42:26", "No/Such_Zone"));
    // Only POSIX rules: an IANA name is refused rather than guessed at.
    CHECK_FALSE(parse_time_to_unix("2021-05-12 14:42:26", "Europe/Berlin"));
    CHECK_FALSE(parse_time_to_unix("2021-05-12 14:42:26", "CET-1CEST,M13.5.0"));
}

TEST_CASE("time: fields and formatting", "[time]") {
    const auto f = parse_time_fields(" 2021-05-12T14:42:26.123+02:00 ");
    REQUIRE(f);
    CHECK(f->year == 2021);
    CHECK(f->month == 5);
    CHECK(f->second == 26);
    CHECK(f->offset_seconds == 7200);
    CHECK_FALSE(parse_time_fields("2021-05-12 14:42:26")->offset_seconds);
    CHECK(format_utc_iso8601(0) == "1970-01-01T00:00:00Z");
    CHECK(format_utc_iso8601(1620823392) == "2021-05-12T12:43:12Z");
    CHECK(format_utc_iso8601(-1) == "1969-12-31T23:59:59Z");
    CHECK(format_utc_iso8601(253402300799) == "9999-12-31T23:59:59Z");  // the metrics' "until"
}

TEST_CASE("time: the Berlin POSIX rule equals the IANA zone from 2000 to 2037", "[time]") {
    // Every hour around each year's two transitions, and noon on the 1st of every month.
    int compared = 0;
    for (int year = 2000; year <= 2037; ++year) {
        for (int month = 1; month <= 12; ++month) {
            for (int day : {1, 24, 25, 26, 27, 28, 29, 30, 31}) {
                if (day > 1 && month != 3 && month != 10) continue;
                for (int hour = day == 1 ? 12 : 0; hour < (day == 1 ? 13 : 24); ++hour) {
                    TimeFields f;
                    f.year = year;
                    f.month = month;
                    f.day = day;
                    f.hour = hour;
                    f.minute = 30;
                    const auto rule = local_to_unix(f, berlin_rule);
                    const auto iana = iana_local_to_unix(f, "Europe/Berlin");
                    INFO(year << "-" << month << "-" << day << " " << hour << ":30");
                    REQUIRE(rule.has_value());
                    CHECK(rule == iana);
                    ++compared;
                }
            }
        }
    }
    CHECK(compared > 10000);
}

TEST_CASE("time: every ISO 8601 form the program writes", "[time]") {
    using std::chrono::milliseconds;
    using std::chrono::system_clock;
    const system_clock::time_point t{milliseconds{1620823392345}};
    CHECK(format_utc_iso8601(t, IsoFormat::seconds) == "2021-05-12T12:43:12Z");
    CHECK(format_utc_iso8601(t, IsoFormat::milliseconds) == "2021-05-12T12:43:12.345Z");
    CHECK(format_utc_iso8601(t, IsoFormat::basic) == "20210512T124312Z");
    const system_clock::time_point early{milliseconds{7}};
    CHECK(format_utc_iso8601(early, IsoFormat::milliseconds) == "1970-01-01T00:00:00.007Z");
    const system_clock::time_point before{milliseconds{-500}};  // truncated towards the past
    CHECK(format_utc_iso8601(before, IsoFormat::milliseconds) == "1969-12-31T23:59:59.500Z");
}

TEST_CASE("time: now, in every form", "[time]") {
    const std::int64_t before = now_unix();
    const std::string seconds = now_utc_iso8601();
    const std::string millis = now_utc_iso8601(IsoFormat::milliseconds);
    const std::string basic = now_utc_iso8601(IsoFormat::basic);
    const std::int64_t after = now_unix();
    REQUIRE(seconds.size() == 20);
    CHECK(millis.size() == 24);
    CHECK(millis[19] == '.');
    CHECK(basic.size() == 16);
    const auto parsed = parse_time_to_unix(seconds, "UTC0");
    REQUIRE(parsed);
    CHECK(*parsed >= before);
    CHECK(*parsed <= after);
    CHECK(basic.substr(0, 8) == seconds.substr(0, 4) + seconds.substr(5, 2) + seconds.substr(8, 2));
}
