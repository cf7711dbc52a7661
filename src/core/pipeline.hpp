// Raw input -> notifications: the part of the pipeline shared by every command that reads
// mail or bare payloads (parse, mail, import). Decides, per input, between "notifications",
// "not a notification", "malformed" and "untrusted", with the reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/notification.hpp"
#include "core/parse.hpp"
#include "mail/extract.hpp"

namespace autodns {

// Who may send notification mail (DESIGN §5, "Untrusted input").
struct MailPolicy {
    // From domains allowed (exact or parent: "autodns.example" allows "mx.autodns.example").
    // Empty: any sender.
    std::vector<std::string> allowed_from_domains;
    // When set, an Authentication-Results field from this authserv-id must report a pass
    // (dmarc, dkim or spf).
    std::string required_authserv_id;
};

enum class Verdict { notifications, not_notification, malformed, untrusted };
const char* verdict_name(Verdict v);

struct Analysis {
    Verdict verdict = Verdict::not_notification;
    std::vector<Notification> notifications;
    std::string reason;                // why, when not notifications
    std::string payload;               // the body the notifications came from
    std::string origin;                // which part ("part 2 application/json")
    bool is_mail = false;              // raw input was a mail (else a bare payload)
    MailHeaders headers;               // when is_mail
    std::vector<std::string> defects;  // MIME defects that were covered, when is_mail
    std::vector<std::string> records;  // record_to_json() of each notification, when made
                                       // beforehand by prepare_records() (else the store
                                       // makes them while it holds the write lock)
};

// Fills `records` for the notifications: batch import does this in its worker threads, so the
// thread that writes to the database only binds strings.
void prepare_records(Analysis& analysis);

// True when `raw` starts like an RFC 5322 message (header field or mbox "From " line),
// false for a bare JSON/XML payload or text.
bool looks_like_mail(std::string_view raw);

// A mail: extract candidates and parse them in order of preference (JSON/XML parts and
// attachments, then text/plain, then text/html); the first that yields notifications wins.
// A mail that holds a notification (or a malformed one) but fails the policy is "untrusted";
// a mail without any is "not a notification" whoever sent it. Never throws for bad input.
Analysis analyze_mail(std::string_view raw, const MailPolicy& policy, const MimeLimits& limits,
                      const ParseLimits& parse_limits = {});

// A bare payload (push body, poll reply, a file): parse it directly.
Analysis analyze_payload(std::string_view raw, const std::string& content_type,
                         const std::string& origin, const ParseLimits& parse_limits = {});

// Mail or payload, sniffed with looks_like_mail(); the policy applies to mail only.
Analysis analyze_input(std::string_view raw, const MailPolicy& policy, const MimeLimits& limits,
                       const ParseLimits& parse_limits = {});

// Does the mail pass the policy? Returns an empty string when it does, else the reason.
std::string check_policy(const MailHeaders& headers, const MailPolicy& policy);

}  // namespace autodns
