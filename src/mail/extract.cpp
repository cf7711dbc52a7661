// The only translation unit that includes mimetic. mimetic parses the canonical text that
// prescan_mail() produced (the iterator path: fast, and correct on that text); everything
// mimetic gets wrong on raw mail is handled before (mime_prescan) or after (decoding here).
#include "mail/extract.hpp"

#include <mimetic/mimetic.h>

#include <exception>
#include <memory>
#include <utility>

#include "mail/body_text.hpp"
#include "mail/header_fields.hpp"
#include "mail/mime_prescan.hpp"
#include "mail/transfer_decoding.hpp"
#include "util/charset.hpp"
#include "util/text.hpp"

namespace autodns {
namespace {

// Header values lose the blanks around them (not line breaks: unfold() has dealt with those).
std::string trimmed(std::string_view s) {
    return std::string(util::trim(s, " \t"));
}

// Media types whose bodies are text a notification can be in (octet-stream aside).
bool is_textual_type(std::string_view media_type) {
    std::size_t slash = media_type.find('/');
    if (slash == std::string_view::npos) return false;
    std::string_view type = media_type.substr(0, slash), sub = media_type.substr(slash + 1);
    if (type == "text") return true;
    if (util::ends_with(sub, "+xml") || util::ends_with(sub, "+json")) return true;
    return type == "application" && (sub == "json" || sub == "xml" || sub == "x-json");
}

// No NUL and no C0 control other than TAB, LF, FF, CR in the first 8 KiB.
bool looks_textual(std::string_view bytes) {
    std::size_t n = bytes.size() < 8192 ? bytes.size() : 8192;
    for (std::size_t i = 0; i < n; ++i) {
        auto c = static_cast<unsigned char>(bytes[i]);
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\f' && c != '\r') || c == 0x7F)
            return false;
    }
    return true;
}

bool looks_like_xml(std::string_view bytes) {
    std::size_t i = bytes.compare(0, 3, "\xEF\xBB\xBF") == 0 ? 3 : 0;
    while (i < bytes.size() && (bytes[i] == ' ' || bytes[i] == '\t' || bytes[i] == '\n')) ++i;
    return bytes.compare(i, 5, "<?xml") == 0;
}

class Extractor {
  public:
    Extractor(const PrescannedMail& pm, const MimeLimits& limits, ExtractedMail& out)
        : pm_(pm), limits_(limits), out_(out) {}

    void read_headers(const mimetic::Header& h) { read_headers(h, out_.headers); }

    static void read_headers(const mimetic::Header& h, MailHeaders& mh) {
        bool have_from = false, have_subject = false, have_id = false, have_date = false;
        for (const mimetic::Field& f : h) {
            const auto& name = f.name();
            if (!have_from && name == "From") {
                std::string v = f.value();
                mh.from = trimmed(decode_rfc2047(v));
                mh.from_address = first_address(v);
                have_from = true;
            } else if (!have_subject && name == "Subject") {
                mh.subject = trimmed(decode_rfc2047(f.value()));
                have_subject = true;
            } else if (!have_id && name == "Message-ID") {
                std::string v = trimmed(unfold(f.value()));
                if (v.size() >= 2 && v.front() == '<' && v.back() == '>')
                    v = v.substr(1, v.size() - 2);
                mh.message_id = trimmed(v);
                have_id = true;
            } else if (!have_date && name == "Date") {
                mh.date = trimmed(unfold(f.value()));
                have_date = true;
            } else if (name == "Authentication-Results") {
                mh.authentication_results.push_back(trimmed(unfold(f.value())));
            } else if (name == "Auto-Submitted") {
                std::string v = trimmed(unfold(f.value()));
                v = v.substr(0, v.find_first_of("; \t("));
                if (util::to_lower(v) == "auto-replied") mh.auto_reply = true;
            } else if (name == "X-Autoreply" || name == "X-Autorespond") {
                mh.auto_reply = true;
            }
        }
    }

