#include "store/postgres/errors.hpp"

#include <pqxx/except>

#include <cstring>
#include <exception>

namespace autodns::postgres_errors {
namespace {

struct Reason {
    const char* text;
    bool temporary;
};

bool contains(const std::string& s, const char* needle) {
    return s.find(needle) != std::string::npos;
}

// By SQLSTATE class and code (PostgreSQL Appendix A).
Reason reason_for_sqlstate(const std::string& state) {
    const std::string cls = state.substr(0, 2);
    if (state == "40001") return {"serialization failure (retried, kept recurring)", true};
    if (state == "40P01") return {"deadlock (retried, kept recurring)", true};
    if (cls == "40") return {"transaction rolled back by the server", true};
    if (cls == "08") return {"connection to the server failed", true};
    if (state == "25006") return {"read-only (a standby, or default_transaction_read_only)", true};
    if (state == "53100") return {"disk full on the server", true};
    if (state == "53200") return {"server out of memory", true};
    if (state == "53300") return {"too many connections to the server", true};
    if (cls == "53") return {"server out of resources", true};
    if (state == "57014") return {"statement timeout", true};
    if (state == "55P03")
        return {"locked by another connection longer than the lock timeout", true};
    if (state == "57P01" || state == "57P02" || state == "57P03") {
        return {"the server is shutting down or starting up", true};
    }
    if (cls == "58") return {"I/O error on the server", true};
    if (cls == "28") return {"authentication failed (check the user and password)", false};
    if (state == "3D000") return {"the database does not exist", false};
    if (state == "42501") {
        return {"permission denied (see docs/user-guide.md for the grants the account needs)",
                false};
    }
    if (state == "42P01") return {"a table is missing (the schema is incomplete)", false};
    return {"database error", false};
}

// A server error whose SQLSTATE did not reach us (libpqxx 6 leaves it empty on some paths):
// the same classes by the server's message text.
Reason reason_for_error_text(const std::string& text) {
    if (contains(text, "could not serialize access")) return reason_for_sqlstate("40001");
    if (contains(text, "deadlock detected")) return reason_for_sqlstate("40P01");
    if (contains(text, "read-only transaction")) return reason_for_sqlstate("25006");
    if (contains(text, "No space left") || contains(text, "disk full")) {
        return reason_for_sqlstate("53100");
    }
    if (contains(text, "out of memory")) return reason_for_sqlstate("53200");
    if (contains(text, "statement timeout")) return reason_for_sqlstate("57014");
    if (contains(text, "lock timeout")) return reason_for_sqlstate("55P03");
    if (contains(text, "terminating connection") || contains(text, "shutting down") ||
        contains(text, "starting up")) {
        return reason_for_sqlstate("57P01");
    }
    if (contains(text, "permission denied")) return reason_for_sqlstate("42501");
    if (contains(text, "does not exist")) return {"a table or column is missing", false};
    return {"database error", false};
}

// libpq reports connection problems as text only.
Reason reason_for_connection_text(const std::string& text) {
    if (contains(text, "password authentication failed") ||
        contains(text, "authentication failed") || contains(text, "no password supplied") ||
        contains(text, "password is required")) {
        return {
            "authentication failed (check the user and the password: URI, PGPASSFILE or "
            "~/.pgpass, PGPASSWORD)",
            false};
    }
    if (contains(text, "does not exist")) return {"the database or role does not exist", false};
    if (contains(text, "invalid URI") || contains(text, "invalid connection option") ||
        contains(text, "invalid integer value") || contains(text, "missing \"=\"") ||
        contains(text, "invalid percent-encoded") || contains(text, "unexpected spaces") ||
        contains(text, "invalid value for parameter")) {
        return {"invalid connection URI", false};
    }
    if (contains(text, "pg_hba.conf")) {
        return {"the server refuses this host or user (pg_hba.conf)", false};
    }
    return {"cannot reach the server, or the connection was lost", true};
}

}  // namespace

std::string one_line(const std::string& message) {
    std::string out;
    std::size_t start = 0;
    while (start < message.size()) {
        std::size_t end = message.find('\n', start);
        if (end == std::string::npos) end = message.size();
        std::string line = message.substr(start, end - start);
        const auto first = line.find_first_not_of(" \t\r");
        const auto last = line.find_last_not_of(" \t\r");
        if (first != std::string::npos) {
            if (!out.empty()) out += "; ";
            out += line.substr(first, last - first + 1);
        }
        start = end + 1;
    }
    if (out.size() > 400) out = out.substr(0, 400) + "...";
    return out;
}

namespace {

// "HEAD REASON TAIL (PostgreSQL: text, SQLSTATE state)" for a server error known by its class.
FatalError with_sqlstate(const std::string& head, const char* state, const std::string& tail,
                         const char* what) {
    const Reason r = reason_for_sqlstate(state);
    return FatalError(
        head + r.text + tail + " (PostgreSQL: " + one_line(what) + ", SQLSTATE " + state + ")",
        r.temporary);
}

}  // namespace

FatalError translate_current(const std::string& location, const char* doing) {
    const std::string head = "database " + location + ": ";
    const std::string tail = std::string(" while ") + doing;
    try {
        throw;
    } catch (const FatalError& e) {
        return e;
    } catch (const pqxx::in_doubt_error& e) {
        return FatalError(head +
                              "the connection was lost while committing; the outcome is "
                              "unknown (retrying is safe: arrivals are deduplicated)" +
                              tail + " (PostgreSQL: " + one_line(e.what()) + ")",
                          true);
    } catch (const pqxx::serialization_failure& e) {
        // libpqxx 6 derives these from failure, not sql_error, and keeps no SQLSTATE: the
        // class is the SQLSTATE (libpqxx 7 derives them from sql_error; caught here first).
        return with_sqlstate(head, "40001", tail, e.what());
    } catch (const pqxx::deadlock_detected& e) {
        return with_sqlstate(head, "40P01", tail, e.what());
    } catch (const pqxx::sql_error& e) {
        const std::string& state = e.sqlstate();
        const std::string text = e.what();
        Reason r = !state.empty()                      ? reason_for_sqlstate(state)
                   : text.compare(0, 6, "ERROR:") == 0 ? reason_for_error_text(text)
                                                       : reason_for_connection_text(text);
        // 57014 is any cancel: the statement timeout, or pg_cancel_backend() by someone.
        if (state == "57014" && !contains(text, "statement timeout")) {
            r = {"statement canceled on the server (pg_cancel_backend)", true};
        }
        return FatalError(head + r.text + tail + " (PostgreSQL: " + one_line(e.what()) +
                              (state.empty() ? "" : ", SQLSTATE " + state) + ")",
                          r.temporary);
    } catch (const pqxx::broken_connection& e) {
        Reason r = reason_for_connection_text(e.what());
        return FatalError(head + r.text + tail + " (PostgreSQL: " + one_line(e.what()) + ")",
                          r.temporary);
    } catch (const pqxx::transaction_rollback& e) {
        return FatalError(head + "transaction rolled back by the server" + tail +
                              " (PostgreSQL: " + one_line(e.what()) + ")",
                          true);
    } catch (const pqxx::failure& e) {
        // Other libpqxx failures are about the connection's state (lost mid-statement, etc.).
        return FatalError(
            head + "the connection failed" + tail + " (PostgreSQL: " + one_line(e.what()) + ")",
            true);
    } catch (const std::exception& e) {
        return FatalError(head + "internal error" + tail + ": " + one_line(e.what()), false);
    }
}

bool current_is_retryable() {
    try {
        throw;
    } catch (const pqxx::serialization_failure&) {
        return true;
    } catch (const pqxx::deadlock_detected&) {
        return true;
    } catch (const pqxx::sql_error& e) {
        if (e.sqlstate() == "40001" || e.sqlstate() == "40P01") return true;
        const std::string text = e.what();
        return e.sqlstate().empty() && (contains(text, "could not serialize access") ||
                                        contains(text, "deadlock detected"));
    } catch (...) {
        return false;
    }
}

bool current_is_broken_connection() {
    try {
        throw;
    } catch (const pqxx::broken_connection&) {
        return true;
    } catch (const pqxx::in_doubt_error&) {
        return true;
    } catch (const pqxx::transaction_rollback&) {
        return false;  // the server rolled the transaction back; the connection is fine
    } catch (const pqxx::sql_error& e) {
        const std::string& s = e.sqlstate();
        return s.compare(0, 2, "08") == 0 || s == "57P01" || s == "57P02" || s == "57P03";
    } catch (const pqxx::failure&) {
        return true;
    } catch (...) {
        return false;
    }
}

}  // namespace autodns::postgres_errors
