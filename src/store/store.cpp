// The store's shared part: locations, the backend table, the factory, the scoped batch.
#include "store/store.hpp"

#include <cctype>

#include "core/errors.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

constexpr const char* supported_forms =
    "a file path or sqlite:PATH for SQLite, postgresql://... or postgres://... for PostgreSQL";

bool is_postgres_uri(const std::string& location) {
    return util::starts_with(location, "postgresql://") ||
           util::starts_with(location, "postgres://");
}

// The "scheme" of "scheme://...", or empty when `location` does not start like a URI.
std::string uri_scheme(const std::string& location) {
    const auto sep = location.find("://");
    if (sep == std::string::npos || sep == 0) return {};
    if (!std::isalpha(static_cast<unsigned char>(location[0]))) return {};
    for (std::size_t i = 1; i < sep; ++i) {
        const unsigned char c = static_cast<unsigned char>(location[i]);
        if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return {};
    }
    return location.substr(0, sep);
}

struct Backends {
    StoreOpener sqlite = nullptr;
    StoreOpener postgres = nullptr;
};

Backends& backends() {
    static Backends table{&open_sqlite_store, nullptr};
    return table;
}

}  // namespace

util::Expected<void> check_prune_policy(const PrunePolicy& policy) {
    const std::pair<const char*, int> ages[] = {{"raw-days", policy.raw_days},
                                                {"receipt-days", policy.receipt_days},
                                                {"quarantine-days", policy.quarantine_days},
                                                {"notification-days", policy.notification_days}};
    for (const auto& [name, days] : ages) {
        if (days < 0) {
            return util::Failure{std::string(name) + " " + std::to_string(days) +
                                 " is negative (0 keeps forever, else at least " +
                                 std::to_string(prune_minimum_days) + " days)"};
        }
        if (days > 0 && days < prune_minimum_days) {
            return util::Failure{std::string(name) + " " + std::to_string(days) +
                                 " is below the minimum of " + std::to_string(prune_minimum_days) +
                                 " days (the AutoDNS mail fallback comes 24 h late; 0 keeps "
                                 "forever)"};
        }
        if (days > 36500) {
            return util::Failure{std::string(name) + " " + std::to_string(days) +
                                 " is more than 36500 days (use 0 to keep forever)"};
        }
    }
    return {};
}

std::string prune_cutoff(std::int64_t now, int days) {
    if (days <= 0) return {};
    return util::format_utc_iso8601(now - static_cast<std::int64_t>(days) * 86400);
}

util::Expected<void> check_store_location(const std::string& location) {
    if (location.empty()) {
        return util::Failure{"empty database location (give " + std::string(supported_forms) + ")"};
    }
    if (is_postgres_uri(location)) return {};
    if (util::starts_with(location, "sqlite:")) {
        if (location.size() == 7) return util::Failure{"sqlite: needs a file path (sqlite:PATH)"};
        return {};
    }
    if (std::string scheme = uri_scheme(location); !scheme.empty()) {
        return util::Failure{"unsupported database scheme '" + scheme +
                             "://' (supported: " + supported_forms + ")"};
    }
    return {};
}

StoreBackend store_backend_of(const std::string& location) {
    return is_postgres_uri(location) ? StoreBackend::postgres : StoreBackend::sqlite;
}

std::string redacted_location(const std::string& location) {
    if (!is_postgres_uri(location)) return location;
    std::string s = location;
    // postgresql://user:password@host/...: the password ends at the last '@' of the authority.
    const auto authority = s.find("://") + 3;
    const auto end = s.find_first_of("/?#", authority);
    const auto at = s.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at != std::string::npos && at >= authority) {
        const auto colon = s.find(':', authority);
        if (colon != std::string::npos && colon < at) s.replace(colon + 1, at - colon - 1, "***");
    }
    // ...?password=secret&...
    for (std::size_t pos = s.find("password="); pos != std::string::npos;
         pos = s.find("password=", pos + 1)) {
        if (pos > 0 && s[pos - 1] != '?' && s[pos - 1] != '&') continue;
        const auto value = pos + 9;
        const auto stop = s.find('&', value);
        s.replace(value, stop == std::string::npos ? std::string::npos : stop - value, "***");
    }
    return s;
}

const char* outbox_state_name(OutboxState state) {
    switch (state) {
        case OutboxState::pending:
            return "pending";
        case OutboxState::done:
            return "done";
        case OutboxState::dead:
            return "dead";
    }
    return "pending";
}

Store::~Store() = default;

Store::Batch::Batch(Store& store) : store_(store) {
    store_.begin_batch();
}

Store::Batch::~Batch() {
    if (!ended_) store_.rollback_batch();
}

void Store::Batch::commit() {
    ended_ = true;
    store_.commit_batch();
}

void register_store_backend(StoreBackend backend, StoreOpener opener) {
    (backend == StoreBackend::sqlite ? backends().sqlite : backends().postgres) = opener;
}

bool store_backend_linked(StoreBackend backend) {
    return (backend == StoreBackend::sqlite ? backends().sqlite : backends().postgres) != nullptr;
}

std::unique_ptr<Store> open_store(const StoreOptions& options) {
    if (const auto usable = check_store_location(options.location); !usable) {
        throw FatalError("database " + redacted_location(options.location) + ": " + usable.error(),
                         false);
    }
    const StoreBackend backend = store_backend_of(options.location);
    const StoreOpener opener =
        backend == StoreBackend::sqlite ? backends().sqlite : backends().postgres;
    if (!opener) {
        throw FatalError("database " + redacted_location(options.location) +
                             ": the PostgreSQL backend is not built into this executable",
                         false);
    }
    return opener(options);
}

}  // namespace autodns
