// The PostgreSQL store: connection and session settings, schema and migrations, ingest,
// outbox, queries. libpqxx errors are translated by postgres/errors.hpp.
#include "store/postgres/postgres_store.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <ctime>
#include <type_traits>
#include <utility>

#include "core/errors.hpp"
#include "parse/record_json.hpp"
#include "store/postgres/errors.hpp"
#include "store/postgres/report_queries.hpp"
#include "store/postgres/schema.hpp"
#include "util/charset.hpp"
#include "util/io.hpp"
#include "util/text.hpp"
#include "util/time.hpp"

namespace autodns {
namespace {

namespace sql = postgres_sql;
using postgres_errors::translate_current;

constexpr int max_attempts = 5;  // serialization failures and deadlocks

// Text columns must be valid UTF-8 without NUL bytes (the server refuses anything else). Mail
// headers are not always: such bytes become U+FFFD rather than losing the input.
std::string clean_text(const std::string& s) {
    if (s.find('\0') == std::string::npos && util::is_valid_utf8(s)) return s;
    std::string out = util::repair_utf8(s);
    std::string::size_type pos;
    while ((pos = out.find('\0')) != std::string::npos) out.replace(pos, 1, "\xEF\xBF\xBD");
    return out;
}

// A parameter: the text, or SQL NULL.
struct Param {
    bool null = true;
    std::string text;
};
Param text_param(const std::string& s) {
    return s.empty() ? Param{} : Param{false, clean_text(s)};
}
Param opt_param(const std::optional<std::string>& s) {
    return s ? Param{false, clean_text(*s)} : Param{};
}
Param int_param(std::int64_t v) {
    return Param{false, std::to_string(v)};
}

// A text[] literal, or NULL for an empty list.
Param array_param(const std::vector<std::string>& items) {
    if (items.empty()) return {};
    std::string a = "{";
    for (const std::string& item : items) {
        if (a.size() > 1) a += ',';
        a += '"';
        for (char c : clean_text(item)) {
            if (c == '"' || c == '\\') a += '\\';
            a += c;
        }
        a += '"';
    }
    return Param{false, a + "}"};
}

// The parameter as libpqxx binds it: nullptr is SQL NULL.
const char* bind(const Param& p) {
    return p.null ? nullptr : p.text.c_str();
}

// bytea parameters travel in binary; libpqxx 6's binarystring holds its own copy.
pqxx::binarystring bytes(std::string_view b) {
    return pqxx::binarystring(b.data(), b.size());
}

std::string field_text(const pqxx::field& f) {
    return f.is_null() ? std::string() : std::string(f.c_str(), f.size());
}
std::optional<std::string> field_optional(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return std::string(f.c_str(), f.size());
}
std::int64_t field_int(const pqxx::field& f) {
    return f.is_null() ? 0 : f.as<std::int64_t>();
}
std::optional<std::int64_t> field_optional_int(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return f.as<std::int64_t>();
}
std::string field_bytes(const pqxx::field& f) {
    if (f.is_null()) return {};
    pqxx::binarystring b(f);
    return b.str();
}

// "...connect_timeout=N" added to a URI that has none, so that an unreachable server costs
// at most the busy timeout (libpq waits for the operating system otherwise).
std::string with_connect_timeout(const std::string& uri, int busy_timeout_ms) {
    if (uri.find("connect_timeout=") != std::string::npos) return uri;
    const int seconds = std::max(2, (busy_timeout_ms + 999) / 1000);
    return uri + (uri.find('?') == std::string::npos ? "?" : "&") +
           "connect_timeout=" + std::to_string(seconds);
}

Channel channel_of(const pqxx::field& f, const std::string& location) {
    const std::string name = field_text(f);
    if (auto channel = channel_from_name(name)) return *channel;
    throw FatalError("database " + location + ": unknown channel \"" + name + "\" in a row", false);
}

OutboxState outbox_state_from(const std::string& name, const std::string& location) {
    for (OutboxState s : {OutboxState::pending, OutboxState::done, OutboxState::dead}) {
        if (name == outbox_state_name(s)) return s;
    }
    throw FatalError("database " + location + ": unknown outbox state \"" + name + "\"", false);
}

}  // namespace

class PostgresStore::Impl {
  public:
    Impl(const StoreOptions& options, std::string shown)
        : options_(options), shown_(std::move(shown)) {
        try {
            connect();
            prepare_schema();
        } catch (...) {
            throw translate_current(shown_, stage_);
        }
    }

