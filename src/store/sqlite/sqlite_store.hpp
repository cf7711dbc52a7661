// The SQLite backend (the embedded default; the only user of SQLiteCpp).
//
// WAL mode; every write is one `BEGIN IMMEDIATE` transaction; with durable_ack the connection
// runs `synchronous=FULL`. A lock held by another connection past busy_timeout_ms, a
// read-only file or directory, a full disk or an I/O error raise FatalError(temporary).
// Files are created mode 0600, missing directories 0700. The WAL is kept between processes
// and checkpointed by the committing connection once it holds checkpoint_pages pages
// (docs/storage.md, "WAL kept between processes").
#pragma once

#include <memory>
#include <string>

#include "store/store.hpp"

namespace autodns {

// SQLite's own settings, which callers do not choose: sqlite_tuning_for() maps a workload.
// Tests of SQLite-only behaviour set them directly.
struct SqliteTuning {
    int checkpoint_pages = 256;  // WAL size (pages) at which a commit checkpoints and truncates
};
SqliteTuning sqlite_tuning_for(StoreWorkload workload);

// The file a location names: "sqlite:PATH" -> PATH, a plain path as it is.
std::string sqlite_path_of(const std::string& location);

class SqliteStore final : public Store {
  public:
    explicit SqliteStore(const StoreOptions& options);  // opens, creates and migrates
    SqliteStore(const StoreOptions& options, const SqliteTuning& tuning);
    ~SqliteStore() override;

    IngestResult ingest(const std::vector<Notification>& notifications, const Arrival& arrival,
                        const std::string& raw_payload,
                        const std::vector<std::string>* records = nullptr) override;
    void quarantine(const Arrival& arrival, std::string_view raw,
                    const std::string& reason) override;
    bool seen_raw(const std::string& raw_sha256) override;
    bool finish_bulk_load() override;  // checkpoint()
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
    bool reclaim_space() override;  // VACUUM, then a TRUNCATE checkpoint

    int schema_version() override;  // PRAGMA user_version
    int latest_schema_version() const override;

    // Copies the WAL into the database file and truncates the WAL now, whatever its size.
    // Best effort: false when a reader or writer in another process kept it from finishing,
    // and always inside a batch (its pages are not committed yet).
    bool checkpoint();

    const std::string& path() const;  // the database file

    class Impl;

  protected:
    void begin_batch() override;
    void commit_batch() override;
    void rollback_batch() noexcept override;

  private:
    std::unique_ptr<Impl> impl_;
};

std::unique_ptr<Store> open_sqlite_store(const StoreOptions& options);

}  // namespace autodns
