// The C math library, bound at its first use instead of at every start.
//
// The program calls a few libm functions: SQLite's SQL math functions, pugixml's XPath and the
// HTML report's scales. The mail filter uses none of them, yet loading libm.so.6 cost every
// process about 0.2 ms (docs/performance.md). So the main program is linked with
// --wrap=NAME for each of these functions and with --as-needed (CMakeLists.txt,
// AUTODNS_LAZY_LIBM): every call arrives here instead, the first one opens libm, and each
// function is looked up once. With no direct reference left, the linker drops libm from the
// program's needed libraries; tests/integration/test_mail_filter.sh checks that it stays out
// (a new libm call without a wrapper here would bring it back).
//
// Linked into the main program (and the unit tests) only: the library and the other programs
// link libm as usual.
#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace {

void* libm() {
    static void* handle = ::dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
    return handle;
}

template <typename Function>
Function lookup(const char* name) {
    void* handle = libm();
    void* symbol = handle ? ::dlsym(handle, name) : nullptr;
    if (symbol == nullptr) {
        // Only a broken installation gets here; there is no way to compute the value.
        const char* why = ::dlerror();
        std::fprintf(stderr, "autodns-notify: cannot load %s from libm.so.6: %s\n", name,
                     why ? why : "not found");
        std::abort();
    }
    return reinterpret_cast<Function>(symbol);
}

}  // namespace

#define AUTODNS_LAZY_LIBM_1(name)                                       \
    extern "C" double __wrap_##name(double x);                          \
    extern "C" double __wrap_##name(double x) {                         \
        static const auto function = lookup<double (*)(double)>(#name); \
        return function(x);                                             \
    }
#define AUTODNS_LAZY_LIBM_2(name)                                               \
    extern "C" double __wrap_##name(double x, double y);                        \
    extern "C" double __wrap_##name(double x, double y) {                       \
        static const auto function = lookup<double (*)(double, double)>(#name); \
        return function(x, y);                                                  \
    }

AUTODNS_LAZY_LIBM_1(acos)
AUTODNS_LAZY_LIBM_1(acosh)
AUTODNS_LAZY_LIBM_1(asin)
AUTODNS_LAZY_LIBM_1(asinh)
AUTODNS_LAZY_LIBM_1(atan)
AUTODNS_LAZY_LIBM_2(atan2)
AUTODNS_LAZY_LIBM_1(atanh)
AUTODNS_LAZY_LIBM_1(ceil)
AUTODNS_LAZY_LIBM_1(cos)
AUTODNS_LAZY_LIBM_1(cosh)
AUTODNS_LAZY_LIBM_1(exp)
AUTODNS_LAZY_LIBM_2(fmod)
AUTODNS_LAZY_LIBM_1(log)
AUTODNS_LAZY_LIBM_1(log10)
AUTODNS_LAZY_LIBM_2(pow)
AUTODNS_LAZY_LIBM_1(sin)
AUTODNS_LAZY_LIBM_1(sinh)
AUTODNS_LAZY_LIBM_1(sqrt)
AUTODNS_LAZY_LIBM_1(tan)
AUTODNS_LAZY_LIBM_1(tanh)
AUTODNS_LAZY_LIBM_1(trunc)
