// The push receiver over Boost.Beast on Boost.Asio (header-only in Debian's Boost), TLS through
// Asio's SSL stream on OpenSSL. I/O threads run only the sockets and the parsing; the store is
// used by one committer thread, which records the requests waiting for it in one transaction.
#include "net/push_server.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <deque>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>

#include <openssl/ssl.h>

#include "core/errors.hpp"
#include "ingest/ingest.hpp"
#include "ingest/pipeline.hpp"
#include "util/json.hpp"
#include "util/log.hpp"
#include "util/secret.hpp"
#include "util/text.hpp"
#include "util/thread_pool.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t header_limit_bytes = 16 * 1024;

// Media type without parameters, lower case: "application/json; charset=utf-8" -> "...json".
std::string media_type(const std::string& content_type) {
    return util::to_lower(util::trim(content_type.substr(0, content_type.find(';'))));
}

void stderr_log(const std::string& line) {
    util::log_line("serve", line);
}

// A peer address as text; an IPv4 peer on an IPv6 socket as plain IPv4.
std::string address_text(const net::ip::address& a) {
    if (a.is_v6() && a.to_v6().is_v4_mapped()) {
        return net::ip::make_address_v4(net::ip::v4_mapped, a.to_v6()).to_string();
    }
    return a.to_string();
}

// One parsed push body waiting for the store, and its outcome.
struct PushJob {
    Analysis analysis;
    Arrival arrival;
    std::string body;
    IngestReport report;
    bool unavailable = false;  // the store could not commit: 503, nothing written
    std::string error;
    // Called (moved out first) on the committer thread; posts the answer to the connection.
    std::function<void(std::shared_ptr<PushJob>)> done;
};

// Records one group of push bodies in one durable transaction. Every use of the store's
// batch calls is here. A single body commits alone (no batch: the latency of one client is
// that of one commit). When the group's commit fails because the store is unavailable, every
// member is answered 503 (AutoDNS retries each); when a member fails for another reason, the
// group is rolled back and its members are recorded one by one, so one bad body cannot cost
// the others their answer.
void commit_group(Store& store, const std::vector<PushJob*>& group) {
    auto one = [&store](PushJob& j) {
        try {
            j.report = record_input(store, j.analysis, j.arrival, j.body);
        } catch (const std::exception& e) {
            j.unavailable = true;
            j.error = e.what();
        }
    };
    if (group.size() == 1) {
        one(*group.front());
        return;
    }
    try {
        Store::Batch batch(store);  // rolled back when left without commit()
        for (PushJob* j : group) j->report = record_input(store, j->analysis, j->arrival, j->body);
        batch.commit();
        return;
    } catch (const FatalError& e) {
        for (PushJob* j : group) {
            j->unavailable = true;
            j->error = e.what();
        }
        return;
    } catch (const std::exception&) {
        for (PushJob* j : group) j->report = IngestReport{};
    }
    for (PushJob* j : group) one(*j);
}

// The one thread that uses the store: push bodies are recorded in groups (commit_group), health
// checks read the schema version between groups.
class Committer {
  public:
    Committer(const StoreOptions& options, const std::function<void(Store&)>& prepare,
              std::function<void(const std::vector<Notification>&)> after_commit)
        : store_(open_store(options)), after_commit_(std::move(after_commit)) {
        if (prepare) prepare(*store_);
    }
    ~Committer() { stop(); }

    // Started by run(), so that the thread inherits the signal mask the caller set up after
    // constructing the server (util::StopSignal).
    void start() {
        thread_ = std::thread([this] { loop(); });
    }

