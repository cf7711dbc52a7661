// The fuzz entry points, shared by the libFuzzer targets (tests/fuzz/fuzz_*.cpp) and by the
// replay of saved crash inputs in the normal test suite
// (tests/unit/test_ingest_fuzz_regressions.cpp).
//
// Each function feeds one input through the same public entry point the program uses and
// checks the invariants every result must keep whatever the input; it returns an empty string
// when they hold, else the first one broken. Memory errors, undefined behaviour, leaks, hangs
// and uncaught exceptions are the sanitizers' and the fuzzer's to report.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/pipeline.hpp"
#include "parse/parse.hpp"
#include "parse/record_json.hpp"
#include "util/text.hpp"

namespace autodns::fuzz {

// Content-type hints the payload targets use: what the channels pass to parse_payload.
inline constexpr const char* kJsonType = "application/json";
inline constexpr const char* kXmlType = "application/xml";
inline constexpr const char* kEppType = "application/epp+xml";
inline constexpr const char* kTextType = "text/plain";

// Records are printed, stored and handed to handlers as JSON: each must serialize, read back
// with the same key, and carry a key of the documented shape.
inline std::string check_notifications(const std::vector<Notification>& notifications) {
    for (const Notification& n : notifications) {
        if (n.key.rfind("id:", 0) != 0 && n.key.rfind("sha256:", 0) != 0) {
            return "record key of unexpected shape: " + n.key;
        }
        std::string json;
        try {
            json = record_to_json(n);
        } catch (const std::exception& e) {
            return std::string("record_to_json threw: ") + e.what();
        }
        if (!util::is_valid_utf8(json)) return "record JSON is not valid UTF-8";
        try {
            const Notification back = record_from_json(json);
            if (back.key != n.key) return "record key changed through JSON: " + n.key;
            if (record_to_json(back) != json) return "record changed through JSON: " + json;
        } catch (const std::exception& e) {
            return std::string("record_from_json threw on our own record: ") + e.what();
        }
    }
    return {};
}

inline std::string check_analysis(const Analysis& a) {
    if ((a.verdict == Verdict::notifications) != !a.notifications.empty()) {
        return std::string("verdict '") + verdict_name(a.verdict) + "' with " +
               std::to_string(a.notifications.size()) + " notification(s)";
    }
    if (a.verdict != Verdict::notifications && a.reason.empty()) {
        return std::string("verdict '") + verdict_name(a.verdict) + "' without a reason";
    }
    return check_notifications(a.notifications);
}

// A raw mail as the `mail` filter and `import` see it, under a sender policy so that the
// policy checks (From domain, Authentication-Results) see hostile headers too.
inline std::string check_mail(const std::uint8_t* data, std::size_t size) {
    const std::string_view raw(reinterpret_cast<const char*>(data), size);
    MailPolicy policy;
    policy.allowed_from_domains = {"autodns.example"};
    policy.required_authserv_id = "mx.registrar.example";
    const Analysis a = analyze_mail(raw, policy, MimeLimits{});
    return check_analysis(a);
}

// One payload with a content-type hint, as a channel hands it to parse_payload.
inline std::string check_payload(const std::uint8_t* data, std::size_t size,
                                 const char* content_type) {
    Payload p;
    p.bytes.assign(reinterpret_cast<const char*>(data), size);
    p.content_type = content_type;
    p.origin = "fuzz";
    const ParseResult r = parse_payload(p);
    if ((r.status == ParseStatus::ok) != !r.notifications.empty()) {
        return "status and notifications disagree (" + std::to_string(r.notifications.size()) +
               " notification(s))";
    }
    if (r.status != ParseStatus::ok && r.error.empty()) return "failure without a reason";
    if (!util::is_valid_utf8(r.error)) return "error message is not valid UTF-8";
    return check_notifications(r.notifications);
}

// A push request: the first line is the Content-Type header value (at most 200 bytes), the
// rest the body, passed to analyze_payload exactly as the push receiver does.
inline std::string check_push(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string content_type;
    std::string_view body = input;
    const std::size_t eol = input.find('\n');
    if (eol != std::string_view::npos && eol <= 200) {
        content_type = std::string(input.substr(0, eol));
        body = input.substr(eol + 1);
    }
    const Analysis a = analyze_payload(body, content_type, "push");
    if (a.is_mail) return "a push body analysed as mail";
    return check_analysis(a);
}

}  // namespace autodns::fuzz
