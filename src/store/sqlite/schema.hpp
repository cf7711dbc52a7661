// Every SQL text of the SQLite store: the schema migrations and the statements it prepares.
//
// Kept apart from the code that runs them so that a second backend (PostgreSQL, DESIGN §7) can
// be written against the same list. Plain strings only: no SQLite header here.
#pragma once

#include <cstddef>

namespace autodns::sqlite_sql {

// One schema step. Step i (0-based) brings PRAGMA user_version from i to i + 1. Steps run in
// order inside one IMMEDIATE transaction. A released step is never edited: append a new one.
struct Migration {
    const char* description;
    const char* sql;
};

inline constexpr Migration migrations[] = {
    {"initial schema: notifications, receipts, quarantine, outbox", R"sql(
CREATE TABLE notifications (
    key               TEXT PRIMARY KEY NOT NULL,
    id                INTEGER,
    kind              TEXT NOT NULL,
    type              TEXT,
    task              TEXT,
    status_type       TEXT,
    status_code       TEXT,
    object_type       TEXT,
    object_value      TEXT,
    stid              TEXT,
    created           TEXT,
    format            TEXT NOT NULL,
    record            TEXT NOT NULL,
    raw_payload       BLOB,
    first_channel     TEXT NOT NULL,
    first_received_at TEXT NOT NULL
);
CREATE INDEX notifications_created ON notifications(created);
CREATE INDEX notifications_type ON notifications(type);
CREATE INDEX notifications_status_code ON notifications(status_code);
CREATE INDEX notifications_id ON notifications(id);

CREATE TABLE receipts (
    rowid       INTEGER PRIMARY KEY,
    key         TEXT NOT NULL,
    channel     TEXT NOT NULL,
    locator     TEXT,
    message_id  TEXT,
    raw_sha256  TEXT,
    received_at TEXT NOT NULL
);
CREATE INDEX receipts_key ON receipts(key);
CREATE INDEX receipts_raw_sha256 ON receipts(raw_sha256);

CREATE TABLE quarantine (
    rowid       INTEGER PRIMARY KEY,
    channel     TEXT NOT NULL,
    locator     TEXT,
    message_id  TEXT,
    raw_sha256  TEXT,
    raw         BLOB NOT NULL,
    reason      TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX quarantine_raw_sha256 ON quarantine(raw_sha256);

CREATE TABLE outbox (
    rowid           INTEGER PRIMARY KEY,
    key             TEXT NOT NULL,
    handler         TEXT NOT NULL,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    lease_owner     TEXT,
    lease_until     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    done_at         INTEGER,
    UNIQUE (key, handler)
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
)sql"},
    {"retention: tombstones of pruned keys and raw fingerprints, prune horizons", R"sql(
CREATE TABLE pruned_keys (
    key       TEXT PRIMARY KEY NOT NULL,
    pruned_at TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE pruned_raw (
    raw_sha256 TEXT PRIMARY KEY NOT NULL
) WITHOUT ROWID;

CREATE TABLE prune_horizons (
    policy  TEXT PRIMARY KEY NOT NULL,
    horizon TEXT NOT NULL
);
)sql"},
    {"report: the window found by index, a job's later status by its job id", R"sql(
CREATE INDEX receipts_received_at ON receipts(received_at);
CREATE INDEX notifications_first_received_at ON notifications(first_received_at);
CREATE INDEX quarantine_received_at ON quarantine(received_at);
CREATE INDEX notifications_job_id ON notifications(json_extract(record, '$.job_id'))
    WHERE kind = 'job';
CREATE INDEX receipts_channel_received_at ON receipts(channel, received_at);
CREATE INDEX notifications_open_jobs ON notifications(status_type, first_received_at)
    WHERE kind = 'job';
)sql"},
    {"report: a summary row per key with receipts and arrivals per day, kept by triggers", R"sql(
-- One row per key that has receipts: the stored notification's columns the report groups by
-- (kind NULL: no stored notification), the receipt with the lowest rowid (the only one that is
-- not a duplicate), the earliest arrival, and receipts and earliest arrival per channel.
CREATE TABLE report_keys (
    key            TEXT PRIMARY KEY NOT NULL,
    kind           TEXT,
    id             INTEGER,
    type           TEXT,
    status_type    TEXT,
    status_code    TEXT,
    object_type    TEXT,
    object_value   TEXT,
    created        TEXT,
    receipts       INTEGER NOT NULL,
    first_rowid    INTEGER NOT NULL,
    first_channel  TEXT NOT NULL,
    first_received TEXT NOT NULL,
    first_at       TEXT NOT NULL,
    mail           INTEGER NOT NULL,
    push           INTEGER NOT NULL,
    poll           INTEGER NOT NULL,
    file           INTEGER NOT NULL,
    first_mail     TEXT,
    first_push     TEXT,
    first_poll     TEXT,
    first_file     TEXT
) WITHOUT ROWID;

INSERT INTO report_keys
SELECT a.key, n.kind, n.id, n.type, n.status_type, n.status_code, n.object_type,
       n.object_value, n.created, a.receipts, a.first_rowid, f.channel, f.received_at,
       a.first_at, a.mail, a.push, a.poll, a.file, a.first_mail, a.first_push, a.first_poll,
       a.first_file
FROM (SELECT key, count(*) AS receipts, min(rowid) AS first_rowid,
             min(received_at) AS first_at,
             sum(channel = 'mail') AS mail, sum(channel = 'push') AS push,
             sum(channel = 'poll') AS poll, sum(channel = 'file') AS file,
             min(CASE WHEN channel = 'mail' THEN received_at END) AS first_mail,
             min(CASE WHEN channel = 'push' THEN received_at END) AS first_push,
             min(CASE WHEN channel = 'poll' THEN received_at END) AS first_poll,
             min(CASE WHEN channel = 'file' THEN received_at END) AS first_file
      FROM receipts GROUP BY key) AS a
JOIN receipts f ON f.rowid = a.first_rowid
LEFT JOIN notifications n ON n.key = a.key;

CREATE INDEX report_keys_first_at ON report_keys(first_at);
CREATE INDEX report_keys_first_receipt ON report_keys(first_channel, first_received);
CREATE INDEX report_keys_first_mail ON report_keys(first_mail, kind, id, type, object_type,
    object_value, created, first_push, first_poll) WHERE first_mail IS NOT NULL;
CREATE INDEX report_keys_first_push ON report_keys(first_push) WHERE first_push IS NOT NULL;
CREATE INDEX report_keys_first_poll ON report_keys(first_poll) WHERE first_poll IS NOT NULL;
CREATE INDEX report_keys_first_file ON report_keys(first_file) WHERE first_file IS NOT NULL;
CREATE INDEX report_keys_groups ON report_keys(kind, type, status_type, status_code, first_at);
CREATE INDEX report_keys_errors ON report_keys(status_code, created)
    WHERE status_type = 'error';

-- Receipts per day (substr(received_at, 1, 10)) and channel.
CREATE TABLE report_days (
    day      TEXT NOT NULL,
    channel  TEXT NOT NULL,
    arrivals INTEGER NOT NULL,
    PRIMARY KEY (day, channel)
) WITHOUT ROWID;
INSERT INTO report_days
SELECT substr(received_at, 1, 10), channel, count(*) FROM receipts GROUP BY 1, 2;

CREATE INDEX notifications_first_arrival ON notifications(first_channel, first_received_at);

CREATE TRIGGER report_receipt_added AFTER INSERT ON receipts BEGIN
INSERT INTO report_keys
SELECT new.key, n.kind, n.id, n.type, n.status_type, n.status_code, n.object_type,
       n.object_value, n.created, 1, new.rowid, new.channel, new.received_at, new.received_at,
       new.channel = 'mail', new.channel = 'push', new.channel = 'poll', new.channel = 'file',
       CASE WHEN new.channel = 'mail' THEN new.received_at END,
       CASE WHEN new.channel = 'push' THEN new.received_at END,
       CASE WHEN new.channel = 'poll' THEN new.received_at END,
       CASE WHEN new.channel = 'file' THEN new.received_at END
FROM (SELECT 1) LEFT JOIN notifications n ON n.key = new.key WHERE true
ON CONFLICT (key) DO UPDATE SET
    kind = coalesce(kind, excluded.kind),
    id = CASE WHEN kind IS NULL THEN excluded.id ELSE id END,
    type = CASE WHEN kind IS NULL THEN excluded.type ELSE type END,
    status_type = CASE WHEN kind IS NULL THEN excluded.status_type ELSE status_type END,
    status_code = CASE WHEN kind IS NULL THEN excluded.status_code ELSE status_code END,
    object_type = CASE WHEN kind IS NULL THEN excluded.object_type ELSE object_type END,
    object_value = CASE WHEN kind IS NULL THEN excluded.object_value ELSE object_value END,
    created = CASE WHEN kind IS NULL THEN excluded.created ELSE created END,
    receipts = receipts + 1,
    first_rowid = min(first_rowid, excluded.first_rowid),
    first_channel = CASE WHEN excluded.first_rowid < first_rowid THEN excluded.first_channel
                         ELSE first_channel END,
    first_received = CASE WHEN excluded.first_rowid < first_rowid THEN excluded.first_received
                          ELSE first_received END,
    first_at = min(first_at, excluded.first_at),
    mail = mail + excluded.mail,
    push = push + excluded.push,
    poll = poll + excluded.poll,
    file = file + excluded.file,
    first_mail = CASE WHEN first_mail IS NULL OR excluded.first_mail < first_mail
                      THEN coalesce(excluded.first_mail, first_mail) ELSE first_mail END,
    first_push = CASE WHEN first_push IS NULL OR excluded.first_push < first_push
                      THEN coalesce(excluded.first_push, first_push) ELSE first_push END,
    first_poll = CASE WHEN first_poll IS NULL OR excluded.first_poll < first_poll
                      THEN coalesce(excluded.first_poll, first_poll) ELSE first_poll END,
    first_file = CASE WHEN first_file IS NULL OR excluded.first_file < first_file
                      THEN coalesce(excluded.first_file, first_file) ELSE first_file END;
INSERT INTO report_days VALUES (substr(new.received_at, 1, 10), new.channel, 1)
ON CONFLICT (day, channel) DO UPDATE SET arrivals = arrivals + 1;
END;

-- A removed receipt: its key's row is computed again from the receipts left (none: no row).
CREATE TRIGGER report_receipt_removed AFTER DELETE ON receipts BEGIN
DELETE FROM report_keys WHERE key = old.key;
INSERT INTO report_keys
SELECT a.key, n.kind, n.id, n.type, n.status_type, n.status_code, n.object_type,
       n.object_value, n.created, a.receipts, a.first_rowid, f.channel, f.received_at,
       a.first_at, a.mail, a.push, a.poll, a.file, a.first_mail, a.first_push, a.first_poll,
       a.first_file
FROM (SELECT key, count(*) AS receipts, min(rowid) AS first_rowid,
             min(received_at) AS first_at,
             sum(channel = 'mail') AS mail, sum(channel = 'push') AS push,
             sum(channel = 'poll') AS poll, sum(channel = 'file') AS file,
             min(CASE WHEN channel = 'mail' THEN received_at END) AS first_mail,
             min(CASE WHEN channel = 'push' THEN received_at END) AS first_push,
             min(CASE WHEN channel = 'poll' THEN received_at END) AS first_poll,
             min(CASE WHEN channel = 'file' THEN received_at END) AS first_file
      FROM receipts WHERE key = old.key GROUP BY key) AS a
JOIN receipts f ON f.rowid = a.first_rowid
LEFT JOIN notifications n ON n.key = a.key;
UPDATE report_days SET arrivals = arrivals - 1
WHERE day = substr(old.received_at, 1, 10) AND channel = old.channel;
DELETE FROM report_days
WHERE day = substr(old.received_at, 1, 10) AND channel = old.channel AND arrivals <= 0;
END;
)sql"},
};

inline constexpr int latest_version = static_cast<int>(sizeof migrations / sizeof migrations[0]);

// Statements the store prepares once per connection and reuses.
enum class Query : std::size_t {
    begin_immediate,
    commit,
    insert_notification,
    insert_receipt,
    insert_outbox,
    insert_quarantine,
    seen_raw,
    select_claimable,
    claim_row,
    complete_outbox,
    fail_outbox,
    list_outbox,
    retry_dead,
    stored_records,
    find_notification,
    receipts_for,
    list_quarantine,
    counts,
};

inline constexpr const char* query_texts[] = {
    // begin_immediate
    "BEGIN IMMEDIATE",
    // commit
    "COMMIT",
    // insert_notification: changes() == 1 when the key is new (neither stored nor pruned)
    "INSERT INTO notifications (key, id, kind, type, task, status_type, status_code, "
    "object_type, object_value, stid, created, format, record, raw_payload, first_channel, "
    "first_received_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
    "?15, ?16 WHERE NOT EXISTS (SELECT 1 FROM pruned_keys WHERE key = ?1) "
    "ON CONFLICT (key) DO NOTHING",
    // insert_receipt
    "INSERT INTO receipts (key, channel, locator, message_id, raw_sha256, received_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    // insert_outbox: ?3 = now (due at once)
    "INSERT INTO outbox (key, handler, state, attempts, next_attempt_at, created_at) "
    "VALUES (?1, ?2, 'pending', 0, ?3, ?3) ON CONFLICT (key, handler) DO NOTHING",
    // insert_quarantine
    "INSERT INTO quarantine (channel, locator, message_id, raw_sha256, raw, reason, "
    "received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    // seen_raw
    "SELECT EXISTS (SELECT 1 FROM receipts WHERE raw_sha256 = ?1) "
    "OR EXISTS (SELECT 1 FROM quarantine WHERE raw_sha256 = ?1) "
    "OR EXISTS (SELECT 1 FROM pruned_raw WHERE raw_sha256 = ?1)",
    // select_claimable: ?1 = now, ?2 = limit, ?3 / ?4 = JSON arrays of handler names / keys
    // to restrict to, or NULL for all
    "SELECT o.rowid, o.key, o.handler, o.attempts, o.next_attempt_at, o.created_at, n.record "
    "FROM outbox o JOIN notifications n ON n.key = o.key "
    "WHERE o.state = 'pending' AND o.next_attempt_at <= ?1 "
    "AND (o.lease_until IS NULL OR o.lease_until <= ?1) "
    "AND (?3 IS NULL OR o.handler IN (SELECT value FROM json_each(?3))) "
    "AND (?4 IS NULL OR o.key IN (SELECT value FROM json_each(?4))) "
    "ORDER BY o.next_attempt_at, o.rowid LIMIT ?2",
    // claim_row: ?1 = rowid, ?2 = owner, ?3 = lease_until
    "UPDATE outbox SET lease_owner = ?2, lease_until = ?3, attempts = attempts + 1 "
    "WHERE rowid = ?1",
    // complete_outbox: ?1 = rowid, ?2 = owner, ?3 = now
    "UPDATE outbox SET state = 'done', done_at = ?3, lease_until = NULL "
    "WHERE rowid = ?1 AND lease_owner = ?2 AND state = 'pending'",
    // fail_outbox: ?1 = rowid, ?2 = owner, ?3 = error, ?4 = next_attempt_at, ?5 = dead
    "UPDATE outbox SET state = CASE WHEN ?5 THEN 'dead' ELSE 'pending' END, last_error = ?3, "
    "next_attempt_at = ?4, lease_owner = NULL, lease_until = NULL "
    "WHERE rowid = ?1 AND lease_owner = ?2 AND state = 'pending'",
    // list_outbox: ?1 = state, ?2 = limit
    "SELECT rowid, key, handler, state, attempts, next_attempt_at, lease_owner, lease_until, "
    "last_error, created_at, done_at FROM outbox WHERE state = ?1 ORDER BY rowid LIMIT ?2",
    // retry_dead: ?1 = now
    "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = ?1, "
    "lease_owner = NULL, lease_until = NULL WHERE state = 'dead'",
    // stored_records: ?1 = since, ?2 = until, ?3 = after this key, ?4 = limit
    "SELECT key, record FROM notifications WHERE key > ?3 AND first_received_at >= ?1 "
    "AND first_received_at < ?2 ORDER BY key LIMIT ?4",
    // find_notification
    "SELECT record, raw_payload, first_channel, first_received_at FROM notifications "
    "WHERE key = ?1",
    // receipts_for
    "SELECT rowid, key, channel, locator, message_id, raw_sha256, received_at FROM receipts "
    "WHERE key = ?1 ORDER BY rowid",
    // list_quarantine: ?1 = limit
    "SELECT rowid, channel, locator, message_id, raw_sha256, raw, reason, received_at "
    "FROM quarantine ORDER BY rowid LIMIT ?1",
    // counts
    "SELECT (SELECT count(*) FROM notifications), (SELECT count(*) FROM receipts), "
    "(SELECT count(*) FROM quarantine), "
    "(SELECT count(*) FROM outbox WHERE state = 'pending'), "
    "(SELECT count(*) FROM outbox WHERE state = 'done'), "
    "(SELECT count(*) FROM outbox WHERE state = 'dead')",
};

inline constexpr std::size_t query_count = sizeof query_texts / sizeof query_texts[0];
static_assert(query_count == static_cast<std::size_t>(Query::counts) + 1,
              "query_texts must list one text per Query, in order");

// Retention (Store::prune). Cutoffs are ISO 8601 UTC text; a NULL cutoff matches nothing.
namespace prune {

// A notification that the notification policy removes: every arrival before ?1, no outbox row
// other than done.
#define AUTODNS_PRUNABLE_NOTIFICATION                                                    \
    "n.first_received_at < ?1 "                                                          \
    "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.key = n.key AND o.state <> 'done') " \
    "AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.key = n.key AND r.received_at >= ?1)"

// Dry run, one snapshot: ?1 notifications, ?2 receipts, ?3 quarantine, ?4 raw payload cutoff.
// Each policy counts what the ones before it leave (the order of Store::prune).
inline constexpr const char* count_all =
    "WITH doomed AS (SELECT n.key FROM notifications n WHERE " AUTODNS_PRUNABLE_NOTIFICATION
    ") "
    "SELECT (SELECT count(*) FROM doomed), "
    "(SELECT count(*) FROM receipts WHERE key IN (SELECT key FROM doomed)), "
    "(SELECT count(*) FROM outbox WHERE key IN (SELECT key FROM doomed)), "
    "(SELECT count(*) FROM receipts WHERE received_at < ?2 "
    "AND key NOT IN (SELECT key FROM doomed)), "
    "(SELECT count(*) FROM quarantine WHERE received_at < ?3), "
    "(SELECT coalesce(sum(length(raw)), 0) FROM quarantine WHERE received_at < ?3), "
    "(SELECT count(*) FROM notifications WHERE first_received_at < ?4 "
    "AND raw_payload IS NOT NULL AND key NOT IN (SELECT key FROM doomed)), "
    "(SELECT coalesce(sum(length(raw_payload)), 0) FROM notifications "
    "WHERE first_received_at < ?4 AND raw_payload IS NOT NULL "
    "AND key NOT IN (SELECT key FROM doomed))";

// Per-connection scratch tables holding one batch.
inline constexpr const char* create_scratch =
    "CREATE TEMP TABLE IF NOT EXISTS prune_keys (id INTEGER PRIMARY KEY, key TEXT NOT NULL); "
    "CREATE TEMP TABLE IF NOT EXISTS prune_rows (id INTEGER PRIMARY KEY)";
inline constexpr const char* clear_scratch =
    "DELETE FROM temp.prune_keys; DELETE FROM temp.prune_rows";

// One batch: ?1 cutoff, ?2 rowid after which to go on, ?3 batch size. changes() = rows picked.
inline constexpr const char* pick_notifications =
    "INSERT INTO temp.prune_keys (id, key) SELECT n.rowid, n.key FROM notifications n "
    "WHERE n.rowid > ?2 AND " AUTODNS_PRUNABLE_NOTIFICATION " ORDER BY n.rowid LIMIT ?3";
#undef AUTODNS_PRUNABLE_NOTIFICATION
inline constexpr const char* pick_receipts =
    "INSERT INTO temp.prune_rows (id) SELECT rowid FROM receipts "
    "WHERE rowid > ?2 AND received_at < ?1 ORDER BY rowid LIMIT ?3";
inline constexpr const char* pick_quarantine =
    "INSERT INTO temp.prune_rows (id) SELECT rowid FROM quarantine "
    "WHERE rowid > ?2 AND received_at < ?1 ORDER BY rowid LIMIT ?3";
inline constexpr const char* pick_raw_payloads =
    "INSERT INTO temp.prune_rows (id) SELECT rowid FROM notifications "
    "WHERE rowid > ?2 AND first_received_at < ?1 AND raw_payload IS NOT NULL "
    "ORDER BY rowid LIMIT ?3";
inline constexpr const char* last_key_picked = "SELECT coalesce(max(id), 0) FROM temp.prune_keys";
inline constexpr const char* last_row_picked = "SELECT coalesce(max(id), 0) FROM temp.prune_rows";

// Removing the picked notifications: ?1 = now (ISO 8601 UTC) for the tombstone.
inline constexpr const char* tombstone_keys =
    "INSERT INTO pruned_keys (key, pruned_at) SELECT key, ?1 FROM temp.prune_keys WHERE true "
    "ON CONFLICT (key) DO NOTHING";
inline constexpr const char* keep_fingerprints_of_keys =
    "INSERT INTO pruned_raw (raw_sha256) SELECT DISTINCT raw_sha256 FROM receipts "
    "WHERE key IN (SELECT key FROM temp.prune_keys) AND raw_sha256 IS NOT NULL "
    "ON CONFLICT (raw_sha256) DO NOTHING";
inline constexpr const char* delete_receipts_of_keys =
    "DELETE FROM receipts WHERE key IN (SELECT key FROM temp.prune_keys)";
inline constexpr const char* delete_outbox_of_keys =
    "DELETE FROM outbox WHERE key IN (SELECT key FROM temp.prune_keys)";
inline constexpr const char* delete_notifications_of_keys =
    "DELETE FROM notifications WHERE key IN (SELECT key FROM temp.prune_keys)";

inline constexpr const char* keep_fingerprints_of_receipts =
    "INSERT INTO pruned_raw (raw_sha256) SELECT DISTINCT raw_sha256 FROM receipts "
    "WHERE rowid IN (SELECT id FROM temp.prune_rows) AND raw_sha256 IS NOT NULL "
    "ON CONFLICT (raw_sha256) DO NOTHING";
inline constexpr const char* delete_receipts =
    "DELETE FROM receipts WHERE rowid IN (SELECT id FROM temp.prune_rows)";
inline constexpr const char* keep_fingerprints_of_quarantine =
    "INSERT INTO pruned_raw (raw_sha256) SELECT DISTINCT raw_sha256 FROM quarantine "
    "WHERE rowid IN (SELECT id FROM temp.prune_rows) AND raw_sha256 IS NOT NULL "
    "ON CONFLICT (raw_sha256) DO NOTHING";
inline constexpr const char* quarantine_bytes =
    "SELECT coalesce(sum(length(raw)), 0) FROM quarantine "
    "WHERE rowid IN (SELECT id FROM temp.prune_rows)";
inline constexpr const char* delete_quarantine =
    "DELETE FROM quarantine WHERE rowid IN (SELECT id FROM temp.prune_rows)";
inline constexpr const char* raw_payload_bytes =
    "SELECT coalesce(sum(length(raw_payload)), 0) FROM notifications "
    "WHERE rowid IN (SELECT id FROM temp.prune_rows)";
inline constexpr const char* drop_raw_payloads =
    "UPDATE notifications SET raw_payload = NULL WHERE rowid IN (SELECT id FROM temp.prune_rows)";

// ?1 = policy name, ?2 = cutoff: the horizon only moves forward.
inline constexpr const char* record_horizon =
    "INSERT INTO prune_horizons (policy, horizon) VALUES (?1, ?2) "
    "ON CONFLICT (policy) DO UPDATE SET horizon = max(horizon, excluded.horizon)";
inline constexpr const char* read_horizons = "SELECT policy, horizon FROM prune_horizons";

}  // namespace prune

}  // namespace autodns::sqlite_sql
