// Payload -> notifications: the contract between the channels and the format parsers.
#pragma once

#include <string>
#include <vector>

#include "core/notification.hpp"
#include "core/payload.hpp"

namespace autodns {

enum class ParseStatus {
    ok,                // one or more notifications
    not_notification,  // well-formed, but not a notification (confirm reply, ordinary text)
    malformed,         // looks like a notification format but cannot be read (truncated, ...)
};

struct ParseResult {
    ParseStatus status = ParseStatus::not_notification;
    std::vector<Notification> notifications;
    std::string error;  // the reason when status != ok, naming what was missing or broken
};

// Sniffs the format by content (never by subject) and parses. Never throws for bad input.
// Bounded in time and memory: nesting depth and entity expansion are limited.
ParseResult parse_payload(const Payload& payload);

}  // namespace autodns
