// The report's sections as tables, and the text and CSV renderers built on them.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "report/render.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

std::string num(std::int64_t v) {
    return std::to_string(v);
}

std::string opt(const std::optional<std::string>& v) {
    return v.value_or("");
}

std::string opt_num(const std::optional<std::int64_t>& v) {
    return v ? std::to_string(*v) : std::string();
}

std::string object_text(const std::optional<std::string>& type,
                        const std::optional<std::string>& value) {
    if (!value) return type.value_or("");
    return type ? *value + " (" + *type + ")" : *value;
}

// Display width of UTF-8 text: code points (good enough for the names and times shown).
std::size_t width(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xc0) != 0x80) ++n;
    return n;
}

std::string cut(const std::string& s, std::size_t max) {
    if (max == 0 || width(s) <= max) return s;
    std::string out;
    std::size_t n = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if ((c & 0xc0) != 0x80 && ++n > max - 1) break;
        out += s[i];
    }
    return out + "\u2026";
}

std::string one_line(std::string s) {
    std::replace(s.begin(), s.end(), '\n', ' ');
    std::replace(s.begin(), s.end(), '\r', ' ');
    std::replace(s.begin(), s.end(), '\t', ' ');
    return s;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// Days (or months, for long spans) shown by the per-day table and chart.
std::vector<std::string> day_buckets(const Report& r, bool& by_month) {
    std::set<std::string> with_data;
    for (const DayChannelCount& d : r.rows.per_day) with_data.insert(d.day);
    by_month = false;
    std::vector<std::string> days;
    const std::int64_t span = (r.options.until - r.options.since) / 86400;
    if (!r.options.all_time && span <= 92) {
        for (std::int64_t t = r.options.since - r.options.since % 86400; t < r.options.until;
             t += 86400) {
            days.push_back(util::format_utc_iso8601(t).substr(0, 10));
        }
        return days;
    }
    if (with_data.empty()) return days;
    // Long window: from the first to the last day with data, by month beyond 92 days.
    auto first = util::parse_time_to_unix(*with_data.begin() + "T00:00:00Z", "UTC0");
    auto last = util::parse_time_to_unix(*with_data.rbegin() + "T00:00:00Z", "UTC0");
    if (!first || !last) return {with_data.begin(), with_data.end()};
    if ((*last - *first) / 86400 < 92) {
        for (std::int64_t t = *first; t <= *last; t += 86400)
            days.push_back(util::format_utc_iso8601(t).substr(0, 10));
        return days;
    }
    by_month = true;
    std::set<std::string> months;
    for (const std::string& d : with_data) months.insert(d.substr(0, 7));
    std::string m = *months.begin();
    const std::string end = *months.rbegin();
    while (m <= end) {
        days.push_back(m);
        int year = std::stoi(m.substr(0, 4)), month = std::stoi(m.substr(5, 2)) + 1;
        if (month == 13) {
            month = 1;
            ++year;
        }
        char buf[16];
        std::snprintf(buf, sizeof buf, "%04d-%02d", year % 10000, month % 100);
        m = buf;
    }
    return days;
}

std::string fallback_summary_text(const FallbackSummary& s) {
    if (s.count == 0) return "No notification came by mail without or after push/poll.";
    std::string text = num(s.count) +
                       " came by mail without or after push/poll: " + num(s.mail_only) +
                       " mail only (" + num(s.fallback_24h) + " fallback after 24 h), " +
                       num(s.after_push) + " after push, " + num(s.after_poll) + " after poll.";
    if (s.median_delay_seconds) {
        text += " Delay from message time to mail: median " +
                format_duration(*s.median_delay_seconds) + ", max " +
                format_duration(*s.max_delay_seconds) + " (" + num(s.with_delay) + " with a time).";
    }
    if (s.fallback_24h > 0) {
        // The usual surprise after `import` of an old mailbox (docs/report.md).
        text +=
            " A mail imported from an archive arrives at its import, so an old one counts as "
            "a fallback after 24 h here.";
    }
    return text;
}

}  // namespace

// Per-day counts: bucket -> channel -> arrivals. Shared with the HTML chart.
std::map<std::string, std::map<std::string, std::int64_t>> per_bucket_counts(
    const Report& r, std::vector<std::string>& buckets, bool& by_month) {
    buckets = day_buckets(r, by_month);
    std::map<std::string, std::map<std::string, std::int64_t>> counts;
    for (const DayChannelCount& d : r.rows.per_day) {
        counts[by_month ? d.day.substr(0, 7) : d.day][d.channel] += d.arrivals;
    }
    return counts;
}

