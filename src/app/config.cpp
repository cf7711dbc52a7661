#include "app/config.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "app/net_commands.hpp"
#include "core/errors.hpp"
#include "handlers/config.hpp"
#include "store/store.hpp"
#include "util/numbers.hpp"
#include "util/text.hpp"

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
    d.add_options()("db", po::value<std::string>())("db-mode", po::value<std::string>())(
        "busy-timeout", po::value<int>())("mail.allow-from",
                                          po::value<std::vector<std::string>>()->composing())(
        "mail.require-auth", po::value<std::string>())("mail.max-size", po::value<std::size_t>())(
        "mail.max-depth", po::value<std::size_t>())(
        "parse.max-payload-size", po::value<std::size_t>())("parse.max-nesting",
                                                            po::value<std::size_t>());
    return d;
}

// Every section of the config file and its keys, for the keys the parser above does not
// take itself. [handler.NAME] and [dispatch] are checked by load_handlers().
struct SectionSchema {
    const char* name;  // "" for keys before the first section
    std::vector<const char*> keys;
};

const std::vector<SectionSchema>& config_schema() {
    static const std::vector<SectionSchema> schema = {
        {"", {"db", "db-mode", "busy-timeout"}},
        {"mail", {"allow-from", "require-auth", "max-size", "max-depth", "log"}},
        {"parse", {"max-payload-size", "max-nesting"}},
        {"serve",
         {"listen", "path", "path-token", "allow", "trusted-proxy", "max-body", "threads",
          "timeout", "keep-alive", "max-connections", "max-connections-per-source",
          "db-connections", "auth-user", "auth-password", "tls-cert", "tls-key", "port-file"}},
        {"poll",
         {"protocol", "url", "user", "password", "context", "interval", "timeout", "retry-min",
          "retry-max", "max-failures", "ca-file", "cert-file", "key-file", "keepalive"}},
        {"retention", {"raw-days", "receipt-days", "quarantine-days", "notification-days"}},
    };
    return schema;
}

// Levenshtein distance, for "did you mean".
std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
            diagonal = up;
        }
    }
    return row[b.size()];
}

std::string near_miss(const std::string& word, const std::vector<std::string>& candidates) {
    std::string best;
    std::size_t best_distance = word.size() / 3 + 1;  // at most a third of the word wrong
    for (const std::string& c : candidates) {
        const std::size_t d = edit_distance(word, c);
        if (d <= best_distance && (best.empty() || d < best_distance)) {
            best = c;
            best_distance = d;
        }
    }
    return best.empty() ? std::string() : " (did you mean '" + best + "'?)";
}

// The line of the config file where `key` stands in `section` (with an empty key: the line
// of the section's header), 0 when not found.
int line_of(const std::string& path, const std::string& section, const std::string& key) {
    std::ifstream in(path);
    std::string line, current;
    for (int n = 1; std::getline(in, line); ++n) {
        const std::string_view t = util::trim(line);
        if (t.empty() || t[0] == '#' || t[0] == ';') continue;
        if (t.front() == '[' && t.back() == ']') {
            current = std::string(util::trim(t.substr(1, t.size() - 2)));
            if (key.empty() && current == section) return n;
            continue;
        }
        const std::size_t eq = t.find('=');
        if (current == section && util::trim(t.substr(0, eq)) == key) return n;
    }
    return 0;
}

// Throws FatalError for the first key or section of the file that nothing reads.
void check_known_keys(const std::map<std::string, std::vector<std::string>>& unregistered,
                      const std::string& path) {
    for (const auto& entry : unregistered) {
        const std::string& full = entry.first;
        const std::size_t dot = full.rfind('.');
        const std::string section = dot == std::string::npos ? "" : full.substr(0, dot);
        const std::string key = dot == std::string::npos ? full : full.substr(dot + 1);
        if (section == "dispatch" || section.compare(0, 8, "handler.") == 0 ||
            section == "handler") {
            continue;
        }
        const SectionSchema* known = nullptr;
        std::vector<std::string> sections;
        for (const SectionSchema& s : config_schema()) {
            if (section == s.name) known = &s;
            if (*s.name) sections.emplace_back(s.name);
        }
        for (const char* other : {"dispatch", "handler.NAME"}) sections.emplace_back(other);
        const int line = line_of(path, section, known ? key : std::string());
        const std::string where =
            "config file " + path + (line ? " line " + std::to_string(line) : std::string()) + ": ";
        if (!known) {
            throw FatalError(where + "unknown section [" + section + "]" +
                             near_miss(section, sections));
        }
        std::vector<std::string> keys(known->keys.begin(), known->keys.end());
        throw FatalError(where + "unknown key '" + key + "' in " +
                         (section.empty() ? std::string("the top section (before any [section])")
                                          : "[" + section + "]") +
                         near_miss(key, keys));
    }
}

}  // namespace

