// Who may send notification mail (DESIGN §5, "Untrusted input"): the From allow-list and
// the Authentication-Results check with DMARC alignment (RFC 8601, RFC 7489). docs/security.md
// states the rules.
#pragma once

#include <string>
#include <vector>

#include "mail/extract.hpp"
#include "util/expected.hpp"

namespace autodns {

struct MailPolicy {
    // From domains allowed (exact or parent: "autodns.example" allows "mx.autodns.example").
    // Empty: any sender.
    std::vector<std::string> allowed_from_domains;
    // When set, an Authentication-Results field from this authserv-id must report a pass
    // (dmarc, dkim or spf).
    std::string required_authserv_id;
};

// A sender that passed the policy.
struct TrustedSender {
    std::string from_domain;  // the From domain, lower case; empty when any sender is allowed
};

// Does the mail pass the policy? The sender, or the reason it is untrusted ("untrusted: ...").
util::Expected<TrustedSender> check_policy(const MailHeaders& headers, const MailPolicy& policy);

}  // namespace autodns