std::vector<ReportTable> report_tables(const Report& r) {
    const ReportRows& rows = r.rows;
    std::vector<ReportTable> tables;

    {
        ReportTable t{"summary", "Summary", "", "", {{"field", "What"}, {"value", "Count", true}},
                      {}};
        auto add = [&](const char* id, const char* label, std::int64_t v) {
            t.rows.push_back({id, num(v)});
            (void)label;
        };
        add("notifications", "notifications", rows.notifications);
        add("new_notifications", "new", rows.new_notifications);
        add("arrivals", "arrivals", rows.arrivals);
        add("quarantined", "quarantined", rows.quarantined);
        add("fallback_mail", "", r.fallback_summary.count);
        add("fallback_24h", "", r.fallback_summary.fallback_24h);
        std::int64_t errors = 0;
        for (const ErrorGroup& g : r.errors) errors += g.count;
        add("errors", "", errors);
        add("open_jobs", "", rows.open_jobs_total);
        add("outbox_pending", "", rows.outbox_pending);
        add("outbox_done", "", rows.outbox_done);
        add("outbox_dead", "", rows.outbox_dead);
        tables.push_back(std::move(t));
    }
    {
        ReportTable t{
            "channels",
            "Arrivals by channel",
            "Duplicates are arrivals of a notification already received (by any channel).",
            "",
            {{"channel", "Channel"},
             {"arrivals", "Arrivals", true},
             {"notifications", "Notifications", true},
             {"duplicates", "Duplicates", true},
             {"first_arrivals", "First by", true},
             {"quarantined", "Quarantined", true},
             {"last_arrival", "Last arrival"}},
            {}};
        for (const ChannelRow& c : rows.channels) {
            t.rows.push_back({c.channel, num(c.arrivals), num(c.notifications), num(c.duplicates),
                              num(c.first_arrivals), num(c.quarantined), opt(c.last_received_at)});
        }
        tables.push_back(std::move(t));
    }
    {
        std::vector<std::string> buckets;
        bool by_month = false;
        auto counts = per_bucket_counts(r, buckets, by_month);
        ReportTable t{"per_day",
                      by_month ? "Arrivals per month" : "Arrivals per day",
                      "",
                      "No arrivals.",
                      {{"day", by_month ? "Month" : "Day"}},
                      {}};
        for (const ChannelRow& c : rows.channels) t.columns.push_back({c.channel, c.channel, true});
        t.columns.push_back({"total", "total", true});
        for (const std::string& b : buckets) {
            std::vector<std::string> row{b};
            std::int64_t total = 0;
            for (const ChannelRow& c : rows.channels) {
                const std::int64_t n = counts[b][c.channel];
                total += n;
                row.push_back(num(n));
            }
            row.push_back(num(total));
            t.rows.push_back(std::move(row));
        }
        tables.push_back(std::move(t));
    }
    {
        ReportTable t{"types",
                      "Notifications by kind and type",
                      "",
                      "No notifications.",
                      {{"kind", "Kind"}, {"type", "Type"}, {"notifications", "Count", true}},
                      {}};
        for (const GroupCount& g : rows.by_type)
            t.rows.push_back({g.first, g.second, num(g.count)});
        tables.push_back(std::move(t));
    }
    {
        ReportTable t{
            "statuses",
            "Notifications by status",
            "",
            "No notifications.",
            {{"status_type", "Status"}, {"status_code", "Code"}, {"notifications", "Count", true}},
            {}};
        for (const GroupCount& g : rows.by_status)
            t.rows.push_back({g.first, g.second, num(g.count)});
        tables.push_back(std::move(t));
    }
    {
        ReportTable t{
            "fallback",
            "Fallback to mail",
            fallback_summary_text(r.fallback_summary) +
                (r.fallback_summary.count > static_cast<std::int64_t>(r.fallback.size())
                     ? " Listed: the first " + num(static_cast<std::int64_t>(r.fallback.size())) +
                           ", flagged and after push/poll first."
                     : ""),
            "",
            {{"key", "Key"},
             {"class", "Class"},
             {"delay", "Delay", true, false, true},
             {"delay_seconds", "Delay (s)", true, true},
             {"flag", "Flag"},
             {"type", "Type"},
             {"object", "Object", false, false, false, 40},
             {"created", "Message time"},
             {"first_push_poll", "First push/poll"},
             {"mail_arrival", "Mail arrived"}},
            {}};
        for (const FallbackRow& f : r.fallback) {
            const MailArrivalRow& a = f.arrival;
            std::string first = f.fallback_class == "after push"   ? opt(a.first_push)
                                : f.fallback_class == "after poll" ? opt(a.first_poll)
                                                                   : "";
            t.rows.push_back(
                {a.key, f.fallback_class, f.delay_seconds ? format_duration(*f.delay_seconds) : "",
                 opt_num(f.delay_seconds), f.fallback_24h ? "fallback after 24 h" : "", opt(a.type),
                 object_text(a.object_type, a.object_value), opt(a.created), first, a.first_mail});
        }
        tables.push_back(std::move(t));
    }
    {
        ReportTable t{"errors",
                      "Errors by status code",
                      "",
                      "No errors.",
                      {{"status_code", "Code"},
                       {"count", "Count", true},
                       {"text", "Text", false, false, false, 40},
                       {"objects", "Objects", false, false, false, 90}},
                      {}};
        for (const ErrorGroup& g : r.errors) {
            std::vector<std::string> objects;
            std::string text;
            for (const ErrorRow& e : g.rows) {
                // "example.de (autoupdate_dns_error)": the type tells what failed.
                std::string o = e.object_value.value_or("?");
                if (e.type) o += " (" + *e.type + ")";
                if (std::find(objects.begin(), objects.end(), o) == objects.end()) {
                    objects.push_back(o);
                }
                if (text.empty() && e.status_text) text = one_line(*e.status_text);
            }
            std::string joined;
            for (const std::string& o : objects) joined += (joined.empty() ? "" : ", ") + o;
            t.rows.push_back({g.status_code, num(g.count), text, joined});
        }
        tables.push_back(std::move(t));
    }
    {
        ReportTable t{
            "open_jobs",
            "Jobs without a final status",
            num(rows.open_jobs_total) +
                " job(s) whose last status is notify or running (arrived before the "
                "window's end)" +
                (rows.open_jobs_total > static_cast<std::int64_t>(rows.open_jobs.size())
                     ? "; the oldest " + num(static_cast<std::int64_t>(rows.open_jobs.size())) +
                           " are listed."
                     : "."),
            "",
            {{"key", "Key"},
             {"job_id", "Job id"},
             {"type", "Type"},
             {"status", "Status"},
             {"object", "Object", false, false, false, 40},
             {"created", "Message time"},
             {"age", "Age", true, false, true},
             {"age_seconds", "Age (s)", true, true}},
            {}};
        for (const OpenJobRow& j : rows.open_jobs) {
            std::optional<std::int64_t> age;
            if (j.created) {
                if (auto c = util::parse_time_to_unix(*j.created, "UTC0")) {
                    age = r.options.until - *c;
                }
            }
            t.rows.push_back({j.key, opt(j.job_id), opt(j.type),
                              opt(j.status_type) + (j.status_code ? " " + *j.status_code : ""),
                              object_text(j.object_type, j.object_value), opt(j.created),
                              age ? format_duration(*age) : "", opt_num(age)});
        }
        tables.push_back(std::move(t));
    }
    {
        ReportTable t{"quarantine_classes",
                      "Quarantined inputs by reason",
                      "",
                      "Nothing quarantined.",
                      {{"class", "Reason"}, {"count", "Count", true}},
                      {}};
        for (const GroupCount& g : r.quarantine_classes) t.rows.push_back({g.first, num(g.count)});
        tables.push_back(std::move(t));
    }
    {
        ReportTable t{"quarantine_latest",
                      "Latest quarantined inputs",
                      "",
                      "",
                      {{"received_at", "Received"},
                       {"channel", "Channel"},
                       {"source", "Message-ID / locator", false, false, false, 40},
                       {"bytes", "Bytes", true},
                       {"reason", "Reason", false, false, false, 70}},
                      {}};
        for (const QuarantineRow& q : rows.quarantine_latest) {
            t.rows.push_back({q.received_at, q.channel,
                              q.message_id.empty() ? q.locator : "<" + q.message_id + ">",
                              num(q.bytes), one_line(q.reason)});
        }
        if (!t.rows.empty()) tables.push_back(std::move(t));
    }
    {
        ReportTable t{"dead_letters",
                      "Dead-lettered handler work",
                      num(rows.outbox_dead) +
                          " outbox row(s) gave up after their last attempt; 'autodns-notify "
                          "dispatch --retry-dead' queues them again.",
                      "",
                      {{"key", "Key"},
                       {"handler", "Handler"},
                       {"attempts", "Attempts", true},
                       {"type", "Type"},
                       {"object", "Object", false, false, false, 40},
                       {"created_at", "Queued"},
                       {"last_error", "Last error", false, false, false, 60}},
                      {}};
        if (rows.outbox_dead == 0) t.summary = "No dead-lettered work.";
        for (const DeadLetterRow& d : rows.dead_letters) {
            t.rows.push_back({d.key, d.handler, num(d.attempts), opt(d.type),
                              object_text(d.object_type, d.object_value),
                              util::format_utc_iso8601(d.created_at), one_line(d.last_error)});
        }
        tables.push_back(std::move(t));
    }
    return tables;
}