std::vector<std::string> known_config_keys() {
    std::vector<std::string> keys;
    for (const SectionSchema& s : config_schema()) {
        for (const char* k : s.keys) keys.push_back(*s.name ? std::string(s.name) + "." + k : k);
    }
    for (const std::string& k : dispatch_keys()) keys.push_back("dispatch." + k);
    for (const std::string& k : handler_keys()) keys.push_back("handler.NAME." + k);
    return keys;
}

int count_verbosity(const std::vector<std::string>& args, std::vector<std::string>& rest) {
    int level = 0;
    bool options_end = false;
    for (const std::string& a : args) {
        if (options_end) {
            rest.push_back(a);
            continue;
        }
        if (a == "--") {
            options_end = true;
            rest.push_back(a);
        } else if (a == "--verbose") {
            ++level;
        } else if (a.compare(0, 10, "--verbose=") == 0) {
            const std::string n = a.substr(10);
            if (n.size() != 1 || n[0] < '0' || n[0] > '9') {
                throw po::error("--verbose='" + n + "': expected a level from 0 to 9");
            }
            level += n[0] - '0';
        } else if (a.size() >= 2 && a[0] == '-' && a[1] == 'v' &&
                   a.find_first_not_of('v', 1) == std::string::npos) {
            level += static_cast<int>(a.size() - 1);
        } else {
            rest.push_back(a);
        }
    }
    return level;
}

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
        "db-mode", po::value<std::string>()->value_name("MODE"),
        "octal mode of the database file, its -wal and -shm when this process creates them, "
        "e.g. 0660 for a group of writers; new directories get it plus x, and setgid when "
        "group-writable (default 0600). Config: db-mode")(
        "config", po::value<std::string>()->value_name("FILE"),
        "INI configuration file (default: $AUTODNS_NOTIFY_CONFIG, else "
        "/etc/autodns-notify/config.ini when it exists)")(
        "busy-timeout", po::value<int>()->value_name("MS"),
        "how long to wait for a locked database before giving up (default 10000)")(
        "verbose,v", "more diagnostics on stderr (repeat for more: -vv, -v -v, --verbose=2)")(
        "help,h", "show this help and exit");
    return d;
}

