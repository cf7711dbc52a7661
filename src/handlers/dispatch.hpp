// The dispatcher: takes due outbox rows, delivers them to their handlers, records the outcome.
//
// Every channel calls dispatch_due() after its own commit (mail, import, and the push receiver
// and poll client), and `autodns-notify dispatch` calls it on demand or in a loop. Rows are
// claimed one at a time with a lease (Store::claim_outbox), so any number of dispatchers —
// threads or processes — may run at once without delivering a row twice while its lease runs;
// the lease is longer than the handler's worst-case delivery time. A dispatcher that dies
// mid-delivery leaves the row to be claimed again once the lease has expired (at least once).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "handlers/config.hpp"
#include "store/store.hpp"

namespace autodns {

struct DispatchOptions {
    std::string owner;                       // lease owner; empty: make_owner_id()
    int lease_seconds = 0;                   // 0: handlers.lease_seconds()
    std::vector<std::string> only_handlers;  // deliver only rows of these handlers
    std::vector<std::string> only_keys;      // deliver only rows of these records
    std::optional<std::chrono::steady_clock::time_point>
        deadline;  // stop claiming after it;
                   // a running delivery is cut short at it (a failed attempt)
    std::function<void(const std::string&)> log;  // one line per failure; none when empty
    std::function<bool()> stop;                   // polled between rows; true ends the run early
};

struct DispatchSummary {
    int delivered = 0;
    int failed = 0;      // attempts that failed and will be retried
    int dead = 0;        // attempts that failed for the last time (dead-lettered)
    int lost_lease = 0;  // delivered or failed, but the lease had passed to another owner
    bool deadline_reached = false;
};

// Delivers every row that is due now (or becomes due while the run goes on) to its handler,
// until none is left, the deadline passes or `stop` says so. Rows of handlers that are not
// configured are left pending (dispatch --list shows them). Throws FatalError when the store
// fails (a delivery's own failure is a result, never an exception).
DispatchSummary dispatch_due(Store& store, const Handlers& handlers,
                             const DispatchOptions& options);

// The short form the channels call after their commit.
DispatchSummary dispatch_due(Store& store, const Handlers& handlers,
                             std::chrono::steady_clock::time_point deadline);

// dispatch --replay: outbox rows for records stored before a handler was configured.
struct ReplayWindow {
    std::string since;  // first arrival, ISO 8601 UTC, inclusive
    std::string until;  // exclusive
};

struct ReplaySummary {
    std::int64_t stored = 0;  // stored records in the window
    std::int64_t wanted = 0;  // of those, the ones the handler's selector wants
    std::int64_t added = 0;   // of those, the ones that got a new outbox row
};

// For every stored record in `window` that `handler`'s selector wants, a pending outbox row for
// that handler unless the pair has one already (so a second replay adds nothing, and a record
// the handler already got is not sent again). Reads and writes in pages of `page_size` records,
// each page one transaction; `progress` (when set) gets the running summary after each page.
// Throws FatalError when the store fails or a stored record cannot be read.
ReplaySummary replay_stored(Store& store, const HandlerSpec& handler, const ReplayWindow& window,
                            const std::function<void(const ReplaySummary&)>& progress = {},
                            std::size_t page_size = 1000);

// "host:pid:random" — unique per process and call.
std::string make_owner_id();

// "1 delivered, 2 failed (1 dead)" for logs.
std::string describe(const DispatchSummary& summary);

}  // namespace autodns
