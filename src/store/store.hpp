// The notification store: SQLite (WAL), dedup by key, receipts, quarantine, outbox.
//
// This room is the only user of SQLiteCpp. Every write is one `BEGIN IMMEDIATE` transaction;
// with `durable` set the connection runs `synchronous=FULL`, so a return from ingest() or
// quarantine() means the data is on disk and the caller may acknowledge (exit 0, HTTP 200,
// PUT /poll/{id}, Maildir move). A database that is locked past the busy timeout, read-only
// or out of space raises FatalError with temporary() set; nothing is half-written then.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/notification.hpp"

namespace autodns {

struct StoreOptions {
    std::string path;             // SQLite file; created with file_mode, missing directories
                                  // with file_mode plus x where it has r (setgid if g+w)
    unsigned file_mode = 0600;    // exact mode of a new database file, not masked by the umask;
                                  // SQLite gives the -wal and -shm files the same mode
    int busy_timeout_ms = 10000;  // how long to wait for a lock before FatalError(temporary)
    bool durable = true;          // synchronous=FULL (acknowledgement depends on the commit)
    bool read_only = false;       // report: open without creating or migrating
    int checkpoint_pages = 256;   // WAL size (pages) at which a commit checkpoints and truncates
                                  // the WAL (docs/storage.md, "WAL kept between processes")
};

// One arrival of an input: a mail, a push body, a poll reply, a file.
struct Arrival {
    Channel channel = Channel::mail;
    std::string locator;      // Maildir file, "mbox:PATH#N", Message-ID, remote address, poll URL
    std::string message_id;   // the mail's Message-ID when there is one
    std::string raw_sha256;   // fingerprint of the whole raw input (see seen_raw)
    std::string received_at;  // ISO 8601 UTC; filled with now when empty
};

enum class IngestOutcome { stored, duplicate, quarantined };

struct IngestResult {
    IngestOutcome outcome = IngestOutcome::duplicate;  // stored when at least one was new
    int new_count = 0;
    int duplicate_count = 0;
    std::vector<std::string> new_keys;
};

// Decides which handlers want a new notification; their names become outbox rows in the same
// transaction. Empty (the default) means store-only.
using OutboxRouter = std::function<std::vector<std::string>(const Notification&)>;

// Handler work for one (key, handler) pair. `pending` rows wait for a dispatcher, `done` rows
// were delivered, `dead` rows gave up (retry_dead() makes them pending again).
enum class OutboxState { pending, done, dead };
const char* outbox_state_name(OutboxState state);

// One outbox row. Times are Unix seconds (UTC).
struct OutboxEntry {
    std::int64_t rowid = 0;
    std::string key;
    std::string handler;
    OutboxState state = OutboxState::pending;
    int attempts = 0;  // claims so far, the current one included (a crashed attempt counts)
    std::int64_t next_attempt_at = 0;
    std::optional<std::string> lease_owner;
    std::optional<std::int64_t> lease_until;
    std::optional<std::string> last_error;
    std::int64_t created_at = 0;
    std::optional<std::int64_t> done_at;
    std::string record_json;  // the record (record_to_json); filled by claim_outbox() only
};

// A stored notification as find_notification() returns it.
struct StoredNotification {
    Notification record;      // record_from_json(record_json)
    std::string record_json;  // exactly as stored
    std::string raw_payload;  // the payload of the first arrival, byte for byte
    Channel first_channel = Channel::mail;
    std::string first_received_at;
};

// One arrival of one notification (every ingest writes one per notification, new or not).
struct Receipt {
    std::int64_t rowid = 0;
    std::string key;
    Channel channel = Channel::mail;
    std::string locator;  // empty when the arrival had none (likewise below)
    std::string message_id;
    std::string raw_sha256;
    std::string received_at;
};

struct QuarantineEntry {
    std::int64_t rowid = 0;
    Channel channel = Channel::mail;
    std::string locator;
    std::string message_id;
    std::string raw_sha256;
    std::string raw;  // byte for byte, NUL bytes included
    std::string reason;
    std::string received_at;
};

struct StoreCounts {
    std::int64_t notifications = 0;
    std::int64_t receipts = 0;
    std::int64_t quarantined = 0;
    std::int64_t outbox_pending = 0;
    std::int64_t outbox_done = 0;
    std::int64_t outbox_dead = 0;
};

class Store {
  public:
    explicit Store(const StoreOptions& options);  // opens, creates and migrates
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    void set_outbox_router(OutboxRouter router);

