// The AutoDNS task-code table (seed 000): task code -> job name.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace autodns {

struct TaskMatch {
    std::string code;  // the table's code that matched ("0101", "0102002")
    std::string name;  // its job name ("DomainCreate", "DomainStatusUpdate")
};

// Looks up the job behind a status code ("S0101", "E0102002", "N0104") or a bare task code
// ("0101"): the leading status letters are dropped and the longest table code that is a
// prefix of the remaining digits wins. nullopt when the code has no digits or none matches.
std::optional<TaskMatch> match_task_code(std::string_view status_code);

// The digits of a status code ("S0105" -> "0105"); empty when it is not letters + digits.
std::string task_digits(std::string_view status_code);

}  // namespace autodns