void use_store(const Config& config, const char* command, const std::vector<std::string>& args) {
    if (const auto usable = check_store_location(config.db_path); !usable) {
        throw po::error("database " + redacted_location(config.db_path) + ": " + usable.error());
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
    // -v, -vv, -v -v, --verbose, --verbose=N are counted here and never reach the parser,
    // so that a word after -v is never taken as its value.
    std::vector<std::string> words;
    config.verbosity = count_verbosity(args, words);
    po::variables_map vm;
    po::store(po::command_line_parser(words).options(visible).positional(positional).run(), vm);

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
        std::map<std::string, std::vector<std::string>> unknown;
        for (const auto& [full, values] : config.sections) {
            const std::size_t dot = full.rfind('.');
            const std::string section = dot == std::string::npos ? "" : full.substr(0, dot);
            const std::string key = dot == std::string::npos ? full : full.substr(dot + 1);
            bool listed = false;
            for (const SectionSchema& s : config_schema()) {
                if (section != s.name) continue;
                for (const char* k : s.keys) listed = listed || key == k;
            }
            if (!listed) unknown.emplace(full, values);
        }
        check_known_keys(unknown, path);
        // Handler sections are read here too, so that every command (parse and report
        // included) rejects a broken one.
        (void)load_handlers(config.sections, path);
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
    if (auto* v = pick("db-mode", "db-mode")) {
        const std::string text = v->as<std::string>();
        const util::Expected<long> mode = util::parse_bounded(text, 0, 0777, "an octal mode", 8);
        if (!mode || (*mode & 0600) != 0600) {
            const std::string why = "db-mode '" + text +
                                    "': want an octal mode with owner read and write, such as "
                                    "0600 or 0660";
            if (vm.count("db-mode")) throw po::error(why);
            throw FatalError("config file " + path + ": " + why);
        }
        config.db_mode = static_cast<unsigned>(*mode);
    }
    if (auto* v = pick("busy-timeout", "busy-timeout")) config.busy_timeout_ms = v->as<int>();
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

std::string db_access_note(const std::string& db_path) {
    std::string dir = ".";
    if (std::string::size_type slash = db_path.find_last_of('/'); slash != std::string::npos) {
        dir = slash == 0 ? "/" : db_path.substr(0, slash);
    }
    struct stat st {};
    while (::stat(dir.c_str(), &st) != 0 && errno == ENOENT && dir != "/" && dir != ".") {
        std::string::size_type slash = dir.find_last_of('/');
        dir = slash == std::string::npos ? "." : slash == 0 ? "/" : dir.substr(0, slash);
    }
    std::string refused;
    for (const std::string& p : {dir, db_path, db_path + "-wal", db_path + "-shm"}) {
        if (::stat(p.c_str(), &st) == 0 && ::access(p.c_str(), W_OK) != 0 && errno == EACCES) {
            refused = p;
            break;
        }
    }
    if (refused.empty()) return "";
    auto user_name = [](uid_t uid) {
        const struct passwd* pw = ::getpwuid(uid);
        return pw ? std::string(pw->pw_name) : std::to_string(uid);
    };
    auto group_name = [](gid_t gid) {
        const struct group* gr = ::getgrgid(gid);
        return gr ? std::string(gr->gr_name) : std::to_string(gid);
    };
    std::string groups = group_name(::getegid());
    std::vector<gid_t> list(static_cast<std::size_t>(std::max(::getgroups(0, nullptr), 0)));
    const int n = ::getgroups(static_cast<int>(list.size()), list.data());
    for (int i = 0; i < n; ++i) {
        if (list[static_cast<std::size_t>(i)] != ::getegid()) {
            groups += " " + group_name(list[static_cast<std::size_t>(i)]);
        }
    }
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return " (user " + user_name(::geteuid()) + ", groups " + groups + "; " + refused + " is " +
           user_name(st.st_uid) + ":" + group_name(st.st_gid) + " " + mode + ")";
}

const std::vector<ExitStatusHelp>& program_exit_statuses() {
    static const std::vector<ExitStatusHelp> statuses = {
        {exit_ok, "done (mail: stored, duplicate or quarantined; the mail is safe)"},
        {1, "an error that needs a human (config file, corrupt or missing database, paths)"},
        {exit_usage, "usage: unknown option or bad value (backup: the database is PostgreSQL)"},
        {exit_data, "not a notification (parse; mail only with --pass-through)"},
        {exit_no_input, "parse: an input file cannot be read"},
        {exit_software, "internal error: the network helper is missing or failed to start"},
        {exit_temp_fail, "temporary failure (database locked, read-only or full): retry later"},
        {exit_config, "poll: no credentials configured, or a TLS file (--ca-file ...) unreadable"},
    };
    return statuses;
}

void print_help(const char* usage, const char* description, const po::options_description& d,
                std::initializer_list<ExitStatusHelp> statuses) {
    std::cout << "usage: " << usage << "\n\n" << description << "\n\n" << d << "\nExit status:\n";
    for (const ExitStatusHelp& e : statuses) {
        const auto& known = program_exit_statuses();
        if (std::none_of(known.begin(), known.end(),
                         [&](const ExitStatusHelp& k) { return k.status == e.status; })) {
            throw std::logic_error("exit status " + std::to_string(e.status) +
                                   " of this command is not in the program's list");
        }
        // "  75  meaning", wrapped at 80 columns under the meaning.
        std::string line = "  " + std::to_string(e.status);
        line.resize(6, ' ');
        std::size_t width = line.size();
        std::istringstream words(e.meaning);
        for (std::string word; words >> word;) {
            if (width > 6 && width + 1 + word.size() > 80) {
                line += "\n      ";
                width = 6;
            } else if (width > 6) {
                line += ' ';
                ++width;
            }
            line += word;
            width += word.size();
        }
        std::cout << line << "\n";
    }
    std::cout << "(every status: 'autodns-notify --help'; the man page, EXIT STATUS)\n"
              << std::flush;
}

}  // namespace autodns
