// durable_insert: the floor for a one-process-per-mail filter on this machine. Reads stdin,
// opens a SQLite database kept in WAL mode between processes (as the store does), inserts the
// bytes under a fresh key with one durable commit (synchronous=FULL), checkpoints and
// truncates the WAL once it holds 64 pages (as `mail` does), and exits. No MIME, no parsing,
// no C++ runtime beyond main: what is left of `mail` once everything it adds is taken away.
//   durable_insert DB < mail
#include <sqlite3.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace {
int checkpoint_when_large(void*, sqlite3* db, const char* name, int frames) {
    if (frames >= 64)
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, nullptr, nullptr);
    return SQLITE_OK;
}
}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: durable_insert DB < input\n");
        return 64;
    }
    static char buffer[1 << 20];
    const std::size_t n = std::fread(buffer, 1, sizeof buffer, stdin);
    sqlite3* db = nullptr;
    if (sqlite3_open(argv[1], &db) != SQLITE_OK) return 75;
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, nullptr);
    int persist = 1;
    sqlite3_file_control(db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_exec(db,
                     "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                     "CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY, raw BLOB)",
                     nullptr, nullptr, nullptr) != SQLITE_OK) {
        return 75;
    }
    sqlite3_wal_hook(db, checkpoint_when_large, nullptr);
    char key[64];
    std::snprintf(key, sizeof key, "%ld-%ld", static_cast<long>(getpid()), ::random());
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO t VALUES (?1, ?2)", -1, &s, nullptr);
    sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_blob(s, 2, buffer, static_cast<int>(n), SQLITE_STATIC);
    const int rc = sqlite3_step(s);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return rc == SQLITE_DONE ? 0 : 75;
}
