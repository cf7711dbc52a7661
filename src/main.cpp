#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>

#include "app/app.hpp"
#include "core/errors.hpp"
#include "util/prefault.hpp"

namespace {

// The filter runs once per mail, and on a virtual machine its page faults were about a third
// of its time (src/util/prefault.hpp). Populate its pages before the C++ run-time and the
// libraries initialize, which is why this is a constructor (priority 101 runs before the
// unprioritized ones) and reads argv itself: glibc passes (argc, argv, envp) to the
// program's constructors. 384 KiB of heap covers what a mail of ordinary size needs; a
// large one grows the heap as usual. Other commands run long enough not to care.
__attribute__((constructor(101))) void prefault_for_the_filter(int argc, char** argv, char**) {
    if (argc > 1 && argv[1] != nullptr && std::strcmp(argv[1], "mail") == 0) {
        autodns::prefault_process(384 * 1024);
    }
}

}  // namespace

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
