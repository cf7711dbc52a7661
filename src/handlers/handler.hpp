// Handlers: what receives each new notification after it is stored (DESIGN §2 "Handlers").
//
// A HandlerSpec is one `[handler.NAME]` section of the configuration (handlers/config.hpp
// reads it). A Handler delivers one record once; the dispatcher (handlers/dispatch.hpp) brings
// it outbox rows, retries and dead-letters. Delivery is at least once: a handler may see the
// same key again (after a crash, or when its acknowledgement was lost) and must treat the key
// as an idempotency key.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/notification.hpp"
#include "util/expected.hpp"

namespace autodns {

enum class HandlerKind { exec, jsonl, http };
const char* handler_kind_name(HandlerKind kind);

// Which records a handler wants. Each list holds shell-style globs (util/glob.hpp); a record
// is wanted when every non-empty list has a pattern matching it. Empty lists match everything.
struct RecordSelector {
    std::vector<std::string> kinds;     // against kind: "job", "notify"
    std::vector<std::string> types;     // against type: "transfer_*", "DomainCreate"
    std::vector<std::string> statuses;  // against status type ("error") or code ("E0102")
};

struct HandlerSpec {
    std::string name;  // the NAME of [handler.NAME]: letters, digits, '-', '_'
    HandlerKind kind = HandlerKind::exec;
    RecordSelector selector;
    int max_attempts = 10;     // attempts before the row is dead-lettered
    int backoff_seconds = 30;  // delay after the first failure; doubles per attempt
    int backoff_max_seconds = 3600;
    int timeout_seconds = 30;       // exec: whole run; http: connect, send and receive each
    std::vector<std::string> argv;  // exec: the command as words (never through a shell)
    std::string path;               // jsonl: the file to append to
    std::string url;                // http: http://host[:port]/path
    std::vector<std::pair<std::string, std::string>> headers;  // http: extra request headers
};

// The longest one delivery by this handler can take, in seconds: what a claim's lease must
// exceed so that no other dispatcher takes the row while it is being delivered.
int worst_case_seconds(const HandlerSpec& spec);

// One delivery: the stored record and what the handler is told about it.
struct Delivery {
    const std::string& key;          // the idempotency key
    const std::string& record_json;  // exactly as stored (one line, no newline)
    const Notification& record;      // the same, parsed
    int attempt = 1;                 // 1 for the first attempt
};

// The outcome of one attempt: delivered, or not with a one-line reason (kept as last_error).
using DeliveryResult = util::Expected<void>;

class Handler {
  public:
    virtual ~Handler() = default;
    // Delivers one record, giving up at `deadline` (the handler's own timeout, or earlier when
    // the caller has less time). Never throws for a failed delivery: that is a result.
    virtual DeliveryResult deliver(const Delivery& delivery,
                                   std::chrono::steady_clock::time_point deadline) = 0;
};

// The handler a spec describes (exec.cpp, jsonl.cpp, http.cpp).
std::unique_ptr<Handler> make_handler(const HandlerSpec& spec);
std::unique_ptr<Handler> make_exec_handler(const HandlerSpec& spec);
std::unique_ptr<Handler> make_jsonl_handler(const HandlerSpec& spec);
std::unique_ptr<Handler> make_http_handler(const HandlerSpec& spec);

}  // namespace autodns
