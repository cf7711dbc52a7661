// src/util/lazy_libm.cpp: the wrappers the main program's math calls go through give what libm
// gives (this test program links libm as usual, so both are at hand).
#include <catch2/catch.hpp>
#include <cmath>

extern "C" {
double __wrap_acos(double);
double __wrap_acosh(double);
double __wrap_asin(double);
double __wrap_asinh(double);
double __wrap_atan(double);
double __wrap_atan2(double, double);
double __wrap_atanh(double);
double __wrap_ceil(double);
double __wrap_cos(double);
double __wrap_cosh(double);
double __wrap_exp(double);
double __wrap_fmod(double, double);
double __wrap_log(double);
double __wrap_log10(double);
double __wrap_pow(double, double);
double __wrap_sin(double);
double __wrap_sinh(double);
double __wrap_sqrt(double);
double __wrap_tan(double);
double __wrap_tanh(double);
double __wrap_trunc(double);
}

TEST_CASE("lazy libm: each wrapper computes what libm computes", "[lazy_libm]") {
    // Read at run time, so that the compiler cannot fold the std:: side into a constant.
    static volatile double input = 0.375;
    const double x = input;
    CHECK(__wrap_acos(x) == std::acos(x));
    CHECK(__wrap_acosh(1 + x) == std::acosh(1 + x));
    CHECK(__wrap_asin(x) == std::asin(x));
    CHECK(__wrap_asinh(x) == std::asinh(x));
    CHECK(__wrap_atan(x) == std::atan(x));
    CHECK(__wrap_atan2(x, -2.5) == std::atan2(x, -2.5));
    CHECK(__wrap_atanh(x) == std::atanh(x));
    CHECK(__wrap_ceil(-2.5) == -2.0);
    CHECK(__wrap_cos(x) == std::cos(x));
    CHECK(__wrap_cosh(x) == std::cosh(x));
    CHECK(__wrap_exp(x) == std::exp(x));
    CHECK(__wrap_fmod(7.5, 2.0) == 1.5);
    CHECK(__wrap_log(x) == std::log(x));
    CHECK(__wrap_log10(1000.0) == 3.0);
    CHECK(__wrap_pow(2.0, 10.0) == 1024.0);
    CHECK(__wrap_sin(x) == std::sin(x));
    CHECK(__wrap_sinh(x) == std::sinh(x));
    CHECK(__wrap_sqrt(2.25) == 1.5);
    CHECK(__wrap_tan(x) == std::tan(x));
    CHECK(__wrap_tanh(x) == std::tanh(x));
    CHECK(__wrap_trunc(-2.75) == -2.0);
}

TEST_CASE("lazy libm: errors come back as from libm", "[lazy_libm]") {
    CHECK(std::isnan(__wrap_sqrt(-1.0)));
    CHECK(std::isinf(__wrap_log(0.0)));
    CHECK(std::isnan(__wrap_acos(2.0)));
}
