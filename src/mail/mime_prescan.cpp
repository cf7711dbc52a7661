#include "mail/mime_prescan.hpp"

#include <cstring>
#include <utility>

#include "mail/header_fields.hpp"
#include "util/text.hpp"

namespace autodns {
namespace {

// A single header field longer than this is dropped: mimetic grows field buffers 128 bytes at
// a time (quadratic), and no field a notification needs comes near it.
constexpr std::size_t kMaxFieldBytes = 64 * 1024;

bool is_field_name_char(char c) {
    return c > 32 && c < 127 && c != ':';
}

// "Name:" or obsolete "Name :" at the start of a line.
bool is_field_line(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && is_field_name_char(line[i])) ++i;
    if (i == 0) return false;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    return i < line.size() && line[i] == ':';
}

// Stricter test for the first line of a mail: a name real mail uses ("Received", "X-Foo_1"),
// so that text such as a one-line JSON body ({"id": 1}) is not taken for a header.
bool is_plausible_first_field(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() &&
           ((line[i] >= 'A' && line[i] <= 'Z') || (line[i] >= 'a' && line[i] <= 'z') ||
            (line[i] >= '0' && line[i] <= '9') || line[i] == '-' || line[i] == '_' ||
            line[i] == '.'))
        ++i;
    return i > 0 && is_field_line(line);
}

class Prescanner {
  public:
    Prescanner(std::string_view raw, const MimeLimits& limits, PrescannedMail& result)
        : raw_(raw), limits_(limits), r_(result) {}

    void run() {
        r_.text.reserve(raw_.size() + raw_.size() / 32 + 256);
        if (raw_.compare(0, 5, "From ") == 0) {
            std::string_view ignored;
            next_line(ignored);
        }
        std::size_t start = pos_;
        std::string_view first;
        bool have_line = next_line(first);
        pos_ = start;
        if (!have_line || !is_plausible_first_field(first)) {
            r_.has_headers = false;
            std::string_view line;
            while (next_line(line)) emit_line(line);
            return;
        }
        r_.has_headers = true;
        choose_token_prefix();
        scan();
    }

  private:
    struct Frame {
        std::string boundary;  // as declared (decoded)
        std::string token;     // what mimetic sees instead
        std::string media_type;
        std::size_t depth = 0;  // depth of the multipart entity itself
        std::size_t part_index = 0;
        bool digest = false;
    };

    struct Field {
        std::size_t begin = 0, end = 0;  // in header_: "Name: value\n continuation"
        std::size_t name_end = 0;        // end of the name (before blanks and ':')
        std::size_t value_begin = 0;     // after ':'
    };

    // Next line without its line end; handles LF, CRLF and bare CR. Positions of the next
    // '\n' and '\r' are cached so that long lines and many bare CRs stay linear.
    bool next_line(std::string_view& line) {
        const std::size_t n = raw_.size();
        if (pos_ >= n) return false;
        if (nl_ < pos_ || nl_ == kUnset) {
            const void* p = std::memchr(raw_.data() + pos_, '\n', n - pos_);
            nl_ = p ? static_cast<std::size_t>(static_cast<const char*>(p) - raw_.data()) : n;
        }
        if (cr_ < pos_ || cr_ == kUnset) {
            const void* p = std::memchr(raw_.data() + pos_, '\r', n - pos_);
            cr_ = p ? static_cast<std::size_t>(static_cast<const char*>(p) - raw_.data()) : n;
        }
        line_start_ = pos_;
        if (cr_ < nl_) {
            line = raw_.substr(pos_, cr_ - pos_);
            pos_ = (cr_ + 1 == nl_) ? nl_ + 1 : cr_ + 1;
            had_eol_ = true;
        } else {
            line = raw_.substr(pos_, nl_ - pos_);
            had_eol_ = nl_ < n;
            pos_ = had_eol_ ? nl_ + 1 : n;
        }
        return true;
    }

    void unread_line() { pos_ = line_start_; }

    void defect(std::string text) {
        if (r_.defects.size() < 100) r_.defects.push_back(std::move(text));
    }

