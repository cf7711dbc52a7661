#include "app/app.hpp"

#include <cstdio>
#include <cstring>

#include "core/errors.hpp"

namespace autodns {

int run_app(int argc, char** argv) {
    if (argc < 2 || std::strcmp(argv[1], "--help") == 0) {
        std::puts("usage: autodns-notify COMMAND [OPTIONS]");
        return argc < 2 ? exit_usage : exit_ok;
    }
    std::fprintf(stderr, "autodns-notify: unknown command '%s'\n", argv[1]);
    return exit_usage;
}

}  // namespace autodns
