// autodns-notify mail < message : the MDA filter (procmail, fetchmail mda, maildrop, Postfix
// pipe, Dovecot Sieve pipe).
//
// Order matters for the delivery guarantee: read ALL of stdin first (MDAs fail the delivery
// otherwise), analyse, then one durable commit, and only then exit 0. Any failure to commit
// exits 75 (EX_TEMPFAIL), the one status every MDA retries rather than bounces.
#include <cstdio>
#include <string>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/dispatch_hook.hpp"
#include "core/errors.hpp"
#include "core/ingest.hpp"
#include "core/pipeline.hpp"
#include "util/io.hpp"

namespace autodns {
namespace {

void log_line(const std::string& who, const std::string& what) {
    std::fprintf(stderr, "autodns-notify mail: %s: %s\n", who.c_str(), what.c_str());
}

}  // namespace

int cmd_mail(const Args& args) {
    po::options_description visible;
    visible.add(common_options()).add(mail_options());
    po::options_description own("Filter options");
    own.add_options()(
        "pass-through",
        "exit 65 and store nothing when the mail holds no notification, so that a procmail "
        "'W' recipe (or maildrop/Sieve rule) delivers it normally; without it such mail is "
        "quarantined and the exit status is 0")(
        "locator", po::value<std::string>()->value_name("TEXT"),
        "where the mail came from, recorded with the receipt (default: its Message-ID)");
    visible.add(own).add(
        AfterCommitDelivery::options("default 5; config: [dispatch] mail-deadline"));
    Config config;
    po::variables_map vm;
    std::optional<AfterCommitDelivery> delivery;
    try {
        vm = parse_command_line(args, visible, {}, config);
        use_store(config, "mail", args);
        delivery.emplace(config, vm, "mail");
    } catch (const FatalError& e) {
        // A broken config must not bounce mail: defer it until the configuration is fixed.
        read_stream(stdin);
        log_line("config", std::string(e.what()) + " (temporary; retry later)");
        return exit_temp_fail;
    }
    if (vm.count("help")) {
        print_help("autodns-notify mail [OPTIONS] < MESSAGE",
                   "Reads one mail on standard input, finds the AutoDNS notification in it and\n"
                   "stores it once (a duplicate is recognized and only its arrival recorded).\n"
                   "Mail that is not a notification, is malformed, or fails the sender policy is\n"
                   "quarantined with the reason. One line on stderr tells what happened.\n"
                   "After the commit, new records go to the configured handlers for at most\n"
                   "--dispatch-deadline seconds (docs/handlers.md); a failing handler is logged\n"
                   "and retried by 'autodns-notify dispatch', it never changes the exit status.\n\n"
                   "Exit status: 0 stored, duplicate or quarantined (the mail is safe);\n"
                   "65 not a notification, only with --pass-through; 64 usage;\n"
                   "75 temporary failure: the database is locked, read-only or the disk is\n"
                   "full; nothing was written and the MDA should retry.",
                   visible);
        return exit_ok;
    }

    std::string error;
    std::optional<std::string> raw = read_stream(stdin, &error);
    if (!raw) {
        log_line("stdin", "cannot read the mail: " + error + " (temporary; retry later)");
        return exit_temp_fail;
    }

    Analysis analysis;
    if (raw->size() > config.max_input_bytes) {
        analysis.verdict = Verdict::malformed;
        analysis.reason = "mail too large (" + std::to_string(raw->size()) + " bytes, limit " +
                          std::to_string(config.max_input_bytes) + ")";
    } else {
        analysis = analyze_mail(*raw, config.mail_policy, config.mime_limits, config.parse_limits);
    }
    const std::string who = analysis.headers.message_id.empty()
                                ? std::string("<no Message-ID>")
                                : "<" + analysis.headers.message_id + ">";
    if (analysis.verdict == Verdict::not_notification && vm.count("pass-through")) {
        log_line(who, "not a notification, passed on (" + analysis.reason + ")");
        return exit_data;
    }

    Arrival arrival;
    arrival.channel = Channel::mail;
    arrival.message_id = analysis.headers.message_id;
    arrival.locator = vm.count("locator") ? vm["locator"].as<std::string>()
                                          : "stdin:" + analysis.headers.message_id;
    arrival.raw_sha256 = sha256_hex(*raw);
    try {
        StoreOptions options;
        options.location = config.db_path;
        options.busy_timeout_ms = config.busy_timeout_ms;
        options.durable_ack = true;  // exit 0 tells the MDA the mail is safe
        options.workload = StoreWorkload::per_message;
        const std::unique_ptr<Store> store = open_store(options);
        delivery->attach(*store);
        IngestReport report = record_input(*store, analysis, arrival, *raw);
        log_line(who, report.summary);
        if (report.outcome != IngestOutcome::quarantined) delivery->run_for(analysis.notifications);
        if (config.verbosity > 0) {
            if (!analysis.origin.empty()) log_line(who, "found in " + analysis.origin);
            for (const std::string& d : analysis.defects) log_line(who, "MIME defect: " + d);
        }
    } catch (const FatalError& e) {
        log_line(who, std::string(e.what()) + " (temporary; the MDA will retry)");
        return exit_temp_fail;
    } catch (const std::exception& e) {
        // A defect of ours must not bounce the mail back to AutoDNS: defer it.
        log_line(who, std::string("internal error: ") + e.what() + " (the MDA will retry)");
        return exit_temp_fail;
    }
    return exit_ok;
}

}  // namespace autodns
