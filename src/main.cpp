#include <cstdio>
#include <exception>

#include "app/app.hpp"
#include "core/errors.hpp"

int main(int argc, char** argv) {
    try {
        return autodns::run_app(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "autodns-notify: internal error: %s\n", e.what());
    } catch (...) {
        std::fprintf(stderr, "autodns-notify: internal error\n");
    }
    return autodns::exit_software;
}
