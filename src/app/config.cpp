#include "app/config.hpp"

#include <cstdlib>
#include <fstream>
#include <iostream>

#include "app/net_commands.hpp"
#include "core/errors.hpp"
#include "store/store.hpp"

namespace autodns {
namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);
    return v ? std::string(v) : std::string();
}

bool file_exists(const std::string& path) {
    std::ifstream f(path);
    return f.good();
}

// Options that may appear in the INI file as well as on the command line.
po::options_description file_options() {
    po::options_description d;
    d.add_options()("db", po::value<std::string>())("busy-timeout", po::value<int>())(
        "mail.allow-from", po::value<std::vector<std::string>>()->composing())(
        "mail.require-auth", po::value<std::string>())("mail.max-size", po::value<std::size_t>())(
        "mail.max-depth", po::value<std::size_t>())(
        "parse.max-payload-size", po::value<std::size_t>())("parse.max-nesting",
                                                            po::value<std::size_t>());
    return d;
}

}  // namespace

std::string default_db_path() {
    if (std::string p = env("AUTODNS_NOTIFY_DB"); !p.empty()) return p;
    if (std::string state = env("XDG_STATE_HOME"); !state.empty()) {
        return state + "/autodns-notify/notify.sqlite";
    }
    if (std::string home = env("HOME"); !home.empty()) {
        return home + "/.local/state/autodns-notify/notify.sqlite";
    }
    return "autodns-notify.sqlite";
}

po::options_description common_options() {
    po::options_description d("Common options");
    d.add_options()("db", po::value<std::string>()->value_name("PATH|URI"),
                    "the store: an SQLite file (PATH or sqlite:PATH) or a PostgreSQL "
                    "connection URI (postgresql://...; the password from ~/.pgpass or "
                    "$PGPASSWORD) (default: $AUTODNS_NOTIFY_DB, else "
                    "$XDG_STATE_HOME/autodns-notify/notify.sqlite, else "
                    "~/.local/state/autodns-notify/notify.sqlite)")(
        "config", po::value<std::string>()->value_name("FILE"),
        "INI configuration file (default: $AUTODNS_NOTIFY_CONFIG, else "
        "/etc/autodns-notify/config.ini when it exists)")(
        "busy-timeout", po::value<int>()->value_name("MS"),
        "how long to wait for a locked database before giving up (default 10000)")(
        "verbose,v", po::value<int>()->zero_tokens()->implicit_value(1)->multitoken(),
        "more diagnostics on stderr (repeat for more)")("help,h", "show this help and exit");
    return d;
}

void use_store(const Config& config, const char* command, const std::vector<std::string>& args) {
    if (std::string problem = store_location_problem(config.db_path); !problem.empty()) {
        throw po::error("database " + redacted_location(config.db_path) + ": " + problem);
    }
    const StoreBackend backend = store_backend_of(config.db_path);
    if (store_backend_linked(backend)) return;
    exec_net_helper(command, args);  // returns only when it failed (and said why)
    throw FatalError("database " + redacted_location(config.db_path) +
                         ": the PostgreSQL backend is in autodns-notify-net, which could not "
                         "be run",
                     true);
}

po::options_description mail_options() {
    po::options_description d("Mail options");
    d.add_options()(
        "allow-from", po::value<std::vector<std::string>>()->value_name("DOMAIN")->composing(),
        "accept notification mail only from this From domain or its subdomains (repeatable; "
        "default: any). Config: [mail] allow-from")(
        "require-auth", po::value<std::string>()->value_name("AUTHSERV-ID"),
        "require an Authentication-Results pass (dmarc, dkim or spf) added by this MTA. "
        "Config: [mail] require-auth")(
        "max-size", po::value<std::size_t>()->value_name("BYTES"),
        "larger mails are quarantined unparsed (default 67108864). Config: [mail] max-size")(
        "max-depth", po::value<std::size_t>()->value_name("N"),
        "multipart nesting deeper than this is not descended (default 32). "
        "Config: [mail] max-depth")(
        "max-payload-size", po::value<std::size_t>()->value_name("BYTES"),
        "larger JSON/XML/text bodies (a mail part, a push body) are malformed, unparsed "
        "(default 33554432). Config: [parse] max-payload-size")(
        "max-nesting", po::value<std::size_t>()->value_name("N"),
        "JSON and XML nested deeper than this are malformed, unparsed (default 256, at most "
        "1024). Config: [parse] max-nesting");
    return d;
}

