// autodns-notify-net: the HTTP commands (serve, poll), started by `autodns-notify serve|poll`
// (src/app/cmd_net.cpp), and every command whose database is PostgreSQL (the PostgreSQL
// backend is linked here only; src/app/config.cpp, use_store()). A separate executable so that
// the mail filter never loads cpp-httplib, OpenSSL and libpq.
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>

#include "app/app.hpp"
#include "app/net_commands.hpp"
#include "core/errors.hpp"
#include "store/postgres/postgres_store.hpp"
#include "util/log.hpp"

int main(int argc, char** argv) {
    std::signal(SIGXFSZ, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    autodns::register_postgres_backend();
    if (argc >= 2) {
        for (const char* store_command : {"mail", "import", "dispatch", "report", "prune"}) {
            if (std::strcmp(argv[1], store_command) != 0) continue;
            try {
                return autodns::run_app(argc, argv);
            } catch (const std::exception& e) {
                autodns::util::log_linef("", "internal error: %s", e.what());
                return autodns::exit_software;
            }
        }
    }
    if (argc < 2 || (std::strcmp(argv[1], "serve") != 0 && std::strcmp(argv[1], "poll") != 0)) {
        std::fprintf(
            stderr,
            "usage: autodns-notify-net serve|poll|mail|import|dispatch|report|prune [OPTIONS]\n"
            "(run as 'autodns-notify COMMAND')\n");
        return autodns::exit_usage;
    }
    const char* name = argv[1];
    const autodns::Args args(argv + 2, argv + argc);
    autodns::hide_passwords_in_argv(argc, argv);
    try {
        return autodns::run_command(name, [&] {
            return std::strcmp(name, "serve") == 0 ? autodns::run_serve(args)
                                                   : autodns::run_poll(args);
        });
    } catch (const std::exception& e) {
        autodns::util::log_linef(name, "internal error: %s", e.what());
    } catch (...) {
        autodns::util::log_line(name, "internal error");
    }
    return autodns::exit_software;
}
