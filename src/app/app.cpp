#include "app/app.hpp"

#include <boost/program_options/errors.hpp>

#include <cstdio>
#include <cstring>
#include <string>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "core/errors.hpp"
#include "store/store.hpp"
#include "util/log.hpp"

namespace autodns {
namespace {

struct CommandEntry {
    const char* name;
    int (*run)(const Args&);
    const char* summary;
};

const CommandEntry commands[] = {
    {"parse", cmd_parse, "print the normalized records of mails or payloads (no database)"},
    {"mail", cmd_mail, "filter: store the one mail on stdin (procmail, fetchmail, maildrop)"},
    {"import", cmd_import, "import Maildir folders, mbox files and .eml files"},
    {"dispatch", cmd_dispatch, "deliver and retry pending handler work; list or revive dead rows"},
    {"report", cmd_report, "reconciliation report (text, csv, json, html) and metrics"},
    {"prune", cmd_prune, "retention: remove old receipts, quarantine, raw payloads, notifications"},
    {"backup", cmd_backup, "online, verified copy of the SQLite database (PostgreSQL: pg_dump)"},
    {"serve", cmd_serve, "push receiver: HTTP server for AutoDNS push notifications"},
    {"poll", cmd_poll, "poll client: fetch, store, then confirm (JSON REST or XML gateway)"},
};

void print_usage(std::FILE* out) {
    std::fprintf(out,
                 "usage: autodns-notify COMMAND [OPTIONS] [ARGS]\n\n"
                 "Takes in AutoDNS notifications by mail, push and poll, stores each once in\n"
                 "SQLite (or PostgreSQL, shared by several hosts: --db postgresql://...) and\n"
                 "hands new ones to the configured handlers.\n\nCommands:\n");
    for (const CommandEntry& c : commands) std::fprintf(out, "  %-9s %s\n", c.name, c.summary);
    std::fprintf(out,
                 "\n'autodns-notify COMMAND --help' describes a command and its options;\n"
                 "'autodns-notify --config-keys' lists every key of the config file.\n\n"
                 "Exit status:\n");
    for (const ExitStatusHelp& e : program_exit_statuses()) {
        std::fprintf(out, "  %-3d %s\n", e.status, e.meaning);
    }
}

}  // namespace

void hide_passwords_in_argv(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const std::string hidden =
            redacted_location(arg.compare(0, 5, "--db=") == 0 ? arg.substr(5) : arg);
        const std::string shown = arg.compare(0, 5, "--db=") == 0 ? "--db=" + hidden : hidden;
        if (shown == arg) continue;
        // The password is what differs between the two: same prefix, same suffix.
        std::size_t head = 0;
        while (head < arg.size() && head < shown.size() && arg[head] == shown[head]) ++head;
        std::size_t tail = 0;
        while (tail < arg.size() - head && tail < shown.size() - head &&
               arg[arg.size() - 1 - tail] == shown[shown.size() - 1 - tail]) {
            ++tail;
        }
        for (std::size_t k = head; k < arg.size() - tail; ++k) argv[i][k] = '*';
    }
}

int run_command(const char* name, const std::function<int()>& command) {
    try {
        return command();
    } catch (const boost::program_options::error& e) {
        util::log_linef(name, "%s (see 'autodns-notify %s --help')", e.what(), name);
        return exit_usage;
    } catch (const FatalError& e) {
        util::log_linef(name, "%s%s", e.what(), e.temporary() ? " (temporary; retry later)" : "");
        return e.temporary() ? exit_temp_fail : 1;
    }
}

int run_app(int argc, char** argv) {
    if (argc < 2) {
        print_usage(stderr);
        return exit_usage;
    }
    const std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        print_usage(stdout);
        return exit_ok;
    }
    if (name == "--config-keys") {
        for (const std::string& key : known_config_keys()) std::printf("%s\n", key.c_str());
        return exit_ok;
    }
    if (name == "--version") {
        std::printf("autodns-notify %s\n", AUTODNS_VERSION);
        return exit_ok;
    }
    for (const CommandEntry& c : commands) {
        if (name != c.name) continue;
        const Args args(argv + 2, argv + argc);
        hide_passwords_in_argv(argc, argv);
        return run_command(c.name, [&] { return c.run(args); });
    }
    util::log_linef("", "unknown command '%s' (see 'autodns-notify --help')", name.c_str());
    return exit_usage;
}

}  // namespace autodns
