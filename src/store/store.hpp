// The store contract: dedup by key, receipts, quarantine, outbox, report rows.
//
// Two backends implement it (DESIGN §7): SQLite (store/sqlite/, the embedded default, one
// machine) and PostgreSQL (store/postgres/, several hosts sharing one database). open_store()
// picks one from a location string. The types here are plain values: no backend header leaks
// out of its folder.
//
// Every write is one transaction (or joins the open Batch). A return from ingest() or
// quarantine() with `durable_ack` set means the data is committed durably and the caller may
// acknowledge (exit 0, HTTP 200, PUT /poll/{id}, Maildir move). A condition that may pass
// (database locked past the wait, read-only, out of space, server down or unreachable, a
// dropped connection, a serialization failure that kept recurring) raises FatalError with
// temporary() set; nothing of that transaction is written then.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/notification.hpp"
#include "store/report_rows.hpp"
#include "util/expected.hpp"

namespace autodns {

// What the caller is about to do; each backend maps it to its own settings.
enum class StoreWorkload {
    standard,     // a long-lived process, or a short one of no particular kind
    per_message,  // one short process per input (the mail filter): keep start-up cheap
    bulk_load,    // import: large batches; catch up on housekeeping once at finish_bulk_load()
};

struct StoreOptions {
    // Where the store is: a file path or "sqlite:PATH" (SQLite), or a libpq connection URI
    // "postgresql://..." / "postgres://..." (PostgreSQL). See check_store_location().
    std::string location;
    int busy_timeout_ms = 10000;  // how long to wait for a lock (or the server) before
                                  // FatalError(temporary)
    bool durable_ack = true;      // a commit is durable before it returns: an acknowledgement
                                  // depends on it. False only where a lost commit merely
                                  // repeats work (outbox updates: at-least-once allows it).
    bool read_only = false;       // report, lookups: never create, migrate or write
    StoreWorkload workload = StoreWorkload::standard;
    unsigned file_mode = 0600;  // SQLite: exact mode of a new database file, not masked by the
                                // umask (SQLite gives -wal and -shm the same mode); missing
                                // directories get it plus x where it has r (setgid if g+w)
};

enum class StoreBackend { sqlite, postgres };

// Succeeds when `location` names a store this program can open, else says why not (an unknown
// "scheme://", an empty string), naming the forms supported. Usage errors: the caller reports
// them with exit status 64.
util::Expected<void> check_store_location(const std::string& location);

// The backend `location` selects. Call only when check_store_location() succeeds.
StoreBackend store_backend_of(const std::string& location);

// `location` without secrets, for messages: the password of a URI becomes "***".
std::string redacted_location(const std::string& location);

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

// Retention (docs/storage.md, "Retention"): what Store::prune() removes. Each age is in days;
// 0 keeps that data forever. A non-zero age below prune_minimum_days is refused: AutoDNS falls
// back to mail 24 h after an unconfirmed poll or push, and that late mail must still meet the
// data that makes it a duplicate.
inline constexpr int prune_minimum_days = 2;

struct PrunePolicy {
    // Raw payloads of notifications first received more than raw_days ago (the record and the
    // key stay).
    int raw_days = 0;
    // Receipts received more than receipt_days ago; their raw fingerprints are kept, so that
    // seen_raw() (import) still knows the inputs.
    int receipt_days = 0;
    // Quarantine rows received more than quarantine_days ago; fingerprints kept likewise.
    int quarantine_days = 0;
    // Notifications whose every arrival is more than notification_days old and whose outbox
    // rows are all done (or that have none), with their receipts and outbox rows. The key is
    // kept as a tombstone: ingest() counts a later arrival of it as a duplicate.
    int notification_days = 0;
};

// Succeeds when every age of `policy` is 0 or at least prune_minimum_days, else says what is
// wrong, naming the config key ("raw-days 1 is below the minimum of 2 days").
util::Expected<void> check_prune_policy(const PrunePolicy& policy);

// The cutoff of an age: ISO 8601 UTC text of `now` minus `days` days; empty for 0 (keep).
std::string prune_cutoff(std::int64_t now, int days);

// What prune() removed (or, dry run, would remove). The policies run in this order, each on
// what the ones before left: notifications, receipts, quarantine, raw payloads.
struct PruneResult {
    std::int64_t notifications = 0;
    std::int64_t notification_receipts = 0;  // receipts removed with those notifications
    std::int64_t notification_outbox = 0;    // done outbox rows removed with them
    std::int64_t receipts = 0;               // by receipt_days, besides the ones above
    std::int64_t quarantined = 0;
    std::int64_t quarantine_bytes = 0;  // size of their raw inputs
    std::int64_t raw_payloads = 0;
    std::int64_t raw_payload_bytes = 0;
};

// Where retention has removed data: the latest cutoff of each policy that removed rows (ISO 8601
// UTC), empty when it never did. Kept by the store, read by the report.
struct PruneHorizons {
    std::string raw, receipts, quarantine, notifications;
};

// A store connection. Not thread-safe: one per thread (the push receiver keeps a pool).
class Store {
  public:
    virtual ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    StoreBackend backend() const { return backend_; }
    // The location without its password, for messages ("database LOCATION: ...").
    const std::string& location() const { return location_; }

