#include "ingest/pipeline.hpp"
#include "parse/record_json.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_set>

#include "mail/policy.hpp"
#include "parse/parse.hpp"
#include "util/text.hpp"

namespace autodns {
namespace {

// Lower rank is tried first: structured parts (by type or file name), then plain text, then
// HTML converted to text, then anything else.
int candidate_rank(const Payload& p) {
    const std::string name = util::to_lower(p.filename);
    const std::string& type = p.content_type;
    const bool structured_type = type == "application/json" || type == "application/xml" ||
                                 type == "text/xml" || type == "text/json" ||
                                 util::ends_with(type, "+json") || util::ends_with(type, "+xml");
    if (structured_type || util::ends_with(name, ".json") || util::ends_with(name, ".xml"))
        return 0;
    if (type == "text/plain" || type.empty()) return 1;
    if (type == "text/html") return 2;
    return 3;
}

}  // namespace

// A mail that holds (or tries to hold) a notification must come from a trusted sender; an
// ordinary mail without one is "not a notification" whoever sent it.
static void apply_policy(Analysis& a, const MailPolicy& policy) {
    if (const util::Expected<TrustedSender> sender = check_policy(a.headers, policy); !sender) {
        a.verdict = Verdict::untrusted;
        a.reason = sender.error();
        a.notifications.clear();
        a.payload.clear();
    }
}

void prepare_records(Analysis& analysis) {
    analysis.records.clear();
    analysis.records.reserve(analysis.notifications.size());
    for (const Notification& n : analysis.notifications) {
        analysis.records.push_back(record_to_json(n));
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

Analysis analyze_payload(std::string_view raw, const std::string& content_type,
                         const std::string& origin, const ParseLimits& parse_limits) {
    Analysis a;
    Payload payload{std::string(raw), content_type, {}, origin};
    ParseResult r = parse_payload(payload, parse_limits);
    a.origin = origin;
    switch (r.status) {
        case ParseStatus::ok:
            a.verdict = Verdict::notifications;
            if (r.trailing_bytes > 0)
                a.notes.push_back(std::to_string(r.trailing_bytes) +
                                  " bytes of text after the document ignored");
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

namespace {

// The policy for a part: the mail itself, then each embedded message around the part, from
// the outside in. The mail's own sender when all pass, else the first reason (naming the
// embedded message).
util::Expected<TrustedSender> check_policy_for(const ExtractedMail& mail, std::size_t message,
                                               const MailHeaders& outer, const MailPolicy& policy) {
    util::Expected<TrustedSender> sender = check_policy(outer, policy);
    if (!sender) return sender;
    std::vector<std::size_t> chain;
    for (std::size_t m = message; m != kOuterMessage && m < mail.messages.size();
         m = mail.messages[m].parent)
        chain.push_back(m);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        const EmbeddedMessage& em = mail.messages[*it];
        if (const util::Expected<TrustedSender> inner = check_policy(em.headers, policy); !inner) {
            const std::string prefix = "untrusted: ";
            std::string why = inner.error();
            if (why.compare(0, prefix.size(), prefix) == 0) why.erase(0, prefix.size());
            return util::Failure{prefix + "the message embedded as part " + em.section + ": " +
                                 why};
        }
    }
    return sender;
}

}  // namespace

Analysis analyze_mail(std::string_view raw, const MailPolicy& policy, const MimeLimits& limits,
                      const ParseLimits& parse_limits) {
    Analysis a;
    a.is_mail = true;
    ExtractedMail mail = extract_mail(raw, limits);
    a.headers = std::move(mail.headers);
    a.defects = std::move(mail.defects);
    mail.contexts.resize(mail.candidates.size());
    if (a.headers.auto_reply) {
        a.verdict = Verdict::not_notification;
        a.reason = "an automatic reply (RFC 3834): whatever it quotes is not a delivery";
        return a;
    }
    std::vector<std::size_t> order(mail.candidates.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
        return candidate_rank(mail.candidates[x]) < candidate_rank(mail.candidates[y]);
    });
    // Alternatives that gave notifications: (multipart/alternative number, member).
    std::vector<std::pair<std::size_t, std::size_t>> alternatives_used;
    std::string first_malformed, first_other, first_untrusted;
    // Keys of the parts before the current one (filled once a second part gives any): a key
    // already there is a copy; within one part every notification is kept as parsed.
    std::unordered_set<std::string> keys;
    // -v notes, bounded (a hostile mail may repeat one notification a million times).
    constexpr std::size_t kMaxNotes = 50;
    const auto note = [&a](std::string text) {
        if (a.notes.size() < kMaxNotes)
            a.notes.push_back(std::move(text));
        else if (a.notes.size() == kMaxNotes)
            a.notes.push_back("further notes left out");
    };
    std::size_t in_report = 0;
    for (std::size_t index : order) {
        Payload& candidate = mail.candidates[index];
        const CandidateContext& ctx = mail.contexts[index];
        if (ctx.in_report) {
            ++in_report;
            continue;
        }
        if (ctx.alternative != kOuterMessage) {
            const auto used =
                std::find_if(alternatives_used.begin(), alternatives_used.end(),
                             [&](const auto& u) { return u.first == ctx.alternative; });
            if (used != alternatives_used.end() && used->second != ctx.alternative_member) {
                note(candidate.origin +
                     ": not parsed, an alternative of a part that gave the "
                     "notifications");
                continue;
            }
        }
        ParseResult r = parse_payload(candidate, parse_limits);
        if (r.status != ParseStatus::ok) {
            std::string& slot = r.status == ParseStatus::malformed ? first_malformed : first_other;
            if (slot.empty()) slot = candidate.origin + ": " + r.error;
            if (r.status == ParseStatus::malformed)
                note(candidate.origin + ": malformed: " + r.error);
            continue;
        }
        if (r.trailing_bytes > 0)
            note(candidate.origin + ": " + std::to_string(r.trailing_bytes) +
                 " bytes of text after the document ignored");
        if (const util::Expected<TrustedSender> sender =
                check_policy_for(mail, ctx.message, a.headers, policy);
            !sender) {
            if (first_untrusted.empty()) first_untrusted = sender.error();
            continue;
        }
        if (ctx.alternative != kOuterMessage)
            alternatives_used.emplace_back(ctx.alternative, ctx.alternative_member);
        const std::size_t first = a.notifications.size();
        if (first > 0 && keys.empty())
            for (const Notification& m : a.notifications) keys.insert(m.key);
        for (Notification& n : r.notifications) {
            if (first > 0 && keys.count(n.key) > 0) {
                note(candidate.origin + ": " + n.key + " again (one notification, kept once)");
                continue;
            }
            a.notifications.push_back(std::move(n));
        }
        if (!keys.empty())
            for (std::size_t i = first; i < a.notifications.size(); ++i)
                keys.insert(a.notifications[i].key);
        if (a.notifications.size() == first) continue;
        if (first == 0) {
            a.payload = std::move(candidate.bytes);
            a.origin = candidate.origin;
        } else {
            a.more_parts.push_back(FoundPart{std::move(candidate.bytes), candidate.origin, first});
        }
    }
    if (!first_untrusted.empty()) {
        // One part that fails the policy makes the whole mail untrusted: it is kept whole in
        // quarantine, nothing of it is stored.
        a.verdict = Verdict::untrusted;
        a.reason = first_untrusted;
        a.notifications.clear();
        a.more_parts.clear();
        a.payload.clear();
        a.origin.clear();
        return a;
    }
    if (!a.notifications.empty()) {
        a.verdict = Verdict::notifications;
        return a;
    }
    a.notes.clear();
    if (!first_malformed.empty()) {
        a.verdict = Verdict::malformed;
        a.reason = first_malformed;
        apply_policy(a, policy);
    } else {
        a.verdict = Verdict::not_notification;
        if (mail.candidates.empty())
            a.reason = "no text, JSON or XML part in the mail";
        else if (in_report > 0)
            a.reason =
                "a delivery or read report (multipart/report): the mail it returns is not "
                "a delivery";
        else
            a.reason = first_other;
    }
    if (!a.defects.empty() && a.verdict != Verdict::untrusted) {
        a.reason += " (MIME: " + a.defects.front() + ")";
    }
    return a;
}

Analysis analyze_input(std::string_view raw, const MailPolicy& policy, const MimeLimits& limits,
                       const ParseLimits& parse_limits) {
    if (looks_like_mail(raw)) return analyze_mail(raw, policy, limits, parse_limits);
    return analyze_payload(raw, {}, {}, parse_limits);
}

}  // namespace autodns
