#include "app/dispatch_hook.hpp"

#include <chrono>
#include <cstdio>

#include "core/errors.hpp"
#include "handlers/dispatch.hpp"
#include "handlers/router.hpp"
#include "util/log.hpp"

namespace autodns {

po::options_description AfterCommitDelivery::options(const char* default_text) {
    po::options_description d("Handler options");
    d.add_options()("no-dispatch",
                    "store only: leave handler delivery of new records to 'autodns-notify "
                    "dispatch'")(
        "dispatch-deadline", po::value<double>()->value_name("SECONDS"),
        (std::string("after the commit, deliver new records to the configured handlers for at "
                     "most this long; what is left is retried by 'autodns-notify dispatch' (") +
         default_text + ")")
            .c_str());
    return d;
}

AfterCommitDelivery::AfterCommitDelivery(const Config& config, const po::variables_map& vm,
                                         std::string command)
    : handlers_(load_handlers(config.sections, config.config_file)),
      command_(std::move(command)),
      db_path_(config.db_path),
      busy_timeout_ms_(config.busy_timeout_ms),
      verbosity_(config.verbosity) {
    enabled_ = vm.count("no-dispatch") == 0;
    deadline_seconds_ =
        command_ == "mail" ? handlers_.settings.mail_deadline : handlers_.settings.import_deadline;
    if (vm.count("dispatch-deadline")) {
        deadline_seconds_ = vm["dispatch-deadline"].as<double>();
        if (!(deadline_seconds_ >= 0)) throw po::error("--dispatch-deadline must be >= 0");
    }
}

void AfterCommitDelivery::attach(Store& store) const {
    if (!handlers_.empty()) store.set_outbox_router(make_outbox_router(handlers_));
}

void AfterCommitDelivery::run_for(const std::vector<Notification>& records) const noexcept {
    std::vector<std::string> keys;
    for (const Notification& n : records) {
        if (!route(handlers_, n).empty()) keys.push_back(n.key);
    }
    if (!keys.empty()) run(keys);  // no handler wants any of them: not even a database open
}

void AfterCommitDelivery::run_all() const noexcept {
    run({});
}

void AfterCommitDelivery::run(const std::vector<std::string>& keys) const noexcept {
    if (!enabled_ || handlers_.empty()) return;
    auto log = [this](const std::string& line) { util::log_line(command_.c_str(), line); };
    try {
        // A connection of its own without durable commits: a lost outbox update after a power
        // cut means a repeated delivery, which at-least-once allows; it saves two syncs a row.
        StoreOptions options;
        options.location = db_path_;
        options.busy_timeout_ms = busy_timeout_ms_;
        options.durable_ack = false;
        const std::unique_ptr<Store> owned_store = open_store(options);
        Store& store = *owned_store;
        DispatchOptions dispatch;
        dispatch.only_keys = keys;
        dispatch.log = log;
        if (deadline_seconds_ > 0) {
            dispatch.deadline = std::chrono::steady_clock::now() +
                                std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                    std::chrono::duration<double>(deadline_seconds_));
        }
        const DispatchSummary summary = dispatch_due(store, handlers_, dispatch);
        if (summary.deadline_reached ||
            (keys.empty() && summary.delivered + summary.failed + summary.dead > 0) ||
            verbosity_ > 0) {
            std::string line = "handlers: " + describe(summary);
            if (summary.deadline_reached) line += "; the rest is left to 'autodns-notify dispatch'";
            log(line);
        }
    } catch (const std::exception& e) {
        log(std::string("handlers: delivery postponed (the outbox keeps it): ") + e.what());
    }
}

}  // namespace autodns
