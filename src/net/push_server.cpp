// The push receiver over cpp-httplib (Debian's build: the compile definitions that match the
// shared library come from pkg-config, see CMakeLists.txt). The only httplib user besides
// poll_client.cpp.
#include "net/push_server.hpp"

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <regex>
#include <thread>

#include "core/errors.hpp"
#include "core/ingest.hpp"
#include "core/pipeline.hpp"
#include "util/secret.hpp"
#include "util/text.hpp"

namespace autodns {
namespace {

using Clock = std::chrono::steady_clock;

// A fixed set of Store connections handed to one request at a time.
class StorePool {
  public:
    StorePool(const StoreOptions& options, int size, const std::function<void(Store&)>& prepare) {
        for (int i = 0; i < (size < 1 ? 1 : size); ++i) {
            stores_.push_back(std::make_unique<Store>(options));
            if (prepare) prepare(*stores_.back());
            free_.push_back(stores_.back().get());
        }
    }

    class Lease {
      public:
        Lease(StorePool& pool, Store* store) : pool_(pool), store_(store) {}
        ~Lease() { pool_.release(store_); }
        Lease(const Lease&) = delete;
        Lease& operator=(const Lease&) = delete;
        Store& operator*() const { return *store_; }

      private:
        StorePool& pool_;
        Store* store_;
    };

    // First come, first served: a plain mutex lets late requests overtake early ones, which
    // under load turns into seconds of tail latency for the unlucky.
    Lease acquire() {
        std::unique_lock<std::mutex> lock(mutex_);
        const std::uint64_t ticket = next_ticket_++;
        cv_.wait(lock, [&] { return ticket == serving_ && !free_.empty(); });
        ++serving_;
        Store* s = free_.back();
        free_.pop_back();
        lock.unlock();
        cv_.notify_all();
        return Lease(*this, s);
    }

  private:
    void release(Store* s) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            free_.push_back(s);
        }
        cv_.notify_all();
    }

    std::vector<std::unique_ptr<Store>> stores_;
    std::vector<Store*> free_;
    std::uint64_t next_ticket_ = 0;
    std::uint64_t serving_ = 0;
    std::mutex mutex_;
    std::condition_variable cv_;
};

// Per-request facts for the log line. A request is handled start to end on one worker thread,
// so thread-local state is enough and needs no locking.
struct RequestTrace {
    bool active = false;
    Clock::time_point start;
    std::string client;  // effective source ("62.116.129.216 via 127.0.0.1")
    std::string outcome;
};
thread_local RequestTrace trace;

std::string now_with_millis() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() %
        1000;
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                  static_cast<int>(ms));
    return buf;
}

std::string regex_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) out += '\\';
        out += c;
    }
    return out;
}

// Media type without parameters, lower case: "application/json; charset=utf-8" -> "...json".
std::string media_type(const std::string& content_type) {
    return util::to_lower(util::trim(content_type.substr(0, content_type.find(';'))));
}

void stderr_log(const std::string& line) {
    static std::mutex mutex;
    std::lock_guard<std::mutex> lock(mutex);
    std::fprintf(stderr, "%s\n", line.c_str());
}

}  // namespace

std::vector<util::AddressRange> default_push_allow_list() {
    std::vector<util::AddressRange> out;
    for (const char* r : {"62.116.129.216", "127.0.0.0/8", "::1"}) {
        out.push_back(*util::parse_address_range(r));
    }
    return out;
}

class PushServer::Impl {
  public:
    explicit Impl(PushServerOptions o)
        : opt(std::move(o)), pool(opt.store, opt.db_connections, opt.prepare_store) {
        if (!opt.log) opt.log = stderr_log;
        push_path = opt.path_token.empty() ? opt.path : opt.path + "/" + opt.path_token;
        logged_push_path = opt.path_token.empty() ? opt.path : opt.path + "/<token>";
        if (!opt.auth_user.empty() || !opt.auth_password.empty()) {
            expected_auth = util::base64_encode(opt.auth_user + ":" + opt.auth_password);
        }
        if (!opt.tls_cert.empty() || !opt.tls_key.empty()) {
            auto ssl =
                std::make_unique<httplib::SSLServer>(opt.tls_cert.c_str(), opt.tls_key.c_str());
            if (!ssl->is_valid()) {
                throw FatalError("cannot use TLS certificate " + opt.tls_cert + " with key " +
                                 opt.tls_key + " (unreadable, not PEM, or not a matching pair)");
            }
            server = std::move(ssl);
        } else {
            server = std::make_unique<httplib::Server>();
        }
        configure();
    }

