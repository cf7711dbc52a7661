-- The PostgreSQL schema as released at version 2 (src/store/postgres/schema.hpp of
-- commit d506a94), for the migration test: frozen, never regenerated.
CREATE TABLE autodns_schema (version integer NOT NULL);
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
INSERT INTO autodns_schema (version) VALUES (2);