    void submit(std::shared_ptr<PushJob> job) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            pushes_.push_back(std::move(job));
        }
        cv_.notify_one();
    }

    // `done(version, error)`: version < 0 when the store is unreachable.
    void health(std::function<void(int, const std::string&)> done) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            checks_.push_back(std::move(done));
        }
        cv_.notify_one();
    }

    // Finishes what was submitted, then ends the thread.
    void stop() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stop_ = true;
        }
        cv_.notify_one();
        if (thread_.joinable()) thread_.join();
    }

  private:
    void loop() {
        std::unique_lock<std::mutex> lock(mutex_);
        for (;;) {
            cv_.wait(lock, [&] { return stop_ || !pushes_.empty() || !checks_.empty(); });
            if (pushes_.empty() && checks_.empty()) return;  // stop_ and nothing left
            std::deque<std::shared_ptr<PushJob>> pushes;
            std::deque<std::function<void(int, const std::string&)>> checks;
            pushes.swap(pushes_);
            checks.swap(checks_);
            lock.unlock();
            for (auto& check : checks) {
                int version = -1;
                std::string error;
                try {
                    version = store_->schema_version();
                    // After a commit that failed, reading is not enough: the database may
                    // be locked, read-only or full. Open a write transaction and roll it
                    // back; healthy again once that (or the next commit) succeeds.
                    if (!last_failure_.empty()) {
                        Store::Batch probe(*store_);
                        last_failure_.clear();
                    }
                } catch (const std::exception& e) {
                    version = -1;
                    error = e.what();
                    if (!last_failure_.empty()) error = "not writable: " + error;
                }
                check(version, error);
            }
            if (!pushes.empty()) {
                std::vector<PushJob*> group;
                group.reserve(pushes.size());
                for (auto& j : pushes) group.push_back(j.get());
                commit_group(*store_, group);
                for (PushJob* j : group) {
                    if (j->unavailable) {
                        last_failure_ = j->error;
                        break;
                    }
                    last_failure_.clear();
                }
                // Durable now, with the records' outbox rows: wake delivery (which must not
                // hold up the answers).
                std::vector<Notification> recorded;
                for (PushJob* j : group) {
                    if (j->unavailable || j->report.outcome == IngestOutcome::quarantined) continue;
                    recorded.insert(recorded.end(), j->analysis.notifications.begin(),
                                    j->analysis.notifications.end());
                }
                if (after_commit_ && !recorded.empty()) after_commit_(recorded);
                for (auto& j : pushes) {
                    auto done = std::move(j->done);
                    done(j);
                }
            }
            lock.lock();
        }
    }

    std::unique_ptr<Store> store_;
    std::string last_failure_;  // why the last commit failed; empty after one that succeeded
    std::function<void(const std::vector<Notification>&)> after_commit_;
    std::mutex mutex_;
    std::condition_variable cv_;
    std::deque<std::shared_ptr<PushJob>> pushes_;
    std::deque<std::function<void(int, const std::string&)>> checks_;
    bool stop_ = false;
    std::thread thread_;
};

using Response = http::response<http::string_body>;

}  // namespace

std::vector<util::AddressRange> default_push_allow_list() {
    std::vector<util::AddressRange> out;
    for (const char* r : {"62.116.129.216", "127.0.0.0/8", "::1"}) {
        out.push_back(*util::parse_address_range(r));
    }
    return out;
}

// What the server keeps of a connection: enough to close it on stop.
class Connection {
  public:
    virtual ~Connection() = default;
    // On the connection's strand: closes it when no request is under way.
    virtual void stop_if_idle() = 0;
    virtual net::any_io_executor executor() = 0;
};

class PushServer::Impl {
  public:
    explicit Impl(PushServerOptions o)
        : opt(std::move(o)),
          acceptor(net::make_strand(ioc)),
          committer(opt.store, opt.prepare_store, opt.after_commit) {
        if (!opt.log) opt.log = stderr_log;
        push_path = opt.path_token.empty() ? opt.path : opt.path + "/" + opt.path_token;
        logged_push_path = opt.path_token.empty() ? opt.path : opt.path + "/<token>";
        if (!opt.auth_user.empty() || !opt.auth_password.empty()) {
            expected_auth = util::base64_encode(opt.auth_user + ":" + opt.auth_password);
        }
        if (!opt.tls_cert.empty() || !opt.tls_key.empty()) setup_tls();
    }

    void setup_tls() {
        const std::string what = "cannot use TLS certificate " + opt.tls_cert + " with key " +
                                 opt.tls_key + " (unreadable, not PEM, or not a matching pair)";
        try {
            tls.emplace(ssl::context::tls_server);
            tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                             ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                             ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
            tls->use_certificate_chain_file(opt.tls_cert);
            tls->use_private_key_file(opt.tls_key, ssl::context::pem);
        } catch (const boost::system::system_error&) {
            throw FatalError(what);
        }
        if (SSL_CTX_check_private_key(tls->native_handle()) != 1) throw FatalError(what);
    }