po::variables_map parse_command_line(const std::vector<std::string>& args,
                                     const po::options_description& visible,
                                     const po::positional_options_description& positional,
                                     Config& config) {
    po::variables_map vm;
    po::store(po::command_line_parser(args).options(visible).positional(positional).run(), vm);

    // Config file: explicit, from the environment, or the system default when present.
    std::string path;
    if (vm.count("config")) {
        path = vm["config"].as<std::string>();
    } else if (std::string e = env("AUTODNS_NOTIFY_CONFIG"); !e.empty()) {
        path = e;
    } else if (file_exists("/etc/autodns-notify/config.ini")) {
        path = "/etc/autodns-notify/config.ini";
    }
    po::variables_map file_vm;
    if (!path.empty()) {
        std::ifstream in(path);
        if (!in) throw FatalError("cannot read config file " + path);
        try {
            // parsed_options keeps a pointer to the description: it must outlive po::store.
            const po::options_description known = file_options();
            po::parsed_options parsed = po::parse_config_file(in, known, true);
            po::store(parsed, file_vm);
            for (const po::option& o : parsed.options) {
                if (o.unregistered) {
                    auto& slot = config.sections[o.string_key];
                    slot.insert(slot.end(), o.value.begin(), o.value.end());
                }
            }
        } catch (const po::error& e) {
            throw FatalError("config file " + path + ": " + e.what());
        }
        config.config_file = path;
    }
    po::notify(vm);
    po::notify(file_vm);

    auto pick = [&](const char* cli, const char* file) -> const po::variable_value* {
        if (vm.count(cli)) return &vm[cli];
        if (file && file_vm.count(file)) return &file_vm[file];
        return nullptr;
    };
    if (auto* v = pick("db", "db")) config.db_path = v->as<std::string>();
    if (config.db_path.empty()) config.db_path = default_db_path();
    if (auto* v = pick("busy-timeout", "busy-timeout")) config.busy_timeout_ms = v->as<int>();
    if (vm.count("verbose")) {
        // -v -v: boost counts occurrences only via a composing vector; count tokens instead.
        config.verbosity = 0;
        for (const std::string& a : args) {
            if (a == "-v" || a == "--verbose")
                ++config.verbosity;
            else if (a.size() > 2 && a[0] == '-' && a[1] == 'v' &&
                     a.find_first_not_of('v', 1) == std::string::npos)
                config.verbosity += static_cast<int>(a.size() - 1);
        }
    }
    if (auto* v = pick("allow-from", "mail.allow-from")) {
        config.mail_policy.allowed_from_domains = v->as<std::vector<std::string>>();
    }
    if (auto* v = pick("require-auth", "mail.require-auth")) {
        config.mail_policy.required_authserv_id = v->as<std::string>();
    }
    if (auto* v = pick("max-size", "mail.max-size")) config.max_input_bytes = v->as<std::size_t>();
    if (auto* v = pick("max-depth", "mail.max-depth"))
        config.mime_limits.max_depth = v->as<std::size_t>();
    if (auto* v = pick("max-payload-size", "parse.max-payload-size"))
        config.parse_limits.max_bytes = v->as<std::size_t>();
    if (auto* v = pick("max-nesting", "parse.max-nesting")) {
        config.parse_limits.max_depth = v->as<std::size_t>();
        if (config.parse_limits.max_depth > kMaxPayloadDepthCeiling) {
            const std::string why = "max-nesting " + std::to_string(config.parse_limits.max_depth) +
                                    " is above the ceiling of " +
                                    std::to_string(kMaxPayloadDepthCeiling);
            // A usage error on the command line; a bad config file is a FatalError like any
            // other (the mail filter defers the mail rather than bouncing it).
            if (vm.count("max-nesting")) throw po::error(why);
            throw FatalError("config file " + path + ": " + why);
        }
    }
    return vm;
}

const std::string* config_value(const Config& config, const std::string& key) {
    auto it = config.sections.find(key);
    return it == config.sections.end() || it->second.empty() ? nullptr : &it->second.back();
}

std::string option_or_config(const po::variables_map& vm, const Config& config,
                             const std::string& section, const char* option,
                             const std::string& fallback) {
    if (vm.count(option)) return vm[option].as<std::string>();
    if (const std::string* v = config_value(config, section + "." + option)) return *v;
    return fallback;
}

void print_help(const char* usage, const char* description, const po::options_description& d) {
    std::cout << "usage: " << usage << "\n\n" << description << "\n\n" << d << std::flush;
}

}  // namespace autodns
