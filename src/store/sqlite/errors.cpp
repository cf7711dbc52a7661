#include "store/sqlite/errors.hpp"

#include <sqlite3.h>

namespace autodns::sqlite_errors {

Reason reason_for(int code) {
    switch (code & 0xff) {
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return {"locked by another connection longer than the busy timeout", true};
        case SQLITE_READONLY:
            return {
                "read-only (check the permissions of the file, its -wal and -shm files and "
                "its directory)",
                true};
        case SQLITE_FULL:
            return {"disk or quota full", true};
        case SQLITE_IOERR:
            return {"I/O error", true};
        case SQLITE_CANTOPEN:
            return {
                "cannot open the file or its -wal/-shm files (missing directory or "
                "permissions)",
                true};
        case SQLITE_PERM:
            return {"permission denied", true};
        case SQLITE_NOMEM:
            return {"out of memory", true};
        case SQLITE_PROTOCOL:
            return {"locking protocol race", true};
        case SQLITE_CORRUPT:
            return {"database file is corrupt", false};
        case SQLITE_NOTADB:
            return {"not an SQLite database", false};
        case SQLITE_SCHEMA:
            return {"schema changed", false};
        default:
            return {"database error", false};
    }
}

FatalError fatal_from(const SQLite::Exception& e, const std::string& path, const char* doing,
                      int busy_timeout_ms) {
    int code = e.getExtendedErrorCode() > 0 ? e.getExtendedErrorCode() : e.getErrorCode();
    if (code < 0) {  // a SQLiteCpp usage error, not an SQLite result
        return FatalError("database " + path + ": " + doing + ": " + e.what(), false);
    }
    Reason reason = reason_for(code);
    std::string message = "database " + path + ": " + reason.text;
    if ((code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED) {
        message += " (" + std::to_string(busy_timeout_ms) + " ms)";
    }
    message += " while " + std::string(doing) + " (SQLite: " + e.what() + ", code " +
               std::to_string(code) + ")";
    return FatalError(message, reason.temporary);
}

}  // namespace autodns::sqlite_errors
