// The notification store: SQLite (WAL), dedup by key, receipts, quarantine, outbox.
//
// This room is the only user of SQLiteCpp. Every write is one `BEGIN IMMEDIATE` transaction;
// with `durable` set the connection runs `synchronous=FULL`, so a return from ingest() or
// quarantine() means the data is on disk and the caller may acknowledge (exit 0, HTTP 200,
// PUT /poll/{id}, Maildir move). A database that is locked past the busy timeout, read-only
// or out of space raises FatalError with temporary() set; nothing is half-written then.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/notification.hpp"

namespace autodns {

struct StoreOptions {
    std::string path;              // SQLite file; created with its directory's permissions, mode 0600
    int busy_timeout_ms = 10000;   // how long to wait for a lock before FatalError(temporary)
    bool durable = true;           // synchronous=FULL (acknowledgement depends on the commit)
    bool read_only = false;        // report: open without creating or migrating
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

class Store {
public:
    explicit Store(const StoreOptions& options);  // opens, creates and migrates
    ~Store();
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    void set_outbox_router(OutboxRouter router);

    // Records the notifications of one arrival: each new key is inserted with its record and
    // the raw payload it came from, every one gets a receipt row, new ones get outbox rows.
    IngestResult ingest(const std::vector<Notification>& notifications, const Arrival& arrival,
                        const std::string& raw_payload);

    // Keeps the raw bytes of an input that is not (or not trusted as) a notification.
    void quarantine(const Arrival& arrival, const std::string& raw, const std::string& reason);

    // True when an input with this raw fingerprint was already recorded (as receipt or
    // quarantine row): import skips it before parsing.
    bool seen_raw(const std::string& raw_sha256);

    // Batching for import: between begin_batch() and commit_batch() every ingest/quarantine
    // joins one transaction. Without them each call commits on its own.
    void begin_batch();
    void commit_batch();
    void rollback_batch();

    class Impl;

private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace autodns
