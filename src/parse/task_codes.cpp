#include "parse/task_codes.hpp"

#include <cctype>

#include "util/text.hpp"

namespace autodns {
namespace {

struct Entry {
    const char* code;
    const char* name;
};

// Verbatim from the "Which order types trigger a push notification?" table of seed 000.
constexpr Entry kTaskTable[] = {
    {"0101", "DomainCreate"},
    {"0101003", "DomainRenew"},
    {"0101005", "DomainRestore"},
    {"0102", "DomainUpdate"},
    {"0102002", "DomainStatusUpdate"},
    {"0102005", "DomainRegistrarStatusUpdate"},
    {"0102007", "DomainDnsSecUpdate"},
    {"0102008", "DomainNameserverUpdate"},
    {"0103", "DomainDelete"},
    {"0103101", "DomainCancelationCreate"},
    {"0103102", "DomainCancelationUpdate"},
    {"0104", "DomainTransfer"},
    {"0104010", "DomainOwnerChange"},
    {"0109", "DomainImport"},
    {"0110001", "DomainPreregCreate"},
    {"0110007", "DomainPreregConfirm"},
    {"0120001", "DNSSecCreate"},
    {"0120002", "DNSSecUpdate"},
    {"0120003", "DNSSecDelete"},
    {"0201", "ZoneCreate"},
    {"0202", "ZoneUpdate"},
    {"0202001", "ZoneUpdateBulk"},
    {"0203", "ZoneDelete"},
    {"0301", "ContactCreate"},
    {"0302", "ContactUpdate"},
    {"0303", "ContactDelete"},
    {"0501", "RedirectCreate"},
    {"0502", "RedirectUpdate"},
    {"0503", "RedirectDelete"},
    {"0511", "MailProxyCreate"},
    {"0512", "MailProxyUpdate"},
    {"0513", "MailProxyDelete"},
    {"0521", "BackupMxCreate"},
    {"0523", "BackupMxDelete"},
    {"1301002", "UserUpdate"},
    {"1301014", "UserProfileUpdate"},
    {"400101", "CertificateCreate"},
    {"400102", "CertificateReissue"},
    {"400103", "CertificateDelete"},
    {"400106", "CertificateRenew"},
    {"400201", "ContactCreate"},
    {"400202", "ContactUpdate"},
};

}  // namespace

std::string task_digits(std::string_view status_code) {
    std::string_view s = util::trim(status_code);
    while (!s.empty() && std::isalpha(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    if (!util::all_digits(s)) return {};
    return std::string(s);
}

std::optional<TaskMatch> match_task_code(std::string_view status_code) {
    const std::string digits = task_digits(status_code);
    if (digits.empty()) return std::nullopt;
    const Entry* best = nullptr;
    std::size_t best_length = 0;
    for (const Entry& e : kTaskTable) {
        const std::string_view code(e.code);
        if (code.size() > best_length && digits.compare(0, code.size(), code) == 0) {
            best = &e;
            best_length = code.size();
        }
    }
    if (!best) return std::nullopt;
    return TaskMatch{best->code, best->name};
}

}  // namespace autodns
