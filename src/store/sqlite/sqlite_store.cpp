// The SQLite store: connection, schema and migrations, ingest, outbox, queries. SQLite errors
// are translated into FatalError by sqlite/errors.hpp, the one place that decides which are
// temporary.
#include "store/sqlite/sqlite_store.hpp"

#include "util/io.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <type_traits>
#include <utility>

#include "core/errors.hpp"
#include "parse/record_json.hpp"
#include "store/sqlite/errors.hpp"
#include "store/sqlite/report_queries.hpp"
#include "store/sqlite/schema.hpp"
#include "util/json.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

using sqlite_errors::fatal_from;
using sqlite_sql::Query;

// mkdir -p for the directory that will hold the database; new directories get `mode` with x
// where it has r, and setgid when group-writable (new files keep the directory's group).
void make_parent_directories(const std::string& path, unsigned mode) {
    mode |= (mode & 0444) >> 2;
    if (mode & 020) mode |= 02000;
    std::string::size_type slash = path.find_last_of('/');
    if (slash == std::string::npos || slash == 0) return;
    std::string dir = path.substr(0, slash);
    for (std::string::size_type pos = 1; pos != std::string::npos;) {
        pos = dir.find('/', pos + 1);
        std::string prefix = pos == std::string::npos ? dir : dir.substr(0, pos);
        if (prefix.empty() || prefix.back() == '/') continue;
        if (::mkdir(prefix.c_str(), 0700) == 0) {
            ::chmod(prefix.c_str(), mode);
        } else if (errno != EEXIST) {
            throw FatalError("database " + path + ": cannot create directory " + prefix + ": " +
                                 std::strerror(errno),
                             true);
        }
    }
}

// Creates the database file with exactly `mode` if it is missing. SQLite gives the -wal and -shm
// files the mode of the database file. Done here rather than with umask() around the open so
// that the process-wide umask is never touched.
void create_file(const std::string& path, unsigned mode) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
        ::fchmod(fd, mode);
        ::close(fd);
        return;
    }
    if (errno == EEXIST) return;
    throw FatalError("database " + path + ": cannot create the file: " + std::strerror(errno),
                     true);
}

void bind_text_or_null(SQLite::Statement& s, int index, const std::string& value) {
    if (value.empty()) {
        s.bind(index);
    } else {
        s.bind(index, value);
    }
}

void bind_optional(SQLite::Statement& s, int index, const std::optional<std::string>& value) {
    if (value) {
        s.bind(index, *value);
    } else {
        s.bind(index);
    }
}

// Binds without a copy (SQLITE_STATIC): every caller executes the statement while `bytes`
// lives, and the next use of a cached statement clears its bindings first. A raw mail can be
// as large as the input limit (64 MiB by default); a copy here was one more such buffer.
void bind_blob(SQLite::Statement& s, int index, std::string_view bytes) {
    s.bindNoCopy(index, static_cast<const void*>(bytes.data()), static_cast<int>(bytes.size()));
}

std::string column_text(const SQLite::Column& c) {
    if (c.isNull()) return {};
    return std::string(static_cast<const char*>(c.getBlob()),
                       static_cast<std::size_t>(c.getBytes()));
}

std::optional<std::string> column_optional(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return column_text(c);
}

std::optional<std::int64_t> column_optional_int(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return c.getInt64();
}

Channel column_channel(const SQLite::Column& c, const std::string& path) {
    std::string name = column_text(c);
    if (auto channel = channel_from_name(name)) return *channel;
    throw FatalError("database " + path + ": unknown channel \"" + name + "\" in a row", false);
}

OutboxState outbox_state_from(const std::string& name, const std::string& path) {
    for (OutboxState s : {OutboxState::pending, OutboxState::done, OutboxState::dead}) {
        if (name == outbox_state_name(s)) return s;
    }
    throw FatalError("database " + path + ": unknown outbox state \"" + name + "\"", false);
}

// Resets a cached statement when leaving scope, so that no read stays open (an unfinished
// SELECT would hold a WAL snapshot and keep checkpoints from completing).
class Resetting {
  public:
    explicit Resetting(SQLite::Statement& s) : s_(s) {}
    ~Resetting() { s_.tryReset(); }
    Resetting(const Resetting&) = delete;
    Resetting& operator=(const Resetting&) = delete;
    SQLite::Statement& operator*() const { return s_; }
    SQLite::Statement* operator->() const { return &s_; }

  private:
    SQLite::Statement& s_;
};

}  // namespace

class SqliteStore::Impl {
  public:
    Impl(const StoreOptions& options, const SqliteTuning& tuning)
        : options_(options), path_(sqlite_path_of(options.location)), tuning_(tuning) {
        try {
            open();
        } catch (const SQLite::Exception& e) {
            throw fatal_from(e, path_, stage_, options_.busy_timeout_ms);
        }
    }

