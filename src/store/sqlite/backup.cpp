// backup_sqlite_store(): the online backup of an SQLite store (store.hpp, docs/storage.md
// "Backup"). SQLite's backup API through SQLiteCpp's SQLite::Backup, copying one snapshot.
#include <SQLiteCpp/Backup.h>
#include <SQLiteCpp/SQLiteCpp.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <optional>

#include "core/errors.hpp"
#include "store/sqlite/errors.hpp"
#include "store/sqlite/schema.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"
#include "util/files.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

using Clock = std::chrono::steady_clock;

// Pages per backup step: 4 MiB with 4 KiB pages, between two progress updates. The source's
// read transaction stays open across steps, so the step size changes nothing of the result.
constexpr int pages_per_step = 1024;

bool temporary_errno(int e) {
    return e == ENOSPC || e == EDQUOT || e == EIO || e == EROFS;
}

void fsync_path(const std::string& path, bool directory, const std::string& what) {
    if (const auto synced = util::sync_path(path, directory); !synced) {
        const util::FileError& e = synced.error();
        throw FatalError(what + ": " + e.message, temporary_errno(e.error));
    }
}

// The temporary copy and the files SQLite may make beside it; removed unless released.
class TempFile {
  public:
    explicit TempFile(std::string path) : path_(std::move(path)) {}
    ~TempFile() {
        if (path_.empty()) return;
        for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
            ::unlink((path_ + suffix).c_str());
        }
    }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;
    const std::string& path() const { return path_; }
    void release() { path_.clear(); }

  private:
    std::string path_;
};

StoreCounts read_counts(SQLite::Database& db) {
    SQLite::Statement s(
        db, sqlite_sql::query_texts[static_cast<std::size_t>(sqlite_sql::Query::counts)]);
    StoreCounts c;
    if (s.executeStep()) {
        c.notifications = s.getColumn(0).getInt64();
        c.receipts = s.getColumn(1).getInt64();
        c.quarantined = s.getColumn(2).getInt64();
        c.outbox_pending = s.getColumn(3).getInt64();
        c.outbox_done = s.getColumn(4).getInt64();
        c.outbox_dead = s.getColumn(5).getInt64();
    }
    return c;
}

bool same_counts(const StoreCounts& a, const StoreCounts& b) {
    return a.notifications == b.notifications && a.receipts == b.receipts &&
           a.quarantined == b.quarantined && a.outbox_pending == b.outbox_pending &&
           a.outbox_done == b.outbox_done && a.outbox_dead == b.outbox_dead;
}

std::string describe(const StoreCounts& c) {
    return std::to_string(c.notifications) + " notifications, " + std::to_string(c.receipts) +
           " receipts, " + std::to_string(c.quarantined) + " quarantined, outbox " +
           std::to_string(c.outbox_pending) + "/" + std::to_string(c.outbox_done) + "/" +
           std::to_string(c.outbox_dead);
}

bool is_busy(const SQLite::Exception& e) {
    const int code = e.getErrorCode() & 0xff;
    return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

// The snapshot: a read transaction on `db` that stays open until COMMIT. A WAL reader blocks
// no writer; SQLITE_BUSY here (another process recovering the WAL, a journal mode switch) is
// tried again until the busy timeout has passed.
void begin_snapshot(SQLite::Database& db, int busy_timeout_ms) {
    const auto deadline = Clock::now() + std::chrono::milliseconds(busy_timeout_ms);
    for (;;) {
        try {
            db.exec("BEGIN");
            db.execAndGet("SELECT count(*) FROM sqlite_master");
            return;
        } catch (const SQLite::Exception& e) {
            if (sqlite3_get_autocommit(db.getHandle()) == 0) db.exec("ROLLBACK");
            if (!is_busy(e) || Clock::now() >= deadline) throw;
        }
        ::usleep(2000);
    }
}

}  // namespace

