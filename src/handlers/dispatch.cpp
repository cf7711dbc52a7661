#include "handlers/dispatch.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <ctime>
#include <map>
#include <memory>
#include <random>

#include "core/errors.hpp"
#include "handlers/router.hpp"
#include "parse/record_json.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

using Clock = std::chrono::steady_clock;

// Handler output and errors become one log line and one last_error value.
std::string one_line(std::string text) {
    for (char& c : text) {
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    constexpr std::size_t limit = 2048;
    if (text.size() > limit) text = "…" + text.substr(text.size() - limit);
    return text;
}

}  // namespace

std::string make_owner_id() {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
    std::random_device device;
    std::uniform_int_distribution<unsigned long long> dist;
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "%016llx", dist(device));
    return std::string(host) + ":" + std::to_string(getpid()) + ":" + suffix;
}

ReplaySummary replay_stored(Store& store, const HandlerSpec& handler, const ReplayWindow& window,
                            const std::function<void(const ReplaySummary&)>& progress,
                            std::size_t page_size) {
    ReplaySummary summary;
    std::string after;
    for (;;) {
        const std::vector<Store::StoredRecord> page =
            store.stored_records(window.since, window.until, after, page_size);
        if (page.empty()) break;
        std::vector<std::string> keys;
        for (const Store::StoredRecord& stored : page) {
            Notification record;
            try {
                record = record_from_json(stored.record_json);
            } catch (const ItemError& e) {
                throw FatalError("stored record " + stored.key + " cannot be read: " + e.what(),
                                 false);
            }
            if (selector_matches(handler.selector, record)) keys.push_back(stored.key);
        }
        summary.stored += static_cast<std::int64_t>(page.size());
        summary.wanted += static_cast<std::int64_t>(keys.size());
        if (!keys.empty())
            summary.added += store.add_outbox_rows(handler.name, keys, util::now_unix());
        after = page.back().key;
        if (progress) progress(summary);
        if (page.size() < page_size) break;
    }
    return summary;
}

std::string describe(const DispatchSummary& s) {
    std::string text = std::to_string(s.delivered) + " delivered, " + std::to_string(s.failed) +
                       " failed, " + std::to_string(s.dead) + " dead-lettered";
    if (s.lost_lease > 0) text += ", " + std::to_string(s.lost_lease) + " lost their lease";
    if (s.deadline_reached) text += " (deadline reached)";
    return text;
}

DispatchSummary dispatch_due(Store& store, const Handlers& handlers, Clock::time_point deadline) {
    DispatchOptions options;
    options.deadline = deadline;
    return dispatch_due(store, handlers, options);
}

DispatchSummary dispatch_due(Store& store, const Handlers& handlers,
                             const DispatchOptions& options) {
    DispatchSummary summary;
    if (handlers.empty()) return summary;
    // A handler that closes its end of a pipe or socket early must not kill the dispatcher;
    // exec children get the default disposition back (exec.cpp).
    std::signal(SIGPIPE, SIG_IGN);

    const std::string owner = options.owner.empty() ? make_owner_id() : options.owner;
    const int lease = options.lease_seconds > 0 ? options.lease_seconds : handlers.lease_seconds();
    Store::ClaimFilter filter;
    filter.keys = options.only_keys;
    for (const std::string& name : handlers.names()) {
        if (options.only_handlers.empty() ||
            std::find(options.only_handlers.begin(), options.only_handlers.end(), name) !=
                options.only_handlers.end()) {
            filter.handlers.push_back(name);
        }
    }
    if (filter.handlers.empty()) return summary;

    std::map<std::string, std::unique_ptr<Handler>> instances;
    std::mt19937_64 random{std::random_device{}()};
    auto log = [&](const std::string& line) {
        if (options.log) options.log(line);
    };

    for (;;) {
        if (options.stop && options.stop()) break;
        if (options.deadline && Clock::now() >= *options.deadline) {
            summary.deadline_reached = true;
            break;
        }
        std::vector<OutboxEntry> rows =
            store.claim_outbox(owner, lease, 1, util::now_unix(), filter);
        if (rows.empty()) break;
        const OutboxEntry& row = rows.front();
        const HandlerSpec* spec = handlers.find(row.handler);

        DeliveryResult result = util::Failure{};
        bool permanent = false;  // no point in retrying
        Notification record;
        bool readable = true;
        try {
            record = record_from_json(row.record_json);
        } catch (const ItemError& e) {
            readable = false;
            permanent = true;
            result = util::Failure{std::string("stored record unreadable: ") + e.what()};
        }
        if (spec && readable) {
            auto& handler = instances[spec->name];
            if (!handler) handler = make_handler(*spec);
            Clock::time_point until = Clock::now() + std::chrono::seconds(spec->timeout_seconds);
            if (options.deadline) until = std::min(until, *options.deadline);
            const Delivery delivery{row.key, row.record_json, record, row.attempts};
            result = handler->deliver(delivery, until);
        }

        if (result) {
            if (store.complete_outbox(row.rowid, owner))
                ++summary.delivered;
            else
                ++summary.lost_lease;
            continue;
        }
        const std::string error = one_line(result.error());
        const int max_attempts = spec ? spec->max_attempts : 1;
        const bool dead = permanent || row.attempts >= max_attempts;
        const std::int64_t delay =
            spec ? retry_delay_seconds(*spec, row.attempts, random) : std::int64_t{lease};
        if (!store.fail_outbox(row.rowid, owner, error, util::now_unix() + delay, dead)) {
            ++summary.lost_lease;
            continue;
        }
        std::string line = "handler " + row.handler + ": " + row.key + ": attempt " +
                           std::to_string(row.attempts) + " of " + std::to_string(max_attempts) +
                           " failed: " + error;
        if (dead) {
            ++summary.dead;
            line += "; dead-lettered ('autodns-notify dispatch --retry-dead' sends it again)";
        } else {
            ++summary.failed;
            line += "; retry in " + std::to_string(delay) + " s";
        }
        log(line);
    }
    return summary;
}

}  // namespace autodns
