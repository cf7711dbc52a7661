// Every SQL text of the PostgreSQL store: the schema migrations and the statements it runs.
//
// The same tables, columns and indexes as the SQLite store (store/sqlite/schema.hpp) where
// they make sense: bigserial row ids, bytea for raw bytes, json for the record (json, not
// jsonb, keeps the record byte for byte as record_to_json() wrote it, which is what handlers
// receive). Times stay ISO 8601 UTC text, so that report windows compare the same way in both
// backends. Plain strings only: no libpqxx header here.
#pragma once

namespace autodns::postgres_sql {

// One schema step. Step i (0-based) brings autodns_schema.version from i to i + 1. Steps run in
// order inside one transaction holding the migration advisory lock. A released step is never
// edited: append a new one.
struct Migration {
    const char* description;
    const char* sql;
};

// Created before anything else; one row.
inline constexpr const char* create_version_table =
    "CREATE TABLE IF NOT EXISTS autodns_schema (version integer NOT NULL)";

// pg_advisory_xact_lock key: "autodns" in ASCII. Serializes concurrent first openings.
inline constexpr long long migration_lock_key = 0x6175746f646e73LL;

inline constexpr Migration migrations[] = {
    {"initial schema: notifications, receipts, quarantine, outbox", R"sql(
CREATE TABLE notifications (
    key               text PRIMARY KEY,
    id                bigint,
    kind              text NOT NULL,
    type              text,
    task              text,
    status_type       text,
    status_code       text,
    object_type       text,
    object_value      text,
    stid              text,
    created           text,
    format            text NOT NULL,
    record            json NOT NULL,
    raw_payload       bytea,
    first_channel     text NOT NULL,
    first_received_at text NOT NULL
);
CREATE INDEX notifications_created ON notifications(created);
CREATE INDEX notifications_type ON notifications(type);
CREATE INDEX notifications_status_code ON notifications(status_code);
CREATE INDEX notifications_id ON notifications(id);
CREATE INDEX notifications_first_received_at ON notifications(first_received_at);

CREATE TABLE receipts (
    rowid       bigserial PRIMARY KEY,
    key         text NOT NULL,
    channel     text NOT NULL,
    locator     text,
    message_id  text,
    raw_sha256  text,
    received_at text NOT NULL
);
CREATE INDEX receipts_key ON receipts(key);
CREATE INDEX receipts_raw_sha256 ON receipts(raw_sha256);
CREATE INDEX receipts_received_at ON receipts(received_at);

CREATE TABLE quarantine (
    rowid       bigserial PRIMARY KEY,
    channel     text NOT NULL,
    locator     text,
    message_id  text,
    raw_sha256  text,
    raw         bytea NOT NULL,
    reason      text NOT NULL,
    received_at text NOT NULL
);
CREATE INDEX quarantine_raw_sha256 ON quarantine(raw_sha256);

CREATE TABLE outbox (
    rowid           bigserial PRIMARY KEY,
    key             text NOT NULL,
    handler         text NOT NULL,
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'dead')),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at bigint NOT NULL,
    lease_owner     text,
    lease_until     bigint,
    last_error      text,
    created_at      bigint NOT NULL,
    done_at         bigint,
    UNIQUE (key, handler)
);
CREATE INDEX outbox_due ON outbox(state, next_attempt_at);
)sql"},
    {"retention: tombstones of pruned keys and raw fingerprints, prune horizons", R"sql(
CREATE TABLE pruned_keys (
    key       text PRIMARY KEY,
    pruned_at text NOT NULL
);

CREATE TABLE pruned_raw (
    raw_sha256 text PRIMARY KEY
);

CREATE TABLE prune_horizons (
    policy  text PRIMARY KEY,
    horizon text NOT NULL
);
)sql"},
    {"report: the window found by index, a job's later status by its job id", R"sql(
CREATE INDEX quarantine_received_at ON quarantine (received_at);
CREATE INDEX notifications_job_id ON notifications ((record->>'job_id')) WHERE kind = 'job';
CREATE INDEX receipts_channel_received_at ON receipts (channel, received_at COLLATE "C");
CREATE INDEX notifications_open_jobs ON notifications (status_type, first_received_at)
    WHERE kind = 'job';
)sql"},
    {"report: a summary row per key with receipts, kept by triggers", R"sql(
-- As in the SQLite schema: one row per key that has receipts (kind NULL: no stored
-- notification), its lowest-rowid receipt, earliest arrival, receipts and earliest arrival per
-- channel. Times are compared byte-wise (COLLATE "C"), as the report's queries do.
CREATE TABLE report_keys (
    key            text PRIMARY KEY,
    kind           text,
    id             bigint,
    type           text,
    status_type    text,
    status_code    text,
    object_type    text,
    object_value   text,
    created        text,
    receipts       bigint NOT NULL,
    first_rowid    bigint NOT NULL,
    first_channel  text NOT NULL,
    first_received text COLLATE "C" NOT NULL,
    first_at       text COLLATE "C" NOT NULL,
    mail           bigint NOT NULL,
    push           bigint NOT NULL,
    poll           bigint NOT NULL,
    file           bigint NOT NULL,
    first_mail     text COLLATE "C",
    first_push     text COLLATE "C",
    first_poll     text COLLATE "C",
    first_file     text COLLATE "C"
);

INSERT INTO report_keys
SELECT a.key, n.kind, n.id, n.type, n.status_type, n.status_code, n.object_type,
       n.object_value, n.created, a.receipts, a.first_rowid, f.channel, f.received_at,
       a.first_at, a.mail, a.push, a.poll, a.file, a.first_mail, a.first_push, a.first_poll,
       a.first_file
FROM (SELECT key, count(*) AS receipts, min(rowid) AS first_rowid,
             min(received_at COLLATE "C") AS first_at,
             count(*) FILTER (WHERE channel = 'mail') AS mail,
             count(*) FILTER (WHERE channel = 'push') AS push,
             count(*) FILTER (WHERE channel = 'poll') AS poll,
             count(*) FILTER (WHERE channel = 'file') AS file,
             min(received_at COLLATE "C") FILTER (WHERE channel = 'mail') AS first_mail,
             min(received_at COLLATE "C") FILTER (WHERE channel = 'push') AS first_push,
             min(received_at COLLATE "C") FILTER (WHERE channel = 'poll') AS first_poll,
             min(received_at COLLATE "C") FILTER (WHERE channel = 'file') AS first_file
      FROM receipts GROUP BY key) AS a
JOIN receipts f ON f.rowid = a.first_rowid
LEFT JOIN notifications n ON n.key = a.key;

CREATE INDEX report_keys_first_at ON report_keys (first_at);
CREATE INDEX report_keys_first_receipt ON report_keys (first_channel, first_received);
CREATE INDEX report_keys_first_mail ON report_keys (first_mail) WHERE first_mail IS NOT NULL;
CREATE INDEX report_keys_first_push ON report_keys (first_push) WHERE first_push IS NOT NULL;
CREATE INDEX report_keys_first_poll ON report_keys (first_poll) WHERE first_poll IS NOT NULL;
CREATE INDEX report_keys_first_file ON report_keys (first_file) WHERE first_file IS NOT NULL;
CREATE INDEX report_keys_errors ON report_keys (status_code, created) WHERE status_type = 'error';

-- Concurrent writers of the same key meet on its row (INSERT ... ON CONFLICT DO UPDATE). The
-- functions run as the schema's owner (SECURITY DEFINER, with the search_path of this
-- migration): a writer role needs no privilege on report_keys, and cannot change it directly.
CREATE FUNCTION report_receipt_added() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path FROM CURRENT AS $f$
BEGIN
    INSERT INTO report_keys AS k
    SELECT NEW.key, n.kind, n.id, n.type, n.status_type, n.status_code, n.object_type,
           n.object_value, n.created, 1, NEW.rowid, NEW.channel, NEW.received_at,
           NEW.received_at, (NEW.channel = 'mail')::int, (NEW.channel = 'push')::int,
           (NEW.channel = 'poll')::int, (NEW.channel = 'file')::int,
           CASE WHEN NEW.channel = 'mail' THEN NEW.received_at END,
           CASE WHEN NEW.channel = 'push' THEN NEW.received_at END,
           CASE WHEN NEW.channel = 'poll' THEN NEW.received_at END,
           CASE WHEN NEW.channel = 'file' THEN NEW.received_at END
    FROM (SELECT 1) AS one LEFT JOIN notifications n ON n.key = NEW.key
    ON CONFLICT (key) DO UPDATE SET
        kind = coalesce(k.kind, excluded.kind),
        id = CASE WHEN k.kind IS NULL THEN excluded.id ELSE k.id END,
        type = CASE WHEN k.kind IS NULL THEN excluded.type ELSE k.type END,
        status_type = CASE WHEN k.kind IS NULL THEN excluded.status_type ELSE k.status_type END,
        status_code = CASE WHEN k.kind IS NULL THEN excluded.status_code ELSE k.status_code END,
        object_type = CASE WHEN k.kind IS NULL THEN excluded.object_type ELSE k.object_type END,
        object_value = CASE WHEN k.kind IS NULL THEN excluded.object_value
                            ELSE k.object_value END,
        created = CASE WHEN k.kind IS NULL THEN excluded.created ELSE k.created END,
        receipts = k.receipts + 1,
        first_rowid = least(k.first_rowid, excluded.first_rowid),
        first_channel = CASE WHEN excluded.first_rowid < k.first_rowid
                             THEN excluded.first_channel ELSE k.first_channel END,
        first_received = CASE WHEN excluded.first_rowid < k.first_rowid
                              THEN excluded.first_received ELSE k.first_received END,
        first_at = least(k.first_at, excluded.first_at),
        mail = k.mail + excluded.mail,
        push = k.push + excluded.push,
        poll = k.poll + excluded.poll,
        file = k.file + excluded.file,
        first_mail = least(k.first_mail, excluded.first_mail),
        first_push = least(k.first_push, excluded.first_push),
        first_poll = least(k.first_poll, excluded.first_poll),
        first_file = least(k.first_file, excluded.first_file);
    RETURN NULL;
