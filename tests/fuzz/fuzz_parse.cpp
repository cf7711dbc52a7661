// libFuzzer target: one payload through parse_payload with the content-type hint
// AUTODNS_FUZZ_CONTENT_TYPE (the build makes one target per format: JSON, XML, EPP, text).
#include <cstdio>
#include <cstdlib>

#include "fuzz_checks.hpp"

#ifndef AUTODNS_FUZZ_CONTENT_TYPE
#error "AUTODNS_FUZZ_CONTENT_TYPE must name the content-type hint"
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string broken = autodns::fuzz::check_payload(data, size, AUTODNS_FUZZ_CONTENT_TYPE);
    if (!broken.empty()) {
        std::fprintf(stderr, "invariant broken: %s\n", broken.c_str());
        std::abort();
    }
    return 0;
}
