// The one place that decides what an SQLite failure means: its message and whether it may pass
// by itself (temporary: the filter exits 75, the push receiver answers 503).
#pragma once

#include <SQLiteCpp/Exception.h>

#include <string>

#include "core/errors.hpp"

namespace autodns::sqlite_errors {

// Why an SQLite result code stops us, and whether it may pass by itself.
struct Reason {
    const char* text;
    bool temporary;
};

Reason reason_for(int code);

// "database PATH: REASON while DOING (SQLite: ..., code N)", temporary as reason_for() says.
FatalError fatal_from(const SQLite::Exception& e, const std::string& path, const char* doing,
                      int busy_timeout_ms);

}  // namespace autodns::sqlite_errors
