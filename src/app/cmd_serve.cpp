// autodns-notify serve: the push receiver (net/push_server.hpp, docs/push.md). Runs in
// autodns-notify-net.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/config.hpp"
#include "app/dispatch_hook.hpp"
#include "app/net_commands.hpp"
#include "core/errors.hpp"
#include "handlers/delivery_thread.hpp"
#include "net/push_server.hpp"
#include "util/files.hpp"
#include "util/log.hpp"
#include "util/numbers.hpp"
#include "util/stop_signal.hpp"

namespace autodns {
namespace {

std::string setting(const po::variables_map& vm, const Config& config, const char* option,
                    const std::string& fallback) {
    return option_or_config(vm, config, "serve", option, fallback);
}

long number_setting(const po::variables_map& vm, const Config& config, const char* option,
                    long fallback, long min, long max) {
    const std::string text = setting(vm, config, option, std::to_string(fallback));
    const util::Expected<long> v = util::parse_bounded(text, min, max, "an allowed value");
    if (!v) throw po::error(std::string("--") + option + ": " + v.error());
    return *v;
}

std::vector<util::AddressRange> ranges(const po::variables_map& vm, const Config& config,
                                       const char* option,
                                       std::vector<util::AddressRange> fallback) {
    std::vector<std::string> texts;
    if (vm.count(option)) {
        texts = vm[option].as<std::vector<std::string>>();
    } else if (auto it = config.sections.find(std::string("serve.") + option);
               it != config.sections.end()) {
        texts = it->second;
    } else {
        return fallback;
    }
    std::vector<util::AddressRange> out;
    for (const std::string& t : texts) {
        // Several ranges may share one value: "127.0.0.0/8, ::1".
        std::size_t pos = 0;
        while (pos <= t.size()) {
            std::size_t end = t.find_first_of(", ", pos);
            if (end == std::string::npos) end = t.size();
            const std::string item = t.substr(pos, end - pos);
            pos = end + 1;
            if (item.empty()) continue;
            auto r = util::parse_address_range(item);
            if (!r) {
                throw po::error(std::string("--") + option + ": '" + item +
                                "' is not an IP address or CIDR range (host bits must be zero)");
            }
            out.push_back(*r);
        }
    }
    return out;
}

std::string secret(const Config& config, const char* key, const char* env) {
    if (const char* v = std::getenv(env); v && *v) return v;
    if (auto* v = config_value(config, std::string("serve.") + key)) return *v;
    return {};
}

}  // namespace

int run_serve(const Args& args) {
    po::options_description visible;
    visible.add(common_options());
    po::options_description own(
        "Push receiver options (each also as a key in the [serve] "
        "section of the config file)");
    own.add_options()("listen", po::value<std::string>()->value_name("ADDR:PORT"),
                      "address to listen on; [::1]:8080 for IPv6, port 0 for any free port "
                      "(default 127.0.0.1:8080: run behind a reverse proxy, or use "
                      "0.0.0.0:443 with --tls-cert)")(
        "path", po::value<std::string>()->value_name("PATH"),
        "URL path that takes the POSTs (default /autodns/push)")(
        "allow", po::value<std::vector<std::string>>()->value_name("CIDR")->composing(),
        "source address or range allowed to connect (repeatable; default 62.116.129.216, the "
        "AutoDNS push source, and 127.0.0.0/8, ::1); other peers are closed at accept, "
        "other sources named by a trusted proxy get 403")(
        "trusted-proxy", po::value<std::vector<std::string>>()->value_name("CIDR")->composing(),
        "reverse proxy whose X-Forwarded-For names the real source (repeatable; default "
        "none: the header is ignored)")("max-body", po::value<std::string>()->value_name("BYTES"),
                                        "larger bodies get 413 (default 1048576)")(
        "threads", po::value<std::string>()->value_name("N"),
        "I/O threads; a slow or idle connection holds none of them (default 2)")(
        "timeout", po::value<std::string>()->value_name("SECONDS"),
        "total deadline per request, headers and body; slower clients are cut off "
        "(default 10)")("keep-alive", po::value<std::string>()->value_name("SECONDS"),
                        "idle time allowed between two requests on one connection (default 5)")(
        "max-connections", po::value<std::string>()->value_name("N"),
        "open connections in all; more are closed when accepted (default 1024)")(
        "max-connections-per-source", po::value<std::string>()->value_name("N"),
        "open connections per source address, trusted proxies exempt (default 64)")(
        "db-connections", po::value<std::string>()->value_name("N"),
        "accepted for older configurations, no effect: one committer thread writes")(
        "auth-user", po::value<std::string>()->value_name("USER"),
        "require HTTP basic authentication as USER; the password comes from [serve] "
        "auth-password or $AUTODNS_PUSH_PASSWORD, never from the command line")(
        "tls-cert", po::value<std::string>()->value_name("FILE"),
        "serve HTTPS with this PEM certificate (chain); needs --tls-key")(
        "tls-key", po::value<std::string>()->value_name("FILE"), "PEM private key for --tls-cert")(
        "port-file", po::value<std::string>()->value_name("FILE"),
        "write the port listened on to FILE once listening (for --listen ADDR:0)");
    visible.add(own);
    visible.add(AfterCommitDelivery::options("default: the [dispatch] import-deadline"));
    Config config;
    po::variables_map vm = parse_command_line(args, visible, {}, config);
    use_store(config, "serve", args);
    if (vm.count("help")) {
        print_help(
            "autodns-notify serve [OPTIONS]",
            "Receives AutoDNS push notifications: every POST to the push path is one JSON or\n"
            "XML body. It is stored (or recognized as a duplicate, or kept in quarantine with\n"
            "the reason when it is not a readable notification) in one durable commit, and\n"
            "only then answered 200, which AutoDNS takes as the confirmation. 503 when the\n"
            "database is unavailable (AutoDNS retries), 403 for sources not allowed behind a\n"
            "trusted proxy (other sources outside --allow are closed at accept), 401\n"
            "without valid credentials, 405 for other methods, 404 for other paths, 413 for\n"
            "bodies over --max-body. Redirects are never sent. GET /healthz answers 200 with\n"
            "{\"status\":\"ok\"} when the database is reachable.\n\n"
            "A secret path segment can be required instead of (or besides) basic auth:\n"
            "[serve] path-token or $AUTODNS_PUSH_TOKEN makes the push URL PATH/TOKEN.\n"
            "One line per request on stderr: time, source, method, path, status, body bytes,\n"
            "milliseconds, outcome. Connections closed for a cap or a deadline: one line per\n"
            "source per minute. SIGTERM or SIGINT: stop accepting, answer the requests in\n"
            "flight, exit 0. See docs/push.md.",
            visible,
            {{exit_ok, "after a signal"},
             {1,
              "other start-up failures (address in use, unreadable TLS files, bad "
              "configuration)"},
             {exit_usage, "usage"},
             {exit_temp_fail, "the database cannot be opened (retry)"}});
        return exit_ok;
    }

    PushServerOptions options;
    const std::string listen = setting(vm, config, "listen", "127.0.0.1:8080");
    auto hp = util::parse_host_port(listen);
    if (!hp) throw po::error("--listen '" + listen + "': expected ADDR:PORT or [IPV6]:PORT");
    options.host = hp->host;
    options.port = hp->port;
    options.path = setting(vm, config, "path", "/autodns/push");
    if (options.path.empty() || options.path[0] != '/') {
        throw po::error("--path '" + options.path + "' must start with '/'");
    }
    options.path_token = secret(config, "path-token", "AUTODNS_PUSH_TOKEN");
    if (options.path_token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwx"
                                             "yz0123456789-_.~") != std::string::npos) {
        throw po::error("the path token may only hold letters, digits and - _ . ~");
    }
    options.allow = ranges(vm, config, "allow", default_push_allow_list());
    options.trusted_proxies = ranges(vm, config, "trusted-proxy", {});
    options.max_body_bytes =
        static_cast<std::size_t>(number_setting(vm, config, "max-body", 1048576, 1, 1L << 30));
    options.threads = static_cast<int>(number_setting(vm, config, "threads", 2, 1, 1024));
    options.timeout_seconds = static_cast<int>(number_setting(vm, config, "timeout", 10, 1, 3600));
    options.keep_alive_seconds =
        static_cast<int>(number_setting(vm, config, "keep-alive", 5, 1, 3600));
    options.max_connections =
        static_cast<int>(number_setting(vm, config, "max-connections", 1024, 1, 1000000));
    options.max_connections_per_source =
        static_cast<int>(number_setting(vm, config, "max-connections-per-source", 64, 1, 1000000));
    number_setting(vm, config, "db-connections", 1, 1, 256);  // checked, no effect
    options.auth_user = setting(vm, config, "auth-user", "");
    options.auth_password = secret(config, "auth-password", "AUTODNS_PUSH_PASSWORD");
    if (options.auth_user.empty() != options.auth_password.empty()) {
        throw po::error(options.auth_user.empty()
                            ? "a push password is set but no --auth-user"
                            : "--auth-user needs a password in [serve] auth-password or "
                              "$AUTODNS_PUSH_PASSWORD");
    }
    options.tls_cert = setting(vm, config, "tls-cert", "");
    options.tls_key = setting(vm, config, "tls-key", "");
    if (options.tls_cert.empty() != options.tls_key.empty()) {
        throw po::error("--tls-cert and --tls-key go together");
    }
    options.parse_limits = config.parse_limits;
    options.store.location = config.db_path;
    options.store.busy_timeout_ms = config.busy_timeout_ms;
    options.store.file_mode = config.db_mode;
    options.store.durable_ack = true;

