// The record as JSON text (DESIGN §3), the form `parse` prints and handlers receive.
#pragma once

#include <string>

#include "core/notification.hpp"

namespace autodns {

// One line of compact JSON, no trailing newline. Absent fields are null.
std::string record_to_json(const Notification& n);

// The inverse, for records read back from the store. Throws ItemError on bad input.
Notification record_from_json(const std::string& text);

}  // namespace autodns