BackupResult backup_sqlite_store(const BackupRequest& request) {
    const auto started = Clock::now();
    const std::string source = sqlite_path_of(request.location);
    BackupResult result;

    struct stat source_st {};
    if (::stat(source.c_str(), &source_st) != 0) {
        const int e = errno;
        throw FatalError("database " + source + ": " + std::strerror(e) +
                             (e == ENOENT ? " (nothing stored yet, or give --db)" : ""),
                         e != ENOENT && e != EACCES);
    }
    if (!S_ISREG(source_st.st_mode)) {
        throw FatalError("database " + source + ": not a regular file");
    }

    // Where to: a file, or a new name in an existing directory.
    std::string dest = request.destination;
    struct stat dest_st {};
    if (::stat(dest.c_str(), &dest_st) == 0 && S_ISDIR(dest_st.st_mode)) {
        while (dest.size() > 1 && dest.back() == '/') dest.pop_back();
        dest += (dest == "/" ? "" : "/") + std::string("notify-") +
                util::now_utc_iso8601(util::IsoFormat::basic) + ".sqlite";
    }
    const std::string& what = dest;  // messages: "DEST: ..."
    if (::lstat(dest.c_str(), &dest_st) == 0) {
        if (dest_st.st_dev == source_st.st_dev && dest_st.st_ino == source_st.st_ino) {
            throw FatalError(what + ": is the database itself");
        }
        // Replacing the live WAL or its index with a copy would corrupt the database.
        for (const char* suffix : {"-wal", "-shm", "-journal"}) {
            struct stat st {};
            if (::stat((source + suffix).c_str(), &st) == 0 && st.st_dev == dest_st.st_dev &&
                st.st_ino == dest_st.st_ino) {
                throw FatalError(what + ": is the database's " + (suffix + 1) + " file");
            }
        }
        if (S_ISDIR(dest_st.st_mode)) throw FatalError(what + ": is a directory");
        // A device, a pipe or a socket: --force would replace it with a file (as root even
        // /dev/null).
        if (!S_ISREG(dest_st.st_mode) && !S_ISLNK(dest_st.st_mode)) {
            throw FatalError(what + ": not a regular file");
        }
        if (!request.force) throw FatalError(what + ": exists (give --force to replace it)");
    }
    const std::string dir = util::directory_of(dest);

    // The temporary file beside the destination, with the source's mode (and group, where
    // this user may give it): a 0660 database shared by a group gives a 0660 copy.
    std::string pattern = dest + ".tmp-XXXXXX";
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
        const int e = errno;
        throw FatalError(what + ": cannot create a file in " + dir + ": " + std::strerror(e),
                         temporary_errno(e));
    }
    TempFile tmp(pattern);
    // Best effort: a user outside the database's group keeps its own group.
    [[maybe_unused]] const int chowned = ::fchown(fd, static_cast<uid_t>(-1), source_st.st_gid);
    if (::fchmod(fd, source_st.st_mode & 0777) != 0) {
        const int e = errno;
        ::close(fd);
        throw FatalError(what + ": cannot set the mode of " + tmp.path() + ": " + std::strerror(e));
    }
    ::close(fd);

    const char* doing = "opening the database";
    const std::string* failing = &source;  // the file the current step is about
    try {
        int version = 0;
        StoreCounts snapshot_counts;
        {
            SQLite::Database src(source, SQLite::OPEN_READONLY, request.busy_timeout_ms);
            sqlite3_extended_result_codes(src.getHandle(), 1);
            doing = "beginning the snapshot";
            begin_snapshot(src, request.busy_timeout_ms);
            result.snapshot_at = util::format_utc_iso8601(std::time(nullptr));
            doing = "reading the schema version";
            version = src.execAndGet("PRAGMA user_version").getInt();
            if (version > sqlite_sql::latest_version) {
                throw FatalError("database " + source + ": schema version " +
                                 std::to_string(version) + " is newer than this program knows (" +
                                 std::to_string(sqlite_sql::latest_version) +
                                 "); upgrade autodns-notify");
            }
            if (version < 1) {
                throw FatalError("database " + source +
                                 ": not an autodns-notify database (schema version 0)");
            }
            doing = "counting rows";
            snapshot_counts = read_counts(src);

            failing = &tmp.path();
            doing = "opening the copy";
            SQLite::Database dst(tmp.path(), SQLite::OPEN_READWRITE, request.busy_timeout_ms);
            sqlite3_extended_result_codes(dst.getHandle(), 1);
            {
                doing = "copying pages";
                SQLite::Backup backup(dst, src);
                auto last_progress = Clock::now();
                for (;;) {
                    int rc = 0;
                    try {
                        rc = backup.executeStep(pages_per_step);
                    } catch (const SQLite::Exception& e) {
                        // The step's error names no file: a read error is the source's, the
                        // rest (full disk, I/O) the copy's.
                        const int code = e.getErrorCode() & 0xff;
                        if (code == SQLITE_CORRUPT || code == SQLITE_NOTADB) failing = &source;
                        throw;
                    }
                    const auto total = static_cast<std::uint64_t>(backup.getTotalPageCount());
                    const auto left = static_cast<std::uint64_t>(backup.getRemainingPageCount());
                    result.pages = total;
                    if (request.progress) request.progress(total - left, total);
                    if (rc == SQLITE_DONE) break;
                    if (rc == SQLITE_OK) {
                        last_progress = Clock::now();
                        continue;
                    }
                    // SQLITE_BUSY / SQLITE_LOCKED: wait, up to the busy timeout without progress.
                    if (Clock::now() - last_progress >=
                        std::chrono::milliseconds(request.busy_timeout_ms)) {
                        failing = &source;
                        throw FatalError("database " + source +
                                             ": locked by another connection longer than the "
                                             "busy timeout (" +
                                             std::to_string(request.busy_timeout_ms) +
                                             " ms) while copying pages",
                                         true);
                    }
                    ::usleep(10000);
                }
            }
            // The snapshot is copied: let the writers' checkpoints reach the end of the WAL again.
            failing = &source;
            doing = "ending the snapshot";
            src.exec("COMMIT");

            // The copied header says WAL, like the source's. A rollback journal makes the copy
            // one self-contained file: no -wal or -shm to keep with it, and a read-only open
            // that needs no write access to its directory.
            failing = &tmp.path();
            doing = "switching the copy to a rollback journal";
            const std::string mode = dst.execAndGet("PRAGMA journal_mode = DELETE").getString();
            if (mode != "delete") {
                throw FatalError(what + ": cannot switch the copy " + tmp.path() +
                                 " to a rollback journal (journal_mode is " + mode + ")");
            }
        }
        fsync_path(tmp.path(), false, what);

        // Verify what is on disk, through a new read-only connection.
        doing = "verifying the copy";
        {
            SQLite::Database check(tmp.path(), SQLite::OPEN_READONLY, request.busy_timeout_ms);
            sqlite3_extended_result_codes(check.getHandle(), 1);
            const std::string quick = check.execAndGet("PRAGMA quick_check").getString();
            if (quick != "ok") {
                throw FatalError(what + ": the copy " + tmp.path() +
                                 " fails SQLite's quick_check: " + quick);
            }
            result.schema_version = check.execAndGet("PRAGMA user_version").getInt();
            if (result.schema_version != version) {
                throw FatalError(what + ": the copy " + tmp.path() + " has schema version " +
                                 std::to_string(result.schema_version) + ", the database " +
                                 std::to_string(version));
            }
            result.counts = read_counts(check);
            if (!same_counts(result.counts, snapshot_counts)) {
                throw FatalError(what + ": the copy " + tmp.path() + " holds " +
                                 describe(result.counts) + ", the snapshot " +
                                 describe(snapshot_counts));
            }
        }
    } catch (const SQLite::Exception& e) {
        if (is_busy(e)) {
            throw sqlite_errors::fatal_from(e, source, doing, request.busy_timeout_ms);
        }
        throw sqlite_errors::fatal_from(e, *failing, doing, request.busy_timeout_ms);
    }

    // Into place. Without --force link() fails rather than replace a file that appeared
    // meanwhile; where the file system has no hard links, rename() after the check above.
    bool placed = false;
    if (!request.force) {
        if (::link(tmp.path().c_str(), dest.c_str()) == 0) {
            placed = true;
            ::unlink(tmp.path().c_str());
        } else if (errno == EEXIST) {
            throw FatalError(what + ": exists (give --force to replace it)");
        }
    }
    if (!placed && ::rename(tmp.path().c_str(), dest.c_str()) != 0) {
        const int e = errno;
        throw FatalError(
            what + ": cannot rename " + tmp.path() + " to " + dest + ": " + std::strerror(e),
            temporary_errno(e));
    }
    tmp.release();
    fsync_path(dir, true, what);

    struct stat copy_st {};
    if (::stat(dest.c_str(), &copy_st) == 0)
        result.bytes = static_cast<std::uint64_t>(copy_st.st_size);
    result.path = dest;
    result.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return result;
}

}  // namespace autodns
