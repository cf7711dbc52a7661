#include "core/ingest.hpp"

namespace autodns {

std::string describe(const Notification& n) {
    std::string s = n.key.size() > 23 ? n.key.substr(0, 23) + "…" : n.key;
    s += ' ' + n.kind;
    if (n.type) s += ' ' + *n.type;
    if (n.status.code) s += ' ' + *n.status.code;
    if (n.object.value) s += ' ' + n.object.type.value_or("object") + ' ' + *n.object.value;
    return s;
}

IngestReport record_input(Store& store, const Analysis& analysis, const Arrival& arrival,
                          std::string_view raw) {
    IngestReport report;
    if (analysis.verdict == Verdict::notifications) {
        IngestResult r =
            store.ingest(analysis.notifications, arrival, analysis.payload, &analysis.records);
        report.outcome = r.outcome;
        report.new_count = r.new_count;
        report.duplicate_count = r.duplicate_count;
        for (const Notification& n : analysis.notifications) {
            if (!report.summary.empty()) report.summary += "; ";
            report.summary += describe(n);
        }
        report.summary = (r.new_count > 0 ? "stored " : "duplicate ") + report.summary;
        if (r.new_count > 0 && r.duplicate_count > 0) {
            report.summary += " (" + std::to_string(r.duplicate_count) + " already known)";
        }
        return report;
    }
    report.reason = std::string(verdict_name(analysis.verdict));
    if (!analysis.reason.empty()) {
        // Untrusted reasons already start with "untrusted: ".
        report.reason = analysis.verdict == Verdict::untrusted
                            ? analysis.reason
                            : report.reason + ": " + analysis.reason;
    }
    store.quarantine(arrival, raw, report.reason);
    report.outcome = IngestOutcome::quarantined;
    report.summary = "quarantined (" + report.reason + ")";
    return report;
}

}  // namespace autodns
