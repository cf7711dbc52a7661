#include "handlers/router.hpp"

#include <algorithm>
#include <cmath>

#include "util/glob.hpp"

namespace autodns {
namespace {

bool any_matches(const std::vector<std::string>& patterns, const std::optional<std::string>& a,
                 const std::optional<std::string>& b = std::nullopt) {
    if (patterns.empty()) return true;
    for (const std::string& p : patterns) {
        if (a && util::glob_match(p, *a)) return true;
        if (b && util::glob_match(p, *b)) return true;
    }
    return false;
}

}  // namespace

bool selector_matches(const RecordSelector& selector, const Notification& record) {
    return any_matches(selector.kinds, record.kind) && any_matches(selector.types, record.type) &&
           any_matches(selector.statuses, record.status.type, record.status.code);
}

std::vector<std::string> route(const Handlers& handlers, const Notification& record) {
    std::vector<std::string> names;
    for (const HandlerSpec& spec : handlers.specs) {
        if (selector_matches(spec.selector, record)) names.push_back(spec.name);
    }
    return names;
}

OutboxRouter make_outbox_router(const Handlers& handlers) {
    return [handlers](const Notification& record) { return route(handlers, record); };
}

std::int64_t base_delay_seconds(const HandlerSpec& spec, int attempt) {
    double delay = spec.backoff_seconds;
    for (int i = 1; i < attempt && delay < spec.backoff_max_seconds; ++i) delay *= 2;
    return static_cast<std::int64_t>(std::min<double>(delay, spec.backoff_max_seconds));
}

std::int64_t retry_delay_seconds(const HandlerSpec& spec, int attempt, std::mt19937_64& random) {
    const double base = static_cast<double>(base_delay_seconds(spec, attempt));
    std::uniform_real_distribution<double> jitter(0.0, 0.1);
    return std::max<std::int64_t>(
        1, static_cast<std::int64_t>(std::ceil(base * (1 + jitter(random)))));
}

}  // namespace autodns
