// autodns-notify dispatch : delivers (and retries) outbox rows to the configured handlers, once
// or as a daemon; lists and revives dead-lettered rows.
#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "core/errors.hpp"
#include "handlers/config.hpp"
#include "handlers/dispatch.hpp"
#include "report/report.hpp"
#include "util/log.hpp"
#include "util/progress.hpp"
#include "util/stop_signal.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

void log_line(const std::string& line) {
    util::log_line("dispatch", line);
}

std::string when(std::int64_t unix_seconds) {
    return util::format_utc_iso8601(unix_seconds);
}

// `dispatch --list`: pending rows (with their lease, if one runs) and dead rows.
int list_rows(Store& store, const Handlers& handlers) {
    std::vector<OutboxEntry> rows = store.list_outbox(OutboxState::pending, 100000);
    std::vector<OutboxEntry> dead = store.list_outbox(OutboxState::dead, 100000);
    rows.insert(rows.end(), dead.begin(), dead.end());
    if (rows.empty()) {
        std::cout << "no pending or dead outbox rows\n";
        return exit_ok;
    }
    const std::int64_t now = util::now_unix();
    std::printf("%-7s  %-16s  %-24s  %8s  %-20s  %s\n", "STATE", "HANDLER", "KEY", "ATTEMPTS",
                "NEXT ATTEMPT (UTC)", "NOTE / LAST ERROR");
    for (const OutboxEntry& e : rows) {
        std::string note;
        if (!handlers.find(e.handler)) note = "[handler not configured] ";
        if (e.state == OutboxState::pending && e.lease_until && *e.lease_until > now) {
            note += "[being delivered by " + e.lease_owner.value_or("?") + " until " +
                    when(*e.lease_until) + "] ";
        }
        note += e.last_error.value_or("");
        const std::string next = e.state == OutboxState::dead ? std::string("-")
                                 : e.next_attempt_at <= now   ? std::string("now")
                                                              : when(e.next_attempt_at);
        std::printf("%-7s  %-16s  %-24s  %8d  %-20s  %s\n", outbox_state_name(e.state),
                    e.handler.c_str(), e.key.c_str(), e.attempts, next.c_str(), note.c_str());
    }
    return exit_ok;
}

// The --since/--until window of --replay, by first arrival: all stored records by default.
ReplayWindow replay_window(const po::variables_map& vm) {
    const std::int64_t now = util::now_unix();
    std::int64_t since = 0;
    std::int64_t until = now + 1;  // this second included
    for (const char* name : {"since", "until"}) {
        if (!vm.count(name)) continue;
        const std::string text = vm[name].as<std::string>();
        const bool is_until = name[0] == 'u';
        const std::optional<std::int64_t> t = parse_report_time(text, now, is_until);
        if (!t)
            throw po::error(std::string("cannot read --") + name + " '" + text +
                            "' as a date or time");
        (is_until ? until : since) = *t;
    }
    if (since >= until) throw po::error("--since must be before --until");
    return {util::format_utc_iso8601(since), util::format_utc_iso8601(until)};
}

// `dispatch --replay`: outbox rows for the stored records each named handler wants.
void replay(Store& store, const Handlers& handlers, const std::vector<std::string>& names,
            const ReplayWindow& window) {
    for (const std::string& name : names) {
        const HandlerSpec& spec = *handlers.find(name);
        util::Progress progress("replay for " + name, "records", 0,
                                util::Progress::stderr_is_terminal());
        const ReplaySummary summary = replay_stored(
            store, spec, window, [&](const ReplaySummary& s) { progress.update(s.stored); });
        progress.finish();
        log_line("replay for handler " + name + ": " + std::to_string(summary.stored) +
                 " stored record(s) from " + window.since + " to " + window.until + ", " +
                 std::to_string(summary.wanted) + " selected, " + std::to_string(summary.added) +
                 " queued (" + std::to_string(summary.wanted - summary.added) +
                 " had a row for it already)");
    }
}

}  // namespace

