// Renderers of the report (docs/report.md describes every format).
//
// The sections are first laid out as tables (report_tables), which the text, CSV and HTML
// renderers share, so that the same figures appear in every format. JSON and Prometheus are
// typed and written from the model directly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "report/report.hpp"

namespace autodns {

struct ReportColumn {
    std::string id;             // CSV "column" value, snake_case
    std::string label;          // heading in text and HTML
    bool numeric = false;       // right-aligned
    bool machine_only = false;  // CSV only (seconds beside a human duration)
    bool human_only = false;    // text and HTML only
    std::size_t max_width = 0;  // text: longer cells are cut with "…" (0: no limit)
};

struct ReportTable {
    std::string id;       // CSV "section" value
    std::string title;    // heading
    std::string summary;  // one line above the table, may be empty
    std::string empty;    // shown instead of an empty table
    std::vector<ReportColumn> columns;
    std::vector<std::vector<std::string>> rows;  // one cell per column; "" for null
};

std::vector<ReportTable> report_tables(const Report& report);

std::string render_text(const Report& report);
// Long form: header "section,row,column,value", then one line per cell (RFC 4180 quoting).
std::string render_csv(const Report& report);
std::string render_json(const Report& report);
std::string render_html(const Report& report);
// node_exporter textfile metrics; meant for an all-time report (ReportOptions::all_time).
std::string render_prometheus(const Report& report);

// Arrivals per day (or per month, for windows longer than 92 days) and channel, for the
// per-day table and the HTML chart: fills `buckets` with every day shown, in order.
std::map<std::string, std::map<std::string, std::int64_t>> per_bucket_counts(
    const Report& report, std::vector<std::string>& buckets, bool& by_month);

// "<value>" and "&amp;" escaping for HTML text and attributes.
std::string html_escape(const std::string& text);

}  // namespace autodns
