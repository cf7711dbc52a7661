#include "util/charset.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <unordered_map>

#include "util/text.hpp"

namespace autodns::util {
namespace {

const char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// One iconv descriptor per (thread, charset); opening one costs far more than a small mail.
class IconvCache {
  public:
    ~IconvCache() {
        for (auto& entry : map_)
            if (entry.second != invalid()) iconv_close(entry.second);
    }
    // Returns an open descriptor reset to its initial state, or invalid().
    iconv_t get(const std::string& charset) {
        auto it = map_.find(charset);
        if (it == map_.end()) {
            if (map_.size() > 64) return iconv_open("UTF-8", charset.c_str());  // caller closes
            it = map_.emplace(charset, iconv_open("UTF-8", charset.c_str())).first;
        }
        if (it->second != invalid()) iconv(it->second, nullptr, nullptr, nullptr, nullptr);
        return it->second;
    }
    bool cached(const std::string& charset) const { return map_.count(charset) != 0; }
    static iconv_t invalid() { return reinterpret_cast<iconv_t>(-1); }

  private:
    std::unordered_map<std::string, iconv_t> map_;
};

thread_local IconvCache iconv_cache;

// Converts with iconv; invalid input bytes become U+FFFD. Returns false when the charset is
// unknown to iconv.
bool iconv_to_utf8(std::string_view in, const std::string& charset, std::string& out,
                   bool& replaced) {
    bool was_cached = iconv_cache.cached(charset);
    iconv_t cd = iconv_cache.get(charset);
    if (cd == IconvCache::invalid()) return false;
    bool owned = !was_cached && !iconv_cache.cached(charset);
    out.clear();
    out.reserve(in.size() + in.size() / 2 + 16);
    char* src = const_cast<char*>(in.data());
    std::size_t src_left = in.size();
    char buf[16384];
    while (true) {
        char* dst = buf;
        std::size_t dst_left = sizeof buf;
        std::size_t rc =
            iconv(cd, src_left ? &src : nullptr, src_left ? &src_left : nullptr, &dst, &dst_left);
        out.append(buf, sizeof buf - dst_left);
        if (rc != static_cast<std::size_t>(-1)) {
            if (src_left == 0) {
                // Flush any shift state.
                dst = buf;
                dst_left = sizeof buf;
                iconv(cd, nullptr, nullptr, &dst, &dst_left);
                out.append(buf, sizeof buf - dst_left);
                break;
            }
            continue;
        }
        if (errno == E2BIG) continue;
        // EILSEQ or EINVAL (truncated sequence at the end): replace one byte and go on.
        replaced = true;
        out.append(kReplacement);
        if (src_left == 0) break;
        ++src;
        --src_left;
        iconv(cd, nullptr, nullptr, nullptr, nullptr);
        if (src_left == 0) break;
    }
    if (owned) iconv_close(cd);
    return true;
}

struct Alias {
    const char* label;
    const char* canonical;
};

const Alias kAliases[] = {
    {"utf-8", "UTF-8"},
    {"utf8", "UTF-8"},
    {"unicode-1-1-utf-8", "UTF-8"},
    {"x-unicode20utf8", "UTF-8"},
    {"us-ascii", "US-ASCII"},
    {"ascii", "US-ASCII"},
    {"us", "US-ASCII"},
    {"ansi_x3.4-1968", "US-ASCII"},
    {"iso646-us", "US-ASCII"},
    {"iso-ir-6", "US-ASCII"},
    {"iso-8859-1", "ISO-8859-1"},
    {"iso8859-1", "ISO-8859-1"},
    {"iso_8859-1", "ISO-8859-1"},
    {"iso_8859-1:1987", "ISO-8859-1"},
    {"iso88591", "ISO-8859-1"},
    {"iso-88591", "ISO-8859-1"},
    {"latin1", "ISO-8859-1"},
    {"latin-1", "ISO-8859-1"},
    {"l1", "ISO-8859-1"},
    {"iso-ir-100", "ISO-8859-1"},
    {"cp819", "ISO-8859-1"},
    {"ibm819", "ISO-8859-1"},
    {"iso-8859-15", "ISO-8859-15"},
    {"iso8859-15", "ISO-8859-15"},
    {"iso_8859-15", "ISO-8859-15"},
    {"iso885915", "ISO-8859-15"},
    {"latin9", "ISO-8859-15"},
    {"latin-9", "ISO-8859-15"},
    {"l9", "ISO-8859-15"},
    {"windows-1252", "WINDOWS-1252"},
    {"cp1252", "WINDOWS-1252"},
    {"win-1252", "WINDOWS-1252"},
    {"x-cp1252", "WINDOWS-1252"},
    {"windows1252", "WINDOWS-1252"},
    {"iso-8859-2", "ISO-8859-2"},
    {"latin2", "ISO-8859-2"},
    {"windows-1250", "WINDOWS-1250"},
    {"cp1250", "WINDOWS-1250"},
    {"utf-16", "UTF-16"},
    {"utf-16le", "UTF-16LE"},
    {"utf-16be", "UTF-16BE"},
};

// Well-formed UTF-8 as is, else ISO-8859-1: the guess for unknown or missing labels.
// Returns the charset chosen.
const char* guess_utf8_or_latin1(std::string& bytes) {
    if (is_valid_utf8(bytes)) return "UTF-8";
    bytes = latin1_to_utf8(bytes);
    return "ISO-8859-1";
}

}  // namespace

std::string canonical_charset(std::string_view label) {
    std::string l = to_lower(trim(label, " \t\"'"));
    std::size_t star = l.find('*');  // RFC 2231 language suffix
    if (star != std::string::npos) l.erase(star);
    if (l.empty()) return l;
    for (const Alias& a : kAliases)
        if (l == a.label) return a.canonical;
    for (char& c : l)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return l;
}

std::string latin1_to_utf8(std::string_view bytes) {
    std::size_t first = skip_ascii(bytes, 0);
    std::string out;
    out.reserve(bytes.size() + (bytes.size() - first) + 1);
    out.append(bytes.data(), first);
    for (std::size_t i = first; i < bytes.size(); ++i) {
        auto c = static_cast<unsigned char>(bytes[i]);
        if (c < 0x80) {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back(static_cast<char>(0xC0 | (c >> 6)));
            out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
        }
    }
    return out;
}

Utf8Text convert_to_utf8(std::string bytes, std::string_view charset) {
    Utf8Text r;
    const std::string cs = canonical_charset(charset);
    r.charset = cs.empty() ? "US-ASCII" : cs;
    if (cs.empty() || cs == "US-ASCII") {
        if (!is_ascii(bytes)) {
            r.guessed = true;
            r.charset = guess_utf8_or_latin1(bytes);
        }
        r.text = std::move(bytes);
        return r;
    }
    if (cs == "UTF-8") {
        if (!is_valid_utf8(bytes)) {
            r.replaced = true;
            bytes = repair_utf8(bytes);
        }
        r.text = std::move(bytes);
        return r;
    }
    if (cs == "ISO-8859-1") {
        r.text = is_ascii(bytes) ? std::move(bytes) : latin1_to_utf8(bytes);
        return r;
    }
    // Every charset iconv knows that is an ASCII superset maps pure ASCII to itself; UTF-16
    // and friends are not, so only skip the conversion for those known to be.
    bool ascii_superset = cs.rfind("ISO-8859-", 0) == 0 || cs.rfind("WINDOWS-", 0) == 0 ||
                          cs.rfind("KOI8", 0) == 0 || cs.rfind("CP", 0) == 0;
    if (ascii_superset && is_ascii(bytes)) {
        r.text = std::move(bytes);
        return r;
    }
    std::string out;
    if (iconv_to_utf8(bytes, cs, out, r.replaced)) {
        // iconv output is UTF-8 by construction; guard anyway against odd gconv modules.
        if (!is_valid_utf8(out)) {
            r.replaced = true;
            out = repair_utf8(out);
        }
        r.text = std::move(out);
        return r;
    }
    r.unknown_charset = true;
    r.charset = guess_utf8_or_latin1(bytes);
    r.text = std::move(bytes);
    return r;
}

}  // namespace autodns::util
