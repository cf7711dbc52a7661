// The report's SQL for SQLite (Store::report_rows()), run on the store's own connection.
#include "store/sqlite/report_queries.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <map>

namespace autodns {
namespace {

// Keys with at least one arrival in [?1, ?2).
constexpr const char* window_keys =
    "SELECT DISTINCT key FROM receipts WHERE received_at >= ?1 AND received_at < ?2";

#define AUTODNS_TOTALS(keys, receipts)                                                 \
    "SELECT " keys                                                                     \
    ", "                                                                               \
    "(SELECT count(*) FROM notifications WHERE first_received_at >= ?1 AND "           \
    "first_received_at < ?2), " receipts                                               \
    ", "                                                                               \
    "(SELECT count(*) FROM quarantine WHERE received_at >= ?1 AND received_at < ?2), " \
    "(SELECT count(*) FROM outbox WHERE state = 'pending'), "                          \
    "(SELECT count(*) FROM outbox WHERE state = 'done'), "                             \
    "(SELECT count(*) FROM outbox WHERE state = 'dead')"

const char* const sql_totals = AUTODNS_TOTALS(
    "(SELECT count(DISTINCT key) FROM receipts WHERE received_at >= ?1 AND received_at < ?2)",
    "(SELECT count(*) FROM receipts WHERE received_at >= ?1 AND received_at < ?2)");

// The same without the keys and receipts, which sql_all_channels counts.
const char* const sql_totals_of_all = AUTODNS_TOTALS("0", "0");
#undef AUTODNS_TOTALS

// A receipt is a duplicate when an earlier receipt (lower rowid) has the same key.
// The first receipt of a key (lowest rowid) is the only one that is no duplicate; report_keys
// holds its channel and time, so the duplicates are the receipts less those, counted by index.
const char* const sql_channels =
    "SELECT r.channel, count(*), count(DISTINCT r.key), count(*) - (SELECT count(*) FROM "
    "report_keys k WHERE k.first_channel = r.channel AND k.first_received >= ?1 AND "
    "k.first_received < ?2) FROM receipts r WHERE r.received_at >= ?1 AND r.received_at < ?2 "
    "GROUP BY r.channel";

// Per channel, each counted by the (first_channel, first_received_at) index.
const char* const sql_first_channels =
    "SELECT c.channel, '', (SELECT count(*) FROM notifications WHERE first_channel = c.channel "
    "AND first_received_at >= ?1 AND first_received_at < ?2) FROM (SELECT 'mail' AS channel "
    "UNION ALL SELECT 'push' UNION ALL SELECT 'poll' UNION ALL SELECT 'file') AS c";

const char* const sql_quarantine_channels =
    "SELECT channel, '', count(*) FROM quarantine WHERE received_at >= ?1 AND received_at < ?2 "
    "GROUP BY channel";

// The latest arrival per channel, each found by the (channel, received_at) index.
const char* const sql_last_received =
    "SELECT channel, last FROM (SELECT c.channel, (SELECT max(received_at) FROM receipts "
    "WHERE channel = c.channel AND received_at < ?2) AS last FROM (SELECT 'mail' AS channel "
    "UNION ALL SELECT 'push' UNION ALL SELECT 'poll' UNION ALL SELECT 'file') AS c) "
    "WHERE last IS NOT NULL";

// The days strictly between the window's first and last day from report_days, those two days
// from the receipts ('~' sorts after every character of a stored time: D || '~' is past day D).
const char* const sql_per_day =
    "SELECT day, channel, sum(n) FROM ("
    "SELECT day, channel, arrivals AS n FROM report_days "
    "WHERE day > substr(?1, 1, 10) AND day < substr(?2, 1, 10) "
    "UNION ALL SELECT substr(received_at, 1, 10), channel, 1 FROM receipts "
    "WHERE received_at >= ?1 AND received_at < min(?2, substr(?1, 1, 10) || '~') "
    "UNION ALL SELECT substr(received_at, 1, 10), channel, 1 FROM receipts "
    "WHERE received_at >= max(?1, substr(?2, 1, 10)) AND received_at < ?2 "
    "AND substr(?2, 1, 10) > substr(?1, 1, 10)) "
    "GROUP BY day, channel HAVING sum(n) > 0 ORDER BY day, channel";

// The first mail of a key is in the window exactly when the key has a mail arrival in the window
// and none earlier; report_keys holds the first arrival per channel (all time) of every key.
const char* const sql_mail_arrivals =
    "SELECT key, id, kind, type, object_type, object_value, created, first_mail, first_push, "
    "first_poll FROM report_keys WHERE first_mail >= ?1 AND first_mail < ?2 AND kind IS NOT NULL "
    "ORDER BY first_mail, key";

// The error notifications in the window, at most ?3 of each status code (the first by
// created, then key), and the count of each code.
const std::string sql_errors =
    std::string(
        "SELECT key, id, kind, type, status_code, json_extract(record, '$.status.text'), "
        "object_type, object_value, created FROM (SELECT *, row_number() OVER (PARTITION BY "
        "coalesce(status_code, '') ORDER BY created, key) AS n FROM notifications WHERE "
        "status_type = 'error' AND key IN (") +
    window_keys + ")) WHERE n <= ?3 ORDER BY coalesce(status_code, ''), created, key";

// Same job id, or (without one) same type and object created at or after it.
const char* const open_jobs_from =
    " FROM notifications n WHERE n.kind = 'job' AND n.status_type IN ('notify', 'running') "
    "AND n.first_received_at < ?2 AND NOT EXISTS (SELECT 1 FROM notifications m "
    "WHERE json_extract(m.record, '$.job_id') = json_extract(n.record, '$.job_id') AND "
    "m.kind = 'job' AND m.key <> n.key AND m.first_received_at < ?2 "
    "AND coalesce(m.status_type, '') NOT IN ('notify', 'running')) "
    "AND NOT EXISTS (SELECT 1 FROM notifications m WHERE json_extract(n.record, '$.job_id') IS "
    "NULL AND m.kind = 'job' AND m.key <> n.key AND m.first_received_at < ?2 "
    "AND coalesce(m.status_type, '') NOT IN ('notify', 'running') AND m.type IS n.type AND "
    "m.object_type IS n.object_type AND m.object_value IS n.object_value AND "
    "coalesce(m.created, '') >= coalesce(n.created, ''))";

const std::string sql_open_jobs_count = std::string("SELECT count(*)") + open_jobs_from;

const std::string sql_open_jobs =
    std::string(
        "SELECT n.key, n.id, n.type, n.task, n.status_type, n.status_code, n.object_type, "
        "n.object_value, CAST(json_extract(n.record, '$.job_id') AS TEXT), n.created, "
        "n.first_received_at") +
    open_jobs_from + " ORDER BY coalesce(n.created, n.first_received_at), n.key LIMIT ?3";

const char* const sql_quarantine_reasons =
    "SELECT reason, '', count(*) FROM quarantine WHERE received_at >= ?1 AND received_at < ?2 "
    "GROUP BY reason ORDER BY 3 DESC, 1";

const char* const sql_quarantine_latest =
    "SELECT rowid, channel, coalesce(locator, ''), coalesce(message_id, ''), reason, "
    "received_at, length(raw) FROM quarantine WHERE received_at >= ?1 AND received_at < ?2 "
    "ORDER BY received_at DESC, rowid DESC LIMIT ?3";

const char* const sql_dead_letters =
    "SELECT o.rowid, o.key, o.handler, o.attempts, coalesce(o.last_error, ''), o.created_at, "
    "n.type, n.object_type, n.object_value FROM outbox o LEFT JOIN notifications n ON n.key = "
    "o.key WHERE o.state = 'dead' ORDER BY o.rowid LIMIT ?1";

// When the window starts at or before the earliest receipt, a key has an arrival in the window
// exactly when its earliest arrival (report_keys.first_at) is before `until`, and the sections
// below read report_keys (one row per key with receipts) instead of joining the receipts once
// per section. Receipts at or after `until` (usually none, or the last seconds) are subtracted.
const char* const sql_starts_before_receipts =
    "SELECT ?1 <= (SELECT min(received_at) FROM receipts)";

// Keys with an arrival before `until`; per channel: receipts (per day, less those at or after
// `until`), keys with one before `until`, and keys whose first receipt (lowest rowid, the one
// that is no duplicate) came by it before `until`. Each count is read from an index.
#define AUTODNS_CHANNEL(name)                                                    \
    "(SELECT coalesce(sum(arrivals), 0) FROM report_days WHERE channel = '" name \
    "'), "                                                                       \
    "(SELECT count(*) FROM report_keys WHERE first_" name                        \
    " < ?2), "                                                                   \
    "(SELECT count(*) FROM report_keys WHERE first_channel = '" name             \
    "' AND first_received "                                                      \
    "< ?2)"
const char* const sql_all_channels =
    "SELECT (SELECT count(*) FROM report_keys WHERE first_at < ?2), " AUTODNS_CHANNEL(
        "mail") ", " AUTODNS_CHANNEL("push") ", " AUTODNS_CHANNEL("poll") ", " AUTODNS_CHANNEL("file");
#undef AUTODNS_CHANNEL

// Receipts at or after `until`, per channel.
const char* const sql_receipts_after =
    "SELECT channel, count(*) FROM receipts WHERE received_at >= ?2 GROUP BY channel";

// kind, type, status type, status code, count: by_type, by_status and error_codes are summed
// from it.
const std::string sql_kinds =
    std::string(
        "SELECT kind, coalesce(type, ''), coalesce(status_type, ''), coalesce(status_code, ''), "
        "count(*) FROM notifications WHERE key IN (") +
    window_keys + ") GROUP BY kind, type, status_type, status_code";

const char* const sql_all_kinds =
    "SELECT kind, coalesce(type, ''), coalesce(status_type, ''), coalesce(status_code, ''), "
    "count(*) FROM report_keys WHERE kind IS NOT NULL AND +first_at < ?2 "
    "GROUP BY kind, type, status_type, status_code";

const char* const sql_all_errors =
    "SELECT n.key, n.id, n.kind, n.type, n.status_code, json_extract(n.record, '$.status.text'), "
    "n.object_type, n.object_value, n.created FROM (SELECT key, row_number() OVER (PARTITION BY "
    "coalesce(status_code, '') ORDER BY created, key) AS n FROM report_keys WHERE "
    "status_type = 'error' AND +first_at < ?2) AS k JOIN notifications n ON n.key = k.key "
    "WHERE k.n <= ?3 ORDER BY coalesce(n.status_code, ''), n.created, n.key";

// Counts summed by (first, second), most frequent first, then by first and second.
std::vector<GroupCount> sorted_groups(
    const std::map<std::pair<std::string, std::string>, std::int64_t>& sums) {
    std::vector<GroupCount> out;
    out.reserve(sums.size());
    for (const auto& [k, n] : sums) out.push_back({k.first, k.second, n});
    std::stable_sort(out.begin(), out.end(),
                     [](const GroupCount& a, const GroupCount& b) { return a.count > b.count; });
    return out;
}

std::string text(const SQLite::Column& c) {
    if (c.isNull()) return {};
    return std::string(static_cast<const char*>(c.getBlob()),
                       static_cast<std::size_t>(c.getBytes()));
}

std::optional<std::string> optional_text(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return text(c);
}

std::optional<std::int64_t> optional_int(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return c.getInt64();
}

class Reader {
  public:
    Reader(SQLite::Database& db, const ReportWindow& o) : db_(db), o_(o) {}

