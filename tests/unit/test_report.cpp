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
        open_store(so)->report_rows(ReportWindow{at(0), at(t0)});
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