    ~Impl() { batch_tx_.reset(); }

    const std::string& shown() const { return shown_; }

    // Runs `body(tx)` as one write transaction, or inside the open batch under a savepoint.
    // Serialization failures and deadlocks run it again (max_attempts in all): outside a batch
    // the whole transaction, inside it the one call, after ROLLBACK TO SAVEPOINT. A lost
    // connection outside a batch is reopened once and the transaction run again (it was not
    // committed: a loss during COMMIT is in_doubt and not retried). Anything else, or the last
    // failure, leaves as FatalError; inside a batch the whole batch is then rolled back.
    //
    // The savepoint is set and released by statements of our own, not pqxx::subtransaction:
    // libpqxx 6 sends a subtransaction's SAVEPOINT only at its first exec(), never before an
    // exec_prepared() or exec_params(), so the body ran without one and a retry met "current
    // transaction is aborted".
    template <typename Body>
    auto write(const char* doing, Body&& body) -> decltype(body(std::declval<pqxx::work&>())) {
        using Result = decltype(body(std::declval<pqxx::work&>()));
        bool reconnected = false;
        for (int attempt = 1;; ++attempt) {
            try {
                if (batch_tx_) {
                    batch_tx_->exec("SAVEPOINT ingest");
                    try {
                        if constexpr (std::is_void_v<Result>) {
                            body(*batch_tx_);
                            batch_tx_->exec("RELEASE SAVEPOINT ingest");
                            return;
                        } else {
                            Result r = body(*batch_tx_);
                            batch_tx_->exec("RELEASE SAVEPOINT ingest");
                            return r;
                        }
                    } catch (...) {
                        bool rolled_back = false;
                        if (postgres_errors::current_is_retryable() && attempt < max_attempts) {
                            try {
                                batch_tx_->exec("ROLLBACK TO SAVEPOINT ingest");
                                rolled_back = true;
                            } catch (...) {
                                // the connection is gone: the batch ends below
                            }
                        }
                        if (rolled_back) continue;
                        throw;
                    }
                }
                ensure_connected();
                pqxx::work tx(*conn_);
                if constexpr (std::is_void_v<Result>) {
                    body(tx);
                    tx.commit();
                    return;
                } else {
                    Result r = body(tx);
                    tx.commit();
                    return r;
                }
            } catch (...) {
                if (batch_tx_) {
                    end_batch_quietly();
                    throw translate_current(shown_, doing);
                }
                if (postgres_errors::current_is_retryable() && attempt < max_attempts) continue;
                if (postgres_errors::current_is_broken_connection()) {
                    const bool in_doubt = is_in_doubt();
                    conn_.reset();
                    if (!reconnected && !in_doubt) {
                        reconnected = true;
                        continue;
                    }
                }
                throw translate_current(shown_, doing);
            }
        }
    }

    // Runs `body(tx)` as a read: in the batch when one is open, else in a transaction of its
    // own. A lost connection is reopened once.
    template <typename Body>
    auto read(const char* doing, Body&& body) -> decltype(body(std::declval<pqxx::work&>())) {
        for (int attempt = 1;; ++attempt) {
            try {
                if (batch_tx_) return body(*batch_tx_);
                ensure_connected();
                pqxx::work tx(*conn_);
                return body(tx);
            } catch (...) {
                if (batch_tx_) {
                    end_batch_quietly();
                } else if (postgres_errors::current_is_broken_connection()) {
                    conn_.reset();
                    if (attempt == 1) continue;
                }
                throw translate_current(shown_, doing);
            }
        }
    }

    void begin_batch() {
        if (batch_tx_) throw FatalError("database " + shown_ + ": batch already open", false);
        for (int attempt = 1;; ++attempt) {
            try {
                ensure_connected();
                batch_tx_ = std::make_unique<pqxx::work>(*conn_);
                return;
            } catch (...) {
                batch_tx_.reset();
                if (postgres_errors::current_is_broken_connection()) {
                    conn_.reset();
                    if (attempt == 1) continue;
                }
                throw translate_current(shown_, "beginning a batch");
            }
        }
    }

    void commit_batch() {
        if (!batch_tx_) {
            throw FatalError("database " + shown_ + ": no batch open to commit", false);
        }
        std::unique_ptr<pqxx::work> tx = std::move(batch_tx_);
        try {
            tx->commit();
        } catch (...) {
            const bool broken = postgres_errors::current_is_broken_connection();
            const FatalError e = translate_current(shown_, "committing a batch");
            tx.reset();
            if (broken) conn_.reset();
            throw FatalError(e.what(), e.temporary());
        }
    }

