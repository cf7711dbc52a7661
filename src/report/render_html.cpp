// HTML renderer: one self-contained page (inline CSS, inline SVG chart, no scripts, no
// external resources) that a browser shows as is and that can be mailed or archived.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "report/render.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

const char* const css = R"css(
:root{--ink:#1f2933;--muted:#616e7c;--line:#d9e2ec;--bg:#f5f7fa;--card:#fff;--accent:#2f5d8a;
--warn:#b44d12;--bad:#b42318}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 "DejaVu Sans","Segoe UI",Helvetica,Arial,sans-serif}
header{background:#243b53;color:#fff;padding:20px 32px}
header h1{margin:0 0 6px;font-size:22px;font-weight:600}
header .meta{color:#bcccdc;font-size:13px}
header .meta span{margin-right:22px}
main{padding:20px 32px 40px;max-width:1280px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px;
margin-bottom:18px}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:12px 16px}
.card .n{font-size:26px;font-weight:600;font-variant-numeric:tabular-nums}
.card .l{color:var(--muted);font-size:11px;text-transform:uppercase;letter-spacing:.03em;
white-space:nowrap}
.card.warn .n{color:var(--warn)}.card.bad .n{color:var(--bad)}
section{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:14px 18px;
margin-bottom:16px}
section h2{margin:0 0 8px;font-size:16px;font-weight:600;color:var(--accent)}
section p{margin:0 0 10px;color:var(--muted)}
table{border-collapse:collapse;width:100%;font-size:13px}
th{text-align:left;font-weight:600;color:var(--muted);border-bottom:2px solid var(--line);
padding:6px 8px;white-space:nowrap}
td{padding:5px 8px;border-bottom:1px solid #eef2f6;vertical-align:top;white-space:nowrap}
td.wrap{white-space:normal;overflow-wrap:anywhere;min-width:14em}
td.none{color:#9aa5b1}
.scroll{overflow-x:auto}
details summary{cursor:pointer;color:var(--accent);font-weight:600;font-size:15px}
details[open] summary{margin-bottom:8px}
tr:nth-child(even) td{background:#fafbfc}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.flag{color:var(--warn);font-weight:600}
.empty{color:var(--muted);font-style:italic}
.legend{display:flex;gap:18px;margin:4px 0 0;font-size:12px;color:var(--muted)}
.legend i{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:5px;
vertical-align:-1px}
footer{color:var(--muted);font-size:12px;padding:0 32px 24px}
)css";

const char* channel_color(const std::string& channel) {
    if (channel == "mail") return "#4e79a7";
    if (channel == "push") return "#f28e2b";
    if (channel == "poll") return "#59a14f";
    if (channel == "file") return "#b07aa1";
    return "#9c755f";
}

// A "nice" axis maximum and step for values up to `max`.
void axis(std::int64_t max, std::int64_t& top, std::int64_t& step) {
    if (max <= 0) max = 1;
    const double raw = static_cast<double>(max) / 4.0;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double nice = magnitude;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        if (m * magnitude >= raw) {
            nice = m * magnitude;
            break;
        }
    }
    step = std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(nice)));
    top = (max + step - 1) / step * step;
}

std::string chart(const Report& r) {
    std::vector<std::string> buckets;
    bool by_month = false;
    auto counts = per_bucket_counts(r, buckets, by_month);
    std::vector<std::string> channels;
    for (const ChannelRow& c : r.rows.channels) channels.push_back(c.channel);

    std::int64_t max = 0;
    for (const std::string& b : buckets) {
        std::int64_t total = 0;
        for (const std::string& c : channels) total += counts[b][c];
        max = std::max(max, total);
    }
    std::int64_t top = 1, step = 1;
    axis(max, top, step);

    const int width = 1000, height = 300, left = 48, right = 12, plot_top = 14, bottom = 56;
    const int plot_w = width - left - right, plot_h = height - plot_top - bottom;
    const std::size_t n = std::max<std::size_t>(1, buckets.size());
    const double slot = static_cast<double>(plot_w) / static_cast<double>(n);
    const double bar_w = std::max(2.0, std::min(48.0, slot * 0.7));
    const std::size_t label_every = std::max<std::size_t>(1, (n + 23) / 24);

    std::ostringstream s;
    char buf[512];
    s << "<svg id=\"chart-per-day\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
      << "viewBox=\"0 0 " << width << ' ' << height << "\" width=\"100%\" "
      << "aria-label=\"Arrivals per " << (by_month ? "month" : "day") << " and channel\" "
      << "style=\"max-width:" << width << "px\">\n";
    s << "<title>Arrivals per " << (by_month ? "month" : "day") << " and channel</title>\n";
    for (std::int64_t v = 0; v <= top; v += step) {
        const double y = plot_top + plot_h - static_cast<double>(v) / top * plot_h;
        std::snprintf(buf, sizeof buf,
                      "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
                      "stroke-width=\"1\"/>\n<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" "
                      "font-size=\"11\" fill=\"#616e7c\">%lld</text>\n",
                      left, y, width - right, y, v == 0 ? "#9aa5b1" : "#e4e7eb", left - 6, y + 4,
                      static_cast<long long>(v));
        s << buf;
    }
    for (std::size_t i = 0; i < buckets.size(); ++i) {
        const std::string& b = buckets[i];
        const double x = left + slot * static_cast<double>(i) + (slot - bar_w) / 2;
        double y = plot_top + plot_h;
        std::int64_t total = 0;
        for (const std::string& c : channels) {
            const std::int64_t v = counts[b][c];
            total += v;
            if (v == 0) continue;
            const double h = static_cast<double>(v) / top * plot_h;
            y -= h;
            std::snprintf(buf, sizeof buf,
                          "<rect class=\"bar\" data-day=\"%s\" data-channel=\"%s\" "
                          "data-count=\"%lld\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
                          "height=\"%.1f\" fill=\"%s\"><title>%s %s: %lld</title></rect>\n",
                          html_escape(b).c_str(), html_escape(c).c_str(), static_cast<long long>(v),
                          x, y, bar_w, h, channel_color(c), html_escape(b).c_str(),
                          html_escape(c).c_str(), static_cast<long long>(v));
            s << buf;
        }
        if (total > 0 && bar_w >= 14) {
            std::snprintf(buf, sizeof buf,
                          "<text class=\"total\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                          "font-size=\"11\" fill=\"#323f4b\">%lld</text>\n",
                          x + bar_w / 2, y - 4, static_cast<long long>(total));
            s << buf;
        }
        if (i % label_every == 0) {
            const std::string label = by_month ? b : b.substr(5);
            std::snprintf(buf, sizeof buf,
                          "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\" "
                          "fill=\"#616e7c\">%s</text>\n",
                          x + bar_w / 2, plot_top + plot_h + 16, html_escape(label).c_str());
            s << buf;
        }
    }
    if (max == 0) {
        std::snprintf(buf, sizeof buf,
                      "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\" "
                      "fill=\"#9aa5b1\">No arrivals in this window</text>\n",
                      left + plot_w / 2, plot_top + plot_h / 2);
        s << buf;
    }
    // Legend inside the SVG, so that the chart stands alone when copied.
    int lx = left;
    for (const std::string& c : channels) {
        std::snprintf(buf, sizeof buf,
                      "<rect x=\"%d\" y=\"%d\" width=\"11\" height=\"11\" rx=\"2\" fill=\"%s\"/>"
                      "<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#323f4b\">%s</text>\n",
                      lx, height - 18, channel_color(c), lx + 16, height - 8,
                      html_escape(c).c_str());
        s << buf;
        lx += 80;
    }
    s << "</svg>\n";
    return s.str();
}

// Sections become <section>; `folded` ones (detail a chart already shows) a <details>.
void table_html(std::ostringstream& out, const ReportTable& t, bool folded = false) {
    out << "<section id=\"s-" << t.id << "\">\n";
    if (folded) out << "<details>\n<summary>" << html_escape(t.title) << "</summary>\n";
    if (!folded) out << "<h2>" << html_escape(t.title) << "</h2>\n";
    if (!t.summary.empty()) out << "<p class=\"summary\">" << html_escape(t.summary) << "</p>\n";
    if (t.rows.empty()) {
        if (!t.empty.empty()) out << "<p class=\"empty\">" << html_escape(t.empty) << "</p>\n";
        out << (folded ? "</details>\n" : "") << "</section>\n";
        return;
    }
    out << "<div class=\"scroll\"><table id=\"t-" << t.id << "\">\n<thead><tr>";
    for (const ReportColumn& c : t.columns) {
        if (c.machine_only) continue;
        out << "<th" << (c.numeric ? " class=\"num\"" : "") << ">" << html_escape(c.label)
            << "</th>";
    }
    out << "</tr></thead>\n<tbody>\n";
    for (const auto& row : t.rows) {
        out << "<tr>";
        for (std::size_t i = 0; i < t.columns.size(); ++i) {
            const ReportColumn& c = t.columns[i];
            if (c.machine_only) continue;
            const char* cls = row[i].empty()   ? " class=\"none\""
                              : c.numeric      ? " class=\"num\""
                              : c.id == "flag" ? " class=\"flag\""
                              : c.max_width    ? " class=\"wrap\""
                                               : "";
            out << "<td data-col=\"" << c.id << "\"" << cls << ">"
                << (row[i].empty() ? "&ndash;" : html_escape(row[i])) << "</td>";
        }
        out << "</tr>\n";
    }
    out << "</tbody>\n</table></div>\n" << (folded ? "</details>\n" : "") << "</section>\n";
}

}  // namespace