    // The source the request came from: the peer, or, when the peer is a trusted proxy, the
    // right-most X-Forwarded-For entry that is not itself a trusted proxy.
    std::string effective_client(const http::request<http::string_body>& req,
                                 const std::string& peer, std::string* shown) const {
        std::string client = peer;
        *shown = client;
        if (opt.trusted_proxies.empty() || !util::address_allowed(opt.trusted_proxies, client)) {
            return client;
        }
        std::vector<std::string> hops;
        for (auto range = req.equal_range("X-Forwarded-For"); range.first != range.second;
             ++range.first) {
            const std::string v(range.first->value());
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
        if (client != peer) *shown = client + " via " + peer;
        return client;
    }

    bool authorized(const http::request<http::string_body>& req) const {
        const std::string header(req[http::field::authorization]);
        if (!util::starts_with_nocase(header, "Basic ")) return false;
        return util::constant_time_equal(util::trim(std::string_view(header).substr(6)),
                                         expected_auth);
    }

    // The path as logged: with a path token, whatever follows the push path (the right token
    // or a wrong guess, which may be a near miss of the right one) is never written out.
    std::string logged_path(const std::string& path) const {
        if (opt.path_token.empty()) return path;
        if (path == push_path) return logged_push_path;
        const std::string under = opt.path + "/";
        if (path.compare(0, under.size(), under) == 0) return opt.path + "/<wrong token>";
        return path;
    }

    void log_request(const std::string& client, const std::string& method, const std::string& path,
                     unsigned status, std::size_t body_bytes, Clock::time_point start,
                     const std::string& outcome) {
        char ms[32];
        std::snprintf(ms, sizeof ms, "%.1f",
                      std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        opt.log(
            util::now_utc_iso8601(util::IsoFormat::milliseconds) + " " + client + " " +
            util::repair_utf8(method.substr(0, 20), util::Utf8Repair::question_mark) + " " +
            util::repair_utf8(logged_path(path).substr(0, 200), util::Utf8Repair::question_mark) +
            " " + std::to_string(status) + " " + std::to_string(body_bytes) + " " + ms + "ms " +
            outcome);
    }

    // A connection closed for a limit (not allowed, a cap, a deadline): one line per source
    // per minute, with the number of such closes since the last line.
    void note_close(const std::string& source, const std::string& why) {
        const auto now = Clock::now();
        std::unique_lock<std::mutex> lock(mutex);
        auto& n = noted[source];
        ++n.count;
        if (n.logged && now - *n.logged < std::chrono::minutes(1)) return;
        const int count = n.count;
        n.count = 0;
        n.logged = now;
        lock.unlock();
        opt.log(util::now_utc_iso8601(util::IsoFormat::milliseconds) + " " + source +
                " closed: " + why +
                (count > 1 ? " (" + std::to_string(count) +
                                 " closes from this source since the last line)"
                           : "") +
                "; further closes from " + source + " are logged once a minute");
    }

    // Counts a new connection in; false (and noted) when a cap or the allow-list refuses it.
    bool admit(const std::string& source) {
        const bool proxy = util::address_allowed(opt.trusted_proxies, source);
        if (!proxy && !util::address_allowed(opt.allow, source)) {
            note_close(source, "source not allowed (closed at accept)");
            return false;
        }
        std::unique_lock<std::mutex> lock(mutex);
        if (stopping) return false;
        if (open_total >= opt.max_connections) {
            lock.unlock();
            note_close(source, "over the cap of " + std::to_string(opt.max_connections) +
                                   " open connections (closed at accept)");
            return false;
        }
        int& mine = per_source[source];
        if (!proxy && mine >= opt.max_connections_per_source) {
            lock.unlock();
            note_close(source, "over the cap of " + std::to_string(opt.max_connections_per_source) +
                                   " open connections per source (closed at accept)");
            return false;
        }
        ++mine;
        ++open_total;
        return true;
    }

    void enlist(std::uint64_t id, std::weak_ptr<Connection> c) {
        std::lock_guard<std::mutex> lock(mutex);
        connections.emplace(id, std::move(c));
    }

    void release(std::uint64_t id, const std::string& source) {
        std::lock_guard<std::mutex> lock(mutex);
        connections.erase(id);
        if (auto it = per_source.find(source); it != per_source.end() && --it->second <= 0) {
            per_source.erase(it);
        }
        --open_total;
    }

    void do_accept();
    void on_accept(beast::error_code ec, tcp::socket socket);

    // Declared in the order that lets connections still queued in the io_context at its
    // destruction find the server's state and the TLS context alive.
    PushServerOptions opt;
    std::string push_path;
    std::string logged_push_path;
    std::string expected_auth;
    std::atomic<bool> stop_requested{false};
    int port = 0;
    std::mutex mutex;  // guards what follows, up to ioc
    bool stopping = false;
    int open_total = 0;
    std::unordered_map<std::string, int> per_source;
    std::unordered_map<std::uint64_t, std::weak_ptr<Connection>> connections;
    std::uint64_t next_id = 0;
    struct Noted {
        std::optional<Clock::time_point> logged;
        int count = 0;
    };
    std::map<std::string, Noted> noted;
    std::optional<ssl::context> tls;
    net::io_context ioc;
    tcp::acceptor acceptor;
    std::optional<net::steady_timer> accept_retry;
    Committer committer;
};

namespace {

// One HTTP/1.1 connection, plain (Stream = beast::tcp_stream) or TLS
// (beast::ssl_stream<beast::tcp_stream>). Everything runs on the connection's strand.
template <class Stream>
class Session : public Connection, public std::enable_shared_from_this<Session<Stream>> {
  public:
    template <class... Args>
    Session(PushServer::Impl& server, std::uint64_t id, std::string peer, Args&&... args)
        : server_(server), id_(id), peer_(std::move(peer)), stream_(std::forward<Args>(args)...) {}
    ~Session() override { server_.release(id_, peer_); }

    void start() {
        lowest().expires_after(std::chrono::seconds(server_.opt.timeout_seconds));
        if constexpr (is_tls) {
            state_ = State::handshake;
            stream_.async_handshake(
                ssl::stream_base::server, [self = this->shared_from_this()](beast::error_code ec) {
                    if (ec) {
                        if (ec == beast::error::timeout) {
                            self->server_.note_close(self->peer_,
                                                     "TLS handshake not finished within the "
                                                     "request deadline");
                        }
                        return self->close();
                    }
                    self->read_request(true);
                });
        } else {
            read_request(true);
        }
    }

    net::any_io_executor executor() override { return stream_.get_executor(); }

    void stop_if_idle() override {
        if (state_ == State::idle || state_ == State::handshake ||
            (state_ == State::reading && parser_ && !parser_->got_some())) {
            close();
        }
    }

  private:
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;
    enum class State { handshake, idle, reading, storing, writing, closed };

    beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

    bool stopping() {
        std::lock_guard<std::mutex> lock(server_.mutex);
        return server_.stopping;
    }

    // The first request's deadline runs from the accept; a later one's from its first byte,
    // after at most the keep-alive time of silence.
    void read_request(bool first) {
        parser_.emplace();
        parser_->body_limit(server_.opt.max_body_bytes);
        parser_->header_limit(header_limit_bytes);
        if (first || buffer_.size() > 0) {  // the first request, or a pipelined one
            if (!first) {
                lowest().expires_after(std::chrono::seconds(server_.opt.timeout_seconds));
            }
            state_ = State::reading;
            start_ = Clock::now();
            return read_header();
        }
        if (stopping()) return close();
        state_ = State::idle;
        lowest().expires_after(std::chrono::seconds(server_.opt.keep_alive_seconds));
        stream_.async_read_some(buffer_.prepare(4096), [self = this->shared_from_this()](
                                                           beast::error_code ec, std::size_t n) {
            if (ec) return self->close();  // keep-alive over, or the client left
            self->buffer_.commit(n);
            self->state_ = State::reading;
            self->start_ = Clock::now();
            self->lowest().expires_after(std::chrono::seconds(self->server_.opt.timeout_seconds));
            self->read_header();
        });
    }

    void read_header() {
        http::async_read_header(
            stream_, buffer_, *parser_,
            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) return self->on_read_error(ec);
                self->after_header();
            });
    }

    // Expect: 100-continue is answered before the body is read (curl sends it for large
    // bodies and would otherwise wait a second).
    void after_header() {
        const auto& req = parser_->get();
        if (util::to_lower(std::string(req[http::field::expect])) == "100-continue" &&
            !parser_->is_done()) {
            auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                           req.version());
            http::async_write(
                stream_, *cont,
                [self = this->shared_from_this(), cont](beast::error_code ec, std::size_t) {
                    if (ec) return self->close();
                    self->read_body();
                });
            return;
        }
        read_body();
    }

