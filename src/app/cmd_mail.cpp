// autodns-notify mail < message : the MDA filter (procmail, fetchmail mda, maildrop, Postfix
// pipe, Dovecot Sieve pipe).
//
// Order matters for the delivery guarantee: read ALL of stdin first (MDAs fail the delivery
// otherwise), analyse, then one durable commit, and only then exit 0. Any failure to commit
// exits 75 (EX_TEMPFAIL), the one status every MDA retries rather than bounces.

#include <cstdio>
#include <string>
#include <vector>

#include <syslog.h>
#include <unistd.h>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "app/dispatch_hook.hpp"
#include "core/errors.hpp"
#include "ingest/ingest.hpp"
#include "ingest/pipeline.hpp"
#include "util/io.hpp"
#include "util/log.hpp"

namespace autodns {
namespace {

// Where the outcome lines go (--log, [mail] log): stderr always (the default), stderr only
// when the exit status is not 0 (for an MDA such as Dovecot that logs a program's stderr as
// an error), or syslog (facility mail; info when the mail is safe, warning otherwise).
class OutcomeLog {
  public:
    enum class Target { stderr_always, stderr_on_failure, syslog };

    static Target parse(const std::string& text) {
        if (text == "stderr") return Target::stderr_always;
        if (text == "failure") return Target::stderr_on_failure;
        if (text == "syslog") return Target::syslog;
        throw FatalError("mail log '" + text + "': want stderr, failure or syslog");
    }

    void set(Target target) {
        target_ = target;
        if (target_ == Target::syslog) ::openlog("autodns-notify", LOG_PID, LOG_MAIL);
    }

    void line(const std::string& who, const std::string& what) {
        const std::string text = util::log_text("mail", who + ": " + what);
        switch (target_) {
            case Target::stderr_always:
                util::write_log_line(text);
                break;
            case Target::stderr_on_failure:
                held_.push_back(text);
                break;
            case Target::syslog:
                held_.push_back(text);
                break;
        }
    }

    // Emits what was held for the exit status `status` and returns it.
    int finish(int status) {
        for (const std::string& text : held_) {
            if (target_ == Target::syslog) {
                ::syslog(status == exit_ok ? LOG_INFO : LOG_WARNING, "%s",
                         text.c_str() + std::string("autodns-notify ").size());
            } else if (status != exit_ok) {
                util::write_log_line(text);
            }
        }
        held_.clear();
        if (target_ == Target::syslog) ::closelog();
        return status;
    }

  private:
    Target target_ = Target::stderr_always;
    std::vector<std::string> held_;
};

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
        "where the mail came from, recorded with the receipt (default: stdin:MESSAGE-ID, from the "
        "mail's Message-ID header)")(
        "log", po::value<std::string>()->value_name("WHERE"),
        "where the one-line outcome goes: stderr (always, the default), failure (stderr, "
        "only when the exit status is not 0: for Dovecot, which logs a program's stderr as "
        "an error) or syslog (facility mail). Config: [mail] log");
    visible.add(own).add(
        AfterCommitDelivery::options("default 5; config: [dispatch] mail-deadline"));
    Config config;
    po::variables_map vm;
    std::optional<AfterCommitDelivery> delivery;
    OutcomeLog log;
    try {
        vm = parse_command_line(args, visible, {}, config);
        log.set(OutcomeLog::parse(option_or_config(vm, config, "mail", "log", "stderr")));
        use_store(config, "mail", args);
        delivery.emplace(config, vm, "mail");
    } catch (const po::error&) {
        // A usage error (64) too reads the mail first: an MDA that is still writing it would
        // otherwise die of SIGPIPE and report that instead of the status. Not from a terminal.
        // Drained, not used: whether the read succeeds changes nothing.
        if (!::isatty(STDIN_FILENO)) static_cast<void>(util::read_stream(stdin));
        throw;
    } catch (const FatalError& e) {
        // A broken config must not bounce mail: defer it until the configuration is fixed.
        static_cast<void>(util::read_stream(stdin));  // drained, not used
        log.line("config", std::string(e.what()) + " (temporary; retry later)");
        return log.finish(exit_temp_fail);
    }
    auto log_line = [&log](const std::string& who, const std::string& what) {
        log.line(who, what);
    };
    if (vm.count("help")) {
        print_help("autodns-notify mail [OPTIONS] < MESSAGE",
                   "Reads one mail on standard input, finds the AutoDNS notifications in it\n"
                   "(every part; each distinct one once) and stores each once (a duplicate is\n"
                   "recognized and only its arrival recorded).\n"
                   "Mail that is not a notification, is malformed, or fails the sender policy is\n"
                   "quarantined with the reason. One line on stderr (--log) tells what happened.\n"
                   "After the commit, new records go to the configured handlers for at most\n"
                   "--dispatch-deadline seconds (docs/handlers.md); a failing handler is logged\n"
                   "and retried by 'autodns-notify dispatch', it never changes the exit status.",
                   visible,
                   {{exit_ok, "stored, duplicate or quarantined (the mail is safe)"},
                    {exit_usage, "usage (after reading all of standard input)"},
                    {exit_data, "not a notification, only with --pass-through"},
                    {exit_temp_fail,
                     "temporary failure: the database is locked, read-only or the "
                     "disk is full, or a human is needed (bad configuration, "
                     "corrupt database); nothing was written and the MDA retries"}});
        return exit_ok;
    }

    util::Expected<std::string> raw = util::read_stream(stdin);
    if (!raw) {
        log_line("stdin", "cannot read the mail: " + raw.error() + " (temporary; retry later)");
        return log.finish(exit_temp_fail);
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
        return log.finish(exit_data);
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
        options.file_mode = config.db_mode;
        options.durable_ack = true;  // exit 0 tells the MDA the mail is safe
        options.workload = StoreWorkload::per_message;
        const std::unique_ptr<Store> store = open_store(options);
        delivery->attach(*store);
        IngestReport report = record_input(*store, analysis, arrival, *raw);
        log_line(who, report.summary);
        if (report.outcome != IngestOutcome::quarantined) delivery->run_for(analysis.notifications);
        if (config.verbosity > 0) {
            if (!analysis.origin.empty()) log_line(who, "found in " + analysis.origin);
            for (const FoundPart& part : analysis.more_parts)
                log_line(who, "found in " + part.origin);
            for (const std::string& n : analysis.notes) log_line(who, "note: " + n);
            for (const std::string& d : analysis.defects) log_line(who, "MIME defect: " + d);
        }
    } catch (const FatalError& e) {
        // Whatever the store's trouble, the mail is deferred (75), never bounced: a corrupt
        // database needs a human, but a bounce would send the notification back to AutoDNS.
        const char* why = e.temporary() ? " (temporary; the MDA will retry)"
                                        : " (needs a human; the MDA keeps the mail and retries)";
        log_line(who, std::string(e.what()) + db_access_note(config.db_path) + why);
        return log.finish(exit_temp_fail);
    } catch (const std::exception& e) {
        // A defect of ours must not bounce the mail back to AutoDNS: defer it.
        log_line(who, std::string("internal error: ") + e.what() + " (the MDA will retry)");
        return log.finish(exit_temp_fail);
    }
    return log.finish(exit_ok);
}

}  // namespace autodns
