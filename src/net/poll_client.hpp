// The poll client: fetch one message from the AutoDNS queue, store it durably, and only then
// confirm it; repeat (docs/poll.md).
//
// JSON REST: GET {url}/poll (basic auth, X-Domainrobot-Context), PUT {url}/poll/{id}.
// XML gateway: POST {url} with task 0905 (fetch) and 0906 (confirm), credentials in <auth>.
// A message is confirmed only after record_input() committed it; a crash in between makes
// AutoDNS hand out the same message again, which is then a duplicate and confirmed. A reply
// that cannot be read, or holds a message that cannot be parsed or has no id, is never
// confirmed: its raw bytes go to quarantine once (by fingerprint) and the client backs off.
// Network errors, timeouts and HTTP errors back off exponentially up to a cap.
//
// httplib stays inside poll_client.cpp; this header is library-free.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "parse/parse.hpp"
#include "store/store.hpp"
#include "util/stop_signal.hpp"

namespace autodns {

enum class PollProtocol { json, xml, epp };

struct PollOptions {
    std::string url;  // JSON: API base ("https://api.autodns.com/v1"); XML: gateway URL;
                      // EPP: "HOST:PORT" or "epp://HOST:PORT"
    PollProtocol protocol = PollProtocol::json;
    std::string user;
    std::string password;
    std::string context = "4";
    int timeout_seconds = 30;        // connect, read and write timeouts per request
    double interval_seconds = 60;    // pause when the queue is empty (daemon mode)
    double retry_min_seconds = 5;    // first back-off after a failure, doubled each time
    double retry_max_seconds = 600;  // back-off cap
    bool once = false;               // stop when the queue is empty
    int max_failures = 5;            // once: give up after this many failures in a row
    std::string ca_file;             // PEM CA bundle for HTTPS / EPP TLS (default: the system's)
    std::string cert_file;           // EPP: PEM client certificate (chain), optional
    std::string key_file;            // EPP: PEM private key of cert_file (default: cert_file)
    double keepalive_seconds = 240;  // EPP: <hello/> after this long without a command
    std::size_t max_reply_bytes = 32 * 1024 * 1024;
    ParseLimits parse_limits;  // [parse] max-payload-size / max-nesting, as for mail and push
    StoreOptions store;
    // Called on every store connection when it is opened (handlers attach their outbox
    // router here, so outbox rows join the ingest commit). Optional.
    std::function<void(Store&)> prepare_store;
    // Called after a durable commit that stored or recognized notifications (handler
    // delivery). Must not throw. Optional.
    std::function<void(const std::vector<Notification>&)> after_commit;
    std::function<void(const std::string&)> log;  // default: stderr
};

// Default base URL of each protocol.
std::string default_poll_url(PollProtocol protocol);

struct PollTotals {
    int stored = 0;
    int duplicates = 0;
    int confirmed = 0;
    int quarantined = 0;
    int failures = 0;
};

// Polls until the queue is empty (once) or `stop` is requested. Returns 0, or 75 when `once`
// gave up after max_failures failures in a row (the messages stay in AutoDNS's queue).
// Throws FatalError for a database that cannot be opened at all.
int run_poll_client(const PollOptions& options, util::StopSignal& stop, PollTotals* totals);

}  // namespace autodns
