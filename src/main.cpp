#include <csignal>
#include <cstdio>
#include <exception>

#include "app/app.hpp"
#include "core/errors.hpp"

int main(int argc, char** argv) {
    // A file-size limit (ulimit -f) or a closed pipe must become an error we report and map
    // to an exit status, not a silent death by signal.
    std::signal(SIGXFSZ, SIG_IGN);
    std::signal(SIGPIPE, SIG_IGN);
    try {
        return autodns::run_app(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "autodns-notify: internal error: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "autodns-notify: internal error\n");
    }
    return autodns::exit_software;
}
