// Routing and retry policy: which handlers want a record, and when a failed one tries again.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "handlers/config.hpp"
#include "store/store.hpp"

namespace autodns {

// True when `selector` wants `record` (see RecordSelector).
bool selector_matches(const RecordSelector& selector, const Notification& record);

// The names of the handlers that want `record`, in name order.
std::vector<std::string> route(const Handlers& handlers, const Notification& record);

// A router for Store::set_outbox_router(); it copies what it needs from `handlers`.
OutboxRouter make_outbox_router(const Handlers& handlers);

// Seconds to wait after failed attempt number `attempt` (1-based): backoff * 2^(attempt-1),
// at most backoff_max, plus up to 10 % jitter drawn from `random` (rounded up, at least 1).
std::int64_t retry_delay_seconds(const HandlerSpec& spec, int attempt, std::mt19937_64& random);

// The same without jitter (for docs and tests): the schedule before jitter is added.
std::int64_t base_delay_seconds(const HandlerSpec& spec, int attempt);

}  // namespace autodns
