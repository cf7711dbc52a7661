// The EPP poll client over Boost.Asio's SSL stream (OpenSSL). Only the RFC 5734 frame (a
// 4-byte big-endian length that counts itself, then the XML) is written here.
#include "net/epp_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include <unistd.h>

#include "core/errors.hpp"
#include "ingest/ingest.hpp"
#include "ingest/pipeline.hpp"
#include "net/poll_common.hpp"
#include "parse/epp_parser.hpp"
#include "util/log.hpp"
#include "util/numbers.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace autodns {

void split_epp_url(const std::string& url, std::string& host, std::string& port) {
    std::string rest = url;
    if (rest.compare(0, 6, "epp://") == 0) {
        rest = rest.substr(6);
    } else if (rest.find("://") != std::string::npos) {
        throw std::invalid_argument("--url '" + url +
                                    "' for EPP must be HOST:PORT or epp://HOST:PORT");
    }
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    if (rest.find('@') != std::string::npos) {
        throw std::invalid_argument(
            "--url must not carry credentials; use [poll] user/password or "
            "AUTODNS_USER/AUTODNS_PASSWORD");
    }
    if (rest.find('/') != std::string::npos) {
        throw std::invalid_argument("--url '" + url + "' for EPP has no path: HOST:PORT");
    }
    port = "700";  // RFC 5734 §2
    if (!rest.empty() && rest[0] == '[') {
        const std::size_t close = rest.find(']');
        if (close == std::string::npos) throw std::invalid_argument("--url '" + url + "': no ]");
        host = rest.substr(1, close - 1);
        if (close + 1 < rest.size()) {
            if (rest[close + 1] != ':') throw std::invalid_argument("--url '" + url + "'");
            port = rest.substr(close + 2);
        }
    } else {
        const std::size_t colon = rest.rfind(':');
        host = rest.substr(0, colon);
        if (colon != std::string::npos) port = rest.substr(colon + 1);
    }
    if (host.empty()) throw std::invalid_argument("--url '" + url + "' names no host");
    if (!util::all_digits(port) || port.size() > 5 ||
        !util::parse_bounded(port, 1, 65535, "a port number")) {
        throw std::invalid_argument("--url '" + url + "': port must be 1-65535");
    }
}

