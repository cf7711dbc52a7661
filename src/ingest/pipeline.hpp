// Raw input -> notifications: the part of the pipeline shared by every command that reads
// mail or bare payloads (parse, mail, import). Decides, per input, between "notifications",
// "not a notification", "malformed" and "untrusted", with the reason.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/notification.hpp"
#include "mail/extract.hpp"
#include "mail/policy.hpp"
#include "parse/parse.hpp"

namespace autodns {

enum class Verdict { notifications, not_notification, malformed, untrusted };
const char* verdict_name(Verdict v);

// A further part of a mail that gave notifications of its own (distinct keys).
struct FoundPart {
    std::string payload;
    std::string origin;
    std::size_t first = 0;  // its notifications start at notifications[first] (up to the next
                            // part's first, or the end)
};

struct Analysis {
    Verdict verdict = Verdict::not_notification;
    std::vector<Notification> notifications;
    std::string reason;                 // why, when not notifications
    std::string payload;                // the body the (first part's) notifications came from
    std::string origin;                 // which part ("part 2 application/json")
    std::vector<FoundPart> more_parts;  // mail only: further parts with notifications, in the
                                        // order tried; notifications[0, more_parts[0].first)
                                        // came from `payload`
    // What -v reports beyond the defects: parts that failed or were skipped while another
    // gave the notifications, notifications repeated within the mail, trailing text ignored.
    std::vector<std::string> notes;
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

// A mail: extract candidates and parse every one, in order of preference (JSON/XML parts and
// attachments, then text/plain, then text/html). All distinct notifications are kept, each
// key once (the first part that gives it wins: the Standard format's text and XML copies of
// one message are one notification); of the alternatives of one multipart/alternative only
// the first that gives notifications is used (RFC 2046: they are the same content). Parts
// inside a multipart/report (bounces) and automatic replies (RFC 3834) give none. A part that
// fails while another gave notifications is only a note; the mail is "malformed" when no part
// gave any and one looked like a broken notification. The policy applies to the mail and to
// every embedded message (message/rfc822) around a part that gave notifications: a mail
// that holds a notification (or a malformed one) but fails it is "untrusted"; a mail without
// any is "not a notification" whoever sent it. docs/mime.md states the rules. Never throws
// for bad input.
Analysis analyze_mail(std::string_view raw, const MailPolicy& policy, const MimeLimits& limits,
                      const ParseLimits& parse_limits = {});

// A bare payload (push body, poll reply, a file): parse it directly.
Analysis analyze_payload(std::string_view raw, const std::string& content_type,
                         const std::string& origin, const ParseLimits& parse_limits = {});

// Mail or payload, sniffed with looks_like_mail(); the policy applies to mail only.
Analysis analyze_input(std::string_view raw, const MailPolicy& policy, const MimeLimits& limits,
                       const ParseLimits& parse_limits = {});

}  // namespace autodns
