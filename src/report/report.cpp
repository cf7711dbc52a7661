#include "report/report.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>

#include "util/time.hpp"

namespace autodns {
namespace {

std::optional<std::int64_t> to_unix(const std::optional<std::string>& iso) {
    if (!iso || iso->empty()) return std::nullopt;
    return util::parse_time_to_unix(*iso, "UTC0");  // stored times carry their zone ("Z")
}

FallbackSummary summarize(const std::vector<FallbackRow>& rows) {
    FallbackSummary s;
    std::vector<std::int64_t> delays;
    for (const FallbackRow& r : rows) {
        ++s.count;
        if (r.fallback_class == "mail only") ++s.mail_only;
        if (r.fallback_class == "after push") ++s.after_push;
        if (r.fallback_class == "after poll") ++s.after_poll;
        if (r.fallback_24h) ++s.fallback_24h;
        if (r.delay_seconds) delays.push_back(*r.delay_seconds);
    }
    s.with_delay = static_cast<std::int64_t>(delays.size());
    if (!delays.empty()) {
        std::sort(delays.begin(), delays.end());
        const std::size_t n = delays.size();
        s.median_delay_seconds =
            n % 2 ? delays[n / 2] : (delays[n / 2 - 1] + delays[n / 2]) / 2;  // lower mean
        s.max_delay_seconds = delays.back();
    }
    return s;
}

}  // namespace

std::string pruned_within_window(const Report& report) {
    const std::string& horizon = report.rows.pruned_before;
    if (horizon.empty() || util::format_utc_iso8601(report.options.since) >= horizon) return {};
    return horizon;
}

std::string quarantine_reason_class(const std::string& reason) {
    const std::string::size_type colon = reason.find(':');
    return colon == std::string::npos ? reason : reason.substr(0, colon);
}

Report build_report(ReportRows rows, const ReportOptions& options) {
    Report report;
    report.options = options;

    for (const MailArrivalRow& m : rows.mail_arrivals) {
        const auto mail = to_unix(m.first_mail);
        const auto push = to_unix(m.first_push);
        const auto poll = to_unix(m.first_poll);
        const bool push_before = push && mail && *push <= *mail;
        const bool poll_before = poll && mail && *poll <= *mail;
        FallbackRow row;
        if (!push && !poll) {
            row.fallback_class = "mail only";
        } else if (push_before && (!poll_before || *push <= *poll)) {
            row.fallback_class = "after push";
            row.after_first_seconds = *mail - *push;
        } else if (poll_before) {
            row.fallback_class = "after poll";
            row.after_first_seconds = *mail - *poll;
        } else {
            continue;  // mail came first: no fallback
        }
        const auto created = to_unix(m.created);
        if (created && mail) row.delay_seconds = *mail - *created;
        row.fallback_24h = row.fallback_class == "mail only" && row.delay_seconds &&
                           *row.delay_seconds >= options.fallback_threshold_seconds;
        row.arrival = m;
        report.fallback.push_back(std::move(row));
    }
    report.fallback_summary = summarize(report.fallback);
    auto rank = [](const FallbackRow& f) {
        return f.fallback_24h ? 0 : f.fallback_class == "mail only" ? 2 : 1;
    };
    std::stable_sort(report.fallback.begin(), report.fallback.end(),
                     [&](const FallbackRow& a, const FallbackRow& b) { return rank(a) < rank(b); });
    if (report.fallback.size() > options.list_limit) report.fallback.resize(options.list_limit);

    for (const ErrorRow& e : rows.errors) {
        const std::string code = e.status_code.value_or("");
        if (report.errors.empty() || report.errors.back().status_code != code) {
            report.errors.push_back({code, {}});
        }
        report.errors.back().rows.push_back(e);
    }
    std::stable_sort(
        report.errors.begin(), report.errors.end(),
        [](const ErrorGroup& a, const ErrorGroup& b) { return a.rows.size() > b.rows.size(); });

    std::map<std::string, std::int64_t> classes;
    for (const GroupCount& g : rows.quarantine_reasons) {
        classes[quarantine_reason_class(g.first)] += g.count;
    }
    for (const auto& [name, count] : classes)
        report.quarantine_classes.push_back({name, "", count});
    std::stable_sort(report.quarantine_classes.begin(), report.quarantine_classes.end(),
                     [](const GroupCount& a, const GroupCount& b) { return a.count > b.count; });

    report.rows = std::move(rows);
    return report;
}

std::optional<std::int64_t> parse_report_time(const std::string& text, std::int64_t now,
                                              bool end_of_day) {
    if (text == "now") return now;
    // A duration ago: digits followed by a unit, repeated.
    if (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0])) &&
        std::isalpha(static_cast<unsigned char>(text.back())) &&
        text.find('-') == std::string::npos) {
        std::int64_t total = 0;
        std::size_t pos = 0;
        while (pos < text.size()) {
            std::size_t start = pos;
            while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
            if (pos == start || pos - start > 9 || pos >= text.size()) return std::nullopt;
            const std::int64_t n = std::stoll(text.substr(start, pos - start));
            switch (text[pos++]) {
                case 'w':
                    total += n * 7 * 86400;
                    break;
                case 'd':
                    total += n * 86400;
                    break;
                case 'h':
                    total += n * 3600;
                    break;
                case 'm':
                    total += n * 60;
                    break;
                case 's':
                    total += n;
                    break;
                default:
                    return std::nullopt;
            }
        }
        return now - total;
    }
    if (text.size() == 10) {  // a date
        auto t = util::parse_time_to_unix(text + "T00:00:00Z", "UTC0");
        if (t && end_of_day) *t += 86400;
        return t;
    }
    return util::parse_time_to_unix(text, "UTC0");
}

std::string format_duration(std::int64_t seconds) {
    const char* sign = seconds < 0 ? "-" : "";
    std::int64_t s = seconds < 0 ? -seconds : seconds;
    char buf[64];
    if (s < 60) {
        std::snprintf(buf, sizeof buf, "%s%llds", sign, static_cast<long long>(s));
    } else if (s < 3600) {
        std::snprintf(buf, sizeof buf, "%s%lldm %02llds", sign, static_cast<long long>(s / 60),
                      static_cast<long long>(s % 60));
    } else if (s < 48 * 3600) {
        std::snprintf(buf, sizeof buf, "%s%lldh %02lldm", sign, static_cast<long long>(s / 3600),
                      static_cast<long long>(s % 3600 / 60));
    } else {
        std::snprintf(buf, sizeof buf, "%s%lldd %02lldh", sign, static_cast<long long>(s / 86400),
                      static_cast<long long>(s % 86400 / 3600));
    }
    return buf;
}

}  // namespace autodns