END
$f$;

-- A removed receipt: its key's row is computed again from the receipts left (none: no row).
CREATE FUNCTION report_receipt_removed() RETURNS trigger LANGUAGE plpgsql
SECURITY DEFINER SET search_path FROM CURRENT AS $f$
BEGIN
    DELETE FROM report_keys WHERE key = OLD.key;
    INSERT INTO report_keys
    SELECT a.key, n.kind, n.id, n.type, n.status_type, n.status_code, n.object_type,
           n.object_value, n.created, a.receipts, a.first_rowid, f.channel, f.received_at,
           a.first_at, a.mail, a.push, a.poll, a.file, a.first_mail, a.first_push, a.first_poll,
           a.first_file
    FROM (SELECT key, count(*) AS receipts, min(rowid) AS first_rowid,
                 min(received_at COLLATE "C") AS first_at,
                 count(*) FILTER (WHERE channel = 'mail') AS mail,
                 count(*) FILTER (WHERE channel = 'push') AS push,
                 count(*) FILTER (WHERE channel = 'poll') AS poll,
                 count(*) FILTER (WHERE channel = 'file') AS file,
                 min(received_at COLLATE "C") FILTER (WHERE channel = 'mail') AS first_mail,
                 min(received_at COLLATE "C") FILTER (WHERE channel = 'push') AS first_push,
                 min(received_at COLLATE "C") FILTER (WHERE channel = 'poll') AS first_poll,
                 min(received_at COLLATE "C") FILTER (WHERE channel = 'file') AS first_file
          FROM receipts WHERE key = OLD.key GROUP BY key) AS a
    JOIN receipts f ON f.rowid = a.first_rowid
    LEFT JOIN notifications n ON n.key = a.key;
    RETURN NULL;
