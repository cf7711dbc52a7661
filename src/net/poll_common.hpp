// What the two poll clients (poll_client.cpp: JSON and XML over HTTPS; epp_client.cpp: EPP
// over TLS) share: their log line, the excerpt of a reply for it, and the outcome of one step.
#pragma once

#include <string>

namespace autodns::poll_common {

// "autodns-notify poll: TIME LINE" on stderr (util/log).
void log_line(const std::string& line);

// A short, printable excerpt of a reply for the log: the first 160 bytes, valid UTF-8, control
// characters as spaces, "…" when cut.
std::string excerpt(const std::string& body);

// "2.5 s", "30 s".
std::string seconds_text(double seconds);

enum class StepKind { handled, empty, failed };

// The outcome of one exchange with the server.
struct Step {
    StepKind kind = StepKind::failed;
    std::string what;  // for the log
};

}  // namespace autodns::poll_common
