// autodns-notify poll: the poll client (net/poll_client.hpp, docs/poll.md). Runs in
// autodns-notify-net.
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "app/config.hpp"
#include "app/dispatch_hook.hpp"
#include "app/net_commands.hpp"
#include "core/errors.hpp"
#include "net/epp_client.hpp"
#include "net/poll_client.hpp"
#include "util/log.hpp"
#include "util/stop_signal.hpp"

namespace autodns {
namespace {

// Command line, then [poll] in the config file, then `fallback`.
std::string setting(const po::variables_map& vm, const Config& config, const char* option,
                    const std::string& fallback) {
    return option_or_config(vm, config, "poll", option, fallback);
}

// Environment, then [poll] in the config file: credentials never come from the command line.
std::string credential(const Config& config, const char* key, const char* env,
                       const std::string& fallback = {}) {
    if (const char* v = std::getenv(env); v && *v) return v;
    if (auto* v = config_value(config, std::string("poll.") + key)) return *v;
    return fallback;
}

double seconds_setting(const po::variables_map& vm, const Config& config, const char* option,
                       double fallback, double min, double max) {
    const std::string text = setting(vm, config, option, std::to_string(fallback));
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || errno != 0 || !(v >= min && v <= max)) {
        throw po::error(std::string("--") + option + " must be a number from " +
                        std::to_string(min) + " to " + std::to_string(max) + ", not '" + text +
                        "'");
    }
    return v;
}

}  // namespace