    ~Impl() {
        if (db_ && batch_) rollback_quietly();
        for (auto& s : statements_) s.reset();
    }

    const StoreOptions& options() const { return options_; }
    const std::string& path() const { return path_; }

    // A cached prepared statement, reset and unbound, ready for new bindings.
    Resetting statement(Query q) {
        auto& slot = statements_[static_cast<std::size_t>(q)];
        if (!slot) {
            slot = std::make_unique<SQLite::Statement>(
                *db_, sqlite_sql::query_texts[static_cast<std::size_t>(q)]);
        } else {
            slot->tryReset();
            slot->clearBindings();
        }
        return Resetting(*slot);
    }

    std::int64_t changes() const { return sqlite3_changes64(db_->getHandle()); }

    SQLite::Database& db() { return *db_; }

    // Runs `body` as one write transaction: BEGIN IMMEDIATE ... COMMIT, or inside the open batch.
    // Any exception rolls the transaction back (the whole batch, if one is open) and leaves as
    // FatalError when it came from SQLite.
    template <typename Body>
    auto write(const char* doing, Body&& body) -> decltype(body()) {
        try {
            if (batch_) return body();
            {
                auto begin = statement(Query::begin_immediate);
                begin->exec();
            }
            if constexpr (std::is_void_v<decltype(body())>) {
                body();
                commit();
            } else {
                auto result = body();
                commit();
                return result;
            }
        } catch (...) {
            rollback_quietly();
            batch_ = false;
            rethrow_translated(doing);
        }
    }

    // Runs a read outside (or inside the batch) transaction, translating SQLite errors.
    template <typename Body>
    auto read(const char* doing, Body&& body) -> decltype(body()) {
        try {
            return body();
        } catch (...) {
            rethrow_translated(doing);
        }
    }

    void begin_batch() {
        if (batch_) throw FatalError("database " + path_ + ": batch already open", false);
        try {
            auto begin = statement(Query::begin_immediate);
            begin->exec();
        } catch (...) {
            rollback_quietly();
            rethrow_translated("beginning a batch");
        }
        batch_ = true;
    }

    void commit_batch() {
        if (!batch_) {
            throw FatalError("database " + path_ + ": no batch open to commit", false);
        }
        batch_ = false;
        try {
            commit();
        } catch (...) {
            rollback_quietly();
            rethrow_translated("committing a batch");
        }
    }

    void rollback_batch() noexcept {
        if (!batch_) return;
        batch_ = false;
        rollback_quietly();
    }

    bool in_batch() const { return batch_; }