    void rollback_batch() noexcept { end_batch_quietly(); }

    bool in_batch() const { return batch_tx_ != nullptr; }

    int schema_version() {
        return read("reading the schema version",
                    [&](pqxx::transaction_base& tx) { return read_version(tx); });
    }

    template <typename Body>
    auto snapshot(const char* doing, Body&& body) {
        for (int attempt = 1;; ++attempt) {
            try {
                ensure_connected();
                pqxx::transaction<pqxx::repeatable_read, pqxx::readwrite_policy::read_only> tx(
                    *conn_);
                return body(tx);
            } catch (...) {
                if (postgres_errors::current_is_broken_connection()) {
                    conn_.reset();
                    if (attempt == 1) continue;
                }
                throw translate_current(shown_, doing);
            }
        }
    }

    const StoreOptions& options() const { return options_; }

    // The hot statements, prepared or not (see connect()).
    template <typename... Args>
    pqxx::result exec_ingest(pqxx::transaction_base& tx, Args&&... args) {
        if (prepared_) return tx.exec_prepared("ingest", std::forward<Args>(args)...);
        return tx.exec_params(sql::insert_notification_and_receipt, std::forward<Args>(args)...);
    }
    template <typename... Args>
    pqxx::result exec_outbox(pqxx::transaction_base& tx, Args&&... args) {
        if (prepared_) return tx.exec_prepared("insert_outbox", std::forward<Args>(args)...);
        return tx.exec_params(sql::insert_outbox, std::forward<Args>(args)...);
    }
    template <typename... Args>
    pqxx::result exec_seen_raw(pqxx::transaction_base& tx, Args&&... args) {
        if (prepared_) return tx.exec_prepared("seen_raw", std::forward<Args>(args)...);
        return tx.exec_params(sql::seen_raw, std::forward<Args>(args)...);
    }

    // Runs `text` outside any transaction (VACUUM cannot run inside one).
    void run_outside_transaction(const char* doing, const char* text) {
        if (batch_tx_) throw FatalError("database " + shown_ + ": " + doing + " inside a batch");
        try {
            ensure_connected();
            pqxx::nontransaction tx(*conn_);
            tx.exec(text);
        } catch (...) {
            throw translate_current(shown_, doing);
        }
    }

  private:
    void connect() {
        stage_ = "connecting";
        conn_ = std::make_unique<pqxx::connection>(
            with_connect_timeout(options_.location, options_.busy_timeout_ms));
        stage_ = "setting up the session";
        pqxx::nontransaction tx(*conn_);
        const int lock_ms = std::max(1, options_.busy_timeout_ms);
        // One round trip for the whole session set-up (the filter pays it at every mail). A
        // statement that runs much longer than any lock wait is stuck (a server in trouble):
        // give up and let the caller retry.
        tx.exec("SET lock_timeout = " + std::to_string(lock_ms) +
                "; SET statement_timeout = " + std::to_string(std::max(30000, lock_ms * 6)) +
                "; SET synchronous_commit = " + (options_.durable_ack ? "on" : "off") +
                "; SET client_encoding = 'UTF8'" +
                (options_.read_only ? "; SET default_transaction_read_only = on" : ""));
        // A process that stores one input (the filter) runs each statement once: preparing
        // would cost a round trip more. Everyone else parses and plans them once.
        prepared_ = options_.workload != StoreWorkload::per_message;
        if (prepared_) {
            conn_->prepare("ingest", sql::insert_notification_and_receipt);
            conn_->prepare("insert_outbox", sql::insert_outbox);
            conn_->prepare("seen_raw", sql::seen_raw);
        }
        stage_ = "working";
    }

    void ensure_connected() {
        if (conn_ && conn_->is_open()) return;
        conn_.reset();
        connect();
    }

    static int read_version(pqxx::transaction_base& tx) {
        pqxx::result exists = tx.exec("SELECT to_regclass('autodns_schema') IS NOT NULL");
        if (!exists[0][0].as<bool>()) return 0;
        pqxx::result r = tx.exec("SELECT max(version) FROM autodns_schema");
        return r.empty() || r[0][0].is_null() ? 0 : r[0][0].as<int>();
    }

