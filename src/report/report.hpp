// The reconciliation report: what arrived by which channel, what fell back to mail, what
// failed, what is still open, what was quarantined or dead-lettered (docs/report.md).
//
// build_report() turns the rows of one database snapshot (store/report_rows.hpp) into the
// report model; the renderers in render.hpp print it. Nothing here touches the database.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/report_rows.hpp"

namespace autodns {

struct ReportOptions {
    std::int64_t since = 0;  // Unix seconds, inclusive
    std::int64_t until = 0;  // Unix seconds, exclusive
    std::int64_t generated_at = 0;
    std::int64_t fallback_threshold_seconds = 24 * 3600;  // "fallback after 24 h"
    bool all_time = false;        // metrics: the window is the whole database
    std::size_t list_limit = 50;  // fallback rows listed (the summary counts all)
};

// A notification whose first mail arrival came without, or after, a push or poll arrival.
struct FallbackRow {
    MailArrivalRow arrival;
    std::string fallback_class;                       // "mail only", "after push" or "after poll"
    std::optional<std::int64_t> delay_seconds;        // first mail arrival - message time (created)
    std::optional<std::int64_t> after_first_seconds;  // first mail - first push/poll arrival
    bool fallback_24h = false;                        // mail only and delay >= threshold
};

struct FallbackSummary {
    std::int64_t count = 0;
    std::int64_t mail_only = 0, after_push = 0, after_poll = 0;
    std::int64_t fallback_24h = 0;
    std::int64_t with_delay = 0;  // rows whose message time is known
    std::optional<std::int64_t> median_delay_seconds, max_delay_seconds;
};

struct ErrorGroup {
    std::string status_code;     // "" when the error had no code
    std::int64_t count = 0;      // error notifications with this code in the window
    std::vector<ErrorRow> rows;  // the first of them (at most the window's list_limit)
};

struct Report {
    ReportOptions options;
    ReportRows rows;
    // At most options.list_limit rows, the telling ones first: flagged "fallback after 24 h",
    // then "after push"/"after poll", then the other mail-only ones; by first mail arrival
    // within each group. fallback_summary counts all of them.
    std::vector<FallbackRow> fallback;
    FallbackSummary fallback_summary;
    std::vector<ErrorGroup> errors;
    std::vector<GroupCount> quarantine_classes;  // class, "", count; most frequent first
};

// Classifies mail arrival rows one at a time (fed by ReportWindow::on_mail_arrival while the
// store reads them, or from ReportRows::mail_arrivals): counts every fallback, keeps the
// listing's rows (at most list_limit) and the delays for the median, 8 bytes per fallback.
class FallbackCollector {
  public:
    explicit FallbackCollector(const ReportOptions& options) : options_(options) {}
    void add(const MailArrivalRow& m);
    // The listing, telling ones first (see Report::fallback), and the summary.
    void finish(std::vector<FallbackRow>& listing, FallbackSummary& summary);

  private:
    const ReportOptions& options_;
    FallbackSummary summary_;
    std::vector<std::int64_t> delays_;
    std::vector<FallbackRow> ranked_[3];  // flagged after 24 h, after push/poll, other mail only
};

// The report from the rows of one snapshot. `streamed`, when given, has received the mail
// arrivals (rows.mail_arrivals is then empty).
Report build_report(ReportRows rows, const ReportOptions& options,
                    FallbackCollector* streamed = nullptr);

// The prune horizon (ReportRows::pruned_before) when the window starts before it, so that some
// of its arrivals may have been removed by retention; else empty.
std::string pruned_within_window(const Report& report);

// The class of a quarantine reason: the text before its first ':' ("not a notification",
// "malformed", "untrusted"), or the whole reason when it has none.
std::string quarantine_reason_class(const std::string& reason);

// Parses a --since/--until value relative to `now` (Unix seconds): "now"; a duration ago
// ("7d", "36h", "90m", "1w", "45s", combinable: "1d12h"); a date "2024-05-01" (00:00 UTC, or
// with `end_of_day` the start of the next day, so that --until 2024-05-31 includes that
// day); an ISO 8601 time "2024-05-01T12:00:00Z" / "+02:00" / " 12:00" (no zone: UTC).
std::optional<std::int64_t> parse_report_time(const std::string& text, std::int64_t now,
                                              bool end_of_day);

// "1d 06h", "30h 05m", "12m 05s", "42s"; negative durations get a leading '-'.
std::string format_duration(std::int64_t seconds);

}  // namespace autodns
