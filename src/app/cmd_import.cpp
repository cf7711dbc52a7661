// autodns-notify import PATH... : batch import of Maildir folders, Maildir++ trees, mbox files
// and message files. The work is the import engine's (ingest/import_engine.hpp); this reads
// the options, opens the store, shows progress, prints the summary and runs the handlers.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <thread>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/dispatch_hook.hpp"
#include "core/errors.hpp"
#include "ingest/import_engine.hpp"
#include "util/log.hpp"
#include "util/progress.hpp"

namespace autodns {

int cmd_import(const Args& args) {
    po::options_description visible;
    visible.add(common_options()).add(mail_options());
    po::options_description own("Import options");
    own.add_options()("mark-seen",
                      "after the commit, move imported files from a Maildir's new/ to cur/ "
                      "with the Seen flag (the archive is otherwise never modified)")(
        "json", "print the summary as one JSON object instead of a line")(
        "jobs,j", po::value<unsigned>()->value_name("N"),
        "threads that parse mail (default: number of cores)")(
        "no-progress", "no progress line, even on a terminal");
    visible.add(own).add(
        AfterCommitDelivery::options("default: no limit; config: [dispatch] import-deadline"));
    po::options_description hidden;
    hidden.add_options()("path", po::value<std::vector<std::string>>());
    po::options_description all;
    all.add(visible).add(hidden);
    po::positional_options_description positional;
    positional.add("path", -1);
    Config config;
    po::variables_map vm = parse_command_line(args, all, positional, config);
    use_store(config, "import", args);
    if (vm.count("help")) {
        print_help("autodns-notify import [OPTIONS] PATH...",
                   "Imports mail archives: Maildir folders (new/ and cur/, with Maildir++\n"
                   "subfolders), directory trees of message files (*.eml, *.msg), mbox files\n"
                   "(mboxrd or mboxo) and single message files. Each notification is stored once;\n"
                   "every mail is recorded as an arrival; mail without a notification is\n"
                   "quarantined with the reason. Mails already imported are recognized by their\n"
                   "bytes and skipped without parsing, so a rerun (after an interruption, say)\n"
                   "completes the work and adds nothing twice. After the import, new records go\n"
                   "to the configured handlers (docs/handlers.md; --no-dispatch leaves that to\n"
                   "'autodns-notify dispatch').\n\n"
                   "Shows progress on a terminal and ends with one summary line: mails,\n"
                   "notifications, new, duplicate, quarantined, skipped (imported before),\n"
                   "errors (unreadable), seconds.",
                   visible,
                   {{exit_ok, "done"},
                    {1,
                     "some paths or files could not be read (or were not mail), or bad "
                     "configuration"},
                    {exit_usage, "usage"},
                    {exit_temp_fail, "the database is locked, read-only or full (rerun later)"}});
        return exit_ok;
    }
    if (!vm.count("path")) throw po::error("no PATH to import");
    const AfterCommitDelivery delivery(config, vm, "import");
    const auto paths = vm["path"].as<std::vector<std::string>>();
    const bool mark = vm.count("mark-seen") > 0;
    unsigned jobs =
        vm.count("jobs") ? vm["jobs"].as<unsigned>() : std::thread::hardware_concurrency();
    if (jobs == 0) jobs = 1;

    const auto start = std::chrono::steady_clock::now();
    auto warn = [](const std::string& m) { util::log_line("import", m); };
    const ImportSource source = list_import_source(paths, warn);

    StoreOptions options;
    options.location = config.db_path;
    options.busy_timeout_ms = config.busy_timeout_ms;
    options.file_mode = config.db_mode;
    options.durable_ack = true;  // --mark-seen moves files after the commit
    options.workload = StoreWorkload::bulk_load;
    std::unique_ptr<Store> owned_store;
    try {
        owned_store = open_store(options);
    } catch (const FatalError& e) {
        throw FatalError(e.what() + db_access_note(options.location), e.temporary());
    }
    Store& store = *owned_store;
    delivery.attach(store);

    util::Progress progress("import", "mails", source.known_mails(),
                            !vm.count("no-progress") && util::Progress::stderr_is_terminal());
    ImportSettings settings;
    settings.mail_policy = config.mail_policy;
    settings.mime_limits = config.mime_limits;
    settings.parse_limits = config.parse_limits;
    settings.max_input_bytes = config.max_input_bytes;
    settings.mark_seen = mark;
    settings.jobs = jobs;
    ImportHooks hooks;
    hooks.warn = warn;
    hooks.progress = [&progress](std::uint64_t mails) { progress.update(mails); };
    if (config.verbosity > 0) {
        hooks.recorded = [](const std::string& locator, const IngestReport& r,
                            const Analysis& analysis) {
            util::log_linef("import", "%s: %s", locator.c_str(), r.summary.c_str());
            for (const std::string& note : analysis.notes)
                util::log_linef("import", "%s: note: %s", locator.c_str(), note.c_str());
        };
    }
    const ImportTotals totals = run_import(source, store, options, settings, hooks);
    progress.finish();

    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    char line[512];
    if (vm.count("json")) {
        std::snprintf(line, sizeof line,
                      "{\"mails\":%llu,\"notifications\":%llu,\"new\":%llu,\"duplicate\":%llu,"
                      "\"quarantined\":%llu,\"skipped\":%llu,\"errors\":%llu,\"seconds\":%.3f}",
                      (unsigned long long)totals.mails, (unsigned long long)totals.notifications,
                      (unsigned long long)totals.fresh, (unsigned long long)totals.duplicate,
                      (unsigned long long)totals.quarantined, (unsigned long long)totals.skipped,
                      (unsigned long long)totals.errors, seconds);
    } else {
        std::snprintf(line, sizeof line,
                      "import: %llu mails, %llu notifications, %llu new, %llu duplicate, "
                      "%llu quarantined, %llu skipped, %llu errors, %.2f s (%.0f mails/s)",
                      (unsigned long long)totals.mails, (unsigned long long)totals.notifications,
                      (unsigned long long)totals.fresh, (unsigned long long)totals.duplicate,
                      (unsigned long long)totals.quarantined, (unsigned long long)totals.skipped,
                      (unsigned long long)totals.errors, seconds,
                      seconds > 0 ? totals.mails / seconds : 0.0);
    }
    std::cout << line << std::endl;
    delivery.run_all();
    return totals.errors > 0 ? 1 : exit_ok;
}

}  // namespace autodns