    void check_version(int version) const {
        if (version > sql::latest_version) {
            throw FatalError("database " + shown_ + ": schema version " + std::to_string(version) +
                                 " is newer than this program knows (" +
                                 std::to_string(sql::latest_version) + "); upgrade autodns-notify",
                             false);
        }
    }

    // Creates or migrates the schema. Concurrent openers serialize on an advisory lock held
    // until the migrating transaction ends; the others then find the work done.
    void prepare_schema() {
        stage_ = "reading the schema version";
        int version = 0;
        {
            pqxx::nontransaction tx(*conn_);
            version = read_version(tx);
        }
        check_version(version);
        if (version == sql::latest_version) return;
        stage_ = "migrating the schema";
        if (options_.read_only) {
            throw FatalError("database " + shown_ + ": schema version " + std::to_string(version) +
                                 " is older than " + std::to_string(sql::latest_version) +
                                 (version == 0 ? " (nothing stored yet)" : "") +
                                 "; open it once for writing to create or migrate it",
                             false);
        }
        for (int attempt = 1;; ++attempt) {
            try {
                pqxx::work tx(*conn_);
                tx.exec("SELECT pg_advisory_xact_lock(" + std::to_string(sql::migration_lock_key) +
                        ")");
                tx.exec(sql::create_version_table);
                version = read_version(tx);
                check_version(version);
                for (int step = version; step < sql::latest_version; ++step) {
                    tx.exec(sql::migrations[step].sql);
                }
                tx.exec("DELETE FROM autodns_schema");
                tx.exec("INSERT INTO autodns_schema (version) VALUES (" +
                        std::to_string(sql::latest_version) + ")");
                tx.commit();
                return;
            } catch (...) {
                // Two first openers may race on CREATE TABLE IF NOT EXISTS before the lock.
                if (attempt < max_attempts && postgres_errors::current_is_retryable()) continue;
                if (attempt < max_attempts && is_unique_violation()) continue;
                throw;
            }
        }
    }

    static bool is_unique_violation() {
        try {
            throw;
        } catch (const pqxx::sql_error& e) {
            return e.sqlstate() == "23505" || e.sqlstate() == "42P07";
        } catch (...) {
            return false;
        }
    }

    static bool is_in_doubt() {
        try {
            throw;
        } catch (const pqxx::in_doubt_error&) {
            return true;
        } catch (...) {
            return false;
        }
    }

    // Rolls the batch back; the transaction object goes before the connection it refers to.
    void end_batch_quietly() noexcept {
        bool broken = false;
        try {
            if (batch_tx_) batch_tx_->abort();
        } catch (...) {
            broken = true;
        }
        try {
            batch_tx_.reset();
        } catch (...) {
            broken = true;
        }
        if (broken) conn_.reset();
    }