std::string render_text(const Report& r) {
    std::ostringstream out;
    out << "AutoDNS notification report\n"
        << "  database   " << r.rows.database << "\n"
        << "  window     " << util::format_utc_iso8601(r.options.since) << " to "
        << util::format_utc_iso8601(r.options.until) << " (arrival time, UTC; until excluded)\n"
        << "  generated  " << util::format_utc_iso8601(r.options.generated_at) << "\n";
    if (const std::string pruned = pruned_within_window(r); !pruned.empty()) {
        out << "  note       retention removed arrivals before " << pruned
            << ": the window is incomplete before then\n";
    }
    static const std::map<std::string, std::string> summary_labels = {
        {"notifications", "notifications (with an arrival in the window)"},
        {"new_notifications", "new (first arrival in the window)"},
        {"arrivals", "arrivals"},
        {"quarantined", "quarantined inputs"},
        {"fallback_mail", "by mail without or after push/poll"},
        {"fallback_24h", "fallback after 24 h"},
        {"errors", "errors"},
        {"open_jobs", "jobs without a final status"},
        {"outbox_pending", "handler work pending"},
        {"outbox_done", "handler work done"},
        {"outbox_dead", "handler work dead-lettered"}};
    for (const ReportTable& t : report_tables(r)) {
        out << "\n" << t.title << "\n";
        if (t.id == "summary") {
            std::size_t w = 0;
            for (const auto& row : t.rows) w = std::max(w, summary_labels.at(row[0]).size());
            for (const auto& row : t.rows) {
                const std::string& label = summary_labels.at(row[0]);
                out << "  " << label << std::string(w - label.size() + 2, ' ') << row[1] << "\n";
            }
            continue;
        }
        if (!t.summary.empty()) out << "  " << t.summary << "\n";
        if (t.rows.empty()) {
            if (!t.empty.empty()) out << "  " << t.empty << "\n";
            continue;
        }
        std::vector<std::size_t> shown;
        for (std::size_t c = 0; c < t.columns.size(); ++c)
            if (!t.columns[c].machine_only) shown.push_back(c);
        std::vector<std::vector<std::string>> cells;
        std::vector<std::size_t> widths(t.columns.size(), 0);
        for (std::size_t c : shown) widths[c] = width(t.columns[c].label);
        for (const auto& row : t.rows) {
            std::vector<std::string> line(row.size());
            for (std::size_t c : shown) {
                line[c] = row[c].empty() ? "-" : cut(row[c], t.columns[c].max_width);
                widths[c] = std::max(widths[c], width(line[c]));
            }
            cells.push_back(std::move(line));
        }
        auto emit = [&](const std::vector<std::string>& line, bool heading) {
            std::string text = " ";
            for (std::size_t i = 0; i < shown.size(); ++i) {
                const std::size_t c = shown[i];
                const std::string& v = heading ? t.columns[c].label : line[c];
                const std::string pad(widths[c] - width(v), ' ');
                text += " ";
                text += t.columns[c].numeric ? pad + v : (i + 1 < shown.size() ? v + pad : v);
                if (i + 1 < shown.size()) text += " ";
            }
            while (!text.empty() && text.back() == ' ') text.pop_back();
            out << text << "\n";
        };
        emit({}, true);
        for (const auto& line : cells) emit(line, false);
    }
    return out.str();
}

