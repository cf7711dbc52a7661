#include "store/postgres/report_queries.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <map>
#include <optional>
#include <string>

namespace autodns::postgres_report {
namespace {

// Keys with at least one arrival in [$1, $2).
constexpr const char* window_keys =
    "SELECT DISTINCT key FROM receipts WHERE received_at >= $1 AND received_at < $2";

const char* const sql_totals =
    "SELECT (SELECT count(DISTINCT key) FROM receipts WHERE received_at >= $1 AND "
    "received_at < $2), "
    "(SELECT count(*) FROM notifications WHERE first_received_at >= $1 AND "
    "first_received_at < $2), "
    "(SELECT count(*) FROM receipts WHERE received_at >= $1 AND received_at < $2), "
    "(SELECT count(*) FROM quarantine WHERE received_at >= $1 AND received_at < $2), "
    "(SELECT count(*) FROM outbox WHERE state = 'pending'), "
    "(SELECT count(*) FROM outbox WHERE state = 'done'), "
    "(SELECT count(*) FROM outbox WHERE state = 'dead')";

// A receipt is a duplicate when an earlier receipt (lower rowid) has the same key.
// The first receipt of a key (lowest rowid) is the only one that is no duplicate; report_keys
// holds its channel and time, so the duplicates are the receipts less those, counted by index.
const char* const sql_channels =
    "SELECT r.channel, count(*), count(DISTINCT r.key), count(*) - (SELECT count(*) FROM "
    "report_keys k WHERE k.first_channel = r.channel AND k.first_received >= $1 AND "
    "k.first_received < $2) FROM receipts r WHERE r.received_at >= $1 AND r.received_at < $2 "
    "GROUP BY r.channel";

const char* const sql_first_channels =
    "SELECT first_channel, '', count(*) FROM notifications WHERE first_received_at >= $1 AND "
    "first_received_at < $2 GROUP BY first_channel";

const char* const sql_quarantine_channels =
    "SELECT channel, '', count(*) FROM quarantine WHERE received_at >= $1 AND received_at < $2 "
    "GROUP BY channel";

// $1 = until (the only parameter: PostgreSQL must see the type of every one it is given).
// The latest arrival per channel, each found by the (channel, received_at COLLATE "C") index.
const char* const sql_last_received =
    "SELECT channel, last FROM (SELECT c.channel, (SELECT max(received_at COLLATE \"C\") FROM "
    "receipts WHERE channel = c.channel AND received_at COLLATE \"C\" < $1) AS last FROM "
    "(VALUES ('mail'), ('push'), ('poll'), ('file')) AS c (channel)) AS l WHERE last IS NOT NULL";

const char* const sql_per_day =
    "SELECT substr(received_at, 1, 10) AS day, channel, count(*) FROM receipts "
    "WHERE received_at >= $1 AND received_at < $2 GROUP BY day, channel "
    "ORDER BY substr(received_at, 1, 10) COLLATE \"C\", channel COLLATE \"C\"";

// The first mail of a key is in the window exactly when the key has a mail arrival in the window
// and none earlier; report_keys holds the first arrival per channel (all time) of every key.
const char* const sql_mail_arrivals =
    "SELECT key, id, kind, type, object_type, object_value, created, first_mail, first_push, "
    "first_poll FROM report_keys WHERE first_mail >= $1 AND first_mail < $2 AND kind IS NOT NULL "
    "ORDER BY first_mail, key COLLATE \"C\"";

// The error notifications in the window, at most $3 of each status code (the first by
// created, then key), and the count of each code.
const std::string sql_errors =
    std::string(
        "SELECT key, id, kind, type, status_code, status_text, object_type, object_value, "
        "created FROM (SELECT key, id, kind, type, status_code, record->'status'->>'text' AS "
        "status_text, object_type, object_value, created, row_number() OVER (PARTITION BY "
        "coalesce(status_code, '') ORDER BY created COLLATE \"C\" NULLS FIRST, key COLLATE "
        "\"C\") AS n FROM notifications WHERE status_type = 'error' AND key IN (") +
    window_keys +
    ")) AS e WHERE n <= $3 ORDER BY coalesce(status_code, '') COLLATE \"C\", created COLLATE "
    "\"C\" NULLS FIRST, key COLLATE \"C\"";

// Same job id (by the job-id index), or (without one) same type and object created at or
// after it. The second test is an OR, not a second NOT EXISTS: PostgreSQL turns a NOT EXISTS
// into an anti-join that scans the jobs for every running job, with or without a job id
// (48 s at 100 000 notifications); behind the OR it runs only for a job without one. $1 = until,
// $2 = limit.
const char* const open_jobs_from =
    " FROM notifications n WHERE n.kind = 'job' AND n.status_type IN ('notify', 'running') "
    "AND n.first_received_at < $1 AND NOT EXISTS (SELECT 1 FROM notifications m "
    "WHERE m.record->>'job_id' = n.record->>'job_id' AND m.kind = 'job' AND m.key <> n.key "
    "AND m.first_received_at < $1 AND coalesce(m.status_type, '') NOT IN ('notify', "
    "'running')) AND (n.record->>'job_id' IS NOT NULL OR NOT EXISTS (SELECT 1 FROM "
    "notifications m WHERE m.kind = 'job' AND m.key <> n.key AND m.first_received_at < $1 "
    "AND coalesce(m.status_type, '') NOT IN ('notify', 'running') AND "
    "m.type IS NOT DISTINCT FROM n.type AND "
    "m.object_type IS NOT DISTINCT FROM n.object_type AND "
    "m.object_value IS NOT DISTINCT FROM n.object_value AND "
    "coalesce(m.created, '') COLLATE \"C\" >= coalesce(n.created, '') COLLATE \"C\"))";

const std::string sql_open_jobs_count = std::string("SELECT count(*)") + open_jobs_from;

// The listing, each row with the count of all open jobs (one pass instead of two).
const std::string sql_open_jobs =
    std::string(
        "SELECT n.key, n.id, n.type, n.task, n.status_type, n.status_code, n.object_type, "
        "n.object_value, n.record->>'job_id', n.created, n.first_received_at, count(*) OVER ()") +
    open_jobs_from +
    " ORDER BY coalesce(n.created, n.first_received_at) COLLATE \"C\", n.key COLLATE \"C\" "
    "LIMIT $2";

const char* const sql_quarantine_reasons =
    "SELECT reason, '', count(*) AS c FROM quarantine WHERE received_at >= $1 AND "
    "received_at < $2 GROUP BY reason ORDER BY c DESC, reason COLLATE \"C\"";

const char* const sql_quarantine_latest =
    "SELECT rowid, channel, coalesce(locator, ''), coalesce(message_id, ''), reason, "
    "received_at, octet_length(raw) FROM quarantine WHERE received_at >= $1 AND "
    "received_at < $2 ORDER BY received_at COLLATE \"C\" DESC, rowid DESC LIMIT $3";

const char* const sql_dead_letters =
    "SELECT o.rowid, o.key, o.handler, o.attempts, coalesce(o.last_error, ''), o.created_at, "
    "n.type, n.object_type, n.object_value FROM outbox o LEFT JOIN notifications n ON n.key = "
    "o.key WHERE o.state = 'dead' ORDER BY o.rowid LIMIT $1";

// When the window starts at or before the earliest receipt, a key has an arrival in the window
// exactly when its earliest arrival (report_keys.first_at) is before `until`, and the sections
// below read report_keys instead of joining the receipts once per section (as in SQLite).
const char* const sql_starts_before_receipts =
    "SELECT NOT EXISTS (SELECT 1 FROM receipts WHERE received_at < $1)";

const char* const sql_totals_of_all =
    "SELECT 0, (SELECT count(*) FROM notifications WHERE first_received_at >= $1 AND "
    "first_received_at < $2), 0, "
    "(SELECT count(*) FROM quarantine WHERE received_at >= $1 AND received_at < $2), "
    "(SELECT count(*) FROM outbox WHERE state = 'pending'), "
    "(SELECT count(*) FROM outbox WHERE state = 'done'), "
    "(SELECT count(*) FROM outbox WHERE state = 'dead')";

// $1 = until. Keys with an arrival before it; per channel: receipts before it (by the
// (channel, received_at) index), keys with one before it, keys whose first receipt (lowest
// rowid, the one that is no duplicate) came by it before it.
#define AUTODNS_CHANNEL(name)                                        \
    "(SELECT count(*) FROM receipts WHERE channel = '" name          \
    "' AND received_at COLLATE \"C\" "                               \
    "< $1), (SELECT count(*) FROM report_keys WHERE first_" name     \
    " < $1), "                                                       \
    "(SELECT count(*) FROM report_keys WHERE first_channel = '" name \
    "' AND first_received "                                          \
    "< $1)"
const char* const sql_all_channels =
    "SELECT (SELECT count(*) FROM report_keys WHERE first_at < $1), " AUTODNS_CHANNEL(
        "mail") ", " AUTODNS_CHANNEL("push") ", " AUTODNS_CHANNEL("poll") ", " AUTODNS_CHANNEL("file");
#undef AUTODNS_CHANNEL

// kind, type, status type, status code, count of the window's keys: by_type, by_status and
// error_codes are summed from it.
const std::string sql_kinds =
    std::string(
        "SELECT kind, coalesce(type, ''), coalesce(status_type, ''), coalesce(status_code, ''), "
        "count(*) FROM notifications WHERE key IN (") +
    window_keys + ") GROUP BY kind, type, status_type, status_code";

// $1 = until. The same from report_keys.
const char* const sql_all_kinds =
    "SELECT kind, coalesce(type, ''), coalesce(status_type, ''), coalesce(status_code, ''), "
    "count(*) FROM report_keys WHERE kind IS NOT NULL AND first_at < $1 "
    "GROUP BY kind, type, status_type, status_code";

// $1 = until, $2 = limit.
const char* const sql_all_errors =
    "SELECT n.key, n.id, n.kind, n.type, n.status_code, n.record->'status'->>'text', "
    "n.object_type, n.object_value, n.created FROM (SELECT key, row_number() OVER (PARTITION BY "
    "coalesce(status_code, '') ORDER BY created COLLATE \"C\" NULLS FIRST, key COLLATE \"C\") "
    "AS n FROM report_keys WHERE status_type = 'error' AND first_at < $1) AS k JOIN "
    "notifications n ON n.key = k.key WHERE k.n <= $2::bigint ORDER BY "
    "coalesce(n.status_code, '') COLLATE \"C\", n.created COLLATE \"C\" NULLS FIRST, "
    "n.key COLLATE \"C\"";

// Counts summed by (first, second), most frequent first, then byte-wise by first and second.
std::vector<GroupCount> sorted_groups(
    const std::map<std::pair<std::string, std::string>, std::int64_t>& sums) {
    std::vector<GroupCount> out;
    out.reserve(sums.size());
    for (const auto& [k, n] : sums) out.push_back({k.first, k.second, n});
    std::stable_sort(out.begin(), out.end(),
                     [](const GroupCount& a, const GroupCount& b) { return a.count > b.count; });
    return out;
}

std::string text(const pqxx::field& f) {
    return f.is_null() ? std::string() : std::string(f.c_str(), f.size());
}
std::optional<std::string> optional_text(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return text(f);
}
std::optional<std::int64_t> optional_int(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return f.as<std::int64_t>();
}
std::int64_t integer(const pqxx::field& f) {
    return f.is_null() ? 0 : f.as<std::int64_t>();
}

class Reader {
  public:
    Reader(pqxx::transaction_base& tx, const ReportWindow& w)
        : tx_(tx), w_(w), limit_(std::to_string(w.list_limit)) {}

