// parse_payload: size limit, sniffing, structural pre-scan, then the format parser.
#include "parse/parse.hpp"

#include <algorithm>
#include <exception>
#include <new>

#include "parse/formats.hpp"
#include "parse/scan.hpp"
#include "parse/sniff.hpp"
#include "util/text.hpp"

namespace autodns {
namespace {

ParseResult failed(ParseStatus status, std::string why) {
    ParseResult r;
    r.status = status;
    r.error = std::move(why);
    return r;
}

bool hints_structured(const Payload& p) {
    const std::string type = util::to_lower(p.content_type);
    const std::string name = util::to_lower(p.filename);
    const auto ends_with = [&](const char* suffix) {
        const std::string_view s(suffix);
        return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
    };
    return type.find("json") != std::string::npos || type.find("xml") != std::string::npos ||
           ends_with(".json") || ends_with(".xml");
}

std::string scan_error(const char* format, const ScanResult& scan) {
    switch (scan.status) {
        case ScanStatus::truncated:
            return std::string("truncated ") + format + " at byte " +
                   std::to_string(scan.error_offset) + ": " + scan.error;
        case ScanStatus::too_deep:
            return scan.error;
        default:
            return std::string("invalid ") + format + " at byte " +
                   std::to_string(scan.error_offset) + ": " + scan.error;
    }
}

// What follows a document that is the whole payload. Whitespace (and no-break spaces) is
// nothing; other text (a signature, a mailing-list footer, "Sent from my phone") is ignored
// and counted, unless it starts a second complete document of the same kind, which would
// be a notification lost: then `second` is set.
struct Trailing {
    std::size_t at = 0;     // where the text starts
    std::size_t bytes = 0;  // how many bytes are ignored (0: only whitespace)
    bool second = false;
};

Trailing trailing_text(std::string_view text, std::size_t end, bool json, std::size_t max_depth) {
    Trailing t;
    t.at = end + util::blank_run(text, end);
    if (t.at >= text.size()) return t;
    const char c = text[t.at];
    if (json ? (c == '{' || c == '[') : c == '<') {
        const ScanResult next =
            json ? scan_json(text, t.at, max_depth) : scan_xml(text, t.at, max_depth);
        t.second = next.status == ScanStatus::complete;
    }
    t.bytes = text.size() - t.at;
    return t;
}

ParseResult parse_located(const Payload& payload, const Sniffed& sniffed, std::size_t max_depth) {
    const std::string_view bytes = payload.bytes;
    if (sniffed.kind == SniffKind::json) {
        const ScanResult scan = scan_json(bytes, sniffed.begin, max_depth);
        if (scan.status != ScanStatus::complete) {
            return failed(ParseStatus::malformed, scan_error("JSON", scan));
        }
        Trailing after;
        if (!sniffed.embedded) {
            after = trailing_text(bytes, scan.end, true, max_depth);
            if (after.second) {
                return failed(
                    ParseStatus::malformed,
                    "a second JSON document after the first at byte " + std::to_string(after.at));
            }
        }
        ParseResult r = parse_json_document(bytes.substr(sniffed.begin, scan.end - sniffed.begin),
                                            sniffed.begin);
        if (r.status == ParseStatus::ok) r.trailing_bytes = after.bytes;
        return r;
    }
    // XML. A document missing its first '<' ("message>") is repaired in a copy; offsets in
    // messages then count the added byte.
    std::string repaired;
    std::string_view text = bytes;
    std::size_t begin = sniffed.begin;
    if (sniffed.missing_lt) {
        repaired.reserve(bytes.size() - begin + 1);
        repaired = "<";
        repaired.append(bytes.substr(begin));
        text = repaired;
        begin = 0;
    }
    const ScanResult scan = scan_xml(text, begin, max_depth);
    if (scan.status != ScanStatus::complete) {
        return failed(ParseStatus::malformed, scan_error("XML", scan));
    }
    if (scan.entity_declarations) {
        return failed(ParseStatus::malformed,
                      "XML with a DTD declaring entities is refused (entity expansion)");
    }
    Trailing after;
    if (!sniffed.embedded) {
        after = trailing_text(text, scan.end, false, max_depth);
        if (after.second) {
            return failed(
                ParseStatus::malformed,
                "a second XML document after the root element at byte " + std::to_string(after.at));
        }
    }
    ParseResult r = parse_xml_document(text.substr(begin, scan.end - begin), begin);
    if (r.status == ParseStatus::ok) r.trailing_bytes = after.bytes;
    return r;
}

}  // namespace

ParseResult parse_payload(const Payload& payload, const ParseLimits& limits) {
    try {
        if (payload.bytes.size() > limits.max_bytes) {
            return failed(ParseStatus::malformed, "payload of " +
                                                      std::to_string(payload.bytes.size()) +
                                                      " bytes exceeds the limit of " +
                                                      std::to_string(limits.max_bytes) + " bytes");
        }
        const std::size_t max_depth = std::min(limits.max_depth, kMaxPayloadDepthCeiling);
        const Sniffed sniffed = sniff_payload(payload.bytes);
        if (sniffed.kind == SniffKind::binary) {
            return failed(
                hints_structured(payload) ? ParseStatus::malformed : ParseStatus::not_notification,
                sniffed.reason);
        }
        if (sniffed.kind == SniffKind::none) {
            return failed(ParseStatus::not_notification, sniffed.reason);
        }
        ParseResult result = parse_located(payload, sniffed, max_depth);
        result.error = util::repair_utf8(result.error, util::Utf8Repair::question_mark);
        for (Notification& n : result.notifications) {
            if (sniffed.embedded) n.format = Format::standard;
            assign_key(n);
        }
        return result;
    } catch (const std::bad_alloc&) {
        return failed(ParseStatus::malformed, "out of memory while parsing");
    } catch (const std::exception& e) {
        return failed(ParseStatus::malformed, std::string("parse failed: ") + e.what());
    }
}

}  // namespace autodns