    // Decides which handlers want a new notification; their outbox rows are written in the
    // same transaction. Empty (the default) means store-only.
    void set_outbox_router(OutboxRouter router) { router_ = std::move(router); }

    // Records the notifications of one arrival: each new key is inserted with its record and
    // the raw payload it came from, every one gets a receipt row, new ones get outbox rows —
    // all in one transaction. An empty list writes nothing. A notification without a key
    // throws ItemError before anything is written. `records`, when given, holds
    // record_to_json() of each notification made beforehand (import makes them in its worker
    // threads); else ingest makes them.
    virtual IngestResult ingest(const std::vector<Notification>& notifications,
                                const Arrival& arrival, const std::string& raw_payload,
                                const std::vector<std::string>* records = nullptr) = 0;

    // Keeps the raw bytes of an input that is not (or not trusted as) a notification. `raw` may
    // be as large as the input limit: backends bind it without a copy where they can.
    virtual void quarantine(const Arrival& arrival, std::string_view raw,
                            const std::string& reason) = 0;

    // True when an input with this raw fingerprint was already recorded (as receipt or
    // quarantine row): import skips it before parsing.
    virtual bool seen_raw(const std::string& raw_sha256) = 0;

    // After a bulk load: leave the store compact for the next process (SQLite copies the WAL
    // into the database and truncates it). Best effort: false when it could not finish now.
    virtual bool finish_bulk_load() = 0;

    // A scoped batch: while it is open every ingest/quarantine/outbox call on this store joins
    // one transaction, each call still returning its own outcome; commit() makes all of it
    // durable at once, and a Batch destroyed without commit() rolls everything back. After an
    // exception inside the batch the whole batch has been rolled back and is over: commit()
    // then throws FatalError. One batch at a time per store.
    class Batch {
      public:
        explicit Batch(Store& store);
        ~Batch();
        Batch(const Batch&) = delete;
        Batch& operator=(const Batch&) = delete;
        void commit();
        bool open() const { return store_.in_batch(); }

      private:
        Store& store_;
        bool ended_ = false;
    };
    virtual bool in_batch() const = 0;

    // --- Outbox, for the dispatcher. Each call is one transaction (or joins the batch). `now`
    // and the returned times are Unix seconds.

    // Claims up to `limit` pending rows whose next_attempt_at <= now and whose lease is free
    // or expired (lease_until <= now), oldest first: sets lease_owner = owner,
    // lease_until = now + lease_seconds and counts the attempt. Rows come with their record.
    // Two dispatchers (on any host) never get the same row while a lease runs.
    std::vector<OutboxEntry> claim_outbox(const std::string& owner, int lease_seconds, int limit,
                                          std::int64_t now) {
        return claim_outbox(owner, lease_seconds, limit, now, ClaimFilter{});
    }

    // The same, restricted to rows of these handlers and of these keys (an empty list does not
    // restrict). Rows of other handlers are left alone: no lease, no attempt counted.
    struct ClaimFilter {
        std::vector<std::string> handlers;
        std::vector<std::string> keys;
    };
    virtual std::vector<OutboxEntry> claim_outbox(const std::string& owner, int lease_seconds,
                                                  int limit, std::int64_t now,
                                                  const ClaimFilter& filter) = 0;

    // Marks a claimed row done. False (and nothing changes) when `owner` no longer holds it:
    // the lease ran out and another owner claimed the row, or it is not pending any more.
    virtual bool complete_outbox(std::int64_t rowid, const std::string& owner) = 0;

    // Records a failed attempt: releases the lease, keeps `error`, and either schedules the
    // next attempt at `next_attempt_at` or, with `dead`, gives up. False as for complete.
    virtual bool fail_outbox(std::int64_t rowid, const std::string& owner, const std::string& error,
                             std::int64_t next_attempt_at, bool dead) = 0;

    // Rows in `state`, oldest first, at most `limit` (no record_json).
    virtual std::vector<OutboxEntry> list_outbox(OutboxState state, std::size_t limit = 1000) = 0;

    // Makes every dead row pending again, due now, with attempts reset. Returns how many.
    virtual std::int64_t retry_dead() = 0;

    // --- Replay (dispatch --replay): outbox rows for records stored before a handler existed.

    // Up to `limit` stored records whose first arrival is in [since, until) (ISO 8601 UTC
    // text, compared as text) and whose key sorts after `after_key`, in key order.
    struct StoredRecord {
        std::string key;
        std::string record_json;
    };
    virtual std::vector<StoredRecord> stored_records(const std::string& since,
                                                     const std::string& until,
                                                     const std::string& after_key,
                                                     std::size_t limit) = 0;

    // A pending row for `handler`, due at `now`, for each of `keys` that has no row for that
    // handler yet, in any state (a done row is not delivered again this way). One transaction
    // (or joins the batch). Returns how many rows were added.
    virtual std::int64_t add_outbox_rows(const std::string& handler,
                                         const std::vector<std::string>& keys,
                                         std::int64_t now) = 0;