    void read_body() {
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->on_read_error(ec);
                             self->handle_safely();
                         });
    }

    void on_read_error(beast::error_code ec) {
        if (ec == http::error::end_of_stream || ec == net::error::eof ||
            ec == net::error::operation_aborted || ec == net::error::connection_reset ||
            (parser_ && !parser_->got_some() && ec != beast::error::timeout)) {
            return close();
        }
        if (ec == beast::error::timeout) {
            server_.note_close(peer_, "request not complete within " +
                                          std::to_string(server_.opt.timeout_seconds) +
                                          " s (request deadline)");
            return close();
        }
        if (ec.category() != http::make_error_code(http::error::body_limit).category()) {
            return close();  // a network or TLS error: nothing to answer
        }
        // A request we cannot take: answer, then close (the rest of it is not read).
        const auto& req = parser_->get();
        unsigned status = 400;
        std::string outcome = "refused (malformed request: " + ec.message() + ")";
        if (ec == http::error::body_limit) {
            status = 413;
            outcome =
                "refused (body over " + std::to_string(server_.opt.max_body_bytes) + " bytes)";
        } else if (ec == http::error::header_limit) {
            status = 431;
            outcome = "refused (headers over " + std::to_string(header_limit_bytes) + " bytes)";
        }
        const std::string method =
            parser_->is_header_done() ? std::string(req.method_string()) : "-";
        const std::string path = parser_->is_header_done() ? std::string(req.target()) : "-";
        server_.log_request(peer_, method, path.substr(0, path.find('?')), status,
                            req.body().size(), start_, outcome);
        auto res = std::make_shared<Response>(static_cast<http::status>(status), 11);
        res->set(http::field::content_type, "text/plain");
        res->body() = status == 413   ? "body too large\n"
                      : status == 431 ? "headers too large\n"
                                      : "bad request\n";
        res->keep_alive(false);
        res->prepare_payload();
        write(res);
    }

    // An exception must not leave an I/O thread: the request gets 500 and the server goes on.
    void handle_safely() {
        try {
            handle();
        } catch (const std::exception& e) {
            auto res = std::make_shared<Response>(http::status::internal_server_error, 11);
            res->set(http::field::content_type, "text/plain");
            res->body() = "internal error\n";
            res->keep_alive(false);
            const auto& req = parser_->get();
            const std::string target(req.target());
            finish(res, peer_, std::string(req.method_string()), target.substr(0, target.find('?')),
                   std::string("internal error (") + e.what() + ")");
        }
    }

    void handle() {
        auto& req = parser_->get();
        std::string shown;
        const std::string client = server_.effective_client(req, peer_, &shown);
        const std::string target(req.target());
        const std::string path = target.substr(0, target.find('?'));
        const std::string method(req.method_string());
        auto res = std::make_shared<Response>(http::status::ok, req.version());
        res->keep_alive(req.keep_alive());
        auto answer = [&](unsigned status, const std::string& body, const std::string& outcome) {
            res->result(status);
            res->set(http::field::content_type, "text/plain");
            res->body() = body;
            finish(res, shown, method, path, outcome);
        };
        if (!util::address_allowed(server_.opt.allow, client)) {
            return answer(403, "forbidden\n", "refused (source " + client + " not allowed)");
        }
        if (path == server_.push_path) {
            if (!server_.expected_auth.empty() && !server_.authorized(req)) {
                res->set(http::field::www_authenticate, "Basic realm=\"autodns-notify\"");
                return answer(401, "authentication required\n", "refused (authentication)");
            }
            if (req.method() != http::verb::post) {
                res->set(http::field::allow, "POST");
                return answer(405, "method not allowed: use POST\n", "method not allowed");
            }
            return push(res, shown, method, path);
        }
        if (path == "/healthz") {
            if (req.method() != http::verb::get && req.method() != http::verb::head) {
                res->set(http::field::allow, "GET, HEAD");
                return answer(405, "method not allowed\n", "method not allowed");
            }
            return health(res, shown, method, path);
        }
        answer(404, "not found\n", "not found");
    }

    void push(std::shared_ptr<Response> res, const std::string& shown, const std::string& method,
              const std::string& path) {
        auto& req = parser_->get();
        auto job = std::make_shared<PushJob>();
        job->body = std::move(req.body());
        job->analysis =
            analyze_payload(job->body, media_type(std::string(req[http::field::content_type])),
                            "push body from " + shown, server_.opt.parse_limits);
        job->arrival.channel = Channel::push;
        job->arrival.locator = "push:" + shown;
        job->arrival.raw_sha256 = sha256_hex(job->body);
        state_ = State::storing;
        // The work guard keeps the I/O threads running (and a stop waiting) until the answer.
        job->done = [self = this->shared_from_this(), res, shown, method, path,
                     guard = net::make_work_guard(stream_.get_executor())](
                        const std::shared_ptr<PushJob>& job) {
            net::post(self->stream_.get_executor(), [self, job, res, shown, method, path] {
                self->pushed(*job, res, shown, method, path);
            });
        };
        server_.committer.submit(std::move(job));
    }

    void pushed(PushJob& job, std::shared_ptr<Response> res, const std::string& shown,
                const std::string& method, const std::string& path) {
        std::string outcome;
        res->set(http::field::content_type, "text/plain");
        if (job.unavailable) {
            res->result(http::status::service_unavailable);
            res->set(http::field::retry_after, "60");
            res->body() = "store unavailable, retry later\n";
            outcome = "unavailable (" + job.error + ")";
        } else {
            res->body() = job.report.outcome == IngestOutcome::stored      ? "stored\n"
                          : job.report.outcome == IngestOutcome::duplicate ? "duplicate\n"
                                                                           : "quarantined\n";
            outcome = job.report.summary;
        }
        body_bytes_ = job.body.size();
        finish(res, shown, method, path, outcome);
    }

    void health(std::shared_ptr<Response> res, const std::string& shown, const std::string& method,
                const std::string& path) {
        state_ = State::storing;
        const bool head = parser_->get().method() == http::verb::head;
        server_.committer.health([self = this->shared_from_this(), res, shown, method, path, head,
                                  guard = net::make_work_guard(stream_.get_executor())](
                                     int version, const std::string& error) {
            net::post(self->stream_.get_executor(), [=] {
                std::string outcome;
                res->set(http::field::content_type, "application/json");
                if (version >= 0) {
                    res->body() = "{\"status\":\"ok\",\"db\":\"reachable\",\"schema_version\":" +
                                  std::to_string(version) + "}\n";
                    outcome = "healthy";
                } else {
                    res->result(http::status::service_unavailable);
                    const bool writable = error.rfind("not writable: ", 0) != 0;
                    res->body() = std::string("{\"status\":\"unavailable\",\"db\":\"") +
                                  (writable ? "unreachable" : "not writable") + "\",\"reason\":" +
                                  util::json_string(error, util::JsonEscape::minimal) + "}\n";
                    outcome = "unhealthy (" + error + ")";
                }
                self->finish(res, shown, method, path, outcome, head);
            });
        });
    }

    void finish(std::shared_ptr<Response> res, const std::string& shown, const std::string& method,
                const std::string& path, const std::string& outcome, bool head = false) {
        const std::size_t bytes = body_bytes_ ? body_bytes_ : parser_->get().body().size();
        body_bytes_ = 0;
        server_.log_request(shown, method, path, res->result_int(), bytes, start_, outcome);
        if (stopping()) res->keep_alive(false);
        res->prepare_payload();
        if (head) res->body().clear();  // Content-Length stays that of the GET answer
        write(res);
    }

    void write(const std::shared_ptr<Response>& res) {
        state_ = State::writing;
        lowest().expires_after(std::chrono::seconds(server_.opt.timeout_seconds));
        http::async_write(
            stream_, *res,
            [self = this->shared_from_this(), res](beast::error_code ec, std::size_t) {
                if (ec || !res->keep_alive()) return self->close(!ec);
                self->read_request(false);
            });
    }

    // After an answer with "Connection: close" the rest of what the client sends is read
    // and dropped for a moment, so that closing with unread data (a reset) cannot destroy
    // the answer before the client has read it.
    void close(bool linger = false) {
        if (state_ == State::closed) return;
        state_ = State::closed;
        beast::error_code ec;
        if constexpr (!is_tls) {
            if (linger) {
                lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
                lowest().expires_after(std::chrono::seconds(2));
                return drain();
            }
        }
        lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
        lowest().close();
    }

    void drain() {
        lowest().async_read_some(
            net::buffer(drain_buffer_),
            [self = this->shared_from_this()](beast::error_code ec, std::size_t) {
                if (ec) return self->lowest().close();
                self->drain();
            });
    }

    PushServer::Impl& server_;
    std::uint64_t id_;
    std::string peer_;
    Stream stream_;
    beast::flat_buffer buffer_{header_limit_bytes + 64 * 1024};
    std::optional<http::request_parser<http::string_body>> parser_;
    State state_ = State::reading;
    Clock::time_point start_ = Clock::now();
    std::size_t body_bytes_ = 0;
    char drain_buffer_[4096];
};

}  // namespace

