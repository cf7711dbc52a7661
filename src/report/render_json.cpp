// JSON renderer: schema "autodns-notify-report", version 1 (docs/report.md). Written with
// util::JsonWriter: the JSON library stays in src/parse/, and this output needs only objects,
// arrays, strings, integers, booleans and null.
#include <sstream>

#include "report/render.hpp"
#include "util/json.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

// {"type": ..., "value": ...}: how the report names the object a notification is about.
util::JsonWriter& object_ref(util::JsonWriter& j, const char* key,
                             const std::optional<std::string>& type,
                             const std::optional<std::string>& value) {
    return j.begin_object(key).field("type", type).field("value", value).end_object();
}

}  // namespace

std::string render_json(const Report& r) {
    const ReportRows& rows = r.rows;
    util::JsonWriter j;
    j.begin_object();
    j.field("schema", "autodns-notify-report").field("schema_version", std::int64_t{1});
    j.field("generated_at", util::format_utc_iso8601(r.options.generated_at))
        .field("database", rows.database);
    j.begin_object("window")
        .field("since", util::format_utc_iso8601(r.options.since))
        .field("until", util::format_utc_iso8601(r.options.until))
        .field("by", "arrival");
    if (const std::string pruned = pruned_within_window(r); !pruned.empty()) {
        j.field("pruned_before", pruned);
    }
    j.end_object();

    std::int64_t errors = 0;
    for (const ErrorGroup& g : r.errors) errors += g.count;
    j.begin_object("totals")
        .field("notifications", rows.notifications)
        .field("new_notifications", rows.new_notifications)
        .field("arrivals", rows.arrivals)
        .field("quarantined", rows.quarantined)
        .field("errors", errors)
        .field("open_jobs", rows.open_jobs_total)
        .begin_object("outbox")
        .field("pending", rows.outbox_pending)
        .field("done", rows.outbox_done)
        .field("dead", rows.outbox_dead)
        .end_object()
        .end_object();

    j.begin_array("channels");
    for (const ChannelRow& c : rows.channels) {
        j.begin_object()
            .field("channel", c.channel)
            .field("arrivals", c.arrivals)
            .field("notifications", c.notifications)
            .field("duplicates", c.duplicates)
            .field("first_arrivals", c.first_arrivals)
            .field("quarantined", c.quarantined)
            .field("last_arrival", c.last_received_at)
            .end_object();
    }
    j.end_array();

    std::vector<std::string> buckets;
    bool by_month = false;
    auto counts = per_bucket_counts(r, buckets, by_month);
    j.field("per_day_unit", by_month ? "month" : "day");
    j.begin_array("per_day");
    for (const std::string& b : buckets) {
        std::int64_t total = 0;
        j.begin_object().field("day", b).begin_object("channels");
        for (const ChannelRow& c : rows.channels) {
            const std::int64_t n = counts[b][c.channel];
            total += n;
            j.field(c.channel.c_str(), n);
        }
        j.end_object().field("total", total).end_object();
    }
    j.end_array();

    j.begin_array("types");
    for (const GroupCount& g : rows.by_type) {
        j.begin_object()
            .field("kind", g.first)
            .field("type", g.second.empty() ? std::nullopt : std::optional<std::string>(g.second))
            .field("count", g.count)
            .end_object();
    }
    j.end_array();
    j.begin_array("statuses");
    for (const GroupCount& g : rows.by_status) {
        auto or_null = [](const std::string& s) {
            return s.empty() ? std::nullopt : std::optional<std::string>(s);
        };
        j.begin_object()
            .field("status_type", or_null(g.first))
            .field("status_code", or_null(g.second))
            .field("count", g.count)
            .end_object();
    }
    j.end_array();

    const FallbackSummary& s = r.fallback_summary;
    j.begin_object("fallback")
        .field("threshold_seconds", r.options.fallback_threshold_seconds)
        .begin_object("summary")
        .field("count", s.count)
        .field("mail_only", s.mail_only)
        .field("after_push", s.after_push)
        .field("after_poll", s.after_poll)
        .field("fallback_24h", s.fallback_24h)
        .field("with_delay", s.with_delay)
        .field("median_delay_seconds", s.median_delay_seconds)
        .field("max_delay_seconds", s.max_delay_seconds)
        .end_object();
    j.begin_array("rows");
    for (const FallbackRow& f : r.fallback) {
        const MailArrivalRow& a = f.arrival;
        j.begin_object()
            .field("key", a.key)
            .field("id", a.id)
            .field("kind", a.kind)
            .field("type", a.type);
        object_ref(j, "object", a.object_type, a.object_value)
            .field("created", a.created)
            .field("first_push", a.first_push)
            .field("first_poll", a.first_poll)
            .field("first_mail", a.first_mail)
            .field("class", f.fallback_class)
            .field("delay_seconds", f.delay_seconds)
            .field("after_first_seconds", f.after_first_seconds)
            .field("fallback_24h", f.fallback_24h)
            .end_object();
    }
    j.end_array().end_object();

    j.begin_array("errors");
    for (const ErrorGroup& g : r.errors) {
        j.begin_object()
            .field("status_code",
                   g.status_code.empty() ? std::nullopt : std::optional<std::string>(g.status_code))
            .field("count", g.count)
            .begin_array("notifications");
        for (const ErrorRow& e : g.rows) {
            j.begin_object()
                .field("key", e.key)
                .field("id", e.id)
                .field("kind", e.kind)
                .field("type", e.type)
                .field("status_text", e.status_text);
            object_ref(j, "object", e.object_type, e.object_value)
                .field("created", e.created)
                .end_object();
        }
        j.end_array().end_object();
    }
    j.end_array();

    j.begin_object("open_jobs").field("total", rows.open_jobs_total).begin_array("rows");
    for (const OpenJobRow& o : rows.open_jobs) {
        std::optional<std::int64_t> age;
        if (o.created) {
            if (auto c = util::parse_time_to_unix(*o.created, "UTC0")) age = r.options.until - *c;
        }
        j.begin_object()
            .field("key", o.key)
            .field("id", o.id)
            .field("job_id", o.job_id)
            .field("type", o.type)
            .field("task", o.task)
            .field("status_type", o.status_type)
            .field("status_code", o.status_code);
        object_ref(j, "object", o.object_type, o.object_value)
            .field("created", o.created)
            .field("first_received_at", o.first_received_at)
            .field("age_seconds", age)
            .end_object();
    }
    j.end_array().end_object();

    j.begin_object("quarantine").field("total", rows.quarantined).begin_array("by_class");
    for (const GroupCount& g : r.quarantine_classes) {
        j.begin_object().field("class", g.first).field("count", g.count).end_object();
    }
    j.end_array().begin_array("latest");
    for (const QuarantineRow& q : rows.quarantine_latest) {
        auto or_null = [](const std::string& v) {
            return v.empty() ? std::nullopt : std::optional<std::string>(v);
        };
        j.begin_object()
            .field("rowid", q.rowid)
            .field("received_at", q.received_at)
            .field("channel", q.channel)
            .field("locator", or_null(q.locator))
            .field("message_id", or_null(q.message_id))
            .field("bytes", q.bytes)
            .field("class", quarantine_reason_class(q.reason))
            .field("reason", q.reason)
            .end_object();
    }
    j.end_array().end_object();

    j.begin_object("dead_letters").field("total", rows.outbox_dead).begin_array("rows");
    for (const DeadLetterRow& d : rows.dead_letters) {
        j.begin_object()
            .field("rowid", d.rowid)
            .field("key", d.key)
            .field("handler", d.handler)
            .field("attempts", d.attempts)
            .field("last_error", d.last_error)
            .field("created_at", util::format_utc_iso8601(d.created_at))
            .field("type", d.type);
        object_ref(j, "object", d.object_type, d.object_value).end_object();
    }
    j.end_array().end_object();
    j.end_object();
    return j.text() + "\n";
}

}  // namespace autodns
