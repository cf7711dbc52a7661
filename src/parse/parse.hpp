// Payload -> notifications: the contract between the channels and the format parsers.
#pragma once

#include <cstddef>
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
    // ok: bytes of text after the complete document that were ignored (a signature, a
    // mailing-list footer); 0 when only whitespace followed.
    std::size_t trailing_bytes = 0;
};

// Payloads larger than this are refused as malformed without being parsed (a notification is
// a few KiB; the limit only bounds memory).
constexpr std::size_t kMaxPayloadBytes = 32 * 1024 * 1024;

// JSON and XML nested deeper than this are refused before parsing (AutoDNS documents nest
// fewer than 20 levels).
constexpr std::size_t kMaxPayloadDepth = 256;

// The parsers and the record conversion recurse once per nesting level: a configured depth
// limit above this is refused (docs/limits.md), so that no setting can overflow the stack.
constexpr std::size_t kMaxPayloadDepthCeiling = 1024;

// What one payload may cost; the defaults suit every channel (docs/limits.md).
struct ParseLimits {
    std::size_t max_bytes = kMaxPayloadBytes;  // larger payloads: malformed, unparsed
    std::size_t max_depth = kMaxPayloadDepth;  // at most kMaxPayloadDepthCeiling
};

// Sniffs the format by content (never by subject) and parses. Never throws for bad input.
// Bounded in time and memory: size, nesting depth and entity expansion are limited.
ParseResult parse_payload(const Payload& payload, const ParseLimits& limits = {});

}  // namespace autodns
