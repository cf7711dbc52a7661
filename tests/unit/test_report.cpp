// The report over a store filled through the Store API with fixed arrival times: channel
// counts, duplicates, fallback classes and delays, open jobs, errors, window edges, renderers.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/notification.hpp"
#include "report/render.hpp"
#include "report/report.hpp"
#include "store/store.hpp"
#include "temp_dir.hpp"
#include "util/time.hpp"

using namespace autodns;

namespace {

const std::int64_t t0 = 1715515200;  // 2024-05-12T12:00:00Z
const std::int64_t hour = 3600;

std::string at(std::int64_t t) {
    return util::format_utc_iso8601(t);
}

Notification note(std::int64_t id, std::int64_t created, const std::string& type = "transfer_start",
                  const std::string& domain = "example.aq") {
    Notification n;
    n.id = id;
    n.kind = "notify";
    n.type = type;
    n.object = {std::string("domain"), domain};
    n.created = at(created);
    assign_key(n);
    return n;
}

Notification job(std::int64_t id, std::int64_t created, const std::string& status,
                 std::optional<std::int64_t> job_id, const std::string& domain) {
    Notification n;
    n.id = id;
    n.kind = "job";
    n.type = "DomainCreate";
    n.task = "0101";
    n.status.type = status;
    n.status.code = (status == "success" ? "S0101" : status == "error" ? "E0101" : "N0101");
    n.object = {std::string("domain"), domain};
    n.job_id = std::move(job_id);
    n.created = at(created);
    assign_key(n);
    return n;
}

void arrive(Store& store, const Notification& n, Channel channel, std::int64_t when) {
    Arrival a;
    a.channel = channel;
    a.locator = "test";
    a.received_at = at(when);
    store.ingest({n}, a, "{}");
}

Report load(const std::string& db, std::int64_t since, std::int64_t until, std::size_t limit = 50) {
    StoreOptions so;
    so.location = db;
    so.read_only = true;
    ReportWindow q;
    q.since = at(since);
    q.until = at(until);
    ReportOptions o;
    o.since = since;
    o.until = until;
    o.generated_at = until;
    o.list_limit = limit;
    return build_report(open_store(so)->report_rows(q), o);
}

const FallbackRow* find(const Report& r, std::int64_t id) {
    for (const FallbackRow& f : r.fallback)
        if (f.arrival.id == id) return &f;
    return nullptr;
}

}  // namespace

