// The reconciliation report's queries for PostgreSQL (store/report_rows.hpp). The caller holds
// one read-only REPEATABLE READ transaction (one snapshot) and translates libpqxx errors.
// Same rows, same order as the SQLite queries (store/sqlite/report_queries.cpp): text is
// ordered by byte value (COLLATE "C"), whatever the database's collation.
#pragma once

#include <pqxx/transaction_base>

#include "store/report_rows.hpp"

namespace autodns::postgres_report {

// Fills every section of `rows` except `database` and `schema_version`.
void load(pqxx::transaction_base& tx, const ReportWindow& o, ReportRows& rows);

}  // namespace autodns::postgres_report