int run_poll(const Args& args) {
    po::options_description visible;
    visible.add(common_options());
    po::options_description own(
        "Poll options (each also as a key in the [poll] section of the config file)");
    own.add_options()("once", "stop when the queue is empty instead of polling on")(
        "protocol", po::value<std::string>()->value_name("json|xml|epp"),
        "JSON REST API (GET /poll, PUT /poll/{id}), XML gateway (tasks 0905/0906) or EPP "
        "over TLS (poll req / ack); default json")(
        "url", po::value<std::string>()->value_name("URL"),
        "API base URL (default https://api.autodns.com/v1 for json, "
        "https://gateway.autodns.com for xml); for epp HOST:PORT or epp://HOST:PORT, "
        "required (port 700 when omitted)")("interval",
                                            po::value<std::string>()->value_name("SECONDS"),
                                            "pause after the queue was found empty (default 60)")(
        "timeout", po::value<std::string>()->value_name("SECONDS"),
        "connect/read/write timeout per request (default 30)")(
        "retry-min", po::value<std::string>()->value_name("SECONDS"),
        "first pause after a failure, doubled on each further failure (default 5)")(
        "retry-max", po::value<std::string>()->value_name("SECONDS"),
        "longest pause after failures (default 600)")(
        "max-failures", po::value<std::string>()->value_name("N"),
        "with --once: give up (exit 75) after N failures in a row (default 5)")(
        "ca-file", po::value<std::string>()->value_name("FILE"),
        "PEM CA certificates to verify the server with (default: the system's)")(
        "cert-file", po::value<std::string>()->value_name("FILE"),
        "epp: PEM client certificate (chain) to present")(
        "key-file", po::value<std::string>()->value_name("FILE"),
        "epp: PEM private key of --cert-file (default: in --cert-file)")(
        "keepalive", po::value<std::string>()->value_name("SECONDS"),
        "epp: send <hello/> when the session was idle this long while waiting (default "
        "240)");
    visible.add(own);
    visible.add(AfterCommitDelivery::options("default: the [dispatch] import-deadline"));
    Config config;
    po::variables_map vm = parse_command_line(args, visible, {}, config);
    use_store(config, "poll", args);
    if (vm.count("help")) {
        print_help(
            "autodns-notify poll [--once] [OPTIONS]",
            "Fetches notifications from the AutoDNS poll queue, stores each durably and only\n"
            "then confirms it, one after the other, in queue order. Without --once it keeps\n"
            "polling: after an empty queue every --interval seconds, after a failure with\n"
            "exponential back-off (--retry-min doubling up to --retry-max).\n\n"
            "Credentials come from the environment or the [poll] section of the config file,\n"
            "never from the command line, and are never logged:\n"
            "  AUTODNS_USER / user, AUTODNS_PASSWORD / password,\n"
            "  AUTODNS_CONTEXT / context (default 4).\n\n"
            "A reply that cannot be read, or holds a message that cannot be parsed, is not\n"
            "confirmed: its raw copy goes to quarantine (once) and the client backs off; the\n"
            "message stays in the AutoDNS queue and comes by mail after 24 hours. See\n"
            "docs/poll.md. SIGTERM or SIGINT: finish the current exchange and exit 0.\n\n"
            "EPP (--protocol epp): TLS to --url HOST:PORT, verified with --ca-file; the login's\n"
            "clID is AUTODNS_USER. Each message is stored, then acked; <hello/> keeps the\n"
            "session while waiting (--keepalive); a dropped session or a 2xxx answer starts a\n"
            "new one after the back-off.",
            visible,
            {{exit_ok, "queue empty (--once) or stopped by a signal"},
             {1, "bad configuration"},
             {exit_usage, "usage"},
             {exit_temp_fail,
              "gave up after --max-failures failures in a row, or the database cannot be opened"},
             {exit_config,
              "no credentials configured, the EPP server refused them (2200/2501), or "
              "--ca-file, --cert-file or --key-file cannot be read (epp)"}});
        return exit_ok;
    }

    PollOptions options;
    const std::string protocol = setting(vm, config, "protocol", "json");
    if (protocol == "json") {
        options.protocol = PollProtocol::json;
    } else if (protocol == "xml") {
        options.protocol = PollProtocol::xml;
    } else if (protocol == "epp") {
        options.protocol = PollProtocol::epp;
    } else {
        throw po::error("--protocol must be json, xml or epp, not '" + protocol + "'");
    }
    options.url = setting(vm, config, "url", default_poll_url(options.protocol));
    if (options.protocol == PollProtocol::epp) {
        if (options.url.empty()) {
            throw po::error("--protocol epp needs --url HOST:PORT (or url in [poll])");
        }
        std::string host, port;
        try {
            split_epp_url(options.url, host, port);
        } catch (const std::invalid_argument& e) {
            throw po::error(e.what());
        }
    }
    const auto scheme = options.url.find("://");
    const std::string scheme_name =
        scheme == std::string::npos ? "" : options.url.substr(0, scheme);
    if (options.protocol != PollProtocol::epp && scheme_name != "https" && scheme_name != "http") {
        throw po::error("--url '" + options.url + "' must start with https:// (or http://)");
    }
    if (options.protocol != PollProtocol::epp &&
        options.url.find('@', scheme + 3) != std::string::npos &&
        options.url.find('@', scheme + 3) < options.url.find('/', scheme + 3)) {
        throw po::error(
            "--url must not carry credentials; use [poll] user/password or "
            "AUTODNS_USER/AUTODNS_PASSWORD");
    }
    options.user = credential(config, "user", "AUTODNS_USER");
    options.password = credential(config, "password", "AUTODNS_PASSWORD");
    options.context = credential(config, "context", "AUTODNS_CONTEXT", "4");
    if (options.user.empty() || options.password.empty()) {
        util::log_linef(
            "poll",
            "no AutoDNS credentials: set AUTODNS_USER and AUTODNS_PASSWORD, or user and "
            "password in the [poll] section of %s",
            config.config_file.empty() ? "the config file (--config)" : config.config_file.c_str());
        return exit_config;
    }
    options.once = vm.count("once") > 0;
    options.interval_seconds = seconds_setting(vm, config, "interval", 60, 0, 86400);
    options.timeout_seconds = static_cast<int>(seconds_setting(vm, config, "timeout", 30, 1, 3600));
    options.retry_min_seconds = seconds_setting(vm, config, "retry-min", 5, 0, 86400);
    options.retry_max_seconds = seconds_setting(vm, config, "retry-max", 600, 0, 86400);
    if (options.retry_max_seconds < options.retry_min_seconds) {
        options.retry_max_seconds = options.retry_min_seconds;
    }
    options.max_failures =
        static_cast<int>(seconds_setting(vm, config, "max-failures", 5, 1, 1000000));
    options.ca_file = setting(vm, config, "ca-file", "");
    options.cert_file = setting(vm, config, "cert-file", "");
    options.key_file = setting(vm, config, "key-file", "");
    options.keepalive_seconds = seconds_setting(vm, config, "keepalive", 240, 0.1, 86400);
    // A TLS file that cannot be read is a configuration error now, not a failed connection
    // retried forever later.
    for (const auto& [key, path] :
         {std::pair<const char*, const std::string&>{"ca-file", options.ca_file},
          {"cert-file", options.cert_file},
          {"key-file", options.key_file}}) {
        if (path.empty()) continue;
        if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
            std::fclose(f);
            continue;
        }
        util::log_linef("poll", "--%s %s: cannot read: %s", key, path.c_str(),
                        std::strerror(errno));
        return exit_config;
    }
    options.parse_limits = config.parse_limits;
    options.store.location = config.db_path;
    options.store.busy_timeout_ms = config.busy_timeout_ms;
    options.store.file_mode = config.db_mode;
    options.store.durable_ack = true;
    // Handler delivery after each stored message (once it is confirmed); what is left over
    // is retried by 'autodns-notify dispatch'.
    const AfterCommitDelivery delivery(config, vm, "poll");
    if (!delivery.handlers().empty()) {
        options.prepare_store = [&delivery](Store& store) { delivery.attach(store); };
        options.after_commit = [&delivery](const std::vector<Notification>& records) {
            delivery.run_for(records);
        };
    }

    util::StopSignal stop;
    const std::string context = options.protocol == PollProtocol::epp
                                    ? std::string()
                                    : " (context " + options.context + ")";
    util::log_linef("poll", "%s %s as %s%s, database %s%s", protocol.c_str(), options.url.c_str(),
                    options.user.c_str(), context.c_str(),
                    redacted_location(options.store.location).c_str(),
                    options.once ? ", until the queue is empty" : "");
    PollTotals totals;
    const int status = options.protocol == PollProtocol::epp
                           ? run_epp_poll_client(options, stop, &totals)
                           : run_poll_client(options, stop, &totals);
    util::log_linef("poll", "%d stored, %d duplicate, %d confirmed, %d quarantined, %d failures",
                    totals.stored, totals.duplicates, totals.confirmed, totals.quarantined,
                    totals.failures);
    return status;
}

}  // namespace autodns
