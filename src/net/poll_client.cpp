// The poll client over cpp-httplib (see push_server.cpp for the build notes).
#include "net/poll_client.hpp"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/errors.hpp"
#include "ingest/ingest.hpp"
#include "ingest/pipeline.hpp"
#include "net/poll_common.hpp"
#include "parse/poll_reply.hpp"
#include "util/log.hpp"
#include "util/secret.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

using poll_common::excerpt;
using poll_common::seconds_text;
using poll_common::Step;
using poll_common::StepKind;

std::string xml_escape(const std::string& s) {
    return util::markup_escape(s);
}

class Poller {
  public:
    Poller(const PollOptions& o, PollTotals& totals)
        : opt_(o), totals_(totals), store_(open_store(o.store)) {
        if (opt_.prepare_store) opt_.prepare_store(*store_);
        // "https://host:port/base/path" -> client "https://host:port", prefix "/base/path".
        const auto scheme_end = opt_.url.find("://");
        const auto path_start = scheme_end == std::string::npos
                                    ? std::string::npos
                                    : opt_.url.find('/', scheme_end + 3);
        origin_ = path_start == std::string::npos ? opt_.url : opt_.url.substr(0, path_start);
        prefix_ = path_start == std::string::npos ? std::string() : opt_.url.substr(path_start);
        while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
        client_ = std::make_unique<httplib::Client>(origin_);
        if (!client_->is_valid()) throw FatalError("cannot use poll URL " + opt_.url);
        client_->set_connection_timeout(opt_.timeout_seconds, 0);
        client_->set_read_timeout(opt_.timeout_seconds, 0);
        client_->set_write_timeout(opt_.timeout_seconds, 0);
        client_->set_follow_location(false);
        client_->set_keep_alive(false);
        client_->enable_server_certificate_verification(true);
        if (!opt_.ca_file.empty()) client_->set_ca_cert_path(opt_.ca_file);
        if (opt_.protocol == PollProtocol::json) {
            client_->set_basic_auth(opt_.user, opt_.password);
            client_->set_default_headers(
                {{"X-Domainrobot-Context", opt_.context}, {"Accept", "application/json"}});
        }
    }

    std::string fetch_description() const {
        return opt_.protocol == PollProtocol::json ? "GET " + opt_.url + "/poll"
                                                   : "task 0905 at " + opt_.url;
    }

    std::string locator(std::int64_t id) const {
        return (opt_.protocol == PollProtocol::json ? opt_.url + "/poll#" : opt_.url + "#0905:") +
               std::to_string(id);
    }

    std::string request_document(const char* task, const std::string& inner) const {
        return "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<request>\n  <auth>\n    <user>" +
               xml_escape(opt_.user) + "</user>\n    <context>" + xml_escape(opt_.context) +
               "</context>\n    <password>" + xml_escape(opt_.password) +
               "</password>\n  </auth>\n  <task>\n    <code>" + task + "</code>\n" + inner +
               "  </task>\n</request>\n";
    }

    // One HTTP exchange. Empty `error` on HTTP 200 with a body within the limit.
    struct Exchange {
        std::string body;
        std::string content_type;
        std::string error;
    };

    Exchange exchange(bool confirm, std::int64_t id) {
        auto send = [&]() -> httplib::Result {
            if (opt_.protocol == PollProtocol::json) {
                return confirm ? client_->Put(prefix_ + "/poll/" + std::to_string(id))
                               : client_->Get(prefix_ + "/poll");
            }
            const std::string doc =
                confirm
                    ? request_document("0906", "    <message>\n      <id>" + std::to_string(id) +
                                                   "</id>\n    </message>\n")
                    : request_document("0905", "");
            return client_->Post(prefix_.empty() ? "/" : prefix_.c_str(), doc,
                                 "text/xml; charset=utf-8");
        };
        httplib::Result r = send();
        Exchange e;
        if (!r) {
            e.error = "no reply (" + httplib::to_string(r.error()) + ")";
            return e;
        }
        e.body = r->body;
        e.content_type = r->get_header_value("Content-Type");
        if (r->status != 200) {
            e.error = "HTTP " + std::to_string(r->status);
            const PollReply reply = inspect_poll_reply(e.body);
            if (reply.status_code) {
                e.error += ", " + *reply.status_code + " " + reply.status_text.value_or("");
            } else if (!e.body.empty()) {
                e.error += ": " + excerpt(e.body);
            }
        } else if (e.body.size() > opt_.max_reply_bytes) {
            e.error = "reply of " + std::to_string(e.body.size()) + " bytes exceeds the limit";
        }
        return e;
    }