END
$f$;

CREATE TRIGGER report_receipt_added AFTER INSERT ON receipts
    FOR EACH ROW EXECUTE FUNCTION report_receipt_added();
CREATE TRIGGER report_receipt_removed AFTER DELETE ON receipts
    FOR EACH ROW EXECUTE FUNCTION report_receipt_removed();
)sql"},
};

inline constexpr int latest_version = static_cast<int>(sizeof migrations / sizeof migrations[0]);

// $1..$16 as in the SQLite text; RETURNING a row only when the key is new.
inline constexpr const char* insert_notification =
    "INSERT INTO notifications (key, id, kind, type, task, status_type, status_code, "
    "object_type, object_value, stid, created, format, record, raw_payload, first_channel, "
    "first_received_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
    "$15, $16) ON CONFLICT (key) DO NOTHING RETURNING 1";

// The notification (if new) and its receipt in one statement, one round trip: $1..$16 as
// above, $17..$19 = locator, message_id, raw_sha256. Returns 1 when the key was new, else 0.
inline constexpr const char* insert_notification_and_receipt =
    "WITH new_row AS (INSERT INTO notifications (key, id, kind, type, task, status_type, "
    "status_code, object_type, object_value, stid, created, format, record, raw_payload, "
    "first_channel, first_received_at) SELECT $1::text, $2::bigint, $3::text, $4::text, "
    "$5::text, $6::text, $7::text, $8::text, $9::text, $10::text, $11::text, $12::text, "
    "$13::json, $14::bytea, $15::text, $16::text "
    "WHERE NOT EXISTS (SELECT 1 FROM pruned_keys WHERE key = $1::text) "
    "ON CONFLICT (key) DO NOTHING RETURNING 1) "
    "INSERT INTO receipts (key, channel, locator, message_id, raw_sha256, received_at) "
    "VALUES ($1, $15, $17, $18, $19, $16) RETURNING (SELECT count(*) FROM new_row)";