    // Records the notifications of one arrival: each new key is inserted with its record and
    // the raw payload it came from, every one gets a receipt row, new ones get outbox rows.
    // An empty list writes nothing. A notification without a key throws ItemError before
    // anything is written. `records`, when given, holds record_to_json() of each notification
    // made beforehand (import makes them in its worker threads); else ingest makes them.
    IngestResult ingest(const std::vector<Notification>& notifications, const Arrival& arrival,
                        const std::string& raw_payload,
                        const std::vector<std::string>* records = nullptr);

    // Keeps the raw bytes of an input that is not (or not trusted as) a notification. `raw` is
    // bound as it is, without a copy: it may be as large as the input limit.
    void quarantine(const Arrival& arrival, std::string_view raw, const std::string& reason);

    // True when an input with this raw fingerprint was already recorded (as receipt or
    // quarantine row): import skips it before parsing.
    bool seen_raw(const std::string& raw_sha256);

    // Copies the WAL into the database file and truncates the WAL now, whatever its size
    // (import, which lets the WAL grow during the run, calls it at the end). Best effort:
    // false when a reader or writer in another process kept it from finishing.
    bool checkpoint();

    // Batching for import: between begin_batch() and commit_batch() every ingest/quarantine
    // joins one transaction. Without them each call commits on its own.
    // After an exception inside a batch the whole batch has been rolled back and is over:
    // rollback_batch() is then a no-op and commit_batch() throws FatalError. The destructor
    // rolls back a batch that was neither committed nor rolled back.
    void begin_batch();
    void commit_batch();
    void rollback_batch();
    bool in_batch() const;

    // --- Outbox, for the dispatcher. Every call is one IMMEDIATE transaction (or joins the
    // batch). `now` and the returned times are Unix seconds.

    // Claims up to `limit` pending rows whose next_attempt_at <= now and whose lease is free
    // or expired (lease_until <= now), oldest first: sets lease_owner = owner,
    // lease_until = now + lease_seconds and counts the attempt. Rows come with their record.
    // Two dispatchers never get the same row while a lease runs.
    std::vector<OutboxEntry> claim_outbox(const std::string& owner, int lease_seconds, int limit,
                                          std::int64_t now);

    // The same, restricted to rows of these handlers and of these keys (an empty list does not
    // restrict). Rows of other handlers are left alone: no lease, no attempt counted.
    struct ClaimFilter {
        std::vector<std::string> handlers;
        std::vector<std::string> keys;
    };
    std::vector<OutboxEntry> claim_outbox(const std::string& owner, int lease_seconds, int limit,
                                          std::int64_t now, const ClaimFilter& filter);

    // Marks a claimed row done. False (and nothing changes) when `owner` no longer holds it:
    // the lease ran out and another owner claimed the row, or it is not pending any more.
    bool complete_outbox(std::int64_t rowid, const std::string& owner);

    // Records a failed attempt: releases the lease, keeps `error`, and either schedules the
    // next attempt at `next_attempt_at` or, with `dead`, gives up. False as for complete.
    bool fail_outbox(std::int64_t rowid, const std::string& owner, const std::string& error,
                     std::int64_t next_attempt_at, bool dead);

    // Rows in `state`, oldest first, at most `limit` (no record_json).
    std::vector<OutboxEntry> list_outbox(OutboxState state, std::size_t limit = 1000);

    // Makes every dead row pending again, due now, with attempts reset. Returns how many.
    std::int64_t retry_dead();

    // --- Queries (reports, tests, tools).

    std::optional<StoredNotification> find_notification(const std::string& key);
    std::vector<Receipt> receipts_for(const std::string& key);               // oldest first
    std::vector<QuarantineEntry> list_quarantine(std::size_t limit = 1000);  // oldest first
    StoreCounts counts();

    // PRAGMA user_version of the open database, and the one this program migrates to.
    int schema_version();
    static int latest_schema_version();

    const std::string& path() const;

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace autodns
