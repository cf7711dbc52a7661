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

void FallbackCollector::add(const MailArrivalRow& m) {
    const auto mail = to_unix(m.first_mail);
    const auto push = to_unix(m.first_push);
    const auto poll = to_unix(m.first_poll);
    const bool push_before = push && mail && *push <= *mail;
    const bool poll_before = poll && mail && *poll <= *mail;
    FallbackRow row;
    if (!push && !poll) {
        row.fallback_class = "mail only";
        ++summary_.mail_only;
    } else if (push_before && (!poll_before || *push <= *poll)) {
        row.fallback_class = "after push";
        row.after_first_seconds = *mail - *push;
        ++summary_.after_push;
    } else if (poll_before) {
        row.fallback_class = "after poll";
        row.after_first_seconds = *mail - *poll;
        ++summary_.after_poll;
    } else {
        return;  // mail came first: no fallback
    }
    ++summary_.count;
    const auto created = to_unix(m.created);
    if (created && mail) {
        row.delay_seconds = *mail - *created;
        delays_.push_back(*row.delay_seconds);
    }
    row.fallback_24h = row.fallback_class == "mail only" && row.delay_seconds &&
                       *row.delay_seconds >= options_.fallback_threshold_seconds;
    if (row.fallback_24h) ++summary_.fallback_24h;
    std::vector<FallbackRow>& rank = ranked_[row.fallback_24h                    ? 0
                                             : row.fallback_class == "mail only" ? 2
                                                                                 : 1];
    // Rows arrive by first mail arrival: the first list_limit of a rank are the ones listed.
    if (rank.size() < options_.list_limit) {
        row.arrival = m;
        rank.push_back(std::move(row));
    }
}

void FallbackCollector::finish(std::vector<FallbackRow>& listing, FallbackSummary& summary) {
    listing.clear();
    for (std::vector<FallbackRow>& rank : ranked_) {
        for (FallbackRow& row : rank) {
            if (listing.size() == options_.list_limit) break;
            listing.push_back(std::move(row));
        }
        rank.clear();
    }
    summary = summary_;
    summary.with_delay = static_cast<std::int64_t>(delays_.size());
    if (!delays_.empty()) {
        const std::size_t n = delays_.size();
        auto nth = [&](std::size_t i) {
            std::nth_element(delays_.begin(), delays_.begin() + static_cast<std::ptrdiff_t>(i),
                             delays_.end());
            return delays_[i];
        };
        const std::int64_t upper = nth(n / 2);
        // The lower mean of the two middle values when n is even.
        summary.median_delay_seconds =
            n % 2 ? upper
                  : (*std::max_element(delays_.begin(),
                                       delays_.begin() + static_cast<std::ptrdiff_t>(n / 2)) +
                     upper) /
                        2;
        summary.max_delay_seconds = *std::max_element(delays_.begin(), delays_.end());
    }
}

Report build_report(ReportRows rows, const ReportOptions& options, FallbackCollector* streamed) {
    Report report;
    report.options = options;

    FallbackCollector own(report.options);
    FallbackCollector& fallback = streamed ? *streamed : own;
    for (const MailArrivalRow& m : rows.mail_arrivals) fallback.add(m);
    rows.mail_arrivals.clear();
    fallback.finish(report.fallback, report.fallback_summary);

    for (const GroupCount& g : rows.error_codes) report.errors.push_back({g.first, g.count, {}});
    for (ErrorRow& e : rows.errors) {
        const std::string code = e.status_code.value_or("");
        auto group = std::find_if(report.errors.begin(), report.errors.end(),
                                  [&](const ErrorGroup& g) { return g.status_code == code; });
        if (group == report.errors.end()) {  // rows without their counts (built by hand)
            report.errors.push_back({code, 0, {}});
            group = report.errors.end() - 1;
        }
        if (rows.error_codes.empty()) ++group->count;
        group->rows.push_back(std::move(e));
    }
    rows.errors.clear();
    std::stable_sort(report.errors.begin(), report.errors.end(),
                     [](const ErrorGroup& a, const ErrorGroup& b) { return a.count > b.count; });

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