    // Keeps an unusable reply once (by fingerprint) and reports the failure.
    Step refuse(const std::string& body, const std::string& reason) {
        const std::string sha = sha256_hex(body);
        std::string kept = "already in quarantine";
        if (!store_->seen_raw(sha)) {
            Arrival arrival;
            arrival.channel = Channel::poll;
            arrival.locator = opt_.url + (opt_.protocol == PollProtocol::json ? "/poll" : "#0905");
            arrival.raw_sha256 = sha;
            store_->quarantine(arrival, body, reason);
            ++totals_.quarantined;
            kept = "reply quarantined";
        }
        return {StepKind::failed, reason + "; not confirmed, " + kept};
    }

    Step step() {
        Exchange got = exchange(false, 0);
        if (!got.error.empty()) return {StepKind::failed, fetch_description() + ": " + got.error};
        const PollReply reply = inspect_poll_reply(got.body);
        const Analysis analysis = analyze_payload(
            got.body, util::to_lower(got.content_type.substr(0, got.content_type.find(';'))),
            "poll reply", opt_.parse_limits);
        if (analysis.verdict == Verdict::notifications) {
            for (const Notification& n : analysis.notifications) {
                if (!n.id) return refuse(got.body, "malformed: message without an id in the reply");
            }
            const std::int64_t first = *analysis.notifications.front().id;
            Arrival arrival;
            arrival.channel = Channel::poll;
            arrival.locator = locator(first);
            arrival.raw_sha256 = sha256_hex(got.body);
            const IngestReport report = record_input(*store_, analysis, arrival, got.body);
            // The commit above is durable: only now may the messages be confirmed.
            totals_.stored += report.new_count;
            totals_.duplicates += report.duplicate_count;
            std::string confirmed;
            for (const Notification& n : analysis.notifications) {
                Exchange c = exchange(true, *n.id);
                if (c.error.empty()) {
                    const PollReply answer = inspect_poll_reply(c.body);
                    if (!answer.readable) {
                        c.error = "unreadable confirm reply: " + excerpt(c.body);
                    } else if (!answer.succeeded()) {
                        c.error = "confirm refused: " + answer.status_code.value_or("?") + " " +
                                  answer.status_text.value_or("");
                    }
                }
                if (!c.error.empty()) {
                    return {StepKind::failed, report.summary + "; confirming id " +
                                                  std::to_string(*n.id) + " failed (" + c.error +
                                                  "), it will come again as a duplicate"};
                }
                ++totals_.confirmed;
                confirmed += (confirmed.empty() ? "" : ",") + std::to_string(*n.id);
            }
            if (opt_.after_commit) opt_.after_commit(analysis.notifications);
            return {StepKind::handled, report.summary + "; confirmed " + confirmed};
        }
        if (!reply.readable) return refuse(got.body, "malformed reply: " + reply.error);
        if (analysis.verdict == Verdict::malformed) {
            return refuse(got.body, "malformed: " + analysis.reason);
        }
        if (!reply.succeeded()) {
            return {StepKind::failed, fetch_description() + ": AutoDNS answered " +
                                          reply.status_code.value_or("without a status") + " " +
                                          reply.status_text.value_or("")};
        }
        if (reply.message_count > 0) {
            return refuse(got.body, "not a notification: the reply holds " +
                                        std::to_string(reply.message_count) +
                                        " message(s) that could not be read (" + analysis.reason +
                                        ")");
        }
        return {StepKind::empty, "queue empty"};
    }

  private:
    const PollOptions& opt_;
    PollTotals& totals_;
    std::unique_ptr<Store> store_;
    std::string origin_;
    std::string prefix_;
    std::unique_ptr<httplib::Client> client_;
};

}  // namespace

std::string default_poll_url(PollProtocol protocol) {
    if (protocol == PollProtocol::epp) return std::string();  // no verified default host
    return protocol == PollProtocol::json ? "https://api.autodns.com/v1"
                                          : "https://gateway.autodns.com";
}

int run_poll_client(const PollOptions& options, util::StopSignal& stop, PollTotals* totals) {
    PollTotals local;
    PollTotals& t = totals ? *totals : local;
    auto log = options.log ? options.log : poll_common::log_line;
    Poller poller(options, t);
    double backoff = options.retry_min_seconds;
    int failures_in_a_row = 0;
    while (!stop.stop_requested()) {
        Step s;
        try {
            s = poller.step();
        } catch (const FatalError& e) {
            // The store could not commit: nothing was confirmed; try again later.
            s = {StepKind::failed,
                 std::string("store unavailable: ") + e.what() + "; nothing confirmed"};
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
                log("queue empty");
                return exit_ok;
            }
            stop.wait_for(options.interval_seconds);
            continue;
        }
        ++t.failures;
        ++failures_in_a_row;
        if (options.once && failures_in_a_row >= options.max_failures) {
            log(s.what + "; giving up after " + std::to_string(failures_in_a_row) +
                " failures in a row (the messages stay queued at AutoDNS)");
            return exit_temp_fail;
        }
        log(s.what + "; retry in " + seconds_text(backoff));
        stop.wait_for(backoff);
        backoff = std::min(backoff * 2, options.retry_max_seconds);
    }
    log("stopped");
    return exit_ok;
}

}  // namespace autodns
