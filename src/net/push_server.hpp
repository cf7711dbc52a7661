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
// httplib stays inside push_server.cpp; this header is library-free.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

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
    int threads = 16;          // worker threads (one connection each at a time)
    int timeout_seconds = 10;  // read and write timeout per socket operation
    int keep_alive_seconds = 5;
    int db_connections = 1;  // Store connections shared by the workers
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
