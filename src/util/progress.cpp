#include "util/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace autodns::util {

Progress::Progress(std::string label, std::string unit, std::uint64_t total, bool enabled)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(enabled),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

Progress::~Progress() {
    finish();
}

bool Progress::stderr_is_terminal() {
    return ::isatty(STDERR_FILENO) == 1;
}

void Progress::update(std::uint64_t done) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_ < std::chrono::milliseconds(200) && !(total_ && done == total_)) return;
    last_ = now;
    draw(done);
}

void Progress::draw(std::uint64_t done) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = seconds > 0 ? done / seconds : 0.0;
    char line[160];
    if (total_ > 0) {
        const double eta = rate > 0 ? (total_ - (done > total_ ? total_ : done)) / rate : 0.0;
        std::snprintf(line, sizeof line, "%s: %llu/%llu %s (%3.0f%%)  %.0f/s  ETA %d:%02d",
                      label_.c_str(), static_cast<unsigned long long>(done),
                      static_cast<unsigned long long>(total_), unit_.c_str(), 100.0 * done / total_,
                      rate, static_cast<int>(eta) / 60, static_cast<int>(eta) % 60);
    } else {
        std::snprintf(line, sizeof line, "%s: %llu %s  %.0f/s", label_.c_str(),
                      static_cast<unsigned long long>(done), unit_.c_str(), rate);
    }
    std::fprintf(stderr, "\r\033[K%s", line);
    std::fflush(stderr);
    drawn_ = true;
}

void Progress::finish() {
    if (enabled_ && drawn_) {
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        drawn_ = false;
    }
}

}  // namespace autodns::util