std::string html_escape(const std::string& text) {
    return util::markup_escape(text);
}

std::string render_html(const Report& r) {
    const ReportRows& rows = r.rows;
    const std::vector<ReportTable> tables = report_tables(r);
    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        << "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        << "<meta name=\"generator\" content=\"autodns-notify report\">\n"
        << "<title>AutoDNS notifications "
        << util::format_utc_iso8601(r.options.since).substr(0, 10) << " to "
        << util::format_utc_iso8601(r.options.until).substr(0, 10) << "</title>\n<style>" << css
        << "</style>\n"
        << "</head>\n<body>\n<header>\n<h1>AutoDNS notification report</h1>\n"
        << "<div class=\"meta\"><span>Window <b>" << util::format_utc_iso8601(r.options.since)
        << "</b> to <b>" << util::format_utc_iso8601(r.options.until)
        << "</b> (arrival time, UTC)</span><span>Generated "
        << util::format_utc_iso8601(r.options.generated_at) << "</span><span>Database "
        << html_escape(rows.database) << "</span>";
    if (const std::string pruned = pruned_within_window(r); !pruned.empty()) {
        out << "<span>Retention removed arrivals before <b>" << html_escape(pruned)
            << "</b>: the window is incomplete before then</span>";
    }
    out << "</div>\n</header>\n<main>\n";

    std::int64_t errors = 0;
    for (const ErrorGroup& g : r.errors) errors += g.count;
    struct Card {
        const char* id;
        const char* label;
        std::int64_t value;
        const char* tone;
    };
    const Card cards[] = {
        {"notifications", "Notifications", rows.notifications, ""},
        {"arrivals", "Arrivals", rows.arrivals, ""},
        {"fallback_24h", "Fallback after 24 h", r.fallback_summary.fallback_24h,
         r.fallback_summary.fallback_24h ? "warn" : ""},
        {"errors", "Errors", errors, errors ? "warn" : ""},
        {"open_jobs", "Open jobs", rows.open_jobs_total, ""},
        {"quarantined", "Quarantined", rows.quarantined, rows.quarantined ? "warn" : ""},
        {"outbox_dead", "Dead letters", rows.outbox_dead, rows.outbox_dead ? "bad" : ""},
    };
    out << "<div class=\"cards\">\n";
    for (const Card& c : cards) {
        out << "<div class=\"card " << c.tone << "\" id=\"card-" << c.id << "\"><div class=\"n\">"
            << c.value << "</div><div class=\"l\">" << c.label << "</div></div>\n";
    }
    out << "</div>\n";

    out << "<section id=\"s-chart\">\n<h2>Arrivals per "
        << (tables[2].title == "Arrivals per month" ? "month" : "day") << " and channel</h2>\n"
        << chart(r) << "</section>\n";
    for (const ReportTable& t : tables) {
        if (t.id == "summary") continue;
        table_html(out, t, t.id == "per_day");
    }
    out << "</main>\n<footer>autodns-notify "
        << "report &middot; new notifications: " << rows.new_notifications
        << " &middot; handler work pending " << rows.outbox_pending << ", done " << rows.outbox_done
        << "</footer>\n</body>\n</html>\n";
    return out.str();
}

}  // namespace autodns