    // Prepares `sql` with the window bound as ?1, ?2 (and the limit as ?3 when used).
    SQLite::Statement prepare(const std::string& sql) {
        SQLite::Statement s(db_, sql);
        s.bind(1, o_.since);
        if (s.getBindParameterCount() >= 2) s.bind(2, o_.until);
        if (s.getBindParameterCount() >= 3) s.bind(3, static_cast<std::int64_t>(o_.list_limit));
        return s;
    }

    std::vector<GroupCount> groups(const std::string& sql) {
        std::vector<GroupCount> out;
        SQLite::Statement s = prepare(sql);
        while (s.executeStep()) {
            out.push_back({text(s.getColumn(0)), text(s.getColumn(1)), s.getColumn(2).getInt64()});
        }
        return out;
    }

  private:
    SQLite::Database& db_;
    const ReportWindow& o_;
};

int channel_rank(const std::string& name) {
    static const char* const order[] = {"mail", "push", "poll", "file"};
    for (int i = 0; i < 4; ++i)
        if (name == order[i]) return i;
    return 4;
}

}  // namespace

namespace sqlite_report {

void load(SQLite::Database& db, const ReportWindow& o, ReportRows& rows) {
    Reader r(db, o);
    bool all_receipts = false;
    {
        SQLite::Statement s = r.prepare(sql_starts_before_receipts);
        all_receipts = s.executeStep() && s.getColumn(0).getInt() == 1;
    }
    {
        SQLite::Statement s = r.prepare(all_receipts ? sql_totals_of_all : sql_totals);
        s.executeStep();
        rows.notifications = s.getColumn(0).getInt64();
        rows.new_notifications = s.getColumn(1).getInt64();
        rows.arrivals = s.getColumn(2).getInt64();
        rows.quarantined = s.getColumn(3).getInt64();
        rows.outbox_pending = s.getColumn(4).getInt64();
        rows.outbox_done = s.getColumn(5).getInt64();
        rows.outbox_dead = s.getColumn(6).getInt64();
    }

    std::map<std::string, ChannelRow> channels;
    for (const char* name : {"mail", "push", "poll", "file"}) channels[name].channel = name;
    auto slot = [&](const std::string& name) -> ChannelRow& {
        ChannelRow& c = channels[name];
        c.channel = name;
        return c;
    };
    if (all_receipts) {
        std::map<std::string, std::int64_t> after;
        {
            SQLite::Statement s = r.prepare(sql_receipts_after);
            while (s.executeStep()) after[text(s.getColumn(0))] = s.getColumn(1).getInt64();
        }
        SQLite::Statement s = r.prepare(sql_all_channels);
        s.executeStep();
        rows.notifications = s.getColumn(0).getInt64();
        rows.arrivals = 0;
        int column = 1;
        for (const char* name : {"mail", "push", "poll", "file"}) {
            ChannelRow& c = slot(name);
            c.arrivals = s.getColumn(column).getInt64() - after[name];
            c.notifications = s.getColumn(column + 1).getInt64();
            c.duplicates = c.arrivals - s.getColumn(column + 2).getInt64();
            rows.arrivals += c.arrivals;
            column += 3;
        }
    } else {
        SQLite::Statement s = r.prepare(sql_channels);
        while (s.executeStep()) {
            ChannelRow& c = slot(text(s.getColumn(0)));
            c.arrivals = s.getColumn(1).getInt64();
            c.notifications = s.getColumn(2).getInt64();
            c.duplicates = s.getColumn(3).getInt64();
        }
    }
    for (const GroupCount& g : r.groups(sql_first_channels)) {
        slot(g.first).first_arrivals = g.count;
    }
    for (const GroupCount& g : r.groups(sql_quarantine_channels)) {
        slot(g.first).quarantined = g.count;
    }
    {
        SQLite::Statement s = r.prepare(sql_last_received);
        while (s.executeStep()) slot(text(s.getColumn(0))).last_received_at = text(s.getColumn(1));
    }
    for (auto& [name, c] : channels) rows.channels.push_back(c);
    std::stable_sort(rows.channels.begin(), rows.channels.end(),
                     [](const ChannelRow& a, const ChannelRow& b) {
                         return channel_rank(a.channel) < channel_rank(b.channel);
                     });

    {
        SQLite::Statement s = r.prepare(sql_per_day);
        while (s.executeStep()) {
            rows.per_day.push_back(
                {text(s.getColumn(0)), text(s.getColumn(1)), s.getColumn(2).getInt64()});
        }
    }
    {
        std::map<std::pair<std::string, std::string>, std::int64_t> types, statuses, errors;
        SQLite::Statement s = r.prepare(all_receipts ? sql_all_kinds : sql_kinds);
        while (s.executeStep()) {
            const std::int64_t n = s.getColumn(4).getInt64();
            types[{text(s.getColumn(0)), text(s.getColumn(1))}] += n;
            std::string status_type = text(s.getColumn(2));
            if (status_type == "error") errors[{text(s.getColumn(3)), ""}] += n;
            statuses[{std::move(status_type), text(s.getColumn(3))}] += n;
        }
        rows.by_type = sorted_groups(types);
        rows.by_status = sorted_groups(statuses);
        for (const auto& [code, n] : errors) rows.error_codes.push_back({code.first, "", n});
    }
    {
        SQLite::Statement s = r.prepare(sql_mail_arrivals);
        while (s.executeStep()) {
            MailArrivalRow m;
            m.key = text(s.getColumn(0));
            m.id = optional_int(s.getColumn(1));
            m.kind = text(s.getColumn(2));
            m.type = optional_text(s.getColumn(3));
            m.object_type = optional_text(s.getColumn(4));
            m.object_value = optional_text(s.getColumn(5));
            m.created = optional_text(s.getColumn(6));
            m.first_mail = text(s.getColumn(7));
            m.first_push = optional_text(s.getColumn(8));
            m.first_poll = optional_text(s.getColumn(9));
            if (o.on_mail_arrival) {
                o.on_mail_arrival(std::move(m));
            } else {
                rows.mail_arrivals.push_back(std::move(m));
            }
        }
    }
    {
        SQLite::Statement s = r.prepare(all_receipts ? sql_all_errors : sql_errors);
        while (s.executeStep()) {
            ErrorRow e;
            e.key = text(s.getColumn(0));
            e.id = optional_int(s.getColumn(1));
            e.kind = text(s.getColumn(2));
            e.type = optional_text(s.getColumn(3));
            e.status_code = optional_text(s.getColumn(4));
            e.status_text = optional_text(s.getColumn(5));
            e.object_type = optional_text(s.getColumn(6));
            e.object_value = optional_text(s.getColumn(7));
            e.created = optional_text(s.getColumn(8));
            rows.errors.push_back(std::move(e));
        }
    }
    {
        SQLite::Statement s = r.prepare(sql_open_jobs_count);
        s.executeStep();
        rows.open_jobs_total = s.getColumn(0).getInt64();
    }
    {
        SQLite::Statement s = r.prepare(sql_open_jobs);
        while (s.executeStep()) {
            OpenJobRow j;
            j.key = text(s.getColumn(0));
            j.id = optional_int(s.getColumn(1));
            j.type = optional_text(s.getColumn(2));
            j.task = optional_text(s.getColumn(3));
            j.status_type = optional_text(s.getColumn(4));
            j.status_code = optional_text(s.getColumn(5));
            j.object_type = optional_text(s.getColumn(6));
            j.object_value = optional_text(s.getColumn(7));
            j.job_id = optional_text(s.getColumn(8));
            j.created = optional_text(s.getColumn(9));
            j.first_received_at = text(s.getColumn(10));
            rows.open_jobs.push_back(std::move(j));
        }
    }
    rows.quarantine_reasons = r.groups(sql_quarantine_reasons);
    {
        SQLite::Statement s = r.prepare(sql_quarantine_latest);
        while (s.executeStep()) {
            QuarantineRow q;
            q.rowid = s.getColumn(0).getInt64();
            q.channel = text(s.getColumn(1));
            q.locator = text(s.getColumn(2));
            q.message_id = text(s.getColumn(3));
            q.reason = text(s.getColumn(4));
            q.received_at = text(s.getColumn(5));
            q.bytes = s.getColumn(6).getInt64();
            rows.quarantine_latest.push_back(std::move(q));
        }
    }
    {
        SQLite::Statement s(db, sql_dead_letters);
        s.bind(1, static_cast<std::int64_t>(o.list_limit));
        while (s.executeStep()) {
            DeadLetterRow d;
            d.rowid = s.getColumn(0).getInt64();
            d.key = text(s.getColumn(1));
            d.handler = text(s.getColumn(2));
            d.attempts = s.getColumn(3).getInt64();
            d.last_error = text(s.getColumn(4));
            d.created_at = s.getColumn(5).getInt64();
            d.type = optional_text(s.getColumn(6));
            d.object_type = optional_text(s.getColumn(7));
            d.object_value = optional_text(s.getColumn(8));
            rows.dead_letters.push_back(std::move(d));
        }
    }
}

}  // namespace sqlite_report

}  // namespace autodns
