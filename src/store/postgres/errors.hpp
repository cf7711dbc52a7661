// The one place that decides what a PostgreSQL (libpqxx) failure means: a one-line message and
// whether it may pass by itself (temporary: the filter exits 75, the push receiver answers 503).
#pragma once

#include <string>

#include "core/errors.hpp"

namespace autodns::postgres_errors {

// Call inside a catch block: translates the exception being handled (libpqxx's, or any other)
// into FatalError "database LOCATION: REASON while DOING (PostgreSQL: first lines, SQLSTATE)".
// `location` must already be redacted. Server down or unreachable, a dropped connection, an
// unknown commit outcome, serialization failures and deadlocks, a read-only standby, a full
// disk, out of memory, too many connections, a statement or lock timeout and a server shutting
// down are temporary; a bad URI, a failed authentication, a missing database or role, missing
// privileges and everything else are not.
FatalError translate_current(const std::string& location, const char* doing);

// True when the exception being handled is a serialization failure or a deadlock: the
// transaction may simply be run again.
bool current_is_retryable();

// True when the exception being handled means the connection is gone (reconnect before reuse).
bool current_is_broken_connection();

// libpq's multi-line message as one line ("a; b"), without trailing blanks.
std::string one_line(const std::string& message);

}  // namespace autodns::postgres_errors