    // A prefix for boundary tokens that the mail does not contain anywhere.
    void choose_token_prefix() {
        for (unsigned k = 0;; ++k) {
            std::string candidate = "_adn" + std::to_string(k) + "_b";
            if (raw_.find(candidate) == std::string_view::npos) {
                token_prefix_ = std::move(candidate);
                return;
            }
        }
    }

    void scan() {
        bool in_header = true;
        std::size_t depth = 0;
        bool in_digest = false;
        while (true) {
            if (in_header) {
                PartHeader::Kind kind = read_header(depth, in_digest);
                if (kind == PartHeader::Kind::message) {
                    ++depth;  // the embedded message's header follows at once
                    in_digest = false;
                    continue;
                }
                in_header = false;
                continue;
            }
            std::string_view line;
            if (!next_line(line)) break;
            if (!frames_.empty() && line.size() >= 2 && line[0] == '-' && line[1] == '-') {
                bool closing = false;
                std::size_t k = match_frame(line, closing);
                if (k != kNone) {
                    close_inner_frames(k);
                    Frame& f = frames_.back();
                    if (closing) {
                        emit_delimiter(f.token, true);
                        frames_.pop_back();
                        continue;
                    }
                    if (entity_count_ >= limits_.max_parts) {
                        if (!part_limit_reported_) {
                            defect("more than " + std::to_string(limits_.max_parts) +
                                   " parts: the rest is not split");
                            part_limit_reported_ = true;
                        }
                    } else {
                        emit_delimiter(f.token, false);
                        depth = f.depth + 1;
                        in_digest = f.digest;
                        in_header = true;
                        continue;
                    }
                }
            }
            emit_line(line);
        }
        if (in_header) read_header(depth, in_digest);  // a delimiter ended the input
        while (!frames_.empty()) {
            const Frame& f = frames_.back();
            defect("truncated: " + f.media_type + " (entity " + std::to_string(f.part_index) +
                   ") has no closing boundary");
            emit_delimiter(f.token, true);
            frames_.pop_back();
        }
    }

    static constexpr std::size_t kNone = static_cast<std::size_t>(-1);
    static constexpr std::size_t kUnset = static_cast<std::size_t>(-1);

    // Index in frames_ of the multipart whose delimiter `line` is, innermost first, or kNone.
    std::size_t match_frame(std::string_view line, bool& closing) const {
        std::string_view body = util::trim_right(line.substr(2), " \t");
        for (std::size_t k = frames_.size(); k-- > 0;) {
            const std::string& b = frames_[k].boundary;
            if (body.size() == b.size() && body == b) {
                closing = false;
                return k;
            }
            if (body.size() == b.size() + 2 && body.compare(0, b.size(), b) == 0 &&
                body.compare(b.size(), 2, "--") == 0) {
                closing = true;
                return k;
            }
        }
        return kNone;
    }

    // A delimiter of an outer multipart arrived while inner ones are open: they were
    // truncated; close them so that mimetic's tree matches.
    void close_inner_frames(std::size_t k) {
        while (frames_.size() > k + 1) {
            const Frame& f = frames_.back();
            defect(f.media_type + " (entity " + std::to_string(f.part_index) +
                   ") has no closing boundary before its parent's next part");
            emit_delimiter(f.token, true);
            frames_.pop_back();
        }
    }

    // A body line; the input's last line keeps its missing line end.
    void emit_line(std::string_view line) {
        r_.text.append(line.data(), line.size());
        if (had_eol_) r_.text.push_back('\n');
    }

    void emit_delimiter(const std::string& token, bool closing) {
        // The line end before a delimiter belongs to the delimiter (RFC 2046).
        if (!r_.text.empty() && r_.text.back() != '\n') r_.text.push_back('\n');
        r_.text.append("--");
        r_.text.append(token);
        if (closing) r_.text.append("--");
        r_.text.push_back('\n');
    }

    std::string_view field_name(const Field& f) const {
        return std::string_view(header_).substr(f.begin, f.name_end - f.begin);
    }
    std::string_view field_value(const Field& f) const {
        return std::string_view(header_).substr(f.value_begin, f.end - f.value_begin);
    }

