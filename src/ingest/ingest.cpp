#include "ingest/ingest.hpp"

#include <optional>

namespace autodns {
namespace {

// Several parts of one mail gave notifications: each part's notifications are stored with the
// payload they came from, all in one transaction (the caller's batch, or one of their own).
IngestResult ingest_parts(Store& store, const Analysis& analysis, const Arrival& arrival) {
    std::optional<Store::Batch> own_batch;
    if (!store.in_batch()) own_batch.emplace(store);  // rolled back unless committed
    IngestResult total;
    const auto& all = analysis.notifications;
    const bool have_records = analysis.records.size() == all.size();
    for (std::size_t part = 0; part <= analysis.more_parts.size(); ++part) {
        const std::size_t first = part == 0 ? 0 : analysis.more_parts[part - 1].first;
        const std::size_t end =
            part < analysis.more_parts.size() ? analysis.more_parts[part].first : all.size();
        if (first >= end || end > all.size()) continue;
        const std::string& payload =
            part == 0 ? analysis.payload : analysis.more_parts[part - 1].payload;
        std::vector<Notification> some(all.begin() + first, all.begin() + end);
        std::vector<std::string> records;
        if (have_records)
            records.assign(analysis.records.begin() + first, analysis.records.begin() + end);
        IngestResult r = store.ingest(some, arrival, payload, have_records ? &records : nullptr);
        total.new_count += r.new_count;
        total.duplicate_count += r.duplicate_count;
        total.new_keys.insert(total.new_keys.end(), r.new_keys.begin(), r.new_keys.end());
    }
    if (own_batch) own_batch->commit();
    total.outcome = total.new_count > 0 ? IngestOutcome::stored : IngestOutcome::duplicate;
    return total;
}

}  // namespace

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
            analysis.more_parts.empty()
                ? store.ingest(analysis.notifications, arrival, analysis.payload, &analysis.records)
                : ingest_parts(store, analysis, arrival);
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