void PushServer::Impl::do_accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
        on_accept(ec, std::move(s));
    });
}

void PushServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
        // Out of file descriptors and the like: try again shortly rather than spin.
        note_close("-", "accept failed (" + ec.message() + ")");
        accept_retry.emplace(acceptor.get_executor(), std::chrono::milliseconds(100));
        accept_retry->async_wait([this](beast::error_code e) {
            if (!e) do_accept();
        });
        return;
    }
    beast::error_code peer_ec;
    const auto endpoint = socket.remote_endpoint(peer_ec);
    if (!peer_ec) {
        const std::string peer = address_text(endpoint.address());
        if (admit(peer)) {
            socket.set_option(tcp::no_delay(true), peer_ec);
            std::uint64_t id;
            {
                std::lock_guard<std::mutex> lock(mutex);
                id = next_id++;
            }
            if (tls) {
                auto s = std::make_shared<Session<beast::ssl_stream<beast::tcp_stream>>>(
                    *this, id, peer, std::move(socket), *tls);
                enlist(id, s);
                s->start();
            } else {
                auto s = std::make_shared<Session<beast::tcp_stream>>(*this, id, peer,
                                                                      std::move(socket));
                enlist(id, s);
                s->start();
            }
        } else {
            socket.close(peer_ec);
        }
    }
    do_accept();
}

