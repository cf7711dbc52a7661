// The push receiver: an HTTP/1.1 server that takes AutoDNS push bodies (JSON or XML) and
// answers 200 only after the body is durably recorded (docs/push.md).
//
// Per request: source check (allow-list, X-Forwarded-For only from trusted proxies) -> 403;
// optional basic auth -> 401; wrong method on the push path -> 405 (Allow: POST); other paths
// -> 404; body over the limit -> 413; then analyze_payload + record_input in one durable
// commit -> 200 ("stored", "duplicate" or "quarantined": a body that is not a notification is
// kept raw with its reason, and a retry would not change it); store unavailable (locked past
// the busy timeout, read-only, disk full) -> 503 with Retry-After, nothing written. Never a
// redirect. GET /healthz -> 200 {"status":"ok",...} or 503.
//
// Connections: event-driven on a few I/O threads (Boost.Beast on Asio, TLS with OpenSSL), so a
// slow or idle client costs a socket and a small buffer, never a thread. A source that is
// neither in the allow-list nor a trusted proxy is closed when accepted, before any byte is
// read; so is a connection over the total or the per-source cap. Each request has one total
// deadline (headers and body); a kept-alive connection waits at most the keep-alive time for
// its next request. Such closes are logged once per source per minute.
//
// Store work runs on one committer thread: the requests parsed while a commit runs are
// recorded together in the next one (group commit), each answered with its own outcome.
//
// Beast and Asio stay inside push_server.cpp; this header is library-free.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "parse/parse.hpp"
#include "store/store.hpp"
#include "util/net_address.hpp"

namespace autodns {

struct PushServerOptions {
    std::string host = "127.0.0.1";
    int port = 8080;                     // 0: any free port (see PushServer::bind)
    std::string path = "/autodns/push";  // the push URL path
    std::string path_token;              // when set, the push path is path + "/" + token
    std::size_t max_body_bytes = 1024 * 1024;
    std::vector<util::AddressRange> allow;            // sources that may connect at all
    std::vector<util::AddressRange> trusted_proxies;  // peers whose X-Forwarded-For counts
    std::string auth_user;                            // basic auth when both are set
    std::string auth_password;
    std::string tls_cert;  // PEM files; TLS is on when both are set
    std::string tls_key;
    int threads = 2;             // I/O threads (they never wait for the store)
    int timeout_seconds = 10;    // total deadline per request: headers, body and the answer
    int keep_alive_seconds = 5;  // idle time allowed between two requests on one connection
    int max_connections = 1024;  // open connections in all; more are closed at accept
    int max_connections_per_source = 64;  // per source address (trusted proxies exempt)
    ParseLimits parse_limits;             // [parse] max-payload-size / max-nesting for push bodies
    StoreOptions store;
    // Called on every store connection when it is opened (handlers attach their outbox
    // router here, so outbox rows join the ingest commit). Optional.
    std::function<void(Store&)> prepare_store;
    // Called after a durable commit that stored or recognized notifications (handler
    // delivery). Must not throw. Optional.
    std::function<void(const std::vector<Notification>&)> after_commit;
    // One line per request (and for start/stop); default: stderr.
    std::function<void(const std::string&)> log;
};

// The default allow-list: AutoDNS's documented push source 62.116.129.216, 127.0.0.0/8, ::1.
std::vector<util::AddressRange> default_push_allow_list();

class PushServer {
  public:
    // Opens the store connections (FatalError when the database cannot be opened) and sets up
    // the server (FatalError for unreadable TLS files).
    explicit PushServer(PushServerOptions options);
    ~PushServer();
    PushServer(const PushServer&) = delete;
    PushServer& operator=(const PushServer&) = delete;

    // Binds the listening socket; returns the port (the chosen one when options.port is 0).
    // FatalError when the address cannot be bound.
    int bind();

    // Serves until stop(); returns after the requests in flight have been answered.
    void run();

    // Thread-safe; may be called before run() starts or while it runs.
    void stop();

    class Impl;

  private:
    std::unique_ptr<Impl> impl_;
};

}  // namespace autodns
