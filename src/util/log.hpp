// The one format of every message a command writes to stderr:
//
//   autodns-notify COMMAND: TEXT
//
// The daemons (serve, poll) start TEXT with the UTC time of the event. Each line goes out whole
// in one write(2), so that the lines of concurrent threads and processes (filters run by the
// MDA side by side, import workers, the push receiver's threads) never interleave.
#pragma once

#include <string>
#include <string_view>

namespace autodns::util {

// "autodns-notify COMMAND: TEXT", without the newline (for syslog and held lines); an empty
// COMMAND (no command known yet) gives "autodns-notify: TEXT".
std::string log_text(std::string_view command, std::string_view text);

// Writes log_text(command, text) and a newline to stderr.
void log_line(std::string_view command, std::string_view text);

// Writes `line` (a log_text() made earlier) and a newline to stderr, in one write(2).
void write_log_line(std::string_view line);

// The same with TEXT from a printf format.
void log_linef(const char* command, const char* format, ...) __attribute__((format(printf, 2, 3)));

}  // namespace autodns::util