    // Visits `e`; `path` numbers its children, `leaf_path` names it when it is a body (IMAP
    // section numbers: "1", "2.1", ...).
    void walk(mimetic::MimeEntity& e, const std::string& path, const std::string& leaf_path,
              const CandidateContext& ctx) {
        const PartHeader* ph = part_header(e);
        if (!ph) {
            defect("internal: entity without part index skipped");
            return;
        }
        switch (ph->kind) {
            case PartHeader::Kind::multipart: {
                auto& parts = e.body().parts();
                if (parts.empty()) {
                    defect("part " + leaf_path + ": " + ph->media_type +
                           " has no boundary line: body read as text/plain");
                    PartHeader as_text = *ph;
                    as_text.media_type = "text/plain";
                    add_candidate(std::move(e.body().preamble()), as_text, leaf_path, ctx);
                    return;
                }
                CandidateContext inner = ctx;
                const bool alternative = ph->media_type == "multipart/alternative";
                if (alternative) inner.alternative = alternatives_++;
                if (ph->media_type == "multipart/report") inner.in_report = true;
                std::size_t i = 0;
                for (mimetic::MimeEntity* child : parts) {
                    std::string p =
                        path.empty() ? std::to_string(++i) : path + "." + std::to_string(++i);
                    if (alternative) inner.alternative_member = i;
                    walk(*child, p, p, inner);
                }
                return;
            }
            case PartHeader::Kind::message: {
                auto& parts = e.body().parts();
                if (parts.empty()) return;
                EmbeddedMessage m;
                read_headers(parts.front()->header(), m.headers);
                m.section = leaf_path;
                m.parent = ctx.message;
                CandidateContext inner = ctx;
                inner.message = out_.messages.size();
                out_.messages.push_back(std::move(m));
                walk(*parts.front(), path, path.empty() ? "1" : path + ".1", inner);
                return;
            }
            case PartHeader::Kind::depth_limited:
                return;
            case PartHeader::Kind::leaf:
                if (++leaves_ > limits_.max_parts) {
                    if (leaves_ == limits_.max_parts + 1)
                        defect("more than " + std::to_string(limits_.max_parts) +
                               " leaf parts: the rest ignored");
                    return;
                }
                add_candidate(std::move(static_cast<std::string&>(e.body())), *ph, leaf_path, ctx);
                return;
        }
    }

    void add_candidate(std::string bytes, const PartHeader& ph, const std::string& section,
                       const CandidateContext& ctx) {
        const std::string where = "part " + section;
        const bool textual_type = is_textual_type(ph.media_type);
        const std::string& cte = ph.transfer_encoding;
        if (cte == "base64") {
            std::string decoded;
            if (decode_base64(bytes, decoded)) {
                bytes.swap(decoded);
            } else if (textual_type) {
                defect("invalid base64 in " + where + ": raw text kept");
            } else {
                defect("invalid base64 in " + where + ": invalid characters skipped");
                bytes.swap(decoded);
            }
        } else if (cte == "quoted-printable") {
            bytes = decode_quoted_printable(bytes);
        } else if (!(cte.empty() || cte == "7bit" || cte == "8bit" || cte == "binary")) {
            defect("unknown Content-Transfer-Encoding \"" + cte.substr(0, 40) + "\" in " + where +
                   ": body taken as is");
        }

        if (!textual_type) {
            if (ph.media_type == "application/pkcs7-mime" ||
                ph.media_type == "application/x-pkcs7-mime") {
                // Opaque-signed or encrypted S/MIME: the content is inside CMS (DER), not read.
                defect(where + ": " + ph.media_type + " (opaque or encrypted S/MIME) not read");
                return;
            }
            if (ph.media_type != "application/octet-stream") return;
            bool named = util::ends_with_nocase(ph.filename, ".json") ||
                         util::ends_with_nocase(ph.filename, ".xml") ||
                         util::ends_with_nocase(ph.filename, ".txt");
            if (!named && !looks_textual(bytes)) return;
        }

        std::string label = ph.charset;
        if (label.empty()) {
            if (bytes.size() >= 2 && ((bytes[0] == '\xFF' && bytes[1] == '\xFE') ||
                                      (bytes[0] == '\xFE' && bytes[1] == '\xFF'))) {
                label = "UTF-16";
            } else if (looks_like_xml(bytes)) {
                label = xml_declared_encoding(bytes);
            }
        }
        util::Utf8Text t = util::convert_to_utf8(std::move(bytes), label);
        if (t.unknown_charset)
            defect("unknown charset \"" + label.substr(0, 40) + "\" in " + where + ": read as " +
                   t.charset);
        else if (t.guessed && (t.charset != "UTF-8" || ph.media_type.compare(0, 5, "text/") == 0))
            // JSON and XML default to UTF-8 (RFC 8259, XML 1.0 4.3.3); text/* to US-ASCII.
            defect("8-bit text without a charset in " + where + ": read as " + t.charset);
        if (t.replaced) defect("invalid " + t.charset + " sequences in " + where + " replaced");
        std::string text = std::move(t.text);
        if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
        if (ph.media_type == "text/html") text = html_to_text(text);
        if (ph.flowed) text = unflow_text(text, ph.delsp);
        rewrite_xml_encoding_declarations(text);

        Payload p;
        p.bytes = std::move(text);
        p.content_type = ph.media_type;
        p.filename = ph.filename;
        p.origin = where + " " + ph.media_type;
        if (!ph.charset.empty()) p.origin += "; charset=" + ph.charset;
        if (!ph.filename.empty()) p.origin += "; filename=\"" + ph.filename + "\"";
        if (ph.flowed) p.origin += ph.delsp ? "; format=flowed; delsp=yes" : "; format=flowed";
        if (ph.media_type == "text/html") p.origin += " (as plain text)";
        out_.candidates.push_back(std::move(p));
        out_.contexts.push_back(ctx);
    }