inline constexpr const char* insert_receipt =
    "INSERT INTO receipts (key, channel, locator, message_id, raw_sha256, received_at) "
    "VALUES ($1, $2, $3, $4, $5, $6)";

inline constexpr const char* insert_outbox =
    "INSERT INTO outbox (key, handler, state, attempts, next_attempt_at, created_at) "
    "VALUES ($1, $2, 'pending', 0, $3, $3) ON CONFLICT (key, handler) DO NOTHING";

inline constexpr const char* insert_quarantine =
    "INSERT INTO quarantine (channel, locator, message_id, raw_sha256, raw, reason, "
    "received_at) VALUES ($1, $2, $3, $4, $5, $6, $7)";

inline constexpr const char* seen_raw =
    "SELECT EXISTS (SELECT 1 FROM receipts WHERE raw_sha256 = $1) "
    "OR EXISTS (SELECT 1 FROM quarantine WHERE raw_sha256 = $1) "
    "OR EXISTS (SELECT 1 FROM pruned_raw WHERE raw_sha256 = $1)";

// $1 = now, $2 = limit, $3 / $4 = text arrays of handlers / keys or NULL, $5 = owner,
// $6 = lease_until. Rows locked by another claimer are skipped, not waited for.
inline constexpr const char* claim_outbox =
    "WITH picked AS (SELECT o.rowid FROM outbox o "
    "WHERE o.state = 'pending' AND o.next_attempt_at <= $1 "
    "AND (o.lease_until IS NULL OR o.lease_until <= $1) "
    "AND ($3::text[] IS NULL OR o.handler = ANY ($3::text[])) "
    "AND ($4::text[] IS NULL OR o.key = ANY ($4::text[])) "
    "ORDER BY o.next_attempt_at, o.rowid LIMIT $2 FOR UPDATE SKIP LOCKED) "
    "UPDATE outbox o SET lease_owner = $5, lease_until = $6, attempts = o.attempts + 1 "
    "FROM picked, notifications n WHERE o.rowid = picked.rowid AND n.key = o.key "
    "RETURNING o.rowid, o.key, o.handler, o.attempts, o.next_attempt_at, o.created_at, "
    "n.record::text";

inline constexpr const char* complete_outbox =
    "UPDATE outbox SET state = 'done', done_at = $3, lease_until = NULL "
    "WHERE rowid = $1 AND lease_owner = $2 AND state = 'pending'";

inline constexpr const char* fail_outbox =
    "UPDATE outbox SET state = CASE WHEN $5 THEN 'dead' ELSE 'pending' END, last_error = $3, "
    "next_attempt_at = $4, lease_owner = NULL, lease_until = NULL "
    "WHERE rowid = $1 AND lease_owner = $2 AND state = 'pending'";

inline constexpr const char* list_outbox =
    "SELECT rowid, key, handler, state, attempts, next_attempt_at, lease_owner, lease_until, "
    "last_error, created_at, done_at FROM outbox WHERE state = $1 ORDER BY rowid LIMIT $2";

inline constexpr const char* retry_dead =
    "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = $1, "
    "lease_owner = NULL, lease_until = NULL WHERE state = 'dead'";