PushServer::PushServer(PushServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

PushServer::~PushServer() = default;

int PushServer::bind() {
    Impl& i = *impl_;
    const std::string where = i.opt.host + (i.opt.port ? ":" + std::to_string(i.opt.port) : "");
    beast::error_code ec;
    const auto address = net::ip::make_address(i.opt.host, ec);
    if (ec) throw FatalError("cannot listen on " + i.opt.host + ": not an IP address");
    const tcp::endpoint endpoint(address, static_cast<unsigned short>(i.opt.port));
    i.acceptor.open(endpoint.protocol(), ec);
    // SO_REUSEADDR only (a restart may bind while old connections sit in TIME_WAIT), never
    // SO_REUSEPORT: with it a second serve on the same port would start normally and the
    // kernel would split the pushes between the two processes.
    if (!ec) i.acceptor.set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) i.acceptor.bind(endpoint, ec);
    if (!ec) i.acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        throw FatalError("cannot listen on " + where +
                         (i.opt.port ? " (address in use, not local, or a privileged port)"
                                     : ": " + ec.message()));
    }
    i.port = i.acceptor.local_endpoint().port();
    return i.port;
}

void PushServer::run() {
    Impl& i = *impl_;
    if (i.stop_requested) return;
    i.committer.start();
    net::post(i.acceptor.get_executor(), [&i] { i.do_accept(); });
    // The I/O threads: this one and threads - 1 more, each running the io_context until it
    // stops. Each task runs as long as the io_context does, so every thread takes one. An
    // exception out of run() ends the program, as it does from a thread of its own (the pool
    // would otherwise hold it until the other threads stop).
    const unsigned threads = i.opt.threads < 1 ? 1u : static_cast<unsigned>(i.opt.threads);
    util::ThreadPool io_threads(threads - 1);
    io_threads.run(threads, [&i](std::size_t, unsigned) {
        try {
            i.ioc.run();
        } catch (...) {
            std::terminate();
        }
    });
    i.committer.stop();
}

void PushServer::stop() {
    Impl& i = *impl_;
    i.stop_requested = true;
    std::vector<std::shared_ptr<Connection>> open;
    {
        std::lock_guard<std::mutex> lock(i.mutex);
        i.stopping = true;
        for (auto& [id, weak] : i.connections) {
            if (auto c = weak.lock()) open.push_back(std::move(c));
        }
    }
    net::post(i.acceptor.get_executor(), [&i] {
        beast::error_code ec;
        i.acceptor.close(ec);
        if (i.accept_retry) i.accept_retry->cancel();
    });
    for (auto& c : open) {
        net::post(c->executor(), [c] { c->stop_if_idle(); });
    }
}

}  // namespace autodns