TEST_CASE("report: channels, duplicates and fallback classes from fixed arrival times") {
    TempDir dir;
    const std::string db = dir / "notify.sqlite";
    {
        StoreOptions o;
        o.location = db;
        o.durable_ack = false;
        auto owned = open_store(o);
        Store& store = *owned;
        // Mail only, 30 h after the message: AutoDNS's fallback.
        arrive(store, note(1, t0 - 30 * hour), Channel::mail, t0);
        // Mail only, 10 minutes after: ordinary mail delivery.
        arrive(store, note(2, t0 - 600), Channel::mail, t0);
        // Push first, mail 24 h later: the push was not confirmed.
        arrive(store, note(3, t0 - 25 * hour), Channel::push, t0 - 25 * hour + 5);
        arrive(store, note(3, t0 - 25 * hour), Channel::mail, t0);
        // Mail first, poll later: no fallback.
        arrive(store, note(4, t0 - hour), Channel::mail, t0 - hour + 60);
        arrive(store, note(4, t0 - hour), Channel::poll, t0);
        // Poll twice: a duplicate on the poll channel.
        arrive(store, note(5, t0 - 2 * hour), Channel::poll, t0 - 2 * hour);
        arrive(store, note(5, t0 - 2 * hour), Channel::poll, t0 - hour);
        // Outside the window (a week before).
        arrive(store, note(6, t0 - 8 * 24 * hour), Channel::mail, t0 - 8 * 24 * hour);
    }
    const Report r = load(db, t0 - 7 * 24 * hour, t0 + 1);

    CHECK(r.rows.notifications == 5);
    CHECK(r.rows.arrivals == 8);
    REQUIRE(r.rows.channels.size() == 4);
    CHECK(r.rows.channels[0].channel == "mail");
    CHECK(r.rows.channels[0].arrivals == 4);
    CHECK(r.rows.channels[0].duplicates == 1);  // id 3 came by push first
    CHECK(r.rows.channels[1].channel == "push");
    CHECK(r.rows.channels[1].first_arrivals == 1);
    CHECK(r.rows.channels[2].channel == "poll");
    CHECK(r.rows.channels[2].arrivals == 3);
    CHECK(r.rows.channels[2].duplicates == 2);  // id 4 (mail first) and id 5's second poll
    CHECK(r.rows.channels[2].last_received_at == at(t0));

    REQUIRE(r.fallback.size() == 3);
    CHECK(find(r, 4) == nullptr);
    REQUIRE(find(r, 1));
    CHECK(find(r, 1)->fallback_class == "mail only");
    CHECK(find(r, 1)->delay_seconds == 30 * hour);
    CHECK(find(r, 1)->fallback_24h);
    CHECK(find(r, 2)->delay_seconds == 600);
    CHECK_FALSE(find(r, 2)->fallback_24h);
    CHECK(find(r, 3)->fallback_class == "after push");
    CHECK(find(r, 3)->after_first_seconds == 25 * hour - 5);
    CHECK_FALSE(find(r, 3)->fallback_24h);  // flagged only for mail-only notifications
    CHECK(r.fallback_summary.count == 3);
    CHECK(r.fallback_summary.fallback_24h == 1);
    CHECK(r.fallback_summary.median_delay_seconds == 25 * hour);
    CHECK(r.fallback_summary.max_delay_seconds == 30 * hour);

    // Listing order and limit: flagged first, then after push/poll; the summary counts all.
    CHECK(r.fallback[0].arrival.id == 1);
    CHECK(r.fallback[1].arrival.id == 3);
    CHECK(r.fallback[2].arrival.id == 2);
    const Report limited = load(db, t0 - 7 * 24 * hour, t0 + 1, 1);
    REQUIRE(limited.fallback.size() == 1);
    CHECK(limited.fallback[0].arrival.id == 1);
    CHECK(limited.fallback_summary.count == 3);
    CHECK(render_text(limited).find("Listed: the first 1, flagged") != std::string::npos);

    // The window edge: until is excluded.
    const Report before = load(db, t0 - 7 * 24 * hour, t0);
    CHECK(before.rows.arrivals == 4);  // id 3's push, id 4's mail, id 5's two polls
    CHECK(before.fallback.empty());
}

TEST_CASE("report: open jobs close by job id or, without one, by object and type") {
    TempDir dir;
    const std::string db = dir / "notify.sqlite";
    {
        auto owned = open_store(StoreOptions{db});
        Store& store = *owned;
        arrive(store, job(10, t0 - 5 * hour, "notify", std::int64_t{500}, "a.example"),
               Channel::poll, t0 - 5 * hour);
        arrive(store, job(11, t0 - 4 * hour, "success", std::int64_t{500}, "a.example"),
               Channel::poll, t0 - 4 * hour);
        arrive(store, job(12, t0 - 3 * hour, "running", std::int64_t{501}, "b.example"),
               Channel::poll, t0 - 3 * hour);
        arrive(store, job(13, t0 - 3 * hour, "notify", std::nullopt, "c.example"), Channel::mail,
               t0 - 3 * hour);
        arrive(store, job(14, t0 - 2 * hour, "error", std::nullopt, "c.example"), Channel::mail,
               t0 - 2 * hour);
        arrive(store, job(15, t0 - hour, "notify", std::nullopt, "d.example"), Channel::mail,
               t0 - hour);
    }
    const Report r = load(db, t0 - 24 * hour, t0 + 1);
    CHECK(r.rows.open_jobs_total == 2);
    REQUIRE(r.rows.open_jobs.size() == 2);
    CHECK(r.rows.open_jobs[0].key == "id:12");
    CHECK(r.rows.open_jobs[0].job_id == "501");
    CHECK(r.rows.open_jobs[1].key == "id:15");
    REQUIRE(r.errors.size() == 1);
    CHECK(r.errors[0].status_code == "E0101");
    CHECK(r.errors[0].rows.at(0).object_value == "c.example");

    // Before the success arrived, job 500 was still open.
    const Report earlier = load(db, t0 - 24 * hour, t0 - 4 * hour);
    CHECK(earlier.rows.open_jobs_total == 1);
    CHECK(earlier.rows.open_jobs.at(0).key == "id:10");
}

