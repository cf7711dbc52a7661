// The reconciliation report's queries for SQLite (store/report_rows.hpp), on an open
// connection. The caller holds the read transaction and translates SQLite errors.
#pragma once

#include <SQLiteCpp/Database.h>

#include "store/report_rows.hpp"

namespace autodns::sqlite_report {

// Fills every section of `rows` except `database` and `schema_version`.
void load(SQLite::Database& db, const ReportWindow& o, ReportRows& rows);

}  // namespace autodns::sqlite_report
