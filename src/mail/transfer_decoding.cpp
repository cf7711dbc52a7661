#include "mail/transfer_decoding.hpp"
#include "util/text.hpp"

#include <array>
#include <cstdint>

namespace autodns {
namespace {

constexpr std::uint8_t kWhite = 0xFE;
constexpr std::uint8_t kBad = 0xFF;
constexpr std::uint8_t kPad = 0xFD;

constexpr std::array<std::uint8_t, 256> make_base64_table() {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t) v = kBad;
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 64; ++i)
        t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
    t[' '] = t['\t'] = t['\r'] = t['\n'] = t['\f'] = t['\v'] = kWhite;
    t['='] = kPad;
    return t;
}

constexpr auto kBase64 = make_base64_table();

}  // namespace

bool decode_base64(std::string_view in, std::string& out) {
    out.clear();
    out.reserve(in.size() / 4 * 3 + 3);
    bool valid = true;
    std::uint32_t acc = 0;
    int bits = 0;  // sextets in `acc`
    bool padded = false;
    for (unsigned char c : in) {
        std::uint8_t v = kBase64[c];
        if (v < 64) {
            if (padded) {
                // Data after "=": a new run (concatenated encodings); the old quantum is done.
                padded = false;
            }
            acc = (acc << 6) | v;
            if (++bits == 4) {
                out.push_back(static_cast<char>((acc >> 16) & 0xFF));
                out.push_back(static_cast<char>((acc >> 8) & 0xFF));
                out.push_back(static_cast<char>(acc & 0xFF));
                acc = 0;
                bits = 0;
            }
        } else if (v == kWhite) {
            continue;
        } else if (v == kPad) {
            if (!padded) {
                if (bits == 2) {
                    out.push_back(static_cast<char>((acc >> 4) & 0xFF));
                } else if (bits == 3) {
                    out.push_back(static_cast<char>((acc >> 10) & 0xFF));
                    out.push_back(static_cast<char>((acc >> 2) & 0xFF));
                } else if (bits == 1) {
                    valid = false;  // a lone sextet cannot encode a byte
                }
                acc = 0;
                bits = 0;
                padded = true;
            }
        } else {
            valid = false;
        }
    }
    // Unpadded tail: decode what forms whole bytes (common and harmless); one sextet cannot.
    if (bits == 2) {
        out.push_back(static_cast<char>((acc >> 4) & 0xFF));
    } else if (bits == 3) {
        out.push_back(static_cast<char>((acc >> 10) & 0xFF));
        out.push_back(static_cast<char>((acc >> 2) & 0xFF));
    } else if (bits == 1) {
        valid = false;
    }
    return valid;
}

std::string decode_quoted_printable(std::string_view in) {
    std::string out;
    out.reserve(in.size());
    std::size_t i = 0, n = in.size();
    while (i < n) {
        // One line at a time: [i, eol) without the LF.
        std::size_t eol = in.find('\n', i);
        bool has_nl = eol != std::string_view::npos;
        if (!has_nl) eol = n;
        std::size_t end = eol;
        while (end > i && (in[end - 1] == ' ' || in[end - 1] == '\t' || in[end - 1] == '\r')) --end;
        bool soft_break = end > i && in[end - 1] == '=';
        if (soft_break) --end;
        for (std::size_t k = i; k < end; ++k) {
            char c = in[k];
            if (c == '=' && k + 2 < end) {
                int hi = util::hex_digit_value(in[k + 1]);
                int lo = util::hex_digit_value(in[k + 2]);
                if (hi >= 0 && lo >= 0) {
                    out.push_back(static_cast<char>(hi * 16 + lo));
                    k += 2;
                    continue;
                }
            }
            out.push_back(c);
        }
        if (has_nl && !soft_break) out.push_back('\n');
        i = has_nl ? eol + 1 : n;
    }
    return out;
}

}  // namespace autodns