    void configure() {
        const int threads = opt.threads < 1 ? 1 : opt.threads;
        server->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
        server->set_read_timeout(opt.timeout_seconds, 0);
        server->set_write_timeout(opt.timeout_seconds, 0);
        server->set_keep_alive_timeout(opt.keep_alive_seconds);
        server->set_keep_alive_max_count(100);
        // The status line and the body go out in separate writes: without TCP_NODELAY, Nagle
        // and the client's delayed ACK add 40 ms to every answer.
        server->set_tcp_nodelay(true);
        server->set_payload_max_length(opt.max_body_bytes);
        server->set_pre_routing_handler(
            [this](const httplib::Request& req, httplib::Response& res) {
                return pre_route(req, res);
            });
        server->Post(
            regex_escape(push_path),
            [this](const httplib::Request& req, httplib::Response& res) { handle_push(req, res); });
        server->Get("/healthz", [this](const httplib::Request& req, httplib::Response& res) {
            handle_health(req, res);
        });
        server->set_exception_handler(
            [](const httplib::Request&, httplib::Response& res, const std::exception_ptr& ep) {
                std::string what = "unknown exception";
                try {
                    if (ep) std::rethrow_exception(ep);
                } catch (const std::exception& e) {
                    what = e.what();
                } catch (...) {
                }
                trace.outcome = "internal error (" + what + ")";
                res.status = 500;
                res.set_content("internal error\n", "text/plain");
            });
        server->set_logger([this](const httplib::Request& req, const httplib::Response& res) {
            log_request(req, res);
        });
    }