    // Reads one entity header from the current position, records its PartHeader, emits the
    // canonical header for mimetic and returns the entity kind.
    PartHeader::Kind read_header(std::size_t depth, bool in_digest) {
        header_.clear();
        fields_.clear();
        std::size_t total = 0;
        bool dropping = false;  // the current field is being dropped
        bool cut_reported = false;
        std::string_view line;
        while (next_line(line)) {
            if (line.empty()) break;
            bool continuation = line[0] == ' ' || line[0] == '\t';
            if (continuation && fields_.empty() && !dropping) {
                unread_line();  // no field to continue: the body starts here
                defect("entity " + std::to_string(r_.parts.size()) +
                       ": header starts with a continuation line");
                break;
            }
            if (!continuation && !is_field_line(line)) {
                unread_line();
                defect("entity " + std::to_string(r_.parts.size()) +
                       ": header ended by a line that is not a field");
                break;
            }
            if (continuation) {
                if (dropping) continue;
                total += line.size() + 1;
                Field& f = fields_.back();
                if (f.end - f.begin + line.size() + 1 > kMaxFieldBytes) {
                    defect("header field " + std::string(field_name(f)) + " longer than " +
                           std::to_string(kMaxFieldBytes) + " bytes dropped");
                    header_.resize(f.begin);
                    fields_.pop_back();
                    dropping = true;
                    continue;
                }
                header_.push_back('\n');
                append_header_text(line);
                f.end = header_.size();
                continue;
            }
            dropping = false;
            std::size_t name_len = 0;
            while (is_field_name_char(line[name_len])) ++name_len;
            std::string_view name = line.substr(0, name_len);
            bool mime_field = util::starts_with_nocase(name, "content-");
            if (line.size() > kMaxFieldBytes) {
                defect("header field " + std::string(name.substr(0, 64)) + " longer than " +
                       std::to_string(kMaxFieldBytes) + " bytes dropped");
                dropping = true;
                continue;
            }
            if (total + line.size() + 1 > limits_.max_header_bytes && !mime_field) {
                if (!cut_reported) {
                    defect("entity " + std::to_string(r_.parts.size()) + ": header larger than " +
                           std::to_string(limits_.max_header_bytes) + " bytes cut");
                    cut_reported = true;
                }
                dropping = true;
                continue;
            }
            if (util::equals_nocase(name, kPartIndexField)) {
                dropping = true;  // ours alone
                continue;
            }
            total += line.size() + 1;
            Field f;
            f.begin = header_.size();
            f.name_end = f.begin + name_len;
            append_header_text(line);
            f.end = header_.size();
            f.value_begin = f.begin + line.find(':') + 1;
            fields_.push_back(f);
        }
        return finish_header(depth, in_digest);
    }

    // NUL bytes would cut mimetic's C strings short.
    void append_header_text(std::string_view line) {
        std::size_t at = header_.size();
        header_.append(line.data(), line.size());
        for (std::size_t i = at; i < header_.size(); ++i)
            if (header_[i] == '\0') header_[i] = ' ';
    }

    const Field* find_field(std::string_view name) const {
        for (const Field& f : fields_)
            if (util::equals_nocase(field_name(f), name)) return &f;
        return nullptr;
    }