namespace {

using poll_common::excerpt;
using poll_common::seconds_text;
using poll_common::Step;
using poll_common::StepKind;

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = boost::asio::ip::tcp;

// The fingerprint of a reply for the quarantine: without its <trID>, which echoes each
// command's own clTRID, so that the same message polled again is recognized.
std::string reply_fingerprint(const std::string& raw) {
    const std::size_t first = raw.find("trID>");
    const std::size_t last = raw.rfind("trID>");
    if (first == std::string::npos || last <= first) return sha256_hex(raw);
    const std::size_t open = raw.rfind('<', first);
    if (open == std::string::npos) return sha256_hex(raw);
    return sha256_hex(raw.substr(0, open) + raw.substr(last + 5));
}

std::string escape(const std::string& s) {
    return util::markup_escape(s);
}

constexpr const char* kEppOpen =
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n"
    "<epp xmlns=\"urn:ietf:params:xml:ns:epp-1.0\">\n";

// A failure of the transport or of the peer: the session is unusable.
struct SessionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The server refused the credentials: retrying does not help.
struct CredentialsRefused : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The CA file, client certificate or key cannot be used: a configuration error.
struct TlsSetupError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The TLS client context: TLS 1.2 or later, the peer verified against `ca_file` (or the
// system's CAs), the optional client certificate and key loaded.
std::unique_ptr<ssl::context> make_tls_context(const PollOptions& opt) {
    auto ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    ctx->set_verify_mode(ssl::verify_peer);
    boost::system::error_code ec;
    if (opt.ca_file.empty()) {
        ctx->set_default_verify_paths(ec);
    } else {
        ctx->load_verify_file(opt.ca_file, ec);
    }
    if (ec) {
        throw TlsSetupError("cannot read CA certificates " +
                            (opt.ca_file.empty() ? std::string("(system)") : opt.ca_file) + ": " +
                            ec.message());
    }
    if (!opt.cert_file.empty()) {
        ctx->use_certificate_chain_file(opt.cert_file, ec);
        if (ec) {
            throw TlsSetupError("cannot read client certificate " + opt.cert_file + ": " +
                                ec.message());
        }
        const std::string key = opt.key_file.empty() ? opt.cert_file : opt.key_file;
        ctx->use_private_key_file(key, ssl::context::pem, ec);
        if (ec) throw TlsSetupError("cannot read client key " + key + ": " + ec.message());
    } else if (!opt.key_file.empty()) {
        throw TlsSetupError("--key-file without --cert-file");
    }
    return ctx;
}

// One TLS connection with blocking, time-bounded operations (each runs the io_context for at
// most the timeout; on expiry the socket is closed and the operation fails).
class Connection {
  public:
    Connection(const PollOptions& o, ssl::context& ctx, const std::string& host,
               const std::string& port)
        : opt_(o), host_(host), port_(port) {
        stream_ = std::make_unique<ssl::stream<tcp::socket>>(io_, ctx);
    }

    void open() {
        tcp::resolver resolver(io_);
        boost::system::error_code ec;
        const auto endpoints = resolver.resolve(host_, port_, ec);
        if (ec) throw SessionError("cannot resolve " + host_ + ": " + ec.message());
        run(
            [&](auto done) {
                asio::async_connect(stream_->lowest_layer(), endpoints,
                                    [done](const boost::system::error_code& e,
                                           const tcp::endpoint&) { done(e, 0); });
            },
            "connect to " + host_ + ":" + port_);
        boost::system::error_code not_an_address;
        asio::ip::make_address(host_, not_an_address);
        if (not_an_address) {  // SNI carries host names only (RFC 6066 §3)
            SSL_set_tlsext_host_name(stream_->native_handle(), host_.c_str());
        }
        stream_->set_verify_callback(ssl::host_name_verification(host_));
        run(
            [&](auto done) {
                stream_->async_handshake(
                    ssl::stream_base::client,
                    [done](const boost::system::error_code& e) { done(e, 0); });
            },
            "TLS handshake with " + host_ + ":" + port_);
    }

    // RFC 5734 §4: the length counts the 4 header bytes.
    void send(const std::string& xml) {
        const std::uint32_t total = static_cast<std::uint32_t>(xml.size() + 4);
        std::string frame(4, '\0');
        frame[0] = static_cast<char>(total >> 24);
        frame[1] = static_cast<char>(total >> 16);
        frame[2] = static_cast<char>(total >> 8);
        frame[3] = static_cast<char>(total);
        frame += xml;
        run([&](auto done) { asio::async_write(*stream_, asio::buffer(frame), done); },
            "sending a command");
    }

    std::string receive() {
        unsigned char header[4];
        run([&](auto done) { asio::async_read(*stream_, asio::buffer(header, 4), done); },
            "reading a frame header");
        const std::uint64_t total = (std::uint64_t{header[0]} << 24) |
                                    (std::uint64_t{header[1]} << 16) |
                                    (std::uint64_t{header[2]} << 8) | header[3];
        if (total <= 4 || total - 4 > opt_.max_reply_bytes) {
            throw SessionError("frame header announces " + std::to_string(total) +
                               " bytes (must be 5 to " + std::to_string(opt_.max_reply_bytes + 4) +
                               ")");
        }
        std::string body(static_cast<std::size_t>(total - 4), '\0');
        run(
            [&](auto done) {
                asio::async_read(*stream_, asio::buffer(&body[0], body.size()), done);
            },
            "reading a frame of " + std::to_string(total) + " bytes");
        return body;
    }

    void close() {
        boost::system::error_code ignored;
        stream_->lowest_layer().close(ignored);
    }

  private:
    template <typename Start>
    void run(Start start, const std::string& what) {
        boost::system::error_code result = asio::error::would_block;
        bool finished = false;
        start([&](const boost::system::error_code& ec, std::size_t) {
            result = ec;
            finished = true;
        });
        io_.restart();
        io_.run_for(std::chrono::seconds(opt_.timeout_seconds));
        if (!finished) {
            close();
            io_.restart();
            io_.run();  // let the cancelled operation finish
            throw SessionError(what + ": no answer within " + std::to_string(opt_.timeout_seconds) +
                               " s");
        }
        if (result) {
            if (result == asio::error::eof || result == ssl::error::stream_truncated) {
                throw SessionError(what + ": the server closed the connection");
            }
            throw SessionError(what + ": " + result.message());
        }
    }

    const PollOptions& opt_;
    std::string host_;
    std::string port_;
    asio::io_context io_;
    std::unique_ptr<ssl::stream<tcp::socket>> stream_;
};

class EppPoller {
  public:
    EppPoller(const PollOptions& o, PollTotals& totals)
        : opt_(o), totals_(totals), tls_(make_tls_context(o)), store_(open_store(o.store)) {
        if (opt_.prepare_store) opt_.prepare_store(*store_);
        split_epp_url(opt_.url, host_, port_);
        display_ = "epp://" + (host_.find(':') != std::string::npos ? "[" + host_ + "]" : host_) +
                   ":" + port_;
    }

    bool in_session() const { return conn_ != nullptr; }

    // Connects, reads the greeting and logs in. Throws SessionError, CredentialsRefused.
    void start_session() {
        conn_ = std::make_unique<Connection>(opt_, *tls_, host_, port_);
        try {
            conn_->open();
            const std::string raw = conn_->receive();
            const util::Expected<EppFrame> greeting = inspect_epp_frame(raw);
            if (!greeting || !greeting->greeting) {
                throw SessionError("no EPP greeting from " + display_ + " (" +
                                   (greeting ? "a response" : greeting.error()) + ")");
            }
            std::string svcs;
            for (const std::string& u : greeting->obj_uris) {
                svcs += "      <objURI>" + escape(u) + "</objURI>\n";
            }
            if (!greeting->ext_uris.empty()) {
                svcs += "      <svcExtension>\n";
                for (const std::string& u : greeting->ext_uris) {
                    svcs += "        <extURI>" + escape(u) + "</extURI>\n";
                }
                svcs += "      </svcExtension>\n";
            }
            const EppFrame r =
                command("  <command>\n    <login>\n      <clID>" + escape(opt_.user) +
                        "</clID>\n      <pw>" + escape(opt_.password) +
                        "</pw>\n      <options>\n        <version>1.0</version>\n        "
                        "<lang>en</lang>\n      </options>\n      <svcs>\n" +
                        svcs + "      </svcs>\n    </login>\n");
            if (r.result_code == 2200 || r.result_code == 2501) {
                throw CredentialsRefused("EPP login as " + opt_.user + " at " + display_ +
                                         " refused: " + std::to_string(r.result_code) + " " +
                                         r.result_text);
            }
            if (r.result_code != 1000) {
                throw SessionError("EPP login at " + display_ + " failed: " +
                                   std::to_string(r.result_code) + " " + r.result_text);
            }
            last_command_ = std::chrono::steady_clock::now();
        } catch (...) {
            end_session(false);
            throw;
        }
    }

    // Logs out when the session is still good, then closes the connection.
    void end_session(bool logout) {
        if (!conn_) return;
        if (logout) {
            try {
                command("  <command>\n    <logout/>\n");
            } catch (const std::exception&) {
                // closing anyway
            }
        }
        conn_->close();
        conn_.reset();
    }

    // <hello/> keeps the session; the server answers with a greeting.
    void hello() {
        conn_->send(std::string(kEppOpen) + "  <hello/>\n</epp>\n");
        const util::Expected<EppFrame> g = inspect_epp_frame(conn_->receive());
        if (!g || !g->greeting) throw SessionError("no greeting after <hello/>");
        last_command_ = std::chrono::steady_clock::now();
    }

    std::chrono::steady_clock::time_point last_command() const { return last_command_; }

    // One poll req (and ack when a message was stored). Throws SessionError.
    Step step() {
        const std::string raw = command_raw("  <command>\n    <poll op=\"req\"/>\n");
        const util::Expected<EppFrame> inspected = inspect_epp_frame(raw);
        if (!inspected) {
            end_session(false);  // the stream may be out of step
            return refuse(raw, "malformed reply: " + inspected.error());
        }
        const EppFrame& reply = *inspected;
        if (reply.result_code == 1300) return {StepKind::empty, "queue empty"};
        if (reply.result_code != 1301) {
            end_session(reply.result_code < 2500);  // 25xx: the server closes the session
            return {StepKind::failed, "poll at " + display_ + ": EPP answered " +
                                          std::to_string(reply.result_code) + " " +
                                          reply.result_text + "; a new session follows"};
        }
        const Analysis analysis =
            analyze_payload(raw, "application/epp+xml", "EPP poll reply", opt_.parse_limits);
        if (analysis.verdict != Verdict::notifications) {
            return refuse(raw, (analysis.verdict == Verdict::malformed ? "malformed: "
                                                                       : "not a notification: ") +
                                   analysis.reason);
        }
        const Notification& n = analysis.notifications.front();
        if (!n.id || !reply.msgq_id || *n.id != *reply.msgq_id) {
            return refuse(raw, "malformed: EPP message without a usable msgQ id");
        }
        Arrival arrival;
        arrival.channel = Channel::poll;
        arrival.locator = display_ + "#" + std::to_string(*n.id);
        arrival.raw_sha256 = sha256_hex(raw);
        const IngestReport report = record_input(*store_, analysis, arrival, raw);
        // The commit above is durable: only now may the message be acked.
        totals_.stored += report.new_count;
        totals_.duplicates += report.duplicate_count;
        const std::string id = std::to_string(*n.id);
        const EppFrame ack = command("  <command>\n    <poll op=\"ack\" msgID=\"" + id + "\"/>\n");
        // RFC 5730 answers an ack with 1000; any 1xxx is a success.
        if (ack.result_code >= 2000) {
            end_session(ack.result_code < 2500);
            return {StepKind::failed, report.summary + "; ack of " + id + " refused (" +
                                          std::to_string(ack.result_code) + " " + ack.result_text +
                                          "), it will come again as a duplicate"};
        }
        ++totals_.confirmed;
        if (opt_.after_commit) opt_.after_commit(analysis.notifications);
        return {StepKind::handled, report.summary + "; acked " + id};
    }

  private:
    std::string command_raw(const std::string& inner) {
        const std::string cltrid =
            "autodns-notify-" + std::to_string(::getpid()) + "-" + std::to_string(++sequence_);
        conn_->send(std::string(kEppOpen) + inner + "    <clTRID>" + cltrid +
                    "</clTRID>\n  </command>\n</epp>\n");
        last_command_ = std::chrono::steady_clock::now();
        return conn_->receive();
    }

    EppFrame command(const std::string& inner) {
        const std::string raw = command_raw(inner);
        util::Expected<EppFrame> f = inspect_epp_frame(raw);
        if (!f || f->greeting) {
            throw SessionError("unreadable EPP answer (" +
                               (f ? std::string("a greeting") : f.error()) + "): " + excerpt(raw));
        }
        return std::move(*f);
    }

    Step refuse(const std::string& raw, const std::string& reason) {
        const std::string sha = reply_fingerprint(raw);
        std::string kept = "already in quarantine";
        if (!store_->seen_raw(sha)) {
            Arrival arrival;
            arrival.channel = Channel::poll;
            arrival.locator = display_;
            arrival.raw_sha256 = sha;
            store_->quarantine(arrival, raw, reason);
            ++totals_.quarantined;
            kept = "reply quarantined";
        }
        return {StepKind::failed, reason + "; not acked, " + kept};
    }

    const PollOptions& opt_;
    PollTotals& totals_;
    std::unique_ptr<ssl::context> tls_;
    std::unique_ptr<Store> store_;
    std::string host_;
    std::string port_;
    std::string display_;
    std::unique_ptr<Connection> conn_;
    std::uint64_t sequence_ = 0;
    std::chrono::steady_clock::time_point last_command_{};
};

}  // namespace

int run_epp_poll_client(const PollOptions& options, util::StopSignal& stop, PollTotals* totals) {
    PollTotals local;
    PollTotals& t = totals ? *totals : local;
    auto log = options.log ? options.log : poll_common::log_line;
    std::unique_ptr<EppPoller> made;
    try {
        made = std::make_unique<EppPoller>(options, t);
    } catch (const TlsSetupError& e) {
        log(e.what());
        return exit_config;
    }
    EppPoller& poller = *made;
    double backoff = options.retry_min_seconds;
    int failures_in_a_row = 0;
    while (!stop.stop_requested()) {
        Step s;
        try {
            if (!poller.in_session()) poller.start_session();
            s = poller.step();
        } catch (const CredentialsRefused& e) {
            log(std::string(e.what()) +
                "; check AUTODNS_USER/AUTODNS_PASSWORD or the [poll] section");
            return exit_config;
        } catch (const SessionError& e) {
            poller.end_session(false);
            s = {StepKind::failed, e.what()};
        } catch (const FatalError& e) {
            // The store could not commit: nothing was acked; try again later.
            poller.end_session(true);
            s = {StepKind::failed,
                 std::string("store unavailable: ") + e.what() + "; nothing acked"};
        }
        if (s.kind == StepKind::handled) {
            log(s.what);
            backoff = options.retry_min_seconds;
            failures_in_a_row = 0;
            continue;
        }
        if (s.kind == StepKind::empty) {
            backoff = options.retry_min_seconds;
            failures_in_a_row = 0;
            if (options.once) {
                poller.end_session(true);
                log("queue empty");
                return exit_ok;
            }
            // Wait for the next poll, keeping the session with <hello/>.
            const auto until = std::chrono::steady_clock::now() +
                               std::chrono::duration<double>(options.interval_seconds);
            while (!stop.stop_requested() && poller.in_session()) {
                const auto now = std::chrono::steady_clock::now();
                if (now >= until) break;
                const auto hello_at = poller.last_command() +
                                      std::chrono::duration<double>(options.keepalive_seconds);
                const auto wake = std::min(until, hello_at);
                stop.wait_for(std::chrono::duration<double>(wake - now).count());
                if (stop.stop_requested()) break;
                if (std::chrono::steady_clock::now() >= hello_at &&
                    std::chrono::steady_clock::now() < until) {
                    try {
                        poller.hello();
                    } catch (const SessionError& e) {
                        poller.end_session(false);
                        log(std::string("keep-alive failed: ") + e.what() + "; reconnecting");
                    }
                }
            }
            continue;
        }
        ++t.failures;
        ++failures_in_a_row;
        if (options.once && failures_in_a_row >= options.max_failures) {
            poller.end_session(true);
            log(s.what + "; giving up after " + std::to_string(failures_in_a_row) +
                " failures in a row (the messages stay queued at AutoDNS)");
            return exit_temp_fail;
        }
        log(s.what + "; retry in " + seconds_text(backoff));
        stop.wait_for(backoff);
        backoff = std::min(backoff * 2, options.retry_max_seconds);
    }
    poller.end_session(true);
    log("stopped");
    return exit_ok;
}

}  // namespace autodns
