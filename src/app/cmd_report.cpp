// autodns-notify report : the reconciliation report and node_exporter metrics
// (docs/report.md). Reads the database through its own read-only connection; never writes it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "core/errors.hpp"
#include "report/render.hpp"
#include "report/report.hpp"
#include "store/store.hpp"
#include "util/files.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

// A full disk (ENOSPC, EDQUOT while writing) is a temporary failure.
[[noreturn]] void fail(const util::FileError& e) {
    throw FatalError(e.message, e.step == "write" && (e.error == ENOSPC || e.error == EDQUOT));
}

void write_all(int fd, const std::string& data, const std::string& what) {
    if (const int e = util::write_all(fd, data)) {
        fail(util::FileError{"write", e, "cannot write " + what + ": " + std::strerror(e)});
    }
}

// Replaces `path` atomically (util::write_file_atomically: PATH.tmp in the same directory,
// fsync, rename, fsync of the directory). A reader (node_exporter) sees the old file or the new
// one, never a partial one. A `path` that exists and is not a regular file (/dev/null,
// /dev/stdout, a named pipe) is written in place: renaming over it would replace the device or
// the pipe with a file.
void write_file_atomically(const std::string& path, const std::string& data) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
        const util::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC));
        if (!fd) throw FatalError("cannot open " + path + ": " + std::strerror(errno));
        write_all(fd.get(), data, path);
        return;
    }
    if (const auto written = util::write_file_atomically(path, data); !written) {
        fail(written.error());
    }
}

}  // namespace

int cmd_report(const Args& args) {
    po::options_description visible;
    visible.add(common_options());
    po::options_description own("Report options");
    own.add_options()("format,f", po::value<std::string>()->value_name("FORMAT"),
                      "text (aligned tables, the default), csv, json, html (one self-contained "
                      "page) or prometheus (node_exporter textfile metrics, totals since the "
                      "database began)")(
        "since", po::value<std::string>()->value_name("TIME"),
        "start of the window, by arrival time (default: 7 days before --until). TIME is a "
        "date (2024-05-01, 00:00 UTC), an ISO 8601 time (2024-05-01T12:00:00Z, +02:00; "
        "without a zone: UTC), a duration ago (36h, 7d, 2w, 1d12h) or 'now'")(
        "until", po::value<std::string>()->value_name("TIME"),
        "end of the window, excluded (default: now, this second included); a date includes "
        "that whole day")(
        "output,o", po::value<std::string>()->value_name("FILE"),
        "write to FILE (replaced atomically: FILE.tmp, fsync, rename; a device or named pipe "
        "is written in place) instead of stdout")(
        "limit", po::value<std::size_t>()->value_name("N"),
        "rows in each listing: fallback to mail, open jobs, latest quarantined, dead "
        "letters (default 50; the counts cover all)")(
        "fallback-hours", po::value<double>()->value_name("H"),
        "a mail-only notification whose mail came H hours or more after its message time is "
        "flagged 'fallback after 24 h' (default 24)");
    visible.add(own);
    Config config;
    po::variables_map vm = parse_command_line(args, visible, {}, config);
    use_store(config, "report", args);
    if (vm.count("help")) {
        print_help("autodns-notify report [OPTIONS]",
                   "Reconciliation report over a window of arrival times: arrivals, duplicates\n"
                   "and last arrival per channel (mail, push, poll, file), notifications by kind,\n"
                   "type and status, the fallback to mail (notifications that came by mail\n"
                   "without or after push/poll, with the delay from the message time: a sign\n"
                   "that the push endpoint or the poller is failing), errors by status code\n"
                   "with their objects, jobs still without a final status, quarantined inputs\n"
                   "by reason, and dead-lettered handler work. The database is opened\n"
                   "read-only. docs/report.md describes every format.",
                   visible,
                   {{exit_ok, "written"},
                    {1,
                     "the database is missing or unreadable, the output cannot be written, or "
                     "bad configuration"},
                    {exit_usage, "usage"},
                    {exit_temp_fail, "the database stayed locked (retry)"}});
        return exit_ok;
    }

    const std::string format = vm.count("format") ? vm["format"].as<std::string>() : "text";
    if (format != "text" && format != "csv" && format != "json" && format != "html" &&
        format != "prometheus") {
        throw po::error("unknown --format '" + format +
                        "' (choose text, csv, json, html or prometheus)");
    }
    const bool metrics = format == "prometheus";
    if (metrics && (vm.count("since") || vm.count("until"))) {
        throw po::error(
            "--since and --until do not apply to --format prometheus: its counters are totals "
            "since the database began");
    }

    const std::int64_t now = util::now_unix();
    ReportOptions options;
    options.generated_at = now;
    options.all_time = metrics;
    if (metrics) {
        options.since = 0;
        options.until = 253402300799;  // 9999-12-31T23:59:59Z
    } else {
        options.until = now + 1;  // this second included
        if (vm.count("until")) {
            const std::string text = vm["until"].as<std::string>();
            auto t = parse_report_time(text, now, true);
            if (!t) throw po::error("cannot read --until '" + text + "' as a date or time");
            options.until = *t;
        }
        options.since = options.until - 7 * 86400;
        if (vm.count("since")) {
            const std::string text = vm["since"].as<std::string>();
            auto t = parse_report_time(text, now, false);
            if (!t) throw po::error("cannot read --since '" + text + "' as a date or time");
            options.since = *t;
        }
        if (options.since >= options.until) {
            throw po::error("--since must be before --until");
        }
    }
    if (vm.count("fallback-hours")) {
        const double hours = vm["fallback-hours"].as<double>();
        if (!(hours > 0) || hours > 24 * 366) {
            throw po::error("--fallback-hours must be more than 0 and at most 8784 (a year)");
        }
        options.fallback_threshold_seconds = static_cast<std::int64_t>(hours * 3600);
    }

    StoreOptions store_options;
    store_options.location = config.db_path;
    store_options.busy_timeout_ms = config.busy_timeout_ms;
    store_options.read_only = true;
    ReportWindow query;
    query.since = util::format_utc_iso8601(options.since);
    query.until = util::format_utc_iso8601(options.until);
    if (vm.count("limit")) query.list_limit = vm["limit"].as<std::size_t>();
    options.list_limit = query.list_limit;
    // The mail arrivals stream into the collector while the store reads them: the report's
    // memory stays flat in the size of the store.
    FallbackCollector fallback(options);
    query.on_mail_arrival = [&fallback](MailArrivalRow&& m) { fallback.add(m); };
    Report report = build_report(open_store(store_options)->report_rows(query), options, &fallback);

    std::string out;
    if (format == "text") out = render_text(report);
    if (format == "csv") out = render_csv(report);
    if (format == "json") out = render_json(report);
    if (format == "html") out = render_html(report);
    if (metrics) out = render_prometheus(report);

    if (vm.count("output") && vm["output"].as<std::string>() != "-") {
        write_file_atomically(vm["output"].as<std::string>(), out);
    } else {
        write_all(STDOUT_FILENO, out, "standard output");
    }
    return exit_ok;
}

}  // namespace autodns