int cmd_dispatch(const Args& args) {
    po::options_description visible;
    visible.add(common_options());
    po::options_description own("Dispatch options");
    own.add_options()("once", "deliver what is due now, then exit (the default)")(
        "loop",
        "keep running: deliver what is due, pause --interval seconds, repeat; SIGTERM or "
        "SIGINT ends the loop after the delivery under way")(
        "interval", po::value<int>()->value_name("SECONDS"),
        "pause between runs with --loop (default 30; config: [dispatch] interval)")(
        "handler", po::value<std::vector<std::string>>()->value_name("NAME")->composing(),
        "only rows of this handler (repeatable)")(
        "list",
        "list pending and dead-lettered rows with their attempts and last error; "
        "deliver nothing")(
        "retry-dead", "make every dead-lettered row pending again (attempts reset), then deliver")(
        "replay",
        "queue the records already stored for the --handler handlers (one that was added "
        "later): an outbox row for each stored record its selector wants and that has no row "
        "for it yet, then deliver as usual; running it again adds nothing")(
        "since", po::value<std::string>()->value_name("TIME"),
        "with --replay: only records first stored at or after TIME (default: all). TIME as "
        "for report: a date, an ISO 8601 time, a duration ago (7d, 36h) or 'now'")(
        "until", po::value<std::string>()->value_name("TIME"),
        "with --replay: only records first stored before TIME (default: now; a date includes "
        "that whole day)")(
        "lease", po::value<int>()->value_name("SECONDS"),
        "how long a claimed row stays reserved for this process; must exceed the longest "
        "handler's worst-case delivery time (default: that time + 60; config: [dispatch] "
        "lease)");
    visible.add(own);
    Config config;
    po::variables_map vm = parse_command_line(args, visible, {}, config);
    use_store(config, "dispatch", args);
    if (vm.count("help")) {
        print_help(
            "autodns-notify dispatch [--once | --loop] [OPTIONS]\n       autodns-notify dispatch "
            "--replay --handler NAME [--since TIME] [--until TIME]",
            "Delivers stored records to the handlers configured in [handler.NAME] sections\n"
            "(docs/handlers.md): every outbox row that is due, each claimed with a lease so\n"
            "that any number of dispatchers (and the mail and import commands, which deliver\n"
            "their own new records right after their commit) can run at once without\n"
            "delivering a row twice. A failed delivery is retried with exponential backoff;\n"
            "after max-attempts it is dead-lettered with its last error. Delivery is at least\n"
            "once: the record's key is the idempotency key.\n\n"
            "Prints one summary line: delivered, failed (will be retried), dead-lettered,\n"
            "and how many rows are pending and dead now.\n\n"
            "A handler added later gets only the records stored after it; --replay --handler\n"
            "NAME [--since TIME] [--until TIME] queues the records stored before (by their\n"
            "first arrival), once each: records it already has a row for are left alone.",
            visible,
            {{exit_ok, "done (failed deliveries are retried later, they are not errors)"},
             {1, "bad configuration, or a stored record that cannot be read"},
             {exit_usage, "usage"},
             {exit_temp_fail, "the database is locked, read-only or full (retry)"}});
        return exit_ok;
    }
    if (vm.count("once") && vm.count("loop"))
        throw po::error("--once and --loop exclude each other");
    if (vm.count("list") && (vm.count("loop") || vm.count("retry-dead"))) {
        throw po::error("--list only lists; use it without --loop and --retry-dead");
    }
    if (vm.count("replay") && !vm.count("handler")) {
        throw po::error("--replay needs --handler NAME: the handler the stored records go to");
    }
    if (vm.count("replay") && (vm.count("list") || vm.count("retry-dead"))) {
        throw po::error("--replay excludes --list and --retry-dead");
    }
    if (!vm.count("replay") && (vm.count("since") || vm.count("until"))) {
        throw po::error("--since and --until select the records of --replay; add --replay");
    }
    if (vm.count("retry-dead") && vm.count("handler")) {
        throw po::error("--retry-dead revives the dead rows of every handler; drop --handler");
    }

    Handlers handlers = load_handlers(config.sections, config.config_file);
    if (vm.count("interval")) {
        handlers.settings.interval_seconds = vm["interval"].as<int>();
        if (handlers.settings.interval_seconds < 1) throw po::error("--interval must be >= 1");
    }
    DispatchOptions options;
    if (vm.count("handler")) {
        options.only_handlers = vm["handler"].as<std::vector<std::string>>();
        for (const std::string& name : options.only_handlers) {
            if (!handlers.find(name)) {
                throw po::error("--handler " + name + ": no [handler." + name +
                                "] section in the configuration" +
                                (config.config_file.empty() ? std::string(" (no config file read)")
                                                            : " " + config.config_file));
            }
        }
    }
    if (vm.count("lease")) {
        options.lease_seconds = vm["lease"].as<int>();
        for (const HandlerSpec& s : handlers.specs) {
            const bool selected =
                options.only_handlers.empty() ||
                std::find(options.only_handlers.begin(), options.only_handlers.end(), s.name) !=
                    options.only_handlers.end();
            if (selected && options.lease_seconds <= worst_case_seconds(s)) {
                throw po::error("--lease " + std::to_string(options.lease_seconds) +
                                " is not longer than the worst-case delivery time of handler " +
                                s.name + " (" + std::to_string(worst_case_seconds(s)) + " s)");
            }
        }
    }

    ReplayWindow window;
    if (vm.count("replay")) window = replay_window(vm);

    StoreOptions store_options;
    store_options.location = config.db_path;
    store_options.busy_timeout_ms = config.busy_timeout_ms;
    store_options.file_mode = config.db_mode;
    // Outbox updates need no durable commit: one lost by a power cut repeats a delivery.
    store_options.durable_ack = false;
    store_options.read_only = vm.count("list") > 0;
    const std::unique_ptr<Store> owned_store = open_store(store_options);
    Store& store = *owned_store;
    if (vm.count("list")) return list_rows(store, handlers);

    if (vm.count("retry-dead")) {
        const std::int64_t revived = store.retry_dead();
        log_line(std::to_string(revived) + " dead-lettered row" + (revived == 1 ? "" : "s") +
                 " made pending again");
    }
    if (vm.count("replay")) replay(store, handlers, options.only_handlers, window);
    if (handlers.empty()) {
        log_line("no handlers configured ([handler.NAME] sections): records are stored only");
        return exit_ok;
    }

    options.owner = make_owner_id();
    options.log = log_line;
    const bool loop = vm.count("loop") > 0;
    // Before any thread or handler process starts (handler processes get a mask of their own).
    std::optional<util::StopSignal> stop;
    if (loop) {
        stop.emplace();
        options.stop = [&stop] { return stop->stop_requested(); };
    }
    for (;;) {
        const DispatchSummary summary = dispatch_due(store, handlers, options);
        const StoreCounts counts = store.counts();
        if (!loop || summary.delivered + summary.failed + summary.dead + summary.lost_lease > 0) {
            std::printf("dispatch: %s; %lld pending, %lld dead\n", describe(summary).c_str(),
                        static_cast<long long>(counts.outbox_pending),
                        static_cast<long long>(counts.outbox_dead));
            std::fflush(stdout);
        }
        if (!loop) break;
        if (stop->wait_for(handlers.settings.interval_seconds)) break;
    }
    return exit_ok;
}

}  // namespace autodns