TEST_CASE("report: renderers agree on the figures") {
    TempDir dir;
    const std::string db = dir / "notify.sqlite";
    {
        auto owned = open_store(StoreOptions{db});
        Store& store = *owned;
        arrive(store, note(1, t0 - 30 * hour, "transfer_start", "x<y>.example"), Channel::mail, t0);
        Arrival a;
        a.channel = Channel::mail;
        a.received_at = at(t0);
        store.quarantine(a, "junk", "malformed: \"bad\" XML, line 1");
    }
    const Report r = load(db, t0 - 24 * hour, t0 + 1);
    const std::string text = render_text(r);
    CHECK(text.find("fallback after 24 h") != std::string::npos);
    CHECK(text.find("30h 00m") != std::string::npos);
    const std::string csv = render_csv(r);
    CHECK(csv.find("fallback,1,delay_seconds,108000\r\n") != std::string::npos);
    CHECK(csv.find("quarantine_latest,1,reason,\"malformed: \"\"bad\"\" XML, line 1\"\r\n") !=
          std::string::npos);
    const std::string json = render_json(r);
    CHECK(json.find("\"median_delay_seconds\": 108000") != std::string::npos);
    CHECK(json.find("\"reason\": \"malformed: \\\"bad\\\" XML, line 1\"") != std::string::npos);
    const std::string html = render_html(r);
    CHECK(html.find("x&lt;y&gt;.example") != std::string::npos);
    CHECK(html.find("x<y>") == std::string::npos);
    CHECK(html.find("data-channel=\"mail\" data-count=\"1\"") != std::string::npos);
    const std::string prom = render_prometheus(r);
    CHECK(prom.find("autodns_notify_quarantined_total{reason=\"malformed\"} 1\n") !=
          std::string::npos);
}

TEST_CASE("report: a missing database is an error naming it, and is not created") {
    TempDir dir;
    StoreOptions so;
    so.location = dir / "none.sqlite";
    so.read_only = true;
    try {
        open_store(so)->report_rows(ReportWindow{at(0), at(t0), 50, {}});
        FAIL("no error");
    } catch (const FatalError& e) {
        CHECK(std::string(e.what()).find(so.location) != std::string::npos);
        CHECK_FALSE(e.temporary());
    }
    CHECK_FALSE(std::filesystem::exists(so.location));
}

TEST_CASE("report: time arguments") {
    const std::int64_t now = t0;
    CHECK(parse_report_time("now", now, false) == now);
    CHECK(parse_report_time("7d", now, false) == now - 7 * 86400);
    CHECK(parse_report_time("1d12h", now, false) == now - 36 * hour);
    CHECK(parse_report_time("2w", now, false) == now - 14 * 86400);
    CHECK(parse_report_time("2024-05-01", now, false) == 1714521600);
    CHECK(parse_report_time("2024-05-01", now, true) == 1714521600 + 86400);
    CHECK(parse_report_time("2024-05-01T12:00:00Z", now, false) == 1714564800);
    CHECK(parse_report_time("2024-05-01T14:00:00+02:00", now, false) == 1714564800);
    CHECK(parse_report_time("2024-05-01 12:00", now, false) == 1714564800);
    CHECK_FALSE(parse_report_time("yesterday", now, false));
    CHECK_FALSE(parse_report_time("7x", now, false));
    CHECK_FALSE(parse_report_time("2024-13-01", now, false));
    CHECK(format_duration(42) == "42s");
    CHECK(format_duration(125) == "2m 05s");
    CHECK(format_duration(30 * hour + 300) == "30h 05m");
    CHECK(format_duration(3 * 86400 + 4 * hour) == "3d 04h");
    CHECK(format_duration(-90) == "-1m 30s");
    CHECK(quarantine_reason_class("not a notification: part 1") == "not a notification");
    CHECK(quarantine_reason_class("odd") == "odd");
}

