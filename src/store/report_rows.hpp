// What the reconciliation report (src/report/) asks of the store: Store::report_rows().
//
// Each backend reads every section inside one read transaction, so all figures come from the
// same snapshot even while filters and receivers keep writing. Rows are plain values; the
// report room computes delays, classes and summaries from them and sees no SQL.
//
// The window [since, until) selects by ARRIVAL time: receipts.received_at and
// quarantine.received_at, compared as ISO 8601 UTC text ("2024-05-12T12:43:12Z"). A
// notification belongs to the window when at least one of its arrivals does. Open jobs and
// dead-lettered work are current states and are not windowed (open jobs only consider what
// arrived before `until`).
//
// Memory stays flat in the size of the store: every section is an aggregate or a listing of at
// most `list_limit` rows, except the mail arrivals, which a caller that sets
// ReportWindow::on_mail_arrival receives one at a time while the query runs (the report keeps
// its counts and a bounded listing of them, report/report.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace autodns {

struct MailArrivalRow;

struct ReportWindow {
    std::string since;            // ISO 8601 UTC, inclusive
    std::string until;            // ISO 8601 UTC, exclusive
    std::size_t list_limit = 50;  // rows in each listing (quarantine, dead letters, open jobs,
                                  // errors of one status code)
    // When set, each mail arrival row goes to this function, in the listing's order and inside
    // the snapshot, instead of into ReportRows::mail_arrivals (which then stays empty).
    std::function<void(MailArrivalRow&&)> on_mail_arrival;
};

struct ChannelRow {
    std::string channel;
    std::int64_t arrivals = 0;        // receipts in the window
    std::int64_t notifications = 0;   // distinct keys among them
    std::int64_t duplicates = 0;      // receipts in the window that are not their key's first
    std::int64_t first_arrivals = 0;  // notifications first seen by this channel in the window
    std::int64_t quarantined = 0;     // quarantine rows in the window
    std::optional<std::string> last_received_at;  // latest arrival before `until` (any age)
};

struct DayChannelCount {
    std::string day;  // "2024-05-12" (UTC)
    std::string channel;
    std::int64_t arrivals = 0;
};

struct GroupCount {
    std::string first;   // kind, or status type ("" when NULL)
    std::string second;  // type, or status code ("" when NULL)
    std::int64_t count = 0;
};

// A notification with a mail arrival in the window, with the first arrival per channel (all
// time). The report keeps those whose first mail came without or after push/poll.
struct MailArrivalRow {
    std::string key;
    std::optional<std::int64_t> id;
    std::string kind;
    std::optional<std::string> type;
    std::optional<std::string> object_type, object_value;
    std::optional<std::string> created;
    std::string first_mail;
    std::optional<std::string> first_push, first_poll;
};

// A notification in the window whose status type is "error".
struct ErrorRow {
    std::string key;
    std::optional<std::int64_t> id;
    std::string kind;
    std::optional<std::string> type, status_code, status_text;
    std::optional<std::string> object_type, object_value;
    std::optional<std::string> created;
};

// A job whose latest known status is notify/running: no other job record for the same job id
// (or, without a job id, for the same type and object, created at or after it) with another
// status type has arrived before `until`.
struct OpenJobRow {
    std::string key;
    std::optional<std::int64_t> id;
    std::optional<std::string> type, task, status_type, status_code;
    std::optional<std::string> object_type, object_value;
    std::optional<std::string> job_id;
    std::optional<std::string> created;
    std::string first_received_at;
};

struct QuarantineRow {
    std::int64_t rowid = 0;
    std::string channel;
    std::string locator, message_id;
    std::string reason;
    std::string received_at;
    std::int64_t bytes = 0;
};

struct DeadLetterRow {
    std::int64_t rowid = 0;
    std::string key;
    std::string handler;
    std::int64_t attempts = 0;
    std::string last_error;
    std::int64_t created_at = 0;  // Unix seconds
    std::optional<std::string> type, object_type, object_value;
};

struct ReportRows {
    std::string database;  // the store's location, without a password
    int schema_version = 0;
    // Retention removed arrivals (receipts, quarantine rows or whole notifications) received
    // before this time (ISO 8601 UTC; the latest such cutoff); empty when it never did. A window
    // that starts earlier is incomplete.
    std::string pruned_before;
    std::int64_t notifications = 0;      // distinct keys with an arrival in the window
    std::int64_t new_notifications = 0;  // first arrival in the window
    std::int64_t arrivals = 0;
    std::int64_t quarantined = 0;
    std::int64_t outbox_pending = 0, outbox_done = 0, outbox_dead = 0;  // current
    std::vector<ChannelRow> channels;           // mail, push, poll, file, then any other name
    std::vector<DayChannelCount> per_day;       // by day, then channel
    std::vector<GroupCount> by_type;            // kind, type; most frequent first
    std::vector<GroupCount> by_status;          // status type, code; most frequent first
    std::vector<MailArrivalRow> mail_arrivals;  // by first mail arrival (unless streamed)
    std::vector<GroupCount> error_codes;        // status code ("" when none), "", count; by code
    std::vector<ErrorRow> errors;  // by code, then created; at most list_limit per code
    std::int64_t open_jobs_total = 0;
    std::vector<OpenJobRow> open_jobs;             // oldest first, at most list_limit
    std::vector<GroupCount> quarantine_reasons;    // reason text, "", count
    std::vector<QuarantineRow> quarantine_latest;  // newest first, at most list_limit
    std::vector<DeadLetterRow> dead_letters;       // oldest first, at most list_limit
};

}  // namespace autodns
