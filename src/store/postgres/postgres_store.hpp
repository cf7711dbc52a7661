// The PostgreSQL backend (several hosts, one database; the only user of libpqxx).
//
// `StoreOptions::location` is any libpq connection URI ("postgresql://..." or
// "postgres://..."); the password comes from the URI, PGPASSFILE / ~/.pgpass or PGPASSWORD, as
// libpq users expect, and never appears in a message. The schema is created and migrated on
// first use (table autodns_schema holds its version; an advisory lock serializes openers).
// Dedup is INSERT ... ON CONFLICT DO NOTHING; the notification, its receipt and its outbox rows
// are one transaction; claims use FOR UPDATE SKIP LOCKED. With durable_ack the session keeps
// synchronous_commit on, so a return means the commit is durable on the server. Serialization
// failures and deadlocks are retried a few times (inside a batch, per call, with a savepoint);
// a lost connection is reopened on the next call. Waits are bounded: lock_timeout is
// busy_timeout_ms, statement_timeout a multiple of it, connect_timeout its seconds.
#pragma once

#include <memory>

#include "store/store.hpp"

namespace autodns {

class PostgresStore final : public Store {
  public:
    explicit PostgresStore(const StoreOptions& options);  // connects, creates and migrates
    ~PostgresStore() override;

    IngestResult ingest(const std::vector<Notification>& notifications, const Arrival& arrival,
                        const std::string& raw_payload,
                        const std::vector<std::string>* records = nullptr) override;
    void quarantine(const Arrival& arrival, std::string_view raw,
                    const std::string& reason) override;
    bool seen_raw(const std::string& raw_sha256) override;
    bool finish_bulk_load() override;  // ANALYZE, so that the planner knows the new sizes
    bool in_batch() const override;

    using Store::claim_outbox;
    std::vector<OutboxEntry> claim_outbox(const std::string& owner, int lease_seconds, int limit,
                                          std::int64_t now, const ClaimFilter& filter) override;
    bool complete_outbox(std::int64_t rowid, const std::string& owner) override;
    bool fail_outbox(std::int64_t rowid, const std::string& owner, const std::string& error,
                     std::int64_t next_attempt_at, bool dead) override;
    std::vector<OutboxEntry> list_outbox(OutboxState state, std::size_t limit = 1000) override;
    std::int64_t retry_dead() override;
    std::vector<StoredRecord> stored_records(const std::string& since, const std::string& until,
                                             const std::string& after_key,
                                             std::size_t limit) override;
    std::int64_t add_outbox_rows(const std::string& handler, const std::vector<std::string>& keys,
                                 std::int64_t now) override;

    std::optional<StoredNotification> find_notification(const std::string& key) override;
    std::vector<Receipt> receipts_for(const std::string& key) override;
    std::vector<QuarantineEntry> list_quarantine(std::size_t limit = 1000) override;
    StoreCounts counts() override;
    ReportRows report_rows(const ReportWindow& window) override;

    PruneResult prune(const PrunePolicy& policy, std::int64_t now, bool dry_run) override;
    PruneHorizons prune_horizons() override;
    bool reclaim_space() override;  // VACUUM (ANALYZE) of the tables

    int schema_version() override;
    int latest_schema_version() const override;

    class Impl;

  protected:
    void begin_batch() override;
    void commit_batch() override;
    void rollback_batch() noexcept override;

  private:
    std::unique_ptr<Impl> impl_;
};

std::unique_ptr<Store> open_postgres_store(const StoreOptions& options);

// Adds PostgreSQL to open_store()'s table. Executables that link this library call it once.
void register_postgres_backend();

}  // namespace autodns