TEST_CASE("report: the fallback collector keeps a bounded listing, counts and the median of all",
          "[report]") {
    ReportOptions options;
    options.list_limit = 3;
    FallbackCollector collector(options);
    auto arrival = [](int i, const char* mail, std::optional<std::string> push,
                      std::optional<std::string> created) {
        MailArrivalRow m;
        m.key = "id:" + std::to_string(i);
        m.kind = "notify";
        m.first_mail = mail;
        m.first_push = std::move(push);
        m.created = std::move(created);
        return m;
    };
    // By first mail arrival, as the store hands them over: mail only (delays 1 h, 30 h, 2 h,
    // 40 h), after push (delay 10 min), and one whose mail came first (no fallback).
    collector.add(arrival(1, "2024-05-01T01:00:00Z", std::nullopt, "2024-05-01T00:00:00Z"));
    collector.add(arrival(2, "2024-05-02T06:00:00Z", std::nullopt, "2024-05-01T00:00:00Z"));
    collector.add(
        arrival(3, "2024-05-02T07:00:00Z", "2024-05-02T06:59:00Z", "2024-05-02T06:50:00Z"));
    collector.add(arrival(4, "2024-05-02T08:00:00Z", "2024-05-03T00:00:00Z", std::nullopt));
    collector.add(arrival(5, "2024-05-03T02:00:00Z", std::nullopt, "2024-05-03T00:00:00Z"));
    collector.add(arrival(6, "2024-05-04T16:00:00Z", std::nullopt, "2024-05-03T00:00:00Z"));
    std::vector<FallbackRow> listing;
    FallbackSummary summary;
    collector.finish(listing, summary);
    CHECK(summary.count == 5);
    CHECK(summary.mail_only == 4);
    CHECK(summary.after_push == 1);
    CHECK(summary.fallback_24h == 2);
    CHECK(summary.with_delay == 5);
    // Delays 3600, 108000, 600, 7200, 144000: the median is the middle one, 7200.
    CHECK(summary.median_delay_seconds == std::optional<std::int64_t>(7200));
    CHECK(summary.max_delay_seconds == std::optional<std::int64_t>(144000));
    // Flagged first (2, 6), then after push (3); the limit cuts the other mail-only ones.
    REQUIRE(listing.size() == 3);
    CHECK(listing[0].arrival.key == "id:2");
    CHECK(listing[1].arrival.key == "id:6");
    CHECK(listing[2].arrival.key == "id:3");
    CHECK(listing[2].after_first_seconds == std::optional<std::int64_t>(60));
}

TEST_CASE("report: error groups take their counts from the store, rows bounded", "[report]") {
    ReportRows rows;
    rows.error_codes = {{"E0101", "", 2}, {"E0202", "", 7}};
    ErrorRow e;
    e.key = "id:1";
    e.status_code = "E0101";
    rows.errors.push_back(e);
    e.key = "id:2";
    e.status_code = "E0202";
    rows.errors.push_back(e);
    const Report r = build_report(rows, ReportOptions{});
    REQUIRE(r.errors.size() == 2);
    CHECK(r.errors[0].status_code == "E0202");  // most frequent first
    CHECK(r.errors[0].count == 7);
    CHECK(r.errors[0].rows.size() == 1);
    CHECK(r.errors[1].count == 2);
}

TEST_CASE("report: streaming the mail arrivals gives the same report as collecting them",
          "[report]") {
    TempDir dir;
    const std::string db = dir / "stream.sqlite";
    {
        StoreOptions so;
        so.location = db;
        auto store = open_store(so);
        for (int i = 1; i <= 40; ++i) {
            const std::int64_t created = t0 - 60 * hour + i * 1000;
            const Notification n = note(i, created, i % 3 ? "transfer_start" : "autorenew");
            if (i % 4 == 0) arrive(*store, n, Channel::push, created + 60);
            if (i % 5 == 0) arrive(*store, n, Channel::poll, created + 120);
            // Mail: within minutes, or a day and more later (the 24 h fallback).
            arrive(*store, n, Channel::mail, created + (i % 2 ? 300 : 26 * hour + i));
        }
        arrive(*store, job(100, t0 - 5 * hour, "error", 7, "e.example"), Channel::mail,
               t0 - 4 * hour);
    }
    for (const std::size_t limit : {std::size_t(3), std::size_t(50)}) {
        const Report collected = load(db, t0 - 7 * 24 * hour, t0, limit);
        StoreOptions so;
        so.location = db;
        so.read_only = true;
        ReportWindow q;
        q.since = at(t0 - 7 * 24 * hour);
        q.until = at(t0);
        ReportOptions o;
        o.since = t0 - 7 * 24 * hour;
        o.until = t0;
        o.generated_at = t0;
        o.list_limit = limit;
        FallbackCollector fallback(o);
        q.on_mail_arrival = [&](MailArrivalRow&& m) { fallback.add(m); };
        const Report streamed = build_report(open_store(so)->report_rows(q), o, &fallback);
        CHECK(collected.fallback_summary.count > 10);
        CHECK(render_json(streamed) == render_json(collected));
        CHECK(render_text(streamed) == render_text(collected));
    }
}