    // The TRUNCATE checkpoint described at checkpoint_if_due(), now (SqliteStore::checkpoint()).
    // Never inside a batch: its pages are not committed yet.
    bool checkpoint_now() noexcept {
        if (batch_ || options_.read_only) return false;
        busy_wait_ms_ = 0;
        int log = 0;
        int done = 0;
        const int rc = sqlite3_wal_checkpoint_v2(db_->getHandle(), "main",
                                                 SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
        busy_wait_ms_ = options_.busy_timeout_ms;
        wal_frames_ = 0;
        return rc == SQLITE_OK;
    }

    // Every report section inside one read transaction (one snapshot), or inside the batch.
    ReportRows report_rows(const ReportWindow& window) {
        ReportRows rows;
        rows.database = path_;
        rows.schema_version = schema_version();
        read("reading the report", [&] {
            if (batch_) {
                sqlite_report::load(*db_, window, rows);
                rows.pruned_before = pruned_before();
                return;
            }
            db_->exec("BEGIN");
            try {
                sqlite_report::load(*db_, window, rows);
                rows.pruned_before = pruned_before();
                db_->exec("COMMIT");
            } catch (...) {
                rollback_quietly();
                throw;
            }
        });
        return rows;
    }

    // The latest horizon of the policies that remove arrivals (receipts, quarantine rows,
    // notifications with theirs), for ReportRows::pruned_before.
    std::string pruned_before() {
        SQLite::Statement s(*db_,
                            "SELECT coalesce(max(horizon), '') FROM prune_horizons "
                            "WHERE policy IN ('receipts', 'quarantine', 'notifications')");
        return s.executeStep() ? column_text(s.getColumn(0)) : std::string();
    }

    int schema_version() {
        return read("reading the schema version",
                    [&] { return db_->execAndGet("PRAGMA user_version").getInt(); });
    }

  private:
    void open() {
        const bool read_only = options_.read_only;
        if (read_only) {
            struct stat st {};
            if (::stat(path_.c_str(), &st) != 0) {
                const int error = errno;
                throw FatalError("database " + path_ + ": " + std::strerror(error) +
                                     (error == ENOENT ? " (nothing stored yet, or give --db)" : ""),
                                 error != ENOENT);
            }
        } else {
            make_parent_directories(path_, options_.file_mode);
            create_file(path_, options_.file_mode);
        }
        stage_ = "opening";
        db_.emplace(path_, read_only ? SQLite::OPEN_READONLY : SQLite::OPEN_READWRITE,
                    options_.busy_timeout_ms);
        sqlite3* handle = db_->getHandle();
        sqlite3_extended_result_codes(handle, 1);
        sqlite3_busy_handler(handle, &Impl::busy_handler, this);
        if (!read_only && sqlite3_db_readonly(handle, "main") == 1) {
            throw FatalError(
                "database " + path_ + ": read-only (the file is not writable by this user)", true);
        }
        // Keep the WAL between processes: no checkpoint and no removal of -wal/-shm when the
        // last connection closes, so that the next short-lived process finds the database in
        // WAL mode and pays neither a journal switch nor a checkpoint. Checkpoints happen in
        // checkpoint_if_due() once the WAL holds checkpoint_pages pages.
        sqlite3_db_config(handle, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
        int persist = 1;
        sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
        // Replaces the automatic PASSIVE checkpoint, see checkpoint_if_due().
        sqlite3_wal_hook(handle, &Impl::wal_hook, this);

        // While another process creates the same new database, some of the steps below can
        // meet SQLITE_BUSY without SQLite calling the busy handler (a lock upgrade that could
        // deadlock); they are simply tried again until the busy timeout has passed.
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.busy_timeout_ms);
        for (;;) {
            try {
                initialize();
                return;
            } catch (const SQLite::Exception& e) {
                int code = e.getErrorCode() & 0xff;
                bool busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
                if (!busy || std::chrono::steady_clock::now() >= deadline) throw;
            }
            ::usleep(1000);
        }
    }

    // WAL mode, connection pragmas, schema version and migrations.
    void initialize() {
        const bool read_only = options_.read_only;
        if (!read_only) {
            stage_ = "switching to WAL mode";
            std::string mode = db_->execAndGet("PRAGMA journal_mode = WAL").getString();
            if (mode != "wal") {
                throw FatalError("database " + path_ +
                                     ": cannot switch to WAL mode (journal_mode is " + mode + ")",
                                 true);
            }
        }
        stage_ = "setting up the connection";
        db_->exec(options_.durable_ack ? "PRAGMA synchronous = FULL"
                                       : "PRAGMA synchronous = NORMAL");
        // A big batch can grow the WAL; once checkpointed, give the space back beyond 64 MiB.
        db_->exec("PRAGMA journal_size_limit = 67108864");
        // 16 MiB of page cache (allocated only as pages are used): a 100 000-mail import keeps
        // its index pages here instead of reading them back from the OS on every insert.
        db_->exec("PRAGMA cache_size = -16384");

        stage_ = "reading the schema version";
        int version = db_->execAndGet("PRAGMA user_version").getInt();
        check_version(version);
        if (version < sqlite_sql::latest_version) {
            stage_ = "migrating the schema";
            if (read_only) {
                throw FatalError("database " + path_ + ": schema version " +
                                     std::to_string(version) + " is older than " +
                                     std::to_string(sqlite_sql::latest_version) +
                                     "; open it once for writing to migrate",
                                 false);
            }
            migrate();
        }
    }

    void check_version(int version) const {
        if (version > sqlite_sql::latest_version) {
            throw FatalError("database " + path_ + ": schema version " + std::to_string(version) +
                                 " is newer than this program knows (" +
                                 std::to_string(sqlite_sql::latest_version) +
                                 "); upgrade autodns-notify",
                             false);
        }
    }

    // Applies the missing migration steps in one IMMEDIATE transaction. The version is read
    // again under the write lock: another process may have migrated meanwhile.
    // SQLite errors leave untranslated, for open() to retry on SQLITE_BUSY.
    void migrate() {
        db_->exec("BEGIN IMMEDIATE");
        try {
            int version = db_->execAndGet("PRAGMA user_version").getInt();
            check_version(version);
            for (int step = version; step < sqlite_sql::latest_version; ++step) {
                db_->exec(sqlite_sql::migrations[step].sql);
            }
            db_->exec("PRAGMA user_version = " + std::to_string(sqlite_sql::latest_version));
            db_->exec("COMMIT");
        } catch (...) {
            rollback_quietly();
            throw;
        }
    }

    void commit() {
        {
            auto c = statement(Query::commit);
            c->exec();
        }
        checkpoint_if_due();
    }

    static int wal_hook(void* self, sqlite3*, const char*, int frames) {
        static_cast<Impl*>(self)->wal_frames_ = frames;
        return SQLITE_OK;
    }

    // Why not the default PASSIVE autocheckpoint: when a process closes with the WAL kept
    // (NO_CKPT_ON_CLOSE), the next process rebuilds the WAL index by reading every frame of the
    // WAL and forgets what was already checkpointed, so a WAL that is only ever checkpointed
    // passively is never restarted and grows without end; every open then reads all of it.
    // Instead, once the WAL holds checkpoint_pages frames, the committing connection runs a
    // TRUNCATE checkpoint, which copies the frames into the database and cuts the WAL to zero
    // bytes. It does not wait: with another reader or writer active it does what a passive
    // checkpoint can and a later commit tries again. Its errors are ignored; the commit before
    // it is already durable in the WAL.
    void checkpoint_if_due() noexcept {
        if (wal_frames_ < tuning_.checkpoint_pages) return;
        checkpoint_now();
    }

    // Waits for a lock in short naps until busy_timeout_ms has passed. SQLite's own handler
    // (sqlite3_busy_timeout) backs off to 100 ms naps, so with several short writers queueing
    // for the WAL write lock most of the time went to sleeping past a lock already free.
    static int busy_handler(void* self, int count) {
        auto* impl = static_cast<Impl*>(self);
        auto now = std::chrono::steady_clock::now();
        if (count == 0) impl->busy_since_ = now;
        if (now - impl->busy_since_ >= std::chrono::milliseconds(impl->busy_wait_ms_)) return 0;
        // 0.2 ms, growing to 2 ms; staggered by process id so that processes started
        // together do not retry in lockstep.
        long nap_us = std::min(2000L, 200L + 100L * count) + static_cast<long>(::getpid() & 0x7f);
        ::usleep(static_cast<useconds_t>(nap_us));
        return 1;
    }

    void rollback_quietly() noexcept {
        sqlite3* handle = db_ ? db_->getHandle() : nullptr;
        if (handle && sqlite3_get_autocommit(handle) == 0) {
            sqlite3_exec(handle, "ROLLBACK", nullptr, nullptr, nullptr);
        }
    }

    [[noreturn]] void rethrow_translated(const char* doing) const {
        try {
            throw;
        } catch (const SQLite::Exception& e) {
            throw fatal_from(e, path_, doing, options_.busy_timeout_ms);
        }
    }

    StoreOptions options_;
    std::string path_;  // the SQLite file
    SqliteTuning tuning_;
    const char* stage_ = "opening";  // what open() is doing, for error messages
    std::optional<SQLite::Database> db_;
    std::array<std::unique_ptr<SQLite::Statement>, sqlite_sql::query_count> statements_;
    bool batch_ = false;
    int wal_frames_ = 0;  // frames in the WAL after the last commit (wal_hook)
    int busy_wait_ms_ = options_.busy_timeout_ms;  // 0 while checkpointing
    std::chrono::steady_clock::time_point busy_since_;
};

SqliteTuning sqlite_tuning_for(StoreWorkload workload) {
    SqliteTuning t;
    switch (workload) {
        case StoreWorkload::standard:
            break;
        case StoreWorkload::per_message:
            // Every process rebuilds the WAL index by reading the whole kept WAL (SQLite cannot
            // trust it once the last connection closed), so the filter keeps the WAL short:
            // a checkpoint every few mails costs less than reading up to 256 frames every time
            // (median 5.6 vs 5.8 ms per mail, docs/performance.md).
            t.checkpoint_pages = 64;
            break;
        case StoreWorkload::bulk_load:
            // The WAL may grow to 64 MiB (the journal_size_limit) before a commit copies it
            // into the database: pages written by several batches are then copied once, and
            // most batches pay no checkpoint. finish_bulk_load() checkpoints at the end.
            t.checkpoint_pages = 16384;
            break;
    }
    return t;
}

SqliteStore::SqliteStore(const StoreOptions& options)
    : SqliteStore(options, sqlite_tuning_for(options.workload)) {}

SqliteStore::SqliteStore(const StoreOptions& options, const SqliteTuning& tuning)
    : Store(StoreBackend::sqlite, sqlite_path_of(options.location)),
      impl_(std::make_unique<Impl>(options, tuning)) {}

SqliteStore::~SqliteStore() = default;

std::unique_ptr<Store> open_sqlite_store(const StoreOptions& options) {
    return std::make_unique<SqliteStore>(options);
}

std::string sqlite_path_of(const std::string& location) {
    return location.compare(0, 7, "sqlite:") == 0 ? location.substr(7) : location;
}

IngestResult SqliteStore::ingest(const std::vector<Notification>& notifications,
                                 const Arrival& arrival, const std::string& raw_payload,
                                 const std::vector<std::string>* prepared_records) {
    IngestResult result;
    if (notifications.empty()) return result;

    // Everything that needs no lock is prepared before the transaction begins.
    for (const Notification& n : notifications) {
        if (n.key.empty()) throw ItemError("notification without a key (assign_key not called)");
    }
    std::vector<std::string> made;
    if (!prepared_records || prepared_records->size() != notifications.size()) {
        made.reserve(notifications.size());
        for (const Notification& n : notifications) made.push_back(record_to_json(n));
        prepared_records = &made;
    }
    const std::vector<std::string>& records = *prepared_records;
    const std::string received_at =
        arrival.received_at.empty() ? util::now_utc_iso8601() : arrival.received_at;
    const std::string channel = channel_name(arrival.channel);
    const std::int64_t now = util::now_unix();

    impl_->write("storing notifications", [&] {
        for (std::size_t i = 0; i < notifications.size(); ++i) {
            const Notification& n = notifications[i];
            bool is_new = false;
            {
                auto s = impl_->statement(Query::insert_notification);
                s->bind(1, n.key);
                if (n.id) {
                    s->bind(2, static_cast<int64_t>(*n.id));
                } else {
                    s->bind(2);
                }
                s->bind(3, n.kind);
                bind_optional(*s, 4, n.type);
                bind_optional(*s, 5, n.task);
                bind_optional(*s, 6, n.status.type);
                bind_optional(*s, 7, n.status.code);
                bind_optional(*s, 8, n.object.type);
                bind_optional(*s, 9, n.object.value);
                bind_optional(*s, 10, n.stid);
                bind_optional(*s, 11, n.created);
                s->bind(12, format_name(n.format));
                s->bind(13, records[i]);
                bind_blob(*s, 14, raw_payload);
                s->bind(15, channel);
                s->bind(16, received_at);
                is_new = s->exec() == 1;
            }
            {
                auto s = impl_->statement(Query::insert_receipt);
                s->bind(1, n.key);
                s->bind(2, channel);
                bind_text_or_null(*s, 3, arrival.locator);
                bind_text_or_null(*s, 4, arrival.message_id);
                bind_text_or_null(*s, 5, arrival.raw_sha256);
                s->bind(6, received_at);
                s->exec();
            }
            if (!is_new) {
                ++result.duplicate_count;
                continue;
            }
            ++result.new_count;
            result.new_keys.push_back(n.key);
            if (!router()) continue;
            for (const std::string& handler : router()(n)) {
                auto s = impl_->statement(Query::insert_outbox);
                s->bind(1, n.key);
                s->bind(2, handler);
                s->bind(3, static_cast<int64_t>(now));
                s->exec();
            }
        }
    });
    result.outcome = result.new_count > 0 ? IngestOutcome::stored : IngestOutcome::duplicate;
    return result;
}

void SqliteStore::quarantine(const Arrival& arrival, std::string_view raw,
                             const std::string& reason) {
    const std::string received_at =
        arrival.received_at.empty() ? util::now_utc_iso8601() : arrival.received_at;
    impl_->write("quarantining an input", [&] {
        auto s = impl_->statement(Query::insert_quarantine);
        s->bind(1, channel_name(arrival.channel));
        bind_text_or_null(*s, 2, arrival.locator);
        bind_text_or_null(*s, 3, arrival.message_id);
        bind_text_or_null(*s, 4, arrival.raw_sha256);
        bind_blob(*s, 5, raw);
        s->bind(6, reason);
        s->bind(7, received_at);
        s->exec();
    });
}

bool SqliteStore::seen_raw(const std::string& raw_sha256) {
    if (raw_sha256.empty()) return false;
    return impl_->read("looking up a raw fingerprint", [&] {
        auto s = impl_->statement(Query::seen_raw);
        s->bind(1, raw_sha256);
        return s->executeStep() && s->getColumn(0).getInt() != 0;
    });
}

bool SqliteStore::checkpoint() {
    return impl_->checkpoint_now();
}

bool SqliteStore::finish_bulk_load() {
    return impl_->checkpoint_now();
}

void SqliteStore::begin_batch() {
    impl_->begin_batch();
}
void SqliteStore::commit_batch() {
    impl_->commit_batch();
}
void SqliteStore::rollback_batch() noexcept {
    impl_->rollback_batch();
}
bool SqliteStore::in_batch() const {
    return impl_->in_batch();
}

std::vector<OutboxEntry> SqliteStore::claim_outbox(const std::string& owner, int lease_seconds,
                                                   int limit, std::int64_t now,
                                                   const ClaimFilter& filter) {
    if (limit <= 0) return {};
    const std::string& path = impl_->path();
    // The lists travel as JSON arrays (json_each), so one prepared statement serves them all.
    auto json_list = [](const std::vector<std::string>& items) {
        std::string array = "[";
        for (const std::string& item : items) {
            if (array.size() > 1) array += ',';
            util::append_json_string(array, item, util::JsonEscape::minimal);
        }
        return array + "]";
    };
    return impl_->write("claiming outbox rows", [&] {
        std::vector<OutboxEntry> claimed;
        {
            auto s = impl_->statement(Query::select_claimable);
            s->bind(1, static_cast<int64_t>(now));
            s->bind(2, limit);
            if (filter.handlers.empty())
                s->bind(3);
            else
                s->bind(3, json_list(filter.handlers));
            if (filter.keys.empty())
                s->bind(4);
            else
                s->bind(4, json_list(filter.keys));
            while (s->executeStep()) {
                OutboxEntry e;
                e.rowid = s->getColumn(0).getInt64();
                e.key = column_text(s->getColumn(1));
                e.handler = column_text(s->getColumn(2));
                e.attempts = s->getColumn(3).getInt() + 1;
                e.next_attempt_at = s->getColumn(4).getInt64();
                e.created_at = s->getColumn(5).getInt64();
                e.record_json = column_text(s->getColumn(6));
                e.lease_owner = owner;
                e.lease_until = now + lease_seconds;
                claimed.push_back(std::move(e));
            }
        }
        for (const OutboxEntry& e : claimed) {
            auto s = impl_->statement(Query::claim_row);
            s->bind(1, static_cast<int64_t>(e.rowid));
            s->bind(2, owner);
            s->bind(3, static_cast<int64_t>(*e.lease_until));
            if (s->exec() != 1) {
                throw FatalError("database " + path + ": outbox row vanished while claiming",
                                 false);
            }
        }
        return claimed;
    });
}

bool SqliteStore::complete_outbox(std::int64_t rowid, const std::string& owner) {
    return impl_->write("completing an outbox row", [&] {
        auto s = impl_->statement(Query::complete_outbox);
        s->bind(1, static_cast<int64_t>(rowid));
        s->bind(2, owner);
        s->bind(3, static_cast<int64_t>(util::now_unix()));
        return s->exec() == 1;
    });
}

bool SqliteStore::fail_outbox(std::int64_t rowid, const std::string& owner,
                              const std::string& error, std::int64_t next_attempt_at, bool dead) {
    return impl_->write("recording a failed outbox attempt", [&] {
        auto s = impl_->statement(Query::fail_outbox);
        s->bind(1, static_cast<int64_t>(rowid));
        s->bind(2, owner);
        s->bind(3, error);
        s->bind(4, static_cast<int64_t>(next_attempt_at));
        s->bind(5, dead ? 1 : 0);
        return s->exec() == 1;
    });
}

std::vector<OutboxEntry> SqliteStore::list_outbox(OutboxState state, std::size_t limit) {
    const std::string& path = impl_->path();
    return impl_->read("listing the outbox", [&] {
        std::vector<OutboxEntry> rows;
        auto s = impl_->statement(Query::list_outbox);
        s->bind(1, outbox_state_name(state));
        s->bind(2, static_cast<int64_t>(limit));
        while (s->executeStep()) {
            OutboxEntry e;
            e.rowid = s->getColumn(0).getInt64();
            e.key = column_text(s->getColumn(1));
            e.handler = column_text(s->getColumn(2));
            e.state = outbox_state_from(column_text(s->getColumn(3)), path);
            e.attempts = s->getColumn(4).getInt();
            e.next_attempt_at = s->getColumn(5).getInt64();
            e.lease_owner = column_optional(s->getColumn(6));
            e.lease_until = column_optional_int(s->getColumn(7));
            e.last_error = column_optional(s->getColumn(8));
            e.created_at = s->getColumn(9).getInt64();
            e.done_at = column_optional_int(s->getColumn(10));
            rows.push_back(std::move(e));
        }
        return rows;
    });
}

std::int64_t SqliteStore::retry_dead() {
    return impl_->write("retrying dead outbox rows", [&] {
        auto s = impl_->statement(Query::retry_dead);
        s->bind(1, static_cast<int64_t>(util::now_unix()));
        s->exec();
        return impl_->changes();
    });
}

std::vector<Store::StoredRecord> SqliteStore::stored_records(const std::string& since,
                                                             const std::string& until,
                                                             const std::string& after_key,
                                                             std::size_t limit) {
    return impl_->read("reading stored records", [&] {
        std::vector<StoredRecord> rows;
        auto s = impl_->statement(Query::stored_records);
        s->bind(1, since);
        s->bind(2, until);
        s->bind(3, after_key);
        s->bind(4, static_cast<int64_t>(limit));
        while (s->executeStep()) {
            rows.push_back({column_text(s->getColumn(0)), column_text(s->getColumn(1))});
        }
        return rows;
    });
}

std::int64_t SqliteStore::add_outbox_rows(const std::string& handler,
                                          const std::vector<std::string>& keys, std::int64_t now) {
    return impl_->write("adding outbox rows", [&] {
        std::int64_t added = 0;
        for (const std::string& key : keys) {
            auto s = impl_->statement(Query::insert_outbox);
            s->bind(1, key);
            s->bind(2, handler);
            s->bind(3, static_cast<int64_t>(now));
            added += s->exec();
        }
        return added;
    });
}

std::optional<StoredNotification> SqliteStore::find_notification(const std::string& key) {
    const std::string& path = impl_->path();
    return impl_->read("reading a notification", [&]() -> std::optional<StoredNotification> {
        auto s = impl_->statement(Query::find_notification);
        s->bind(1, key);
        if (!s->executeStep()) return std::nullopt;
        StoredNotification stored;
        stored.record_json = column_text(s->getColumn(0));
        stored.raw_payload = column_text(s->getColumn(1));
        stored.first_channel = column_channel(s->getColumn(2), path);
        stored.first_received_at = column_text(s->getColumn(3));
        try {
            stored.record = record_from_json(stored.record_json);
        } catch (const ItemError& e) {
            throw FatalError(
                "database " + path + ": unreadable record for " + key + ": " + e.what(), false);
        }
        return stored;
    });
}

std::vector<Receipt> SqliteStore::receipts_for(const std::string& key) {
    const std::string& path = impl_->path();
    return impl_->read("reading receipts", [&] {
        std::vector<Receipt> rows;
        auto s = impl_->statement(Query::receipts_for);
        s->bind(1, key);
        while (s->executeStep()) {
            Receipt r;
            r.rowid = s->getColumn(0).getInt64();
            r.key = column_text(s->getColumn(1));
            r.channel = column_channel(s->getColumn(2), path);
            r.locator = column_text(s->getColumn(3));
            r.message_id = column_text(s->getColumn(4));
            r.raw_sha256 = column_text(s->getColumn(5));
            r.received_at = column_text(s->getColumn(6));
            rows.push_back(std::move(r));
        }
        return rows;
    });
}

std::vector<QuarantineEntry> SqliteStore::list_quarantine(std::size_t limit) {
    const std::string& path = impl_->path();
    return impl_->read("reading the quarantine", [&] {
        std::vector<QuarantineEntry> rows;
        auto s = impl_->statement(Query::list_quarantine);
        s->bind(1, static_cast<int64_t>(limit));
        while (s->executeStep()) {
            QuarantineEntry q;
            q.rowid = s->getColumn(0).getInt64();
            q.channel = column_channel(s->getColumn(1), path);
            q.locator = column_text(s->getColumn(2));
            q.message_id = column_text(s->getColumn(3));
            q.raw_sha256 = column_text(s->getColumn(4));
            q.raw = column_text(s->getColumn(5));
            q.reason = column_text(s->getColumn(6));
            q.received_at = column_text(s->getColumn(7));
            rows.push_back(std::move(q));
        }
        return rows;
    });
}

StoreCounts SqliteStore::counts() {
    return impl_->read("counting rows", [&] {
        StoreCounts c;
        auto s = impl_->statement(Query::counts);
        if (s->executeStep()) {
            c.notifications = s->getColumn(0).getInt64();
            c.receipts = s->getColumn(1).getInt64();
            c.quarantined = s->getColumn(2).getInt64();
            c.outbox_pending = s->getColumn(3).getInt64();
            c.outbox_done = s->getColumn(4).getInt64();
            c.outbox_dead = s->getColumn(5).getInt64();
        }
        return c;
    });
}

int SqliteStore::schema_version() {
    return impl_->schema_version();
}

int SqliteStore::latest_schema_version() const {
    return sqlite_sql::latest_version;
}

const std::string& SqliteStore::path() const {
    return impl_->path();
}

ReportRows SqliteStore::report_rows(const ReportWindow& window) {
    return impl_->report_rows(window);
}

PruneResult SqliteStore::prune(const PrunePolicy& policy, std::int64_t now, bool dry_run) {
    if (const auto valid = check_prune_policy(policy); !valid) {
        throw FatalError("database " + impl_->path() + ": " + valid.error(), false);
    }
    namespace q = sqlite_sql::prune;
    const std::string no_cutoff;
    const std::string notification_cutoff = prune_cutoff(now, policy.notification_days);
    const std::string receipt_cutoff = prune_cutoff(now, policy.receipt_days);
    const std::string quarantine_cutoff = prune_cutoff(now, policy.quarantine_days);
    const std::string raw_cutoff = prune_cutoff(now, policy.raw_days);
    PruneResult result;
    SQLite::Database& db = impl_->db();

    if (dry_run) {
        return impl_->read("counting what retention would remove", [&] {
            db.exec("BEGIN");
            try {
                SQLite::Statement s(db, q::count_all);
                bind_text_or_null(s, 1, notification_cutoff);
                bind_text_or_null(s, 2, receipt_cutoff);
                bind_text_or_null(s, 3, quarantine_cutoff);
                bind_text_or_null(s, 4, raw_cutoff);
                if (s.executeStep()) {
                    result.notifications = s.getColumn(0).getInt64();
                    result.notification_receipts = s.getColumn(1).getInt64();
                    result.notification_outbox = s.getColumn(2).getInt64();
                    result.receipts = s.getColumn(3).getInt64();
                    result.quarantined = s.getColumn(4).getInt64();
                    result.quarantine_bytes = s.getColumn(5).getInt64();
                    result.raw_payloads = s.getColumn(6).getInt64();
                    result.raw_payload_bytes = s.getColumn(7).getInt64();
                }
                s.reset();
                db.exec("COMMIT");
            } catch (...) {
                sqlite3_exec(db.getHandle(), "ROLLBACK", nullptr, nullptr, nullptr);
                throw;
            }
            return result;
        });
    }

    impl_->read("preparing retention", [&] { db.exec(q::create_scratch); });
    const std::string now_text = util::format_utc_iso8601(now);
    auto exec = [&](const char* text, auto&&... values) {
        SQLite::Statement s(db, text);
        int index = 0;
        (s.bind(++index, values), ...);
        return static_cast<std::int64_t>(s.exec());
    };
    auto scalar = [&](const char* text) {
        SQLite::Statement s(db, text);
        return s.executeStep() ? s.getColumn(0).getInt64() : std::int64_t{0};
    };
    // Runs batches of `pick` (which fills a scratch table) and `apply` in one write
    // transaction each, until a batch picks fewer than prune_batch_rows rows.
    auto batches = [&](const char* doing, const std::string& cutoff, const char* pick,
                       const char* last_picked, auto&& apply) {
        if (cutoff.empty()) return false;
        std::int64_t after = 0;
        bool removed = false;
        for (;;) {
            const std::int64_t picked = impl_->write(doing, [&] {
                db.exec(q::clear_scratch);
                const std::int64_t n = exec(pick, cutoff, static_cast<int64_t>(after),
                                            static_cast<int64_t>(prune_batch_rows));
                if (n > 0) {
                    after = scalar(last_picked);
                    apply();
                }
                db.exec(q::clear_scratch);
                return n;
            });
            removed = removed || picked > 0;
            if (picked < prune_batch_rows) return removed;
        }
    };
    auto record_horizon = [&](const char* name, const std::string& cutoff) {
        impl_->write("recording the prune horizon",
                     [&] { exec(q::record_horizon, std::string(name), cutoff); });
    };

    if (batches("pruning notifications", notification_cutoff, q::pick_notifications,
                q::last_key_picked, [&] {
                    exec(q::tombstone_keys, now_text);
                    exec(q::keep_fingerprints_of_keys);
                    result.notification_receipts += exec(q::delete_receipts_of_keys);
                    result.notification_outbox += exec(q::delete_outbox_of_keys);
                    result.notifications += exec(q::delete_notifications_of_keys);
                })) {
        record_horizon("notifications", notification_cutoff);
    }
    if (batches("pruning receipts", receipt_cutoff, q::pick_receipts, q::last_row_picked, [&] {
            exec(q::keep_fingerprints_of_receipts);
            result.receipts += exec(q::delete_receipts);
        })) {
        record_horizon("receipts", receipt_cutoff);
    }
    if (batches("pruning the quarantine", quarantine_cutoff, q::pick_quarantine, q::last_row_picked,
                [&] {
                    exec(q::keep_fingerprints_of_quarantine);
                    result.quarantine_bytes += scalar(q::quarantine_bytes);
                    result.quarantined += exec(q::delete_quarantine);
                })) {
        record_horizon("quarantine", quarantine_cutoff);
    }
    if (batches("dropping raw payloads", raw_cutoff, q::pick_raw_payloads, q::last_row_picked, [&] {
            result.raw_payload_bytes += scalar(q::raw_payload_bytes);
            result.raw_payloads += exec(q::drop_raw_payloads);
        })) {
        record_horizon("raw", raw_cutoff);
    }
    return result;
}

PruneHorizons SqliteStore::prune_horizons() {
    return impl_->read("reading the prune horizons", [&] {
        PruneHorizons h;
        SQLite::Statement s(impl_->db(), sqlite_sql::prune::read_horizons);
        while (s.executeStep()) {
            const std::string policy = column_text(s.getColumn(0));
            const std::string horizon = column_text(s.getColumn(1));
            if (policy == "raw") h.raw = horizon;
            if (policy == "receipts") h.receipts = horizon;
            if (policy == "quarantine") h.quarantine = horizon;
            if (policy == "notifications") h.notifications = horizon;
        }
        return h;
    });
}

bool SqliteStore::reclaim_space() {
    if (impl_->in_batch()) return false;
    SQLite::Database& db = impl_->db();
    impl_->read("vacuuming", [&] { db.exec("VACUUM"); });
    return impl_->checkpoint_now();
}

}  // namespace autodns