// $1 = since, $2 = until, $3 = after this key, $4 = limit. Keys compare bytewise (COLLATE "C"),
// as SQLite compares them, so that paging by key visits every row once in any locale.
inline constexpr const char* stored_records =
    "SELECT key, record::text FROM notifications WHERE key COLLATE \"C\" > $3 "
    "AND first_received_at >= $1 AND first_received_at < $2 ORDER BY key COLLATE \"C\" LIMIT $4";

inline constexpr const char* find_notification =
    "SELECT record::text, raw_payload, first_channel, first_received_at FROM notifications "
    "WHERE key = $1";

inline constexpr const char* receipts_for =
    "SELECT rowid, key, channel, locator, message_id, raw_sha256, received_at FROM receipts "
    "WHERE key = $1 ORDER BY rowid";

inline constexpr const char* list_quarantine =
    "SELECT rowid, channel, locator, message_id, raw_sha256, raw, reason, received_at "
    "FROM quarantine ORDER BY rowid LIMIT $1";

inline constexpr const char* counts =
    "SELECT (SELECT count(*) FROM notifications), (SELECT count(*) FROM receipts), "
    "(SELECT count(*) FROM quarantine), "
    "(SELECT count(*) FROM outbox WHERE state = 'pending'), "
    "(SELECT count(*) FROM outbox WHERE state = 'done'), "
    "(SELECT count(*) FROM outbox WHERE state = 'dead')";

