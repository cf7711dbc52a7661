// The normalized notification record (DESIGN §3) and what it is made from.
//
// A Notification is a plain value: parsers produce it, the store keeps it, handlers receive
// it. It holds no third-party types; `data_json` carries the payload's object data already
// serialized as JSON text so that this header stays library-free.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace autodns {

// The wire format a notification was found in.
enum class Format { json, xml, epp, standard };
const char* format_name(Format f);

// The channel a payload arrived by.
enum class Channel { mail, push, poll, file };
const char* channel_name(Channel c);
std::optional<Channel> channel_from_name(const std::string& name);

struct Status {
    std::optional<std::string> type;  // lower case: "success", "error", "notify", "running", ...
    std::optional<std::string> code;  // "S0102", "E0102", ...
    std::optional<std::string> text;
};

struct ObjectRef {
    std::optional<std::string> type;   // lower case: "domain", "handle", "zone", "contact", ...
    std::optional<std::string> value;  // "example.aq"
};

struct Owner {
    std::optional<std::string> user;
    std::optional<std::int64_t> context;
};

struct Notification {
    std::string key;                  // "id:<id>" or "sha256:<hex>", see make_key()
    std::optional<std::int64_t> id;   // AutoDNS message id
    std::string kind;                 // "job" | "notify"
    std::optional<std::string> type;  // notify type, or job name from the task-code table
    std::optional<std::string> task;  // task code of a job ("0101"), else empty
    Status status;
    ObjectRef object;
    Owner owner;
    std::optional<std::string> stid;     // the notification's own server transaction id
    std::optional<std::string> ctid;     // client transaction id of the job
    std::optional<std::int64_t> job_id;  // AutoDNS job id (an integer in every format)
    std::optional<std::string> created;  // ISO 8601 UTC, "2021-05-12T12:43:12Z"
    std::optional<std::string> notice;   // nic_response / notice, trimmed
    Format format = Format::json;
    std::string data_json = "null";       // the object's data as JSON text
    std::optional<std::string> job_type;  // the job's own type name when the source names it
                                          // ("domain_create"); extra field
};

// Fills n.key: "id:<id>" when n.id is set, else "sha256:" + hex SHA-256 of
// kind, type, object type, object value and created, joined by '\n'. Identical for the same
// notification whatever the channel or format.
void assign_key(Notification& n);

// Hex SHA-256 of `bytes` (used for keys and for raw-mail fingerprints).
std::string sha256_hex(const std::string& bytes);

}  // namespace autodns
