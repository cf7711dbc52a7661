#include "core/pipeline.hpp"

#include <algorithm>
#include <cctype>

#include "core/parse.hpp"

namespace autodns {
namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string lower(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

// Lower rank is tried first: structured parts (by type or file name), then plain text, then
// HTML converted to text, then anything else.
int candidate_rank(const Payload& p) {
    const std::string name = lower(p.filename);
    const std::string& type = p.content_type;
    const bool structured_type = type == "application/json" || type == "application/xml" ||
                                 type == "text/xml" || type == "text/json" ||
                                 ends_with(type, "+json") || ends_with(type, "+xml");
    if (structured_type || ends_with(name, ".json") || ends_with(name, ".xml")) return 0;
    if (type == "text/plain" || type.empty()) return 1;
    if (type == "text/html") return 2;
    return 3;
}

// Whether an Authentication-Results field (unfolded) comes from `authserv_id` and reports a
// pass for dmarc, dkim or spf.
bool auth_results_pass(const std::string& field, const std::string& authserv_id) {
    const std::string value = lower(field);
    std::size_t start = value.find_first_not_of(" \t");
    if (start == std::string::npos) return false;
    std::size_t end = value.find_first_of("; \t", start);
    const std::string id = value.substr(start, end == std::string::npos ? end : end - start);
    if (id != lower(authserv_id)) return false;
    for (const char* method : {"dmarc=pass", "dkim=pass", "spf=pass"}) {
        std::size_t at = value.find(method, end == std::string::npos ? value.size() : end);
        while (at != std::string::npos) {
            const bool word_start =
                at == 0 || !std::isalnum(static_cast<unsigned char>(value[at - 1]));
            if (word_start) return true;
            at = value.find(method, at + 1);
        }
    }
    return false;
}

}  // namespace

// A mail that holds (or tries to hold) a notification must come from a trusted sender; an
// ordinary mail without one is "not a notification" whoever sent it.
static void apply_policy(Analysis& a, const MailPolicy& policy) {
    if (std::string why = check_policy(a.headers, policy); !why.empty()) {
        a.verdict = Verdict::untrusted;
        a.reason = why;
        a.notifications.clear();
        a.payload.clear();
    }
}

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::notifications:
            return "notifications";
        case Verdict::not_notification:
            return "not a notification";
        case Verdict::malformed:
            return "malformed";
        case Verdict::untrusted:
            return "untrusted";
    }
    return "unknown";
}

bool looks_like_mail(std::string_view raw) {
    if (raw.substr(0, 5) == "From ") return true;
    // A header field name as mail software writes them (letters, digits, '-'), then ':'.
    std::size_t i = 0;
    while (i < raw.size() && i < 200) {
        const unsigned char c = static_cast<unsigned char>(raw[i]);
        if (c == ':') return i > 0;
        if (!std::isalnum(c) && c != '-') return false;
        ++i;
    }
    return false;
}

std::string check_policy(const MailHeaders& headers, const MailPolicy& policy) {
    if (!policy.allowed_from_domains.empty()) {
        const std::string& address = headers.from_address;
        const std::size_t at = address.rfind('@');
        if (at == std::string::npos) {
            return "untrusted: no sender address in From";
        }
        const std::string domain = lower(address.substr(at + 1));
        bool allowed = false;
        for (const std::string& candidate : policy.allowed_from_domains) {
            const std::string want = lower(candidate);
            if (domain == want || ends_with(domain, "." + want)) {
                allowed = true;
                break;
            }
        }
        if (!allowed) return "untrusted: From domain " + domain + " is not allowed";
    }
    if (!policy.required_authserv_id.empty()) {
        const bool pass =
            std::any_of(headers.authentication_results.begin(),
                        headers.authentication_results.end(), [&](const std::string& f) {
                            return auth_results_pass(f, policy.required_authserv_id);
                        });
        if (!pass) {
            return "untrusted: no Authentication-Results pass from " + policy.required_authserv_id;
        }
    }
    return {};
}

Analysis analyze_payload(std::string_view raw, const std::string& content_type,
                         const std::string& origin) {
    Analysis a;
    Payload payload{std::string(raw), content_type, {}, origin};
    ParseResult r = parse_payload(payload);
    a.origin = origin;
    switch (r.status) {
        case ParseStatus::ok:
            a.verdict = Verdict::notifications;
            a.notifications = std::move(r.notifications);
            a.payload = std::move(payload.bytes);
            break;
        case ParseStatus::not_notification:
            a.verdict = Verdict::not_notification;
            a.reason = r.error;
            break;
        case ParseStatus::malformed:
            a.verdict = Verdict::malformed;
            a.reason = r.error;
            break;
    }
    return a;
}

Analysis analyze_mail(std::string_view raw, const MailPolicy& policy, const MimeLimits& limits) {
    Analysis a;
    a.is_mail = true;
    ExtractedMail mail = extract_mail(raw, limits);
    a.headers = std::move(mail.headers);
    a.defects = std::move(mail.defects);
    std::stable_sort(
        mail.candidates.begin(), mail.candidates.end(),
        [](const Payload& x, const Payload& y) { return candidate_rank(x) < candidate_rank(y); });
    std::string first_malformed;
    std::string first_other;
    for (Payload& candidate : mail.candidates) {
        ParseResult r = parse_payload(candidate);
        if (r.status == ParseStatus::ok) {
            a.verdict = Verdict::notifications;
            a.notifications = std::move(r.notifications);
            a.payload = std::move(candidate.bytes);
            a.origin = candidate.origin;
            apply_policy(a, policy);
            return a;
        }
        std::string& slot = r.status == ParseStatus::malformed ? first_malformed : first_other;
        if (slot.empty()) slot = candidate.origin + ": " + r.error;
    }
    if (!first_malformed.empty()) {
        a.verdict = Verdict::malformed;
        a.reason = first_malformed;
        apply_policy(a, policy);
    } else {
        a.verdict = Verdict::not_notification;
        a.reason = mail.candidates.empty() ? "no text, JSON or XML part in the mail" : first_other;
    }
    if (!a.defects.empty() && a.verdict != Verdict::untrusted) {
        a.reason += " (MIME: " + a.defects.front() + ")";
    }
    return a;
}

Analysis analyze_input(std::string_view raw, const MailPolicy& policy, const MimeLimits& limits) {
    if (looks_like_mail(raw)) return analyze_mail(raw, policy, limits);
    return analyze_payload(raw, {}, {});
}

}  // namespace autodns