// Retention (Store::prune). Cutoffs are ISO 8601 UTC text; a NULL cutoff matches nothing.
namespace prune {

// Dry run, one snapshot: $1 notifications, $2 receipts, $3 quarantine, $4 raw payload cutoff.
// Each policy counts what the ones before it leave (the order of Store::prune).
inline constexpr const char* count_all =
    "WITH doomed AS MATERIALIZED (SELECT n.key FROM notifications n "
    "WHERE n.first_received_at < $1::text "
    "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.key = n.key AND o.state <> 'done') "
    "AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.key = n.key "
    "AND r.received_at >= $1::text)) "
    "SELECT (SELECT count(*) FROM doomed), "
    "(SELECT count(*) FROM receipts WHERE key IN (SELECT key FROM doomed)), "
    "(SELECT count(*) FROM outbox WHERE key IN (SELECT key FROM doomed)), "
    "(SELECT count(*) FROM receipts WHERE received_at < $2::text "
    "AND key NOT IN (SELECT key FROM doomed)), "
    "(SELECT count(*) FROM quarantine WHERE received_at < $3::text), "
    "(SELECT coalesce(sum(octet_length(raw)), 0) FROM quarantine WHERE received_at < $3::text), "
    "(SELECT count(*) FROM notifications WHERE first_received_at < $4::text "
    "AND raw_payload IS NOT NULL AND key NOT IN (SELECT key FROM doomed)), "
    "(SELECT coalesce(sum(octet_length(raw_payload)), 0) FROM notifications "
    "WHERE first_received_at < $4::text AND raw_payload IS NOT NULL "
    "AND key NOT IN (SELECT key FROM doomed))";

// Concurrent ingests wait while a batch of notifications goes, so that none decides "new" on
// a snapshot taken before the batch's tombstones were committed.
inline constexpr const char* lock_notifications =
    "LOCK TABLE notifications IN SHARE ROW EXCLUSIVE MODE";

// Each batch is one statement: $1 cutoff, $2 the last key or rowid of the batch before ("" or
// "0" at first), $3 batch size, $4 now (ISO 8601 UTC). Result: rows picked, the last one
// picked (text), rows removed, bytes removed.
inline constexpr const char* notifications_batch =
    "WITH doomed AS MATERIALIZED (SELECT n.key FROM notifications n "
    "WHERE n.key > $2::text AND n.first_received_at < $1::text "
    "AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.key = n.key AND o.state <> 'done') "
    "AND NOT EXISTS (SELECT 1 FROM receipts r WHERE r.key = n.key "
    "AND r.received_at >= $1::text) ORDER BY n.key LIMIT $3::integer), "
    "tomb AS (INSERT INTO pruned_keys (key, pruned_at) SELECT key, $4::text FROM doomed "
    "ON CONFLICT (key) DO NOTHING), "
    "fingerprints AS (INSERT INTO pruned_raw (raw_sha256) SELECT DISTINCT raw_sha256 "
    "FROM receipts WHERE key IN (SELECT key FROM doomed) AND raw_sha256 IS NOT NULL "
    "ON CONFLICT (raw_sha256) DO NOTHING), "
    "r AS (DELETE FROM receipts WHERE key IN (SELECT key FROM doomed) RETURNING 1), "
    "o AS (DELETE FROM outbox WHERE key IN (SELECT key FROM doomed) RETURNING 1), "
    "d AS (DELETE FROM notifications WHERE key IN (SELECT key FROM doomed) RETURNING 1) "
    "SELECT (SELECT count(*) FROM doomed), (SELECT coalesce(max(key), '') FROM doomed), "
    "(SELECT count(*) FROM d), (SELECT count(*) FROM r), (SELECT count(*) FROM o)";

inline constexpr const char* receipts_batch =
    "WITH doomed AS MATERIALIZED (SELECT rowid, raw_sha256 FROM receipts "
    "WHERE rowid > $2::bigint AND received_at < $1::text ORDER BY rowid LIMIT $3::integer), "
    "fingerprints AS (INSERT INTO pruned_raw (raw_sha256) SELECT DISTINCT raw_sha256 "
    "FROM doomed WHERE raw_sha256 IS NOT NULL ON CONFLICT (raw_sha256) DO NOTHING), "
    "d AS (DELETE FROM receipts WHERE rowid IN (SELECT rowid FROM doomed) RETURNING 1) "
    "SELECT (SELECT count(*) FROM doomed), (SELECT coalesce(max(rowid), 0) FROM doomed)::text, "
    "(SELECT count(*) FROM d), 0";

inline constexpr const char* quarantine_batch =
    "WITH doomed AS MATERIALIZED (SELECT rowid, raw_sha256, octet_length(raw) AS bytes "
    "FROM quarantine WHERE rowid > $2::bigint AND received_at < $1::text "
    "ORDER BY rowid LIMIT $3::integer), "
    "fingerprints AS (INSERT INTO pruned_raw (raw_sha256) SELECT DISTINCT raw_sha256 "
    "FROM doomed WHERE raw_sha256 IS NOT NULL ON CONFLICT (raw_sha256) DO NOTHING), "
    "d AS (DELETE FROM quarantine WHERE rowid IN (SELECT rowid FROM doomed) RETURNING 1) "
    "SELECT (SELECT count(*) FROM doomed), (SELECT coalesce(max(rowid), 0) FROM doomed)::text, "
    "(SELECT count(*) FROM d), (SELECT coalesce(sum(bytes), 0) FROM doomed)";

inline constexpr const char* raw_payloads_batch =
    "WITH doomed AS MATERIALIZED (SELECT key, octet_length(raw_payload) AS bytes "
    "FROM notifications WHERE key > $2::text AND first_received_at < $1::text "
    "AND raw_payload IS NOT NULL ORDER BY key LIMIT $3::integer), "
    "u AS (UPDATE notifications n SET raw_payload = NULL FROM doomed WHERE n.key = doomed.key "
    "RETURNING 1) "
    "SELECT (SELECT count(*) FROM doomed), (SELECT coalesce(max(key), '') FROM doomed), "
    "(SELECT count(*) FROM u), (SELECT coalesce(sum(bytes), 0) FROM doomed)";

// $1 = policy name, $2 = cutoff: the horizon only moves forward.
inline constexpr const char* record_horizon =
    "INSERT INTO prune_horizons (policy, horizon) VALUES ($1, $2) ON CONFLICT (policy) "
    "DO UPDATE SET horizon = greatest(prune_horizons.horizon, excluded.horizon)";
inline constexpr const char* read_horizons = "SELECT policy, horizon FROM prune_horizons";
inline constexpr const char* pruned_before =
    "SELECT coalesce(max(horizon), '') FROM prune_horizons "
    "WHERE policy IN ('receipts', 'quarantine', 'notifications')";
inline constexpr const char* vacuum =
    "VACUUM (ANALYZE) notifications, receipts, quarantine, outbox, pruned_keys, pruned_raw, "
    "report_keys";

}  // namespace prune

}  // namespace autodns::postgres_sql