    StoreOptions options_;
    std::string shown_;  // the location without its password
    const char* stage_ = "connecting";
    std::unique_ptr<pqxx::connection> conn_;
    std::unique_ptr<pqxx::work> batch_tx_;
    bool prepared_ = false;
};

PostgresStore::PostgresStore(const StoreOptions& options)
    : Store(StoreBackend::postgres, redacted_location(options.location)),
      impl_(std::make_unique<Impl>(options, redacted_location(options.location))) {}

PostgresStore::~PostgresStore() = default;

IngestResult PostgresStore::ingest(const std::vector<Notification>& notifications,
                                   const Arrival& arrival, const std::string& raw_payload,
                                   const std::vector<std::string>* prepared_records) {
    IngestResult result;
    if (notifications.empty()) return result;
    for (const Notification& n : notifications) {
        if (n.key.empty()) throw ItemError("notification without a key (assign_key not called)");
    }
    std::vector<std::string> made;
    if (!prepared_records || prepared_records->size() != notifications.size()) {
        made.reserve(notifications.size());
        for (const Notification& n : notifications) made.push_back(record_to_json(n));
        prepared_records = &made;
    }
    const std::vector<std::string>& records = *prepared_records;
    const std::string received_at =
        arrival.received_at.empty() ? util::now_utc_iso8601() : arrival.received_at;
    const std::string channel = channel_name(arrival.channel);
    const std::string now = std::to_string(util::now_unix());
    const Param locator = text_param(arrival.locator);
    const Param message_id = text_param(arrival.message_id);
    const Param raw_sha256 = text_param(arrival.raw_sha256);
    const pqxx::binarystring raw = bytes(raw_payload);

    result = impl_->write("storing notifications", [&](pqxx::transaction_base& tx) {
        IngestResult r;
        for (std::size_t i = 0; i < notifications.size(); ++i) {
            const Notification& n = notifications[i];
            const Param key = text_param(n.key);
            const Param id = n.id ? int_param(*n.id) : Param{};
            const std::string record = clean_text(records[i]);
            pqxx::result inserted =
                impl_->exec_ingest(tx, bind(key), bind(id), n.kind.c_str(), bind(opt_param(n.type)),
                                   bind(opt_param(n.task)), bind(opt_param(n.status.type)),
                                   bind(opt_param(n.status.code)), bind(opt_param(n.object.type)),
                                   bind(opt_param(n.object.value)), bind(opt_param(n.stid)),
                                   bind(opt_param(n.created)), format_name(n.format),
                                   record.c_str(), raw, channel.c_str(), received_at.c_str(),
                                   bind(locator), bind(message_id), bind(raw_sha256));
            const bool is_new = inserted[0][0].as<int>() > 0;
            if (!is_new) {
                ++r.duplicate_count;
                continue;
            }
            ++r.new_count;
            r.new_keys.push_back(n.key);
            if (!router()) continue;
            for (const std::string& handler : router()(n)) {
                impl_->exec_outbox(tx, bind(key), bind(text_param(handler)), now.c_str());
            }
        }
        return r;
    });
    result.outcome = result.new_count > 0 ? IngestOutcome::stored : IngestOutcome::duplicate;
    return result;
}

void PostgresStore::quarantine(const Arrival& arrival, std::string_view raw,
                               const std::string& reason) {
    const std::string received_at =
        arrival.received_at.empty() ? util::now_utc_iso8601() : arrival.received_at;
    const pqxx::binarystring raw_bytes = bytes(raw);
    impl_->write("quarantining an input", [&](pqxx::transaction_base& tx) {
        tx.exec_params(sql::insert_quarantine, channel_name(arrival.channel),
                       bind(text_param(arrival.locator)), bind(text_param(arrival.message_id)),
                       bind(text_param(arrival.raw_sha256)), raw_bytes, clean_text(reason).c_str(),
                       received_at.c_str());
    });
}

bool PostgresStore::seen_raw(const std::string& raw_sha256) {
    if (raw_sha256.empty()) return false;
    return impl_->read("looking up a raw fingerprint", [&](pqxx::transaction_base& tx) {
        pqxx::result r = impl_->exec_seen_raw(tx, clean_text(raw_sha256).c_str());
        return r[0][0].as<bool>();
    });
}

bool PostgresStore::finish_bulk_load() {
    if (impl_->in_batch() || impl_->options().read_only) return false;
    try {
        impl_->write("analyzing after a bulk load", [&](pqxx::transaction_base& tx) {
            tx.exec("ANALYZE notifications, receipts, outbox, report_keys");
        });
        return true;
    } catch (const FatalError&) {
        return false;  // best effort: autovacuum will analyze later
    }
}

bool PostgresStore::in_batch() const {
    return impl_->in_batch();
}

void PostgresStore::begin_batch() {
    impl_->begin_batch();
}
void PostgresStore::commit_batch() {
    impl_->commit_batch();
}
void PostgresStore::rollback_batch() noexcept {
    impl_->rollback_batch();
}

std::vector<OutboxEntry> PostgresStore::claim_outbox(const std::string& owner, int lease_seconds,
                                                     int limit, std::int64_t now,
                                                     const ClaimFilter& filter) {
    if (limit <= 0) return {};
    const std::string& shown = impl_->shown();
    const std::int64_t lease_until = now + lease_seconds;
    auto rows = impl_->write("claiming outbox rows", [&](pqxx::transaction_base& tx) {
        std::vector<OutboxEntry> claimed;
        pqxx::result r = tx.exec_params(
            sql::claim_outbox, std::to_string(now).c_str(), std::to_string(limit).c_str(),
            bind(array_param(filter.handlers)), bind(array_param(filter.keys)),
            clean_text(owner).c_str(), std::to_string(lease_until).c_str());
        for (const auto& row : r) {
            OutboxEntry e;
            e.rowid = field_int(row[0]);
            e.key = field_text(row[1]);
            e.handler = field_text(row[2]);
            e.attempts = static_cast<int>(field_int(row[3]));
            e.next_attempt_at = field_int(row[4]);
            e.created_at = field_int(row[5]);
            e.record_json = field_text(row[6]);
            e.lease_owner = owner;
            e.lease_until = lease_until;
            claimed.push_back(std::move(e));
        }
        return claimed;
    });
    (void)shown;
    std::sort(rows.begin(), rows.end(), [](const OutboxEntry& a, const OutboxEntry& b) {
        return a.next_attempt_at != b.next_attempt_at ? a.next_attempt_at < b.next_attempt_at
                                                      : a.rowid < b.rowid;
    });
    return rows;
}

bool PostgresStore::complete_outbox(std::int64_t rowid, const std::string& owner) {
    return impl_->write("completing an outbox row", [&](pqxx::transaction_base& tx) {
        pqxx::result r =
            tx.exec_params(sql::complete_outbox, std::to_string(rowid).c_str(),
                           clean_text(owner).c_str(), std::to_string(util::now_unix()).c_str());
        return r.affected_rows() == 1;
    });
}

bool PostgresStore::fail_outbox(std::int64_t rowid, const std::string& owner,
                                const std::string& error, std::int64_t next_attempt_at, bool dead) {
    return impl_->write("recording a failed outbox attempt", [&](pqxx::transaction_base& tx) {
        pqxx::result r =
            tx.exec_params(sql::fail_outbox, std::to_string(rowid).c_str(),
                           clean_text(owner).c_str(), clean_text(error).c_str(),
                           std::to_string(next_attempt_at).c_str(), dead ? "true" : "false");
        return r.affected_rows() == 1;
    });
}

std::vector<OutboxEntry> PostgresStore::list_outbox(OutboxState state, std::size_t limit) {
    const std::string& shown = impl_->shown();
    return impl_->read("listing the outbox", [&](pqxx::transaction_base& tx) {
        std::vector<OutboxEntry> rows;
        pqxx::result r = tx.exec_params(sql::list_outbox, outbox_state_name(state),
                                        std::to_string(limit).c_str());
        for (const auto& row : r) {
            OutboxEntry e;
            e.rowid = field_int(row[0]);
            e.key = field_text(row[1]);
            e.handler = field_text(row[2]);
            e.state = outbox_state_from(field_text(row[3]), shown);
            e.attempts = static_cast<int>(field_int(row[4]));
            e.next_attempt_at = field_int(row[5]);
            e.lease_owner = field_optional(row[6]);
            e.lease_until = field_optional_int(row[7]);
            e.last_error = field_optional(row[8]);
            e.created_at = field_int(row[9]);
            e.done_at = field_optional_int(row[10]);
            rows.push_back(std::move(e));
        }
        return rows;
    });
}

std::int64_t PostgresStore::retry_dead() {
    return impl_->write("retrying dead outbox rows", [&](pqxx::transaction_base& tx) {
        pqxx::result r = tx.exec_params(sql::retry_dead, std::to_string(util::now_unix()).c_str());
        return static_cast<std::int64_t>(r.affected_rows());
    });
}

std::vector<Store::StoredRecord> PostgresStore::stored_records(const std::string& since,
                                                               const std::string& until,
                                                               const std::string& after_key,
                                                               std::size_t limit) {
    return impl_->read("reading stored records", [&](pqxx::transaction_base& tx) {
        std::vector<StoredRecord> rows;
        pqxx::result r = tx.exec_params(sql::stored_records, clean_text(since).c_str(),
                                        clean_text(until).c_str(), clean_text(after_key).c_str(),
                                        std::to_string(limit).c_str());
        for (const auto& row : r) rows.push_back({field_text(row[0]), field_text(row[1])});
        return rows;
    });
}

std::int64_t PostgresStore::add_outbox_rows(const std::string& handler,
                                            const std::vector<std::string>& keys,
                                            std::int64_t now) {
    return impl_->write("adding outbox rows", [&](pqxx::transaction_base& tx) {
        std::int64_t added = 0;
        const std::string when = std::to_string(now);
        for (const std::string& key : keys) {
            pqxx::result r = impl_->exec_outbox(tx, clean_text(key).c_str(),
                                                clean_text(handler).c_str(), when.c_str());
            added += static_cast<std::int64_t>(r.affected_rows());
        }
        return added;
    });
}

std::optional<StoredNotification> PostgresStore::find_notification(const std::string& key) {
    const std::string& shown = impl_->shown();
    return impl_->read("reading a notification",
                       [&](pqxx::transaction_base& tx) -> std::optional<StoredNotification> {
                           pqxx::result r =
                               tx.exec_params(sql::find_notification, clean_text(key).c_str());
                           if (r.empty()) return std::nullopt;
                           StoredNotification stored;
                           stored.record_json = field_text(r[0][0]);
                           stored.raw_payload = field_bytes(r[0][1]);
                           stored.first_channel = channel_of(r[0][2], shown);
                           stored.first_received_at = field_text(r[0][3]);
                           try {
                               stored.record = record_from_json(stored.record_json);
                           } catch (const ItemError& e) {
                               throw FatalError("database " + shown + ": unreadable record for " +
                                                    key + ": " + e.what(),
                                                false);
                           }
                           return stored;
                       });
}

std::vector<Receipt> PostgresStore::receipts_for(const std::string& key) {
    const std::string& shown = impl_->shown();
    return impl_->read("reading receipts", [&](pqxx::transaction_base& tx) {
        std::vector<Receipt> rows;
        pqxx::result r = tx.exec_params(sql::receipts_for, clean_text(key).c_str());
        for (const auto& row : r) {
            Receipt rc;
            rc.rowid = field_int(row[0]);
            rc.key = field_text(row[1]);
            rc.channel = channel_of(row[2], shown);
            rc.locator = field_text(row[3]);
            rc.message_id = field_text(row[4]);
            rc.raw_sha256 = field_text(row[5]);
            rc.received_at = field_text(row[6]);
            rows.push_back(std::move(rc));
        }
        return rows;
    });
}

std::vector<QuarantineEntry> PostgresStore::list_quarantine(std::size_t limit) {
    const std::string& shown = impl_->shown();
    return impl_->read("reading the quarantine", [&](pqxx::transaction_base& tx) {
        std::vector<QuarantineEntry> rows;
        pqxx::result r = tx.exec_params(sql::list_quarantine, std::to_string(limit).c_str());
        for (const auto& row : r) {
            QuarantineEntry q;
            q.rowid = field_int(row[0]);
            q.channel = channel_of(row[1], shown);
            q.locator = field_text(row[2]);
            q.message_id = field_text(row[3]);
            q.raw_sha256 = field_text(row[4]);
            q.raw = field_bytes(row[5]);
            q.reason = field_text(row[6]);
            q.received_at = field_text(row[7]);
            rows.push_back(std::move(q));
        }
        return rows;
    });
}

StoreCounts PostgresStore::counts() {
    return impl_->read("counting rows", [&](pqxx::transaction_base& tx) {
        StoreCounts c;
        pqxx::result r = tx.exec(sql::counts);
        c.notifications = field_int(r[0][0]);
        c.receipts = field_int(r[0][1]);
        c.quarantined = field_int(r[0][2]);
        c.outbox_pending = field_int(r[0][3]);
        c.outbox_done = field_int(r[0][4]);
        c.outbox_dead = field_int(r[0][5]);
        return c;
    });
}

ReportRows PostgresStore::report_rows(const ReportWindow& window) {
    ReportRows rows = impl_->snapshot("reading the report", [&](pqxx::transaction_base& tx) {
        ReportRows r;
        postgres_report::load(tx, window, r);
        r.pruned_before = tx.exec(postgres_sql::prune::pruned_before)[0][0].as<std::string>();
        return r;
    });
    rows.database = impl_->shown();
    rows.schema_version = postgres_sql::latest_version;
    return rows;
}

int PostgresStore::schema_version() {
    return impl_->schema_version();
}

int PostgresStore::latest_schema_version() const {
    return postgres_sql::latest_version;
}

PruneResult PostgresStore::prune(const PrunePolicy& policy, std::int64_t now, bool dry_run) {
    if (const auto valid = check_prune_policy(policy); !valid) {
        throw FatalError("database " + impl_->shown() + ": " + valid.error(), false);
    }
    namespace q = postgres_sql::prune;
    const std::string notification_cutoff = prune_cutoff(now, policy.notification_days);
    const std::string receipt_cutoff = prune_cutoff(now, policy.receipt_days);
    const std::string quarantine_cutoff = prune_cutoff(now, policy.quarantine_days);
    const std::string raw_cutoff = prune_cutoff(now, policy.raw_days);
    PruneResult result;

    if (dry_run) {
        return impl_->snapshot(
            "counting what retention would remove", [&](pqxx::transaction_base& tx) {
                pqxx::result r = tx.exec_params(q::count_all, bind(text_param(notification_cutoff)),
                                                bind(text_param(receipt_cutoff)),
                                                bind(text_param(quarantine_cutoff)),
                                                bind(text_param(raw_cutoff)));
                result.notifications = r[0][0].as<std::int64_t>();
                result.notification_receipts = r[0][1].as<std::int64_t>();
                result.notification_outbox = r[0][2].as<std::int64_t>();
                result.receipts = r[0][3].as<std::int64_t>();
                result.quarantined = r[0][4].as<std::int64_t>();
                result.quarantine_bytes = r[0][5].as<std::int64_t>();
                result.raw_payloads = r[0][6].as<std::int64_t>();
                result.raw_payload_bytes = r[0][7].as<std::int64_t>();
                return result;
            });
    }

    const std::string now_text = util::format_utc_iso8601(now);
    const std::string batch_rows = std::to_string(prune_batch_rows);
    // Runs `batch` (one statement, see schema.hpp) in one transaction each time, until it
    // picks fewer than prune_batch_rows rows; `add` takes each result row.
    auto batches = [&](const char* doing, const std::string& cutoff, const char* batch,
                       const char* first, bool lock, auto&& add) {
        if (cutoff.empty()) return false;
        std::string after = first;
        bool removed = false;
        for (;;) {
            // Counted once the transaction committed: write() may run the body again.
            const pqxx::result r = impl_->write(doing, [&](pqxx::transaction_base& tx) {
                if (!lock) {
                    return tx.exec_params(batch, cutoff.c_str(), after.c_str(), batch_rows.c_str());
                }
                tx.exec(q::lock_notifications);
                return tx.exec_params(batch, cutoff.c_str(), after.c_str(), batch_rows.c_str(),
                                      now_text.c_str());
            });
            const std::int64_t picked = r[0][0].as<std::int64_t>();
            if (picked > 0) after = r[0][1].as<std::string>();
            add(r[0]);
            removed = removed || picked > 0;
            if (picked < prune_batch_rows) return removed;
        }
    };
    auto record_horizon = [&](const char* name, const std::string& cutoff) {
        impl_->write("recording the prune horizon", [&](pqxx::transaction_base& tx) {
            tx.exec_params(q::record_horizon, name, cutoff.c_str());
        });
    };
    if (batches("pruning notifications", notification_cutoff, q::notifications_batch, "", true,
                [&](const pqxx::row& row) {
                    result.notifications += row[2].as<std::int64_t>();
                    result.notification_receipts += row[3].as<std::int64_t>();
                    result.notification_outbox += row[4].as<std::int64_t>();
                })) {
        record_horizon("notifications", notification_cutoff);
    }
    if (batches("pruning receipts", receipt_cutoff, q::receipts_batch, "0", false,
                [&](const pqxx::row& row) { result.receipts += row[2].as<std::int64_t>(); })) {
        record_horizon("receipts", receipt_cutoff);
    }
    if (batches("pruning the quarantine", quarantine_cutoff, q::quarantine_batch, "0", false,
                [&](const pqxx::row& row) {
                    result.quarantined += row[2].as<std::int64_t>();
                    result.quarantine_bytes += row[3].as<std::int64_t>();
                })) {
        record_horizon("quarantine", quarantine_cutoff);
    }
    if (batches("dropping raw payloads", raw_cutoff, q::raw_payloads_batch, "", false,
                [&](const pqxx::row& row) {
                    result.raw_payloads += row[2].as<std::int64_t>();
                    result.raw_payload_bytes += row[3].as<std::int64_t>();
                })) {
        record_horizon("raw", raw_cutoff);
    }
    return result;
}

PruneHorizons PostgresStore::prune_horizons() {
    return impl_->read("reading the prune horizons", [&](pqxx::transaction_base& tx) {
        PruneHorizons h;
        for (const auto& row : tx.exec(postgres_sql::prune::read_horizons)) {
            const std::string policy = row[0].as<std::string>();
            const std::string horizon = row[1].as<std::string>();
            if (policy == "raw") h.raw = horizon;
            if (policy == "receipts") h.receipts = horizon;
            if (policy == "quarantine") h.quarantine = horizon;
            if (policy == "notifications") h.notifications = horizon;
        }
        return h;
    });
}

bool PostgresStore::reclaim_space() {
    if (impl_->in_batch()) return false;
    impl_->run_outside_transaction("vacuuming", postgres_sql::prune::vacuum);
    return true;
}

std::unique_ptr<Store> open_postgres_store(const StoreOptions& options) {
    return std::make_unique<PostgresStore>(options);
}

void register_postgres_backend() {
    register_store_backend(StoreBackend::postgres, &open_postgres_store);
}

}  // namespace autodns