    // Handler delivery runs in a thread of its own, woken after each commit that stored
    // notifications and every 30 s for retries: the 200 to AutoDNS never waits for a handler.
    // Declared before the server, so that the server (whose committer wakes it) goes first.
    const AfterCommitDelivery delivery(config, vm, "serve");
    DeliveryThread deliverer([&delivery] { delivery.run_all(); });
    if (!delivery.handlers().empty()) {
        options.prepare_store = [&delivery](Store& store) { delivery.attach(store); };
        options.after_commit = [&deliverer](const std::vector<Notification>&) { deliverer.wake(); };
    }

    PushServer server(options);
    const int port = server.bind();
    util::StopSignal stop([&server] { server.stop(); });
    // Started only now: the signal mask set up above must be inherited by the thread.
    if (!delivery.handlers().empty()) deliverer.start();
    std::string allowed;
    for (const auto& r : options.allow) allowed += (allowed.empty() ? "" : ", ") + r.text;
    util::log_linef(
        "serve", "listening on %s://%s%s%s:%d%s (database %s; sources %s%s)",
        options.tls_cert.empty() ? "http" : "https",
        options.host.find(':') != std::string::npos ? "[" : "", options.host.c_str(),
        options.host.find(':') != std::string::npos ? "]" : "", port,
        options.path_token.empty() ? options.path.c_str() : (options.path + "/<token>").c_str(),
        redacted_location(options.store.location).c_str(), allowed.c_str(),
        options.auth_user.empty() ? "" : "; basic auth");
    if (const std::string file = setting(vm, config, "port-file", ""); !file.empty()) {
        // Durable and atomic: a reader (a test, a supervisor) sees no port or the whole port.
        if (const auto written = util::write_file_atomically(file, std::to_string(port) + "\n");
            !written) {
            throw FatalError("cannot write port file " + file + ": " + written.error().message);
        }
    }
    server.run();
    util::log_linef("serve", "stopped%s",
                    stop.signal_number() ? " on signal, requests in flight answered" : "");
    return exit_ok;
}

}  // namespace autodns