    pqxx::result window(const std::string& sql) { return tx_.exec_params(sql, w_.since, w_.until); }
    pqxx::result window_limit(const std::string& sql) {
        return tx_.exec_params(sql, w_.since, w_.until, limit_);
    }
    std::vector<GroupCount> groups(const std::string& sql) {
        std::vector<GroupCount> out;
        for (const auto& row : window(sql)) {
            out.push_back({text(row[0]), text(row[1]), integer(row[2])});
        }
        return out;
    }
    pqxx::transaction_base& tx() { return tx_; }
    const std::string& limit() const { return limit_; }

  private:
    pqxx::transaction_base& tx_;
    const ReportWindow& w_;
    std::string limit_;
};

int channel_rank(const std::string& name) {
    static const char* const order[] = {"mail", "push", "poll", "file"};
    for (int i = 0; i < 4; ++i)
        if (name == order[i]) return i;
    return 4;
}

}  // namespace

void load(pqxx::transaction_base& tx, const ReportWindow& o, ReportRows& rows) {
    // No JIT compilation: the planner's cost estimate of the open-jobs query (its rarely run
    // subplan) is high enough to switch it on, and compiling took 0.5 s of a 0.7 s query.
    tx.exec("SET LOCAL jit = off");
    Reader r(tx, o);
    const bool all_receipts =
        r.tx().exec_params(sql_starts_before_receipts, o.since)[0][0].as<bool>();
    {
        pqxx::result t = r.window(all_receipts ? sql_totals_of_all : sql_totals);
        rows.notifications = integer(t[0][0]);
        rows.new_notifications = integer(t[0][1]);
        rows.arrivals = integer(t[0][2]);
        rows.quarantined = integer(t[0][3]);
        rows.outbox_pending = integer(t[0][4]);
        rows.outbox_done = integer(t[0][5]);
        rows.outbox_dead = integer(t[0][6]);
    }

    std::map<std::string, ChannelRow> channels;
    for (const char* name : {"mail", "push", "poll", "file"}) channels[name].channel = name;
    auto slot = [&](const std::string& name) -> ChannelRow& {
        ChannelRow& c = channels[name];
        c.channel = name;
        return c;
    };
    if (all_receipts) {
        const pqxx::result t = r.tx().exec_params(sql_all_channels, o.until);
        rows.notifications = integer(t[0][0]);
        rows.arrivals = 0;
        int column = 1;
        for (const char* name : {"mail", "push", "poll", "file"}) {
            ChannelRow& c = slot(name);
            c.arrivals = integer(t[0][column]);
            c.notifications = integer(t[0][column + 1]);
            c.duplicates = c.arrivals - integer(t[0][column + 2]);
            rows.arrivals += c.arrivals;
            column += 3;
        }
    } else {
        for (const auto& row : r.window(sql_channels)) {
            ChannelRow& c = slot(text(row[0]));
            c.arrivals = integer(row[1]);
            c.notifications = integer(row[2]);
            c.duplicates = integer(row[3]);
        }
    }
    for (const GroupCount& g : r.groups(sql_first_channels)) slot(g.first).first_arrivals = g.count;
    for (const GroupCount& g : r.groups(sql_quarantine_channels))
        slot(g.first).quarantined = g.count;
    for (const auto& row : r.tx().exec_params(sql_last_received, o.until)) {
        slot(text(row[0])).last_received_at = text(row[1]);
    }
    for (auto& [name, c] : channels) rows.channels.push_back(c);
    std::stable_sort(rows.channels.begin(), rows.channels.end(),
                     [](const ChannelRow& a, const ChannelRow& b) {
                         return channel_rank(a.channel) < channel_rank(b.channel);
                     });

    for (const auto& row : r.window(sql_per_day)) {
        rows.per_day.push_back({text(row[0]), text(row[1]), integer(row[2])});
    }
    {
        std::map<std::pair<std::string, std::string>, std::int64_t> types, statuses, errors;
        for (const auto& row :
             all_receipts ? r.tx().exec_params(sql_all_kinds, o.until) : r.window(sql_kinds)) {
            const std::int64_t n = integer(row[4]);
            types[{text(row[0]), text(row[1])}] += n;
            std::string status_type = text(row[2]);
            if (status_type == "error") errors[{text(row[3]), ""}] += n;
            statuses[{std::move(status_type), text(row[3])}] += n;
        }
        rows.by_type = sorted_groups(types);
        rows.by_status = sorted_groups(statuses);
        for (const auto& [code, n] : errors) rows.error_codes.push_back({code.first, "", n});
    }
    auto mail_arrival = [](const pqxx::row& row) {
        MailArrivalRow m;
        m.key = text(row[0]);
        m.id = optional_int(row[1]);
        m.kind = text(row[2]);
        m.type = optional_text(row[3]);
        m.object_type = optional_text(row[4]);
        m.object_value = optional_text(row[5]);
        m.created = optional_text(row[6]);
        m.first_mail = text(row[7]);
        m.first_push = optional_text(row[8]);
        m.first_poll = optional_text(row[9]);
        return m;
    };
    if (o.on_mail_arrival) {
        // Through a cursor, a slice at a time: a result holds all its rows in memory.
        r.window(std::string("DECLARE report_mail_arrivals NO SCROLL CURSOR FOR ") +
                 sql_mail_arrivals);
        for (;;) {
            const pqxx::result slice = r.tx().exec("FETCH 1000 FROM report_mail_arrivals");
            for (const auto& row : slice) o.on_mail_arrival(mail_arrival(row));
            if (slice.size() < 1000) break;
        }
        r.tx().exec("CLOSE report_mail_arrivals");
    } else {
        for (const auto& row : r.window(sql_mail_arrivals)) {
            rows.mail_arrivals.push_back(mail_arrival(row));
        }
    }
    for (const auto& row : all_receipts ? r.tx().exec_params(sql_all_errors, o.until, r.limit())
                                        : r.window_limit(sql_errors)) {
        ErrorRow e;
        e.key = text(row[0]);
        e.id = optional_int(row[1]);
        e.kind = text(row[2]);
        e.type = optional_text(row[3]);
        e.status_code = optional_text(row[4]);
        e.status_text = optional_text(row[5]);
        e.object_type = optional_text(row[6]);
        e.object_value = optional_text(row[7]);
        e.created = optional_text(row[8]);
        rows.errors.push_back(std::move(e));
    }
    // Without a listing (limit 0) the count comes from its own query.
    if (o.list_limit == 0) {
        rows.open_jobs_total = integer(r.tx().exec_params(sql_open_jobs_count, o.until)[0][0]);
    }
    for (const auto& row : r.tx().exec_params(sql_open_jobs, o.until, r.limit())) {
        rows.open_jobs_total = integer(row[11]);
        OpenJobRow j;
        j.key = text(row[0]);
        j.id = optional_int(row[1]);
        j.type = optional_text(row[2]);
        j.task = optional_text(row[3]);
        j.status_type = optional_text(row[4]);
        j.status_code = optional_text(row[5]);
        j.object_type = optional_text(row[6]);
        j.object_value = optional_text(row[7]);
        j.job_id = optional_text(row[8]);
        j.created = optional_text(row[9]);
        j.first_received_at = text(row[10]);
        rows.open_jobs.push_back(std::move(j));
    }
    rows.quarantine_reasons = r.groups(sql_quarantine_reasons);
    for (const auto& row : r.window_limit(sql_quarantine_latest)) {
        QuarantineRow q;
        q.rowid = integer(row[0]);
        q.channel = text(row[1]);
        q.locator = text(row[2]);
        q.message_id = text(row[3]);
        q.reason = text(row[4]);
        q.received_at = text(row[5]);
        q.bytes = integer(row[6]);
        rows.quarantine_latest.push_back(std::move(q));
    }
    for (const auto& row : r.tx().exec_params(sql_dead_letters, r.limit())) {
        DeadLetterRow d;
        d.rowid = integer(row[0]);
        d.key = text(row[1]);
        d.handler = text(row[2]);
        d.attempts = integer(row[3]);
        d.last_error = text(row[4]);
        d.created_at = integer(row[5]);
        d.type = optional_text(row[6]);
        d.object_type = optional_text(row[7]);
        d.object_value = optional_text(row[8]);
        rows.dead_letters.push_back(std::move(d));
    }
}

}  // namespace autodns::postgres_report
