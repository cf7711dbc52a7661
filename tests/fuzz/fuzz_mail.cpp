// libFuzzer target: a raw mail through analyze_mail (MIME extraction, sniffing, parsers,
// sender policy), as the `mail` filter and `import` run it.
#include <cstdio>
#include <cstdlib>

#include "fuzz_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string broken = autodns::fuzz::check_mail(data, size);
    if (!broken.empty()) {
        std::fprintf(stderr, "invariant broken: %s\n", broken.c_str());
        std::abort();
    }
    return 0;
}
