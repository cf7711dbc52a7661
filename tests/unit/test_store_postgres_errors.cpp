// store/postgres/errors.cpp without a server: what each libpqxx exception becomes. libpqxx 6
// derives serialization_failure and deadlock_detected from pqxx::failure (not sql_error) and
// gives them no SQLSTATE; they must still be named, temporary, retryable, and not taken for a
// lost connection (which would reconnect and run the transaction once more).
#include <pqxx/except>

#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>

#include "core/errors.hpp"
#include "store/postgres/errors.hpp"

namespace {

using autodns::FatalError;
namespace pe = autodns::postgres_errors;

struct Seen {
    std::string message;
    bool temporary = false;
    bool retryable = false;
    bool broken = false;
};

template <typename Exception>
Seen seen(const Exception& e) {
    Seen s;
    try {
        throw e;
    } catch (...) {
        const FatalError f = pe::translate_current("postgresql:///db", "storing notifications");
        s.message = f.what();
        s.temporary = f.temporary();
        s.retryable = pe::current_is_retryable();
        s.broken = pe::current_is_broken_connection();
    }
    return s;
}

}  // namespace

TEST_CASE("postgres errors: a serialization failure is named, temporary, retried in place") {
    const Seen s = seen(pqxx::serialization_failure(
        "ERROR:  could not serialize access due to concurrent update\n"));
    CHECK(s.message ==
          "database postgresql:///db: serialization failure (retried, kept recurring) while "
          "storing notifications (PostgreSQL: ERROR:  could not serialize access due to "
          "concurrent update, SQLSTATE 40001)");
    CHECK(s.temporary);
    CHECK(s.retryable);
    CHECK_FALSE(s.broken);
}

TEST_CASE("postgres errors: a deadlock is named, temporary, retried in place") {
    const Seen s = seen(pqxx::deadlock_detected("ERROR:  deadlock detected\nDETAIL:  x\n"));
    CHECK(s.message ==
          "database postgresql:///db: deadlock (retried, kept recurring) while storing "
          "notifications (PostgreSQL: ERROR:  deadlock detected; DETAIL:  x, SQLSTATE 40P01)");
    CHECK(s.temporary);
    CHECK(s.retryable);
    CHECK_FALSE(s.broken);
}

TEST_CASE("postgres errors: a lost connection is temporary and reconnects, not retried in place") {
    const Seen s = seen(pqxx::broken_connection("server closed the connection unexpectedly"));
    CHECK(s.temporary);
    CHECK_FALSE(s.retryable);
    CHECK(s.broken);
}

TEST_CASE("postgres errors: a read-only standby, by SQLSTATE, is temporary") {
    const Seen s = seen(pqxx::sql_error(
        "ERROR:  cannot execute INSERT in a read-only transaction\n", "INSERT ...", "25006"));
    CHECK(s.message.find("read-only (a standby") != std::string::npos);
    CHECK(s.message.find("SQLSTATE 25006") != std::string::npos);
    CHECK(s.temporary);
    CHECK_FALSE(s.retryable);
    CHECK_FALSE(s.broken);
}

TEST_CASE("postgres errors: 57014 is a statement timeout or a cancel, each said so") {
    const Seen timeout = seen(pqxx::sql_error(
        "ERROR:  canceling statement due to statement timeout\n", "INSERT ...", "57014"));
    CHECK(timeout.message.find(": statement timeout while") != std::string::npos);
    CHECK(timeout.temporary);
    const Seen cancel = seen(pqxx::sql_error("ERROR:  canceling statement due to user request\n",
                                             "INSERT ...", "57014"));
    CHECK(cancel.message.find(": statement canceled on the server (pg_cancel_backend) while") !=
          std::string::npos);
    CHECK(cancel.temporary);
}
