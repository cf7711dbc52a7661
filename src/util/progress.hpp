// A one-line progress display for long work on a terminal: count, rate, ETA. Draws nothing
// when disabled (stderr is not a terminal), so callers need no conditionals.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace autodns::util {

class Progress {
  public:
    // `total` 0 means unknown (no percentage, no ETA).
    Progress(std::string label, std::string unit, std::uint64_t total, bool enabled);
    ~Progress();

    void update(std::uint64_t done);  // cheap; redraws at most every 200 ms
    void finish();                    // clears the line

    // Whether stderr is a terminal (the default for `enabled`).
    static bool stderr_is_terminal();

  private:
    void draw(std::uint64_t done);

    std::string label_;
    std::string unit_;
    std::uint64_t total_;
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_;
};

}  // namespace autodns::util
