#include "mail/policy.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "util/text.hpp"

namespace autodns {
namespace {

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
    return domain == from_domain || util::ends_with(from_domain, "." + domain) ||
           util::ends_with(domain, "." + from_domain);
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
    const std::string want = util::to_lower(authserv_id);
    const std::string from_domain = util::to_lower(domain_of(from_address));
    for (const std::string& field : fields) {
        const AuthResults ar = parse_auth_results(field);
        if (ar.authserv_id != want) continue;
        return std::any_of(ar.results.begin(), ar.results.end(),
                           [&](const MethodResult& mr) { return vouches_for(mr, from_domain); });
    }
    return false;
}

}  // namespace

util::Expected<TrustedSender> check_policy(const MailHeaders& headers, const MailPolicy& policy) {
    TrustedSender sender;
    if (!policy.allowed_from_domains.empty()) {
        const std::string& address = headers.from_address;
        const std::size_t at = address.rfind('@');
        if (at == std::string::npos) {
            return util::Failure{"untrusted: no sender address in From"};
        }
        const std::string domain = util::to_lower(address.substr(at + 1));
        bool allowed = false;
        for (const std::string& candidate : policy.allowed_from_domains) {
            const std::string want = util::to_lower(candidate);
            if (domain == want || util::ends_with(domain, "." + want)) {
                allowed = true;
                break;
            }
        }
        if (!allowed) {
            // The list, so that the reason alone says what to change (the bundled samples come
            // from autodns.example, which a production list rightly does not hold).
            std::string list;
            for (const std::string& candidate : policy.allowed_from_domains) {
                list += (list.empty() ? "" : ", ") + candidate;
            }
            return util::Failure{"untrusted: From domain " + domain +
                                 " is not allowed (allow-from: " + list + ")"};
        }
        sender.from_domain = domain;
    }
    if (!policy.required_authserv_id.empty()) {
        if (!auth_results_pass(headers.authentication_results, policy.required_authserv_id,
                               headers.from_address)) {
            return util::Failure{
                "untrusted: no Authentication-Results pass for the From domain from " +
                policy.required_authserv_id};
        }
    }
    return sender;
}

}  // namespace autodns