std::string render_csv(const Report& r) {
    std::ostringstream out;
    out << "section,row,column,value\r\n";
    auto line = [&](const std::string& section, std::size_t row, const std::string& column,
                    const std::string& value) {
        out << csv_field(section) << ',' << row << ',' << csv_field(column) << ','
            << csv_field(value) << "\r\n";
    };
    line("window", 1, "since", util::format_utc_iso8601(r.options.since));
    line("window", 1, "until", util::format_utc_iso8601(r.options.until));
    line("window", 1, "generated_at", util::format_utc_iso8601(r.options.generated_at));
    line("window", 1, "database", r.rows.database);
    if (const std::string pruned = pruned_within_window(r); !pruned.empty()) {
        line("window", 1, "pruned_before", pruned);
    }
    for (const ReportTable& t : report_tables(r)) {
        if (t.id == "summary") {  // one row: a column per figure
            for (const auto& row : t.rows) line(t.id, 1, row[0], row[1]);
            continue;
        }
        for (std::size_t i = 0; i < t.rows.size(); ++i) {
            for (std::size_t c = 0; c < t.columns.size(); ++c) {
                if (t.columns[c].human_only) continue;
                line(t.id, i + 1, t.columns[c].id, t.rows[i][c]);
            }
        }
    }
    return out.str();
}

}  // namespace autodns