    PartHeader::Kind finish_header(std::size_t depth, bool in_digest) {
        const std::size_t index = r_.parts.size();
        PartHeader ph;
        const Field* ct = find_field("Content-Type");
        FieldValue ctv;
        if (ct) ctv = parse_field_value(field_value(*ct));
        MediaType mt = split_media_type(ctv.token);
        if (mt.type.empty()) {
            ph.content_type_defaulted = true;
            if (ct && !ctv.token.empty())
                defect("entity " + std::to_string(index) + ": Content-Type \"" +
                       ctv.token.substr(0, 64) + "\" has no subtype: text/plain assumed");
            if (!ct && in_digest) {
                mt = MediaType{"message", "rfc822"};  // RFC 2046 5.1.5
            } else {
                mt = MediaType{"text", "plain"};
                if (!ct || !ctv.has_param("charset")) ph.charset = "us-ascii";  // RFC 2045 5.2
            }
        }
        ph.media_type = mt.type + "/" + mt.subtype;
        if (ph.charset.empty()) ph.charset = ctv.param("charset");
        if (ph.media_type == "text/plain") {
            ph.flowed = util::equals_nocase(ctv.param("format"), "flowed");
            ph.delsp = ph.flowed && util::equals_nocase(ctv.param("delsp"), "yes");
        }
        if (const Field* cte = find_field("Content-Transfer-Encoding"))
            ph.transfer_encoding = parse_field_value(field_value(*cte)).token;
        if (const Field* cd = find_field("Content-Disposition"))
            ph.filename = parse_field_value(field_value(*cd)).param("filename");
        if (ph.filename.empty()) ph.filename = ctv.param("name");
        if (ph.filename.find("=?") != std::string::npos) ph.filename = decode_rfc2047(ph.filename);

        std::string canonical;  // the Content-Type mimetic gets
        if (mt.type == "multipart") {
            std::string boundary = ctv.param("boundary");
            if (boundary.empty()) {
                defect("entity " + std::to_string(index) + ": " + ph.media_type +
                       " without boundary read as text/plain");
                ph.media_type = "text/plain";
            } else if (depth >= limits_.max_depth) {
                report_depth_limit();
                ph.kind = PartHeader::Kind::depth_limited;
            } else {
                ph.kind = PartHeader::Kind::multipart;
                Frame f;
                f.boundary = std::move(boundary);
                f.token = token_prefix_ + std::to_string(frame_counter_++) + "_";
                f.media_type = ph.media_type;
                f.depth = depth;
                f.part_index = index;
                f.digest = mt.subtype == "digest";
                canonical = "multipart/" + mt.subtype + "; boundary=" + f.token;
                frames_.push_back(std::move(f));
            }
        } else if (mt.type == "message" && (mt.subtype == "rfc822" || mt.subtype == "global")) {
            if (ph.transfer_encoding == "base64" || ph.transfer_encoding == "quoted-printable") {
                defect("entity " + std::to_string(index) + ": encoded " + ph.media_type +
                       " not descended");
                ph.kind = PartHeader::Kind::depth_limited;
            } else if (depth >= limits_.max_depth) {
                report_depth_limit();
                ph.kind = PartHeader::Kind::depth_limited;
            } else {
                ph.kind = PartHeader::Kind::message;
                canonical = "message/rfc822";
            }
        }
        if (canonical.empty()) canonical = "application/octet-stream";
        ++entity_count_;

        std::string& out = r_.text;
        out.append(kPartIndexField);
        out.append(": ");
        out.append(std::to_string(index));
        out.push_back('\n');
        for (const Field& f : fields_) {
            if (util::equals_nocase(field_name(f), "Content-Type")) continue;
            out.append(header_, f.begin, f.end - f.begin);
            out.push_back('\n');
        }
        out.append("Content-Type: ");
        out.append(canonical);
        out.append("\n\n");
        PartHeader::Kind kind = ph.kind;
        r_.parts.push_back(std::move(ph));
        return kind;
    }

    void report_depth_limit() {
        if (depth_limit_reported_) return;
        depth_limit_reported_ = true;
        defect("nesting deeper than " + std::to_string(limits_.max_depth) +
               " levels: inner entities not descended");
    }

    std::string_view raw_;
    const MimeLimits& limits_;
    PrescannedMail& r_;
    std::size_t pos_ = 0;
    std::size_t line_start_ = 0;
    bool had_eol_ = false;  // the line last read ended with a line end
    std::size_t nl_ = kUnset;
    std::size_t cr_ = kUnset;
    std::string token_prefix_;
    std::vector<Frame> frames_;
    std::size_t frame_counter_ = 0;
    std::size_t entity_count_ = 0;
    bool part_limit_reported_ = false;
    bool depth_limit_reported_ = false;
    std::string header_;
    std::vector<Field> fields_;
};

}  // namespace

PrescannedMail prescan_mail(std::string_view raw, const MimeLimits& limits) {
    PrescannedMail result;
    Prescanner(raw, limits, result).run();
    return result;
}

}  // namespace autodns