    // --- Retention.

    // Applies `policy` with `now` (Unix seconds) as the present. Never removes a pending or dead
    // outbox row, nor a notification that has one. Runs in bounded transactions of at most
    // prune_batch_rows rows each, so that concurrent writers wait briefly (a crash in between
    // leaves the work done so far, consistent). With `dry_run` nothing is written and the
    // counts are what a run would remove now. Throws FatalError (not temporary) for an age below
    // prune_minimum_days.
    static constexpr int prune_batch_rows = 10000;
    virtual PruneResult prune(const PrunePolicy& policy, std::int64_t now, bool dry_run) = 0;

    // The horizons recorded by prune() so far.
    virtual PruneHorizons prune_horizons() = 0;

    // Gives the space of removed rows back now rather than leaving it for reuse: SQLite runs
    // VACUUM (an exclusive lock for the duration; room for a copy of the database is needed)
    // and truncates the WAL; PostgreSQL runs VACUUM on the tables (space reusable, the files do
    // not shrink; autovacuum does the same on its own). False when it could not finish.
    virtual bool reclaim_space() = 0;

    // --- Queries (reports, tests, tools).

    virtual std::optional<StoredNotification> find_notification(const std::string& key) = 0;
    virtual std::vector<Receipt> receipts_for(const std::string& key) = 0;  // oldest first
    virtual std::vector<QuarantineEntry> list_quarantine(std::size_t limit = 1000) = 0;
    virtual StoreCounts counts() = 0;

    // Every section of the reconciliation report, read from one snapshot (report_rows.hpp).
    virtual ReportRows report_rows(const ReportWindow& window) = 0;

    // The schema version of the open database, and the one this backend migrates to.
    virtual int schema_version() = 0;
    virtual int latest_schema_version() const = 0;

  protected:
    Store(StoreBackend backend, std::string location)
        : backend_(backend), location_(std::move(location)) {}
    const OutboxRouter& router() const { return router_; }

    // The Batch's steps. begin_batch() throws FatalError when a batch is open already;
    // rollback_batch() is a no-op when none is.
    virtual void begin_batch() = 0;
    virtual void commit_batch() = 0;
    virtual void rollback_batch() noexcept = 0;

  private:
    StoreBackend backend_;
    std::string location_;
    OutboxRouter router_;
};

// --- Online backup of an SQLite store (docs/storage.md, "Backup"). PostgreSQL has its own
// tools (pg_dump, base backups); this program does not copy a PostgreSQL database.

struct BackupRequest {
    std::string location;     // the store: an SQLite location (path or sqlite:PATH)
    std::string destination;  // the file to write, or an existing directory: then
                              // DIR/notify-YYYYmmddTHHMMSSZ.sqlite
    bool force = false;       // replace an existing destination file
    int busy_timeout_ms = 10000;
    // Called as pages are copied (done, total); may be empty.
    std::function<void(std::uint64_t done, std::uint64_t total)> progress;
};

struct BackupResult {
    std::string path;         // the file written
    int schema_version = 0;   // of the copy (equal to the source's)
    StoreCounts counts;       // of the copy, equal to the source's at the snapshot
    std::uint64_t pages = 0;  // pages copied
    std::uint64_t bytes = 0;  // size of the copy
    std::string snapshot_at;  // ISO 8601 UTC: when the source's snapshot was taken
    double seconds = 0;       // the whole backup, verification included
};

// Copies the SQLite store `request.location` into a new file, consistently while other
// processes keep writing: one read transaction on the source (a WAL snapshot, which blocks no
// writer) is copied page by page with SQLite's online backup API into a temporary file beside
// the destination, that file is switched to a rollback journal (a single self-contained
// file), fsynced, reopened read-only and checked (quick_check, schema version, the row counts
// the snapshot had), then renamed into place (without `force`: never over an existing file)
// and the directory fsynced. The copy gets the source file's mode. Nothing is left behind on
// failure. Throws FatalError naming the path and the reason; temporary when it may pass (the
// source stayed locked past busy_timeout_ms, a full disk, an I/O error).
BackupResult backup_sqlite_store(const BackupRequest& request);

// Opens (creating and migrating unless read_only) the store `options.location` names.
// Throws FatalError: not temporary for a location check_store_location() rejects, a schema
// this program does not know or a backend not built into this executable (see
// store_backend_linked()); temporary for conditions that may pass.
std::unique_ptr<Store> open_store(const StoreOptions& options);

// PostgreSQL lives in its own library (store/postgres/) that the mail filter executable does
// not link, so that it never loads libpq; executables that link it call
// register_postgres_backend() once at start (store/postgres/postgres_store.hpp).
using StoreOpener = std::unique_ptr<Store> (*)(const StoreOptions& options);
void register_store_backend(StoreBackend backend, StoreOpener opener);
bool store_backend_linked(StoreBackend backend);

}  // namespace autodns
