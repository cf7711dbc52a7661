// Header field values of a MIME entity: parameters (RFC 2045/2231), encoded words (RFC 2047),
// addresses. Pure string functions, independent of mimetic, never throw for bad input.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace autodns {

// A parameterized field value: "text/plain; charset=utf-8" or "attachment; filename=a.xml".
struct FieldValue {
    std::string token;  // lower case, without comments and whitespace: "text/plain", "attachment"
    // Parameters in order of appearance; names lower case, values unquoted, backslash escapes
    // resolved, RFC 2231 sections joined and decoded to UTF-8 ("filename*0*=", "boundary*=").
    std::vector<std::pair<std::string, std::string>> params;

    // Value of the first parameter named `name` (lower case), or "" when absent.
    std::string param(std::string_view name) const;
    bool has_param(std::string_view name) const;
};

// Parses a parameterized value. A ';' inside a quoted string does not split, a missing ';'
// between parameters is tolerated, comments in parentheses are skipped. An RFC 2231 value
// (name*=charset'lang'%xx) and continuations (name*0=, name*1*=) replace a plain value of the
// same name.
FieldValue parse_field_value(std::string_view raw);

// A media type split into lower-case type and subtype; both empty when `token` has no '/'.
struct MediaType {
    std::string type;
    std::string subtype;
};
MediaType split_media_type(std::string_view token);

// addr-spec of the first mailbox in an address list ("AutoDNS <NoReply@x>" -> "noreply@x"),
// lower case; "" when there is none. Quoted display names and comments are skipped.
std::string first_address(std::string_view address_list);

// Removes CR and LF (header unfolding); runs of other whitespace are kept.
std::string unfold(std::string_view value);

}  // namespace autodns
