#include <csignal>
#include <cstdio>
#include <exception>

#include "app/app.hpp"
#include "core/errors.hpp"
#include "util/log.hpp"

int main(int argc, char** argv) {
    // A file-size limit (ulimit -f) or a closed pipe must become an error we report and map
    // to an exit status, not a silent death by signal.
    std::signal(SIGXFSZ, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return autodns::run_app(argc, argv);
    } catch (const std::exception& e) {
        autodns::util::log_linef("", "internal error: %s", e.what());
    } catch (...) {
        autodns::util::log_line("", "internal error");
    }
    return autodns::exit_software;
}
