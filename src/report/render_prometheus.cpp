// Prometheus text exposition format (version 0.0.4) for node_exporter's textfile collector.
// Counters are totals over the whole database, so rate() and increase() work on them.
#include <map>
#include <sstream>

#include "report/render.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

std::string label_value(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\' || c == '"') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

class Exposition {
  public:
    void family(const std::string& name, const char* type, const char* help) {
        out_ << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n';
        name_ = name;
    }
    void sample(std::int64_t value,
                const std::vector<std::pair<const char*, std::string>>& labels = {}) {
        out_ << name_;
        if (!labels.empty()) {
            out_ << '{';
            for (std::size_t i = 0; i < labels.size(); ++i) {
                out_ << (i ? "," : "") << labels[i].first << "=\"" << label_value(labels[i].second)
                     << '"';
            }
            out_ << '}';
        }
        out_ << ' ' << value << '\n';
    }
    std::string str() const { return out_.str(); }

  private:
    std::ostringstream out_;
    std::string name_;
};

}  // namespace

std::string render_prometheus(const Report& r) {
    const ReportRows& rows = r.rows;
    Exposition e;
    const std::string p = "autodns_notify_";

    e.family(p + "arrivals_total", "counter",
             "Arrivals of notifications (receipts), new or duplicate, by channel.");
    for (const ChannelRow& c : rows.channels) e.sample(c.arrivals, {{"channel", c.channel}});
    e.family(p + "duplicates_total", "counter",
             "Arrivals of a notification that had arrived before (by any channel), by channel.");
    for (const ChannelRow& c : rows.channels) e.sample(c.duplicates, {{"channel", c.channel}});
    e.family(p + "first_arrivals_total", "counter",
             "Notifications by the channel that brought them first.");
    for (const ChannelRow& c : rows.channels) e.sample(c.first_arrivals, {{"channel", c.channel}});
    e.family(p + "last_arrival_timestamp_seconds", "gauge",
             "Unix time of the latest arrival by channel (absent: none yet).");
    for (const ChannelRow& c : rows.channels) {
        if (!c.last_received_at) continue;
        if (auto t = util::parse_time_to_unix(*c.last_received_at, "UTC0")) {
            e.sample(*t, {{"channel", c.channel}});
        }
    }

    e.family(p + "notifications_total", "counter", "Stored notifications by kind and type.");
    for (const GroupCount& g : rows.by_type)
        e.sample(g.count, {{"kind", g.first}, {"type", g.second}});
    std::map<std::string, std::int64_t> by_status;
    for (const GroupCount& g : rows.by_status) by_status[g.first] += g.count;
    e.family(p + "notifications_by_status_total", "counter",
             "Stored notifications by status type (success, error, notify, ...; empty: none).");
    for (const auto& [status, count] : by_status) e.sample(count, {{"status", status}});
    e.family(p + "errors_total", "counter", "Stored notifications with status error, by code.");
    for (const ErrorGroup& g : r.errors) {
        e.sample(g.count, {{"code", g.status_code}});
    }

    const FallbackSummary& f = r.fallback_summary;
    e.family(p + "fallback_mail_total", "counter",
             "Notifications whose first mail came without (mail_only) or after push or poll.");
    e.sample(f.mail_only, {{"class", "mail_only"}});
    e.sample(f.after_push, {{"class", "after_push"}});
    e.sample(f.after_poll, {{"class", "after_poll"}});
    e.family(p + "fallback_24h_total", "counter",
             "Mail-only notifications that came 24 h or more after their message time.");
    e.sample(f.fallback_24h);

    e.family(p + "quarantined_total", "counter", "Quarantined inputs by reason class.");
    for (const GroupCount& g : r.quarantine_classes) e.sample(g.count, {{"reason", g.first}});
    e.family(p + "open_jobs", "gauge", "Jobs whose last known status is notify or running.");
    e.sample(rows.open_jobs_total);
    e.family(p + "outbox", "gauge", "Handler work by state.");
    e.sample(rows.outbox_pending, {{"state", "pending"}});
    e.sample(rows.outbox_done, {{"state", "done"}});
    e.sample(rows.outbox_dead, {{"state", "dead"}});
    e.family(p + "dead_letters", "gauge", "Handler work that gave up (outbox state dead).");
    e.sample(rows.outbox_dead);
    e.family(p + "report_timestamp_seconds", "gauge", "Unix time this file was written.");
    e.sample(r.options.generated_at);
    return e.str();
}

}  // namespace autodns
