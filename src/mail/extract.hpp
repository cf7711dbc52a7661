// MIME extraction: one raw RFC 5322 message -> decoded headers and candidate bodies.
//
// This room is the only user of mimetic. It covers mimetic 0.9.8's known defects (DESIGN §5):
// RFC 2047 words are decoded, RFC 2231 parameters are rewritten before mimetic sees them,
// quoted ';' in parameters survive, nesting depth is bounded before parsing, line endings are
// normalized, an mbox "From " line is stripped, missing Content-Type defaults to
// text/plain; us-ascii, invalid base64 in a text part falls back to the raw text, and every
// text part is converted from its declared charset to UTF-8 (iconv, with an alias table).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/payload.hpp"

namespace autodns {

struct MimeLimits {
    std::size_t max_depth = 32;    // multipart nesting deeper than this is not descended
    std::size_t max_parts = 1000;  // leaf parts examined at most
    std::size_t max_header_bytes = 1024 * 1024;  // header block larger than this: a defect, cut
};

struct MailHeaders {
    std::string from;          // decoded display form ("AutoDNS <noreply@autodns.example>")
    std::string from_address;  // addr-spec of the first From mailbox, lower case; may be empty
    std::string subject;       // RFC 2047 decoded, UTF-8
    std::string message_id;    // without angle brackets; may be empty
    std::string date;          // as written
    std::vector<std::string>
        authentication_results;  // every Authentication-Results field, unfolded
    // An automatic reply: "Auto-Submitted: auto-replied" (RFC 3834; "auto-generated", as
    // AutoDNS sends, is not a reply), or an X-Autoreply / X-Autorespond field.
    bool auto_reply = false;
};

inline constexpr std::size_t kOuterMessage = static_cast<std::size_t>(-1);

// A message/rfc822 part (a forward as attachment, a digest entry, the original in a bounce).
struct EmbeddedMessage {
    MailHeaders headers;
    std::string section;                 // IMAP section of the message/rfc822 part ("2", "1.3")
    std::size_t parent = kOuterMessage;  // the message that contains it
};

// Where a candidate sits in the mail's structure.
struct CandidateContext {
    std::size_t message = kOuterMessage;  // innermost enclosing EmbeddedMessage, else the mail
    // Inside a multipart/alternative: which one (numbered in document order) and which of
    // its alternatives holds the candidate; kOuterMessage when in none.
    std::size_t alternative = kOuterMessage;
    std::size_t alternative_member = 0;
    bool in_report = false;  // inside a multipart/report (a delivery or read report)
};

struct ExtractedMail {
    MailHeaders headers;
    // Leaf bodies in document order that may hold a notification: text/*, application/json,
    // application/xml, */*+xml, */*+json, application/octet-stream; transfer-decoded; text
    // parts converted to UTF-8; text/html converted to plain text (tags dropped, entities
    // decoded; content_type stays "text/html"); text/plain with format=flowed unwrapped
    // (RFC 3676). application/octet-stream only when the file name ends .json/.xml/.txt or
    // the body looks textual. Images, audio and other binary types are left out. A mail
    // without a header is one text/plain candidate. See docs/mime.md.
    std::vector<Payload> candidates;
    std::vector<CandidateContext> contexts;  // one per candidate
    std::vector<EmbeddedMessage> messages;   // embedded messages in document order
    // What was wrong and covered ("bad base64 in part 2: raw text kept", "depth limit", ...).
    std::vector<std::string> defects;
    bool has_headers = false;  // false when the input does not look like a mail at all
};

// Never throws for bad input: whatever can be read is returned, the rest is in `defects`.
ExtractedMail extract_mail(std::string_view raw, const MimeLimits& limits = {});

// RFC 2047 decoding of one header value to UTF-8 (exposed for tests and diagnostics).
std::string decode_rfc2047(std::string_view value);

}  // namespace autodns