    void defect(std::string text) { out_.defects.push_back(std::move(text)); }

  private:
    const PartHeader* part_header(const mimetic::MimeEntity& e) const {
        const mimetic::Header& h = e.header();
        if (h.empty() || !(h.front().name() == kPartIndexField)) return nullptr;
        std::string v = h.front().value();
        std::size_t index = 0;
        for (char c : v) {
            if (c < '0' || c > '9') return nullptr;
            index = index * 10 + static_cast<std::size_t>(c - '0');
            if (index > pm_.parts.size()) return nullptr;
        }
        return index < pm_.parts.size() ? &pm_.parts[index] : nullptr;
    }

    const PrescannedMail& pm_;
    const MimeLimits& limits_;
    ExtractedMail& out_;
    std::size_t leaves_ = 0;
    std::size_t alternatives_ = 0;
};

void extract_into(std::string_view raw, const MimeLimits& limits, ExtractedMail& out) {
    PrescannedMail pm = prescan_mail(raw, limits);
    out.has_headers = pm.has_headers;
    out.defects = std::move(pm.defects);
    if (!pm.has_headers) {
        if (pm.text.find_first_not_of(" \t\n") == std::string::npos) return;
        util::Utf8Text t = util::convert_to_utf8(std::move(pm.text), "");
        Payload p;
        p.bytes = std::move(t.text);
        p.content_type = "text/plain";
        p.origin = "whole input (no mail header)";
        out.candidates.push_back(std::move(p));
        out.contexts.emplace_back();
        return;
    }
    auto entity = std::make_unique<mimetic::MimeEntity>(pm.text.cbegin(), pm.text.cend());
    std::string().swap(pm.text);  // mimetic holds its own copy of every body now
    Extractor x(pm, limits, out);
    x.read_headers(entity->header());
    x.walk(*entity, "", "1", CandidateContext{});
}

}  // namespace

ExtractedMail extract_mail(std::string_view raw, const MimeLimits& limits) {
    ExtractedMail out;
    try {
        extract_into(raw, limits, out);
    } catch (const std::exception& e) {
        out.defects.push_back(std::string("MIME parsing failed: ") + e.what());
    } catch (...) {
        out.defects.push_back("MIME parsing failed");
    }
    return out;
}

}  // namespace autodns
