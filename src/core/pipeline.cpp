#include "core/pipeline.hpp"
#include "core/record_json.hpp"

#include <algorithm>
#include <cctype>
#include <unordered_set>

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

// One Authentication-Results field (RFC 8601), lower-cased, comments removed: the
// authserv-id and, per method result ("dkim=pass header.d=x"), the method, the result and
// the properties ("header.d" -> "x").
struct MethodResult {
    std::string method;
    std::string result;
    std::vector<std::pair<std::string, std::string>> properties;
};
struct AuthResults {
    std::string authserv_id;
    std::vector<MethodResult> results;
};

// Splits the field into ';'-separated pieces of whitespace-separated words, dropping
// comments and resolving quoted strings, so that text inside a comment or a quoted value
// can never read as a result.
std::vector<std::vector<std::string>> auth_results_words(std::string_view field) {
    std::vector<std::vector<std::string>> pieces(1);
    std::string word;
    bool in_word = false;
    const auto end_word = [&] {
        if (in_word) pieces.back().push_back(std::move(word));
        word.clear();
        in_word = false;
    };
    for (std::size_t i = 0; i < field.size(); ++i) {
        const char c = field[i];
        if (c == '(') {  // comment, may nest, may hold quoted pairs
            int depth = 1;
            for (++i; i < field.size() && depth > 0; ++i) {
                if (field[i] == '\\')
                    ++i;
                else if (field[i] == '(')
                    ++depth;
                else if (field[i] == ')')
                    --depth;
            }
            --i;
            end_word();
        } else if (c == '"') {  // quoted string: part of the current word, quotes removed
            in_word = true;
            for (++i; i < field.size() && field[i] != '"'; ++i) {
                if (field[i] == '\\' && i + 1 < field.size()) ++i;
                word += field[i];
            }
        } else if (c == ';') {
            end_word();
            pieces.emplace_back();
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            end_word();
        } else {
            word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            in_word = true;
        }
    }
    end_word();
    return pieces;
}

AuthResults parse_auth_results(std::string_view field) {
    AuthResults ar;
    const auto pieces = auth_results_words(field);
    if (!pieces.front().empty()) ar.authserv_id = pieces.front().front();
    for (std::size_t p = 1; p < pieces.size(); ++p) {
        const std::vector<std::string>& words = pieces[p];
        if (words.empty()) continue;
        const std::size_t eq = words.front().find('=');
        if (eq == std::string::npos) continue;  // "none" or junk
        MethodResult mr;
        mr.method = words.front().substr(0, std::min(eq, words.front().find('/')));
        mr.result = words.front().substr(eq + 1);
        for (std::size_t w = 1; w < words.size(); ++w) {
            const std::size_t at = words[w].find('=');
            if (at != std::string::npos && at > 0) {
                mr.properties.emplace_back(words[w].substr(0, at), words[w].substr(at + 1));
            }
        }
        ar.results.push_back(std::move(mr));
    }
    return ar;
}

std::string property(const MethodResult& mr, std::string_view name) {
    for (const auto& [key, value] : mr.properties) {
        if (key == name) return value;
    }
    return {};
}

std::string domain_of(const std::string& value) {  // "user@dom" -> "dom", "dom" -> "dom"
    const std::size_t at = value.rfind('@');
    return at == std::string::npos ? value : value.substr(at + 1);
}

// Relaxed alignment (RFC 7489): one domain is the other or a subdomain of it.
bool aligned(const std::string& domain, const std::string& from_domain) {
    if (domain.empty() || from_domain.empty()) return false;
    return domain == from_domain || ends_with(from_domain, "." + domain) ||
           ends_with(domain, "." + from_domain);
}

// Whether one method result vouches for the From domain: dmarc=pass (for that header.from
// when named), dkim=pass signed by an aligned domain (header.d, else header.i), or spf=pass
// for an aligned envelope sender (smtp.mailfrom). A pass for some other domain proves
// nothing: anyone can get dkim=pass or spf=pass for a domain of their own.
bool vouches_for(const MethodResult& mr, const std::string& from_domain) {
    if (mr.result != "pass") return false;
    if (mr.method == "dmarc") {
        const std::string header_from = property(mr, "header.from");
        return !from_domain.empty() &&
               (header_from.empty() || domain_of(header_from) == from_domain);
    }
    if (mr.method == "dkim") {
        std::string signer = property(mr, "header.d");
        if (signer.empty()) signer = domain_of(property(mr, "header.i"));
        return aligned(signer, from_domain);
    }
    if (mr.method == "spf") return aligned(domain_of(property(mr, "smtp.mailfrom")), from_domain);
    return false;
}

// The receiving MTA adds its Authentication-Results field above all others, so the topmost
// field naming `authserv_id` is the one it wrote; fields further down may come from the
// sender and are ignored (the MTA should remove them: docs/security.md).
bool auth_results_pass(const std::vector<std::string>& fields, const std::string& authserv_id,
                       const std::string& from_address) {
    const std::string want = lower(authserv_id);
    const std::string from_domain = lower(domain_of(from_address));
    for (const std::string& field : fields) {
        const AuthResults ar = parse_auth_results(field);
        if (ar.authserv_id != want) continue;
        return std::any_of(ar.results.begin(), ar.results.end(),
                           [&](const MethodResult& mr) { return vouches_for(mr, from_domain); });
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
        if (!auth_results_pass(headers.authentication_results, policy.required_authserv_id,
                               headers.from_address)) {
            return "untrusted: no Authentication-Results pass for the From domain from " +
                   policy.required_authserv_id;
        }
    }
    return {};
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
// the outside in. Empty when all pass, else the first reason (naming the embedded message).
std::string check_policy_for(const ExtractedMail& mail, std::size_t message,
                             const MailHeaders& outer, const MailPolicy& policy) {
    if (std::string why = check_policy(outer, policy); !why.empty()) return why;
    std::vector<std::size_t> chain;
    for (std::size_t m = message; m != kOuterMessage && m < mail.messages.size();
         m = mail.messages[m].parent)
        chain.push_back(m);
    for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
        const EmbeddedMessage& em = mail.messages[*it];
        if (std::string why = check_policy(em.headers, policy); !why.empty()) {
            const std::string prefix = "untrusted: ";
            if (why.compare(0, prefix.size(), prefix) == 0) why.erase(0, prefix.size());
            return prefix + "the message embedded as part " + em.section + ": " + why;
        }
    }
    return {};
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
        if (std::string why = check_policy_for(mail, ctx.message, a.headers, policy);
            !why.empty()) {
            if (first_untrusted.empty()) first_untrusted = why;
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