    // The source the request came from: the peer, or, when the peer is a trusted proxy, the
    // right-most X-Forwarded-For entry that is not itself a trusted proxy.
    std::string effective_client(const httplib::Request& req, std::string* shown) const {
        std::string client = req.remote_addr;
        *shown = client;
        if (opt.trusted_proxies.empty() || !util::address_allowed(opt.trusted_proxies, client)) {
            return client;
        }
        const std::size_t n = req.get_header_value_count("X-Forwarded-For");
        std::vector<std::string> hops;
        for (std::size_t i = 0; i < n; ++i) {
            const std::string v = req.get_header_value("X-Forwarded-For", i);
            std::size_t pos = 0;
            while (pos <= v.size()) {
                const std::size_t comma = std::min(v.find(',', pos), v.size());
                const std::string hop(util::trim(std::string_view(v).substr(pos, comma - pos)));
                if (!hop.empty()) hops.push_back(hop);
                pos = comma + 1;
            }
        }
        for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
            client = *it;
            if (!util::address_allowed(opt.trusted_proxies, client)) break;
        }
        if (client != req.remote_addr) *shown = client + " via " + req.remote_addr;
        return client;
    }

    httplib::Server::HandlerResponse pre_route(const httplib::Request& req,
                                               httplib::Response& res) {
        using R = httplib::Server::HandlerResponse;
        trace = RequestTrace{};
        trace.active = true;
        trace.start = Clock::now();
        const std::string client = effective_client(req, &trace.client);
        if (!util::address_allowed(opt.allow, client)) {
            trace.outcome = "refused (source " + client + " not allowed)";
            res.status = 403;
            res.set_content("forbidden\n", "text/plain");
            return R::Handled;
        }
        if (req.path == push_path) {
            if (!expected_auth.empty() && !authorized(req)) {
                trace.outcome = "refused (authentication)";
                res.status = 401;
                res.set_header("WWW-Authenticate", "Basic realm=\"autodns-notify\"");
                res.set_content("authentication required\n", "text/plain");
                return R::Handled;
            }
            if (req.method != "POST") {
                trace.outcome = "method not allowed";
                res.status = 405;
                res.set_header("Allow", "POST");
                res.set_content("method not allowed: use POST\n", "text/plain");
                return R::Handled;
            }
            return R::Unhandled;
        }
        if (req.path == "/healthz") {
            if (req.method == "GET" || req.method == "HEAD") return R::Unhandled;
            trace.outcome = "method not allowed";
            res.status = 405;
            res.set_header("Allow", "GET, HEAD");
            res.set_content("method not allowed\n", "text/plain");
            return R::Handled;
        }
        trace.outcome = "not found";
        res.status = 404;
        res.set_content("not found\n", "text/plain");
        return R::Handled;
    }

    bool authorized(const httplib::Request& req) const {
        const std::string header = req.get_header_value("Authorization");
        if (!util::starts_with_nocase(header, "Basic ")) return false;
        return util::constant_time_equal(util::trim(std::string_view(header).substr(6)),
                                         expected_auth);
    }

    void handle_push(const httplib::Request& req, httplib::Response& res) {
        const std::string source = trace.client.empty() ? req.remote_addr : trace.client;
        Analysis analysis = analyze_payload(
            req.body, media_type(req.get_header_value("Content-Type")), "push body from " + source);
        Arrival arrival;
        arrival.channel = Channel::push;
        arrival.locator = "push:" + source;
        arrival.raw_sha256 = sha256_hex(req.body);
        try {
            auto store = pool.acquire();
            const IngestReport report = record_input(*store, analysis, arrival, req.body);
            // The commit above is durable and the records' outbox rows are in it: hand them
            // to delivery (which must not hold up this answer).
            if (opt.after_commit && report.outcome != IngestOutcome::quarantined) {
                opt.after_commit(analysis.notifications);
            }
            trace.outcome = report.summary;
            res.status = 200;
            const char* word = report.outcome == IngestOutcome::stored      ? "stored\n"
                               : report.outcome == IngestOutcome::duplicate ? "duplicate\n"
                                                                            : "quarantined\n";
            res.set_content(word, "text/plain");
        } catch (const FatalError& e) {
            trace.outcome = std::string("unavailable (") + e.what() + ")";
            res.status = 503;
            res.set_header("Retry-After", "60");
            res.set_content("store unavailable, retry later\n", "text/plain");
        }
    }

    void handle_health(const httplib::Request&, httplib::Response& res) {
        try {
            auto store = pool.acquire();
            const int version = (*store).schema_version();
            res.status = 200;
            res.set_content("{\"status\":\"ok\",\"db\":\"reachable\",\"schema_version\":" +
                                std::to_string(version) + "}\n",
                            "application/json");
            trace.outcome = "healthy";
        } catch (const std::exception& e) {
            res.status = 503;
            res.set_content("{\"status\":\"unavailable\",\"db\":\"unreachable\"}\n",
                            "application/json");
            trace.outcome = std::string("unhealthy (") + e.what() + ")";
        }
    }

    void log_request(const httplib::Request& req, const httplib::Response& res) {
        std::string ms = "-";
        if (trace.active) {
            const double elapsed =
                std::chrono::duration<double, std::milli>(Clock::now() - trace.start).count();
            char buf[32];
            std::snprintf(buf, sizeof buf, "%.1f", elapsed);
            ms = buf;
        }
        std::string outcome = trace.outcome;
        if (outcome.empty()) {
            outcome = res.status == 413
                          ? "refused (body over " + std::to_string(opt.max_body_bytes) + " bytes)"
                      : res.status >= 400 ? "refused (bad request)"
                                          : "-";
        }
        const std::string client = trace.client.empty() ? req.remote_addr : trace.client;
        const std::string path = req.path == push_path ? logged_push_path : req.path;
        opt.log(now_with_millis() + " " + client + " " + req.method + " " +
                util::sanitize_utf8(path.substr(0, 200)) + " " + std::to_string(res.status) + " " +
                std::to_string(req.body.size()) + " " + ms + "ms " + outcome);
        trace = RequestTrace{};
    }

    PushServerOptions opt;
    StorePool pool;
    std::unique_ptr<httplib::Server> server;
    std::string push_path;
    std::string logged_push_path;
    std::string expected_auth;
    std::atomic<bool> stop_requested{false};
    std::atomic<bool> running{false};
    int port = 0;
};

PushServer::PushServer(PushServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

PushServer::~PushServer() = default;

int PushServer::bind() {
    Impl& i = *impl_;
    if (i.opt.port == 0) {
        i.port = i.server->bind_to_any_port(i.opt.host);
        if (i.port < 0) throw FatalError("cannot listen on " + i.opt.host + ": no free port");
    } else {
        if (!i.server->bind_to_port(i.opt.host, i.opt.port)) {
            throw FatalError("cannot listen on " + i.opt.host + ":" + std::to_string(i.opt.port) +
                             " (address in use, not local, or a privileged port)");
        }
        i.port = i.opt.port;
    }
    return i.port;
}

void PushServer::run() {
    Impl& i = *impl_;
    i.running = true;
    if (!i.stop_requested) i.server->listen_after_bind();
    i.running = false;
}

void PushServer::stop() {
    Impl& i = *impl_;
    i.stop_requested = true;
    // listen_after_bind() may not have set its running flag yet: give it a moment, since a
    // stop() before that would be lost.
    for (int n = 0; n < 500 && i.running && !i.server->is_running(); ++n) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    i.server->stop();
}

}  // namespace autodns
