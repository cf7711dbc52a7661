// The two exception types of the project, and per-item outcomes as values.
//
// ItemError: one input (a mail, a body, a message) cannot be handled; the program goes on
// with the next. FatalError: the run cannot go on. A FatalError with `temporary` set means the
// condition may pass (database locked, disk full, read-only file): the filter exits 75
// (EX_TEMPFAIL), the push receiver answers 503. Third-party exceptions are translated into
// these in the one file that uses that library.
#pragma once

#include <stdexcept>
#include <string>

namespace autodns {

class ItemError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class FatalError : public std::runtime_error {
  public:
    explicit FatalError(const std::string& what, bool temporary = false)
        : std::runtime_error(what), temporary_(temporary) {}
    bool temporary() const { return temporary_; }

  private:
    bool temporary_;
};

// Exit statuses from <sysexits.h>, named here so that every command uses the same ones.
enum ExitStatus : int {
    exit_ok = 0,
    exit_usage = 64,        // EX_USAGE
    exit_data = 65,         // EX_DATAERR: not a notification (only when asked for)
    exit_no_input = 66,     // EX_NOINPUT
    exit_software = 70,     // EX_SOFTWARE: a bug; never for bad input
    exit_cant_create = 73,  // EX_CANTCREAT
    exit_temp_fail = 75,    // EX_TEMPFAIL: retry later
    exit_config = 78,       // EX_CONFIG
};

}  // namespace autodns
